#include "platform/torch_locator.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TEST(TorchLocatorTest, ReadsVersionPyOfRecentWheels) {
  std::string version, cuda;
  ParseTorchVersionFile(
      "from typing import Optional\n\n__all__ = ['__version__', 'debug', "
      "'cuda']\n"
      "__version__ = '2.11.0+cu130'\ndebug = False\n"
      "cuda: Optional[str] = '13.0'\ngit_version = 'abc'\nhip: Optional[str] = "
      "None\n",
      &version, &cuda);
  EXPECT_EQ(version, "2.11.0+cu130");
  EXPECT_EQ(cuda, "13.0");
}

TEST(TorchLocatorTest, CpuBuildsHaveNoCuda) {
  std::string version, cuda;
  ParseTorchVersionFile("__version__ = \"2.5.1+cpu\"\ncuda = None\n", &version,
                        &cuda);
  EXPECT_EQ(version, "2.5.1+cpu");
  EXPECT_EQ(cuda, "");
}

}  // namespace
}  // namespace preflight

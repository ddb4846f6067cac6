// A library as driver.libraries and driver.runtimes record it
// (rules/library_info.h): the fields the report schema's "library" requires,
// the loader's message only where there is one, and a probe's extras beside
// them.
#include "rules/library_info.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TEST(LibraryInfoTest, RecordsWhatTheReportAndItsReadersUse) {
  struct Case {
    const char* name;
    LibraryInfo info;
    bool has_message;
  };
  LibraryInfo loaded{
      "NCCL",   "torch", "loaded", "/venv/nvidia/nccl/lib/libnccl.so.2",
      "2.28.9", 22809,   "",       {}};
  loaded.extra["soname"] = "libnccl.so.2";
  const LibraryInfo missing{"cuDNN",
                            "system",
                            "missing",
                            "",
                            "",
                            0,
                            "libcudnn.so.9: cannot open shared object file",
                            {}};
  const Case cases[] = {{"loaded, with an extra", loaded, false},
                        {"missing, with the loader's words", missing, true}};
  for (const Case& c : cases) {
    const nlohmann::ordered_json j = c.info.ToJson();
    for (const char* key : {"name", "origin", "status", "path", "version"}) {
      ASSERT_TRUE(j.contains(key)) << c.name << ": " << key;
    }
    EXPECT_EQ(j["name"], c.info.name) << c.name;
    EXPECT_EQ(j["origin"], c.info.origin) << c.name;
    EXPECT_EQ(j.contains("message"), c.has_message) << c.name;
    if (c.has_message) EXPECT_EQ(j["message"], c.info.message);
  }
  EXPECT_EQ(loaded.ToJson()["soname"], "libnccl.so.2");
  // The first keys stay in the order the console's library table reads.
  EXPECT_EQ(loaded.ToJson().begin().key(), "name");
}

}  // namespace
}  // namespace preflight

#include "platform/host_facts.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace preflight {
namespace {

TEST(HostFactsTest, AllowListKeepsGpuVariablesAndDropsSecrets) {
  EXPECT_TRUE(IsReportableVariable("CUDA_VISIBLE_DEVICES"));
  EXPECT_TRUE(IsReportableVariable("NCCL_DEBUG"));
  EXPECT_TRUE(IsReportableVariable("TORCHINDUCTOR_CACHE_DIR"));
  EXPECT_TRUE(IsReportableVariable("LD_LIBRARY_PATH"));
  EXPECT_FALSE(IsReportableVariable("AWS_SECRET_ACCESS_KEY"));
  EXPECT_FALSE(IsReportableVariable("HF_TOKEN"));
  EXPECT_FALSE(IsReportableVariable("DB_PASSWORD"));
  EXPECT_FALSE(IsReportableVariable("HOME"));
  // An allowed prefix does not let a secret through.
  EXPECT_FALSE(IsReportableVariable("NCCL_IB_PASSWORD"));
  EXPECT_FALSE(IsReportableVariable("TORCH_HUB_TOKEN"));
}

TEST(HostFactsTest, EnvironmentBlockHoldsOnlyAllowedVariables) {
  setenv("NCCL_DEBUG", "WARN", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak", 1);
  const auto facts = CollectHostFacts();
  const auto& env = facts["environment"];
  EXPECT_EQ(env["NCCL_DEBUG"], "WARN");
  EXPECT_FALSE(env.contains("AWS_SECRET_ACCESS_KEY"));
  EXPECT_EQ(facts.dump().find("do-not-leak"), std::string::npos);
  EXPECT_FALSE(facts["hostname"].get<std::string>().empty());
  unsetenv("AWS_SECRET_ACCESS_KEY");
}

}  // namespace
}  // namespace preflight

#include "platform/node_facts.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

// Issue 29: the facts between probes, read typed from what the producers
// record (the shapes of driver.kernel_module's, driver.cuda_init's and
// driver.libraries' facts).
TEST(NodeFactsTest, ReadsWhatTheProducersRecord) {
  JobLibraries libraries;
  libraries.torch_lib_dir = "/venv/lib/python3.12/site-packages/torch/lib";
  const nlohmann::json recorded = {
      {"driver",
       {{"kernel_module_version", "580.159.04"}, {"open_kernel_module", true}}},
      {"cuda",
       {{"driver_cuda_version", "13.0"}, {"driver_cuda_version_code", 13000}}},
      {"job_libraries", libraries.ToJson()},
      {"torch_import",
       {{"fails", true},
        {"package_dir", "/x/torch"},
        {"summary", "the job's `import torch` fails"},
        {"remediation", "take /x out of PYTHONPATH"}}},
      // driver.libraries' list (torch's NCCL first is not assumed) and
      // host.nccl_env's settings.
      {"libraries",
       {{{"name", "cuBLAS"}, {"origin", "torch"}, {"version", "13.1"}},
        {{"name", "NCCL"}, {"origin", "system"}, {"version", "2.28.3"}},
        {{"name", "NCCL"}, {"origin", "torch"}, {"version", "2.28.9"}}}},
      {"nccl_settings", {{"NCCL_DEBUG", "WARN"}}},
      {"nccl_setting_findings", nlohmann::json::array()}};
  const NodeFacts facts = NodeFacts::Read(recorded);
  EXPECT_EQ(facts.kernel_module_version, "580.159.04");
  EXPECT_EQ(facts.driver_cuda_version_code, 13000);
  ASSERT_TRUE(facts.job_libraries.has_value());
  EXPECT_EQ(facts.job_libraries->torch_lib_dir, libraries.torch_lib_dir);
  ASSERT_TRUE(facts.torch_import.has_value());
  EXPECT_TRUE(facts.torch_import->fails);
  EXPECT_EQ(facts.torch_import->remediation, "take /x out of PYTHONPATH");
  EXPECT_EQ(facts.torch_nccl_version, "2.28.9");
  ASSERT_TRUE(facts.nccl_settings.has_value());
  EXPECT_EQ(facts.nccl_settings->in_force["NCCL_DEBUG"], "WARN");
}

TEST(NodeFactsTest, AnAbsentFactStaysEmpty) {
  const NodeFacts none = NodeFacts::Read(nlohmann::json::object());
  EXPECT_FALSE(none.job_libraries.has_value());
  EXPECT_FALSE(none.torch_import.has_value());
  EXPECT_EQ(none.kernel_module_version, "");
  EXPECT_EQ(none.driver_cuda_version_code, 0);
  EXPECT_EQ(none.torch_nccl_version, "");
  EXPECT_FALSE(none.nccl_settings.has_value());
  // A torch that imports is recorded too, and reads as not failing.
  const NodeFacts ok = NodeFacts::Read({{"torch_import", {{"fails", false}}}});
  ASSERT_TRUE(ok.torch_import.has_value());
  EXPECT_FALSE(ok.torch_import->fails);
}

}  // namespace
}  // namespace preflight

// The worker's result line (worker/result_line.h): a module's result goes on
// it as the module wrote it, and the supervisor reads it with the worker's
// part applied.
#include "worker/result_line.h"

#include <gtest/gtest.h>

#include <string>

namespace preflight {
namespace {

TEST(ResultLineTest, ModuleTextIsSplicedInUnchanged) {
  // Key order and number spelling as the module wrote them: a decode and
  // re-encode would reorder an unordered object and respell 1.50.
  const std::string module_json =
      R"({"outcome":"pass","summary":"ok","probe":"cudnn.conv","metrics":[{"name":"conv_tflops","value":1.50,"unit":"TFLOP/s"}]})";
  WorkerPart part;
  part.probe = "cudnn.conv";
  part.duration_ms = 12.5;
  part.module = "cudnn";
  const std::string line = ComposeResultLine(part, module_json);
  EXPECT_NE(line.find(module_json), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(ResultLineTest, WorkerPartIsAppliedOnRead) {
  WorkerPart part;
  part.probe = "tensor.gemm";
  part.duration_ms = 42;
  part.module = "cuda";
  part.metrics.push_back({"module_load_ms", 3.5, "ms", {}});
  part.details["waited_for_background_nccl_registration_ms"] = 7.0;
  const std::string line = ComposeResultLine(
      part,
      R"({"outcome":"warn","summary":"slow","duration_ms":1,)"
      R"("metrics":[{"name":"tf32_tflops","value":300,"unit":"TFLOP/s"}],)"
      R"("details":{"dtype":"tf32"}})");
  ProbeResult r;
  std::string error;
  ASSERT_TRUE(ParseResultLine(line, &r, &error)) << error;
  EXPECT_EQ(r.probe, "tensor.gemm");  // the module need not repeat the id
  EXPECT_EQ(r.outcome, Outcome::kWarn);
  EXPECT_EQ(r.duration_ms, 42);  // the worker's clock, not the module's
  ASSERT_EQ(r.metrics.size(), 2u);
  EXPECT_EQ(r.metrics[0].name, "tf32_tflops");
  EXPECT_EQ(r.metrics[1].name, "module_load_ms");
  EXPECT_EQ(r.details["dtype"], "tf32");
  EXPECT_EQ(r.details["waited_for_background_nccl_registration_ms"], 7.0);
}

TEST(ResultLineTest, PrettyPrintedModuleTextFitsOnOneLine) {
  std::string text = "{\n  \"outcome\": \"pass\",\n  \"summary\": \"a\\nb\"\n}";
  ASSERT_TRUE(ForwardableModuleResult(&text));
  EXPECT_EQ(text.find('\n'), std::string::npos);
  WorkerPart part;
  part.probe = "x.y";
  ProbeResult r;
  std::string error;
  ASSERT_TRUE(ParseResultLine(ComposeResultLine(part, text), &r, &error))
      << error;
  EXPECT_EQ(r.summary, "a\nb");  // a line break inside a string survives
}

TEST(ResultLineTest, UnreadableResultsAreRefusedWithTheirCause) {
  struct Case {
    const char* name;
    std::string line;
    const char* error_part;
  };
  WorkerPart module_part;
  module_part.probe = "nccl.all_reduce";
  module_part.module = "nccl";
  std::string truncated = R"({"outcome":"pass","summ)";
  EXPECT_FALSE(ForwardableModuleResult(&truncated));
  const Case cases[] = {
      {"not JSON", "{not json", "not JSON"},
      {"no envelope", R"({"probe":"a.b","outcome":"pass"})", "no result"},
      {"a module's result without an outcome",
       ComposeResultLine(module_part, R"({"summary":"x"})"),
       "module nccl returned an unreadable result"},
  };
  for (const Case& c : cases) {
    ProbeResult r;
    std::string error;
    EXPECT_FALSE(ParseResultLine(c.line, &r, &error)) << c.name;
    EXPECT_NE(error.find(c.error_part), std::string::npos)
        << c.name << ": " << error;
  }
}

}  // namespace
}  // namespace preflight

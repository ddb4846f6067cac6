#include "rules/gemm.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

GemmPrecisionResult Rate(const std::string& name, double tflops,
                         double tolerance) {
  GemmPrecisionResult p;
  p.name = name;
  p.tolerance = tolerance;
  p.before.count = p.after.count = 1024;
  p.before.relative_error = p.after.relative_error = tolerance / 100;
  p.tflops = tflops;
  p.size = 8192;
  return p;
}

// The H200's quick run (the fixture reports): fp32 50.6, tf32 412.7, bf16
// 788.9, fp16 757.6 TFLOP/s, every product within tolerance.
GemmObservation H200() {
  GemmObservation seen;
  seen.cublas_version = "13.1.0.3";
  seen.cublas_path = "/site/nvidia/cu13/lib/libcublas.so.13";
  seen.cublas_origin = "torch wheel";
  seen.precisions = {Rate("fp32", 50.6, 1e-5), Rate("tf32", 412.7, 5e-3),
                     Rate("bf16", 788.9, 1e-2), Rate("fp16", 757.6, 5e-3)};
  seen.gpu = "00000000:18:00.0";
  return seen;
}

ProbeContext OnH200() {
  ProbeContext inputs;
  inputs.probe = "tensor.gemm";
  inputs.gpu_name = "NVIDIA H200";
  return inputs;
}

TEST(GemmJudgeTest, Judgements) {
  ProbeResult r = JudgeGemm(H200(), OnH200());
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.summary;
  EXPECT_EQ(r.summary,
            "cuBLAS 13.1.0.3 (torch wheel) exact to tolerance in "
            "fp32/tf32/bf16/fp16; TFLOP/s fp32 50.6, tf32 412.7, bf16 788.9, "
            "fp16 757.6");

  GemmObservation wrong = H200();
  wrong.precisions[0].after.relative_error = 0.01;
  wrong.tf32_override = true;
  r = JudgeGemm(wrong, OnH200());
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.summary.find("GEMM gives wrong results: fp32 (error 0.01 > "),
            std::string::npos)
      << r.summary;
  EXPECT_EQ(r.remediation.rfind("NVIDIA_TF32_OVERRIDE=1 is set", 0), 0u);

  GemmObservation slow = H200();
  slow.precisions[2].tflops = 300;  // below 60 % of 989.4
  r = JudgeGemm(slow, OnH200());
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.summary.find("GEMM below this model's limit: bf16 300.0 < "
                           "593.6 TFLOP/s"),
            std::string::npos)
      << r.summary;

  // Issue 30: TF32 off by NVIDIA_TF32_OVERRIDE=0 runs the TF32 case at
  // the FP32 rate. The setting is the cause, not the GPU: a warn naming it.
  GemmObservation tf32_off = H200();
  tf32_off.precisions[1].tflops = 50.9;
  const auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "NVIDIA_TF32_OVERRIDE") return "0";
    return std::nullopt;
  };
  tf32_off.settings = SettingsInForce(env);
  r = JudgeGemm(tf32_off, OnH200());
  EXPECT_EQ(r.outcome, Outcome::kWarn) << r.summary;
  EXPECT_EQ(r.summary.rfind("GEMM below this model's limit because of the "
                            "job's settings, not the GPU: tf32 50.9 < ",
                            0),
            0u)
      << r.summary;
  EXPECT_NE(r.summary.find("(NVIDIA_TF32_OVERRIDE=0); NVIDIA_TF32_OVERRIDE=0 "
                           "is set: TF32 is off in cuBLAS"),
            std::string::npos)
      << r.summary;
  EXPECT_EQ(r.remediation.rfind("unset NVIDIA_TF32_OVERRIDE", 0), 0u);
  // Without the setting the same rate is the GPU's: a fail.
  tf32_off.settings.clear();
  EXPECT_EQ(JudgeGemm(tf32_off, OnH200()).outcome, Outcome::kFail);
  // With another rate low too, the fail stands and names both.
  tf32_off.settings = SettingsInForce(env);
  tf32_off.precisions[2].tflops = 300;
  r = JudgeGemm(tf32_off, OnH200());
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.summary.find("(also low, by the job's settings: tf32 50.9"),
            std::string::npos)
      << r.summary;

  ProbeContext unknown = OnH200();
  unknown.gpu_name = "NVIDIA Future GPU";
  r = JudgeGemm(slow, unknown);
  EXPECT_EQ(r.outcome, Outcome::kPass);
  EXPECT_NE(r.summary.find("no built-in limits for 'NVIDIA Future GPU'"),
            std::string::npos);
}

}  // namespace
}  // namespace preflight

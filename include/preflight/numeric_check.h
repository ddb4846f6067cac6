// How results are compared with a higher-precision reference, and the
// tolerances per precision. Relative Frobenius error ‖out − ref‖ / ‖ref‖;
// a NaN or infinity anywhere fails regardless of the norm.
#ifndef PREFLIGHT_NUMERIC_CHECK_H_
#define PREFLIGHT_NUMERIC_CHECK_H_

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "preflight/result.h"

namespace preflight {

enum class Precision { kFp32, kTf32, kBf16, kFp16 };

std::string_view PrecisionName(Precision p);  // "fp32", "tf32", …

// Largest acceptable relative error for a result computed in `p` with FP32
// accumulation and stored in `p` (reference/measurement.md, METHOD.md):
// fp32 lands far under 1e-5 for these sizes, tf32 near 3e-4, fp16 output
// rounding ~2.4e-4 and bf16 ~2e-3 relative per element.
double Tolerance(Precision p);

struct ErrorStats {
  double relative_error = 0;  // Frobenius norm ratio
  double max_abs_error = 0;
  size_t nonfinite = 0;  // NaN/inf among the results
  size_t count = 0;

  // True when the error is finite, within `tolerance`, and nothing is NaN.
  bool Within(double tolerance) const {
    return nonfinite == 0 && count > 0 && relative_error <= tolerance;
  }
};

ErrorStats CompareToReference(const double* got, const double* ref, size_t n);

// Median of the values (the mean of the middle two for an even count); 0
// for none.
double Median(std::vector<double> values);

// The spread of per-run values (runs, min, max, median absolute deviation).
Spread SpreadOf(const std::vector<double>& per_run);

// The noise of one reading: the larger of 1.4826 x MAD (a robust standard
// deviation) and half the min-max range (a floor where timings are
// quantized and the MAD is 0); nullopt without a recorded spread of 2+ runs.
std::optional<double> MeasuredNoise(const Metric& m);
// The spread of the rates `work / (ms * 1e-3)` of each timed run: a
// GEMM's TFLOP/s from its per-run milliseconds and its TFLOP, say.
Spread RateSpread(const std::vector<double>& ms, double work);

}  // namespace preflight

#endif  // PREFLIGHT_NUMERIC_CHECK_H_

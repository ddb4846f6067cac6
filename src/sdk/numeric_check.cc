#include "preflight/numeric_check.h"

#include <algorithm>
#include <cmath>

namespace preflight {

std::string_view PrecisionName(Precision p) {
  switch (p) {
    case Precision::kFp32:
      return "fp32";
    case Precision::kTf32:
      return "tf32";
    case Precision::kBf16:
      return "bf16";
    case Precision::kFp16:
      return "fp16";
  }
  return "unknown";
}

double Tolerance(Precision p) {
  switch (p) {
    case Precision::kFp32:
      return 1e-5;
    case Precision::kTf32:
      return 3e-3;  // 10-bit mantissa inputs: ~3e-4 typical, 10x margin
    case Precision::kBf16:
      return 1e-2;  // 8-bit mantissa output: ~1e-3 typical
    case Precision::kFp16:
      return 3e-3;  // 11-bit mantissa output: ~2.5e-4 typical
  }
  return 0;
}

ErrorStats CompareToReference(const double* got, const double* ref, size_t n) {
  ErrorStats s;
  s.count = n;
  double diff_sq = 0;
  double ref_sq = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(got[i])) {
      ++s.nonfinite;
      continue;
    }
    const double d = got[i] - ref[i];
    diff_sq += d * d;
    ref_sq += ref[i] * ref[i];
    s.max_abs_error = std::max(s.max_abs_error, std::fabs(d));
  }
  s.relative_error =
      ref_sq > 0 ? std::sqrt(diff_sq / ref_sq) : (diff_sq > 0 ? INFINITY : 0.0);
  return s;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid]
                                : (values[mid - 1] + values[mid]) / 2;
}

Spread SpreadOf(const std::vector<double>& per_run) {
  Spread s;
  s.runs = static_cast<int>(per_run.size());
  if (per_run.empty()) return s;
  s.min = *std::min_element(per_run.begin(), per_run.end());
  s.max = *std::max_element(per_run.begin(), per_run.end());
  const double median = Median(per_run);
  std::vector<double> deviations;
  deviations.reserve(per_run.size());
  for (double v : per_run) deviations.push_back(std::fabs(v - median));
  s.mad = Median(deviations);
  return s;
}

Spread RateSpread(const std::vector<double>& ms, double work) {
  std::vector<double> rates;
  rates.reserve(ms.size());
  for (double t : ms) {
    if (t > 0) rates.push_back(work / (t * 1e-3));
  }
  return SpreadOf(rates);
}

std::optional<double> MeasuredNoise(const Metric& m) {
  if (!m.spread || m.spread->runs < 2) return std::nullopt;
  // 1.4826 x MAD estimates a standard deviation robustly; half the range
  // keeps a floor where timings are quantized and the MAD comes out 0.
  return std::max(1.4826 * m.spread->mad,
                  (m.spread->max - m.spread->min) / 2.0);
}

}  // namespace preflight

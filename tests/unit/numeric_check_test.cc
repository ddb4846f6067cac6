#include "preflight/numeric_check.h"

#include <gtest/gtest.h>

#include <cmath>

namespace preflight {
namespace {

TEST(NumericCheckTest, ExactResultsHaveNoError) {
  const double ref[] = {1, -2, 3};
  const ErrorStats s = CompareToReference(ref, ref, 3);
  EXPECT_EQ(s.relative_error, 0);
  EXPECT_TRUE(s.Within(1e-12));
}

TEST(NumericCheckTest, RelativeFrobeniusError) {
  const double ref[] = {3, 4};  // norm 5
  const double got[] = {3, 4.5};
  const ErrorStats s = CompareToReference(got, ref, 2);
  EXPECT_NEAR(s.relative_error, 0.1, 1e-12);
  EXPECT_NEAR(s.max_abs_error, 0.5, 1e-12);
  EXPECT_FALSE(s.Within(0.05));
  EXPECT_TRUE(s.Within(0.1));
}

TEST(NumericCheckTest, NanNeverPasses) {
  const double ref[] = {1, 1};
  const double got[] = {1, NAN};
  const ErrorStats s = CompareToReference(got, ref, 2);
  EXPECT_EQ(s.nonfinite, 1u);
  EXPECT_FALSE(s.Within(1e9));
  EXPECT_FALSE(ErrorStats{}.Within(1));  // nothing compared: no pass
}

TEST(NumericCheckTest, TolerancesOrderByPrecision) {
  EXPECT_LT(Tolerance(Precision::kFp32), Tolerance(Precision::kTf32));
  EXPECT_LT(Tolerance(Precision::kFp16), Tolerance(Precision::kBf16));
  EXPECT_LE(Tolerance(Precision::kBf16), 1e-2);
  EXPECT_EQ(PrecisionName(Precision::kTf32), "tf32");
}

TEST(NumericCheckTest, Median) {
  EXPECT_EQ(Median({3, 1, 2}), 2);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(Median({}), 0);
}

}  // namespace
}  // namespace preflight

namespace preflight {
namespace {

TEST(NumericCheckTest, RateSpreadIsOverEachRunsMilliseconds) {
  // 2 TFLOP in 2, 4 and 5 ms: 1000, 500 and 400 TFLOP/s.
  const Spread s = RateSpread({2.0, 4.0, 5.0}, 2.0);
  EXPECT_EQ(s.runs, 3);
  EXPECT_DOUBLE_EQ(s.min, 400.0);
  EXPECT_DOUBLE_EQ(s.max, 1000.0);
  EXPECT_DOUBLE_EQ(s.mad, 100.0);  // deviations from 500: 500, 0, 100
}

}  // namespace
}  // namespace preflight

#include "rules/driver_table.h"

#include <vector>

#include "preflight/strings.h"

namespace preflight {
namespace {

struct Row {
  int cuda;  // encoded toolkit version (GA row of each minor)
  DriverVersionNumber driver;
};

// GA rows of the release notes' table 3 (Linux x86_64). Update rows within a
// minor release only raise the bundled driver; the GA row is the minimum.
const std::vector<Row>& Table() {
  static const std::vector<Row> rows = {
      {13000, {580, 65, 6}},  {12090, {575, 51, 3}}, {12080, {570, 26, 0}},
      {12060, {560, 28, 3}},  {12050, {555, 42, 2}}, {12040, {550, 54, 14}},
      {12030, {545, 23, 6}},  {12020, {535, 54, 3}}, {12010, {530, 30, 2}},
      {12000, {525, 60, 13}}, {11080, {520, 61, 5}}, {11070, {515, 43, 4}},
      {11060, {510, 39, 1}},  {11050, {495, 29, 5}}, {11040, {470, 42, 1}},
      {11030, {465, 19, 1}},  {11020, {460, 27, 3}}, {11010, {455, 23, 0}},
      {11000, {450, 51, 5}},
  };
  return rows;
}

}  // namespace

std::string FormatCudaVersion(int encoded) {
  return std::to_string(encoded / 1000) + "." +
         std::to_string((encoded % 1000) / 10);
}

std::optional<int> ParseCudaVersion(const std::string& text) {
  std::vector<std::string> parts = Split(Trim(text), '.');
  if (parts.size() < 2) return std::nullopt;
  auto major = ParseNonNegativeInt(parts[0]);
  auto minor = ParseNonNegativeInt(parts[1]);
  if (!major || !minor || *major > 99 || *minor > 99) return std::nullopt;
  return *major * 1000 + *minor * 10;
}

std::optional<DriverVersionNumber> BundledDriverFor(int cuda_version) {
  const int minor_version = cuda_version / 10 * 10;  // drop the patch digit
  for (const Row& row : Table()) {
    if (row.cuda == minor_version) return row.driver;
  }
  return std::nullopt;
}

std::optional<int> DriverCudaVersionFor(const DriverVersionNumber& driver) {
  // The rows run newest first.
  for (const Row& row : Table()) {
    if (!(driver < row.driver)) return row.cuda;
  }
  return std::nullopt;
}

std::optional<DriverVersionNumber> MinorCompatibleDriverFor(int cuda_version) {
  switch (cuda_version / 1000) {
    case 13:
      return DriverVersionNumber{580, 0, 0};
    case 12:
      return DriverVersionNumber{525, 60, 13};
    case 11:
      return DriverVersionNumber{450, 80, 2};
    default:
      return std::nullopt;
  }
}

const char* RuntimeVerdictName(RuntimeVerdict::Kind kind) {
  switch (kind) {
    case RuntimeVerdict::Kind::kSupported:
      return "supported";
    case RuntimeVerdict::Kind::kMinorCompatible:
      return "minor_version_compatible";
    case RuntimeVerdict::Kind::kTooOld:
      break;
  }
  return "driver_too_old";
}

RuntimeVerdict JudgeRuntime(
    int runtime_version, int driver_cuda_version,
    const std::optional<DriverVersionNumber>& kernel_driver) {
  RuntimeVerdict v;
  const std::string runtime = FormatCudaVersion(runtime_version);
  const std::string driver_cuda = FormatCudaVersion(driver_cuda_version);
  if (driver_cuda_version >= runtime_version) {
    v.kind = RuntimeVerdict::Kind::kSupported;
    v.explanation =
        "driver supports CUDA " + driver_cuda + " >= runtime " + runtime;
    return v;
  }
  const auto mvc = MinorCompatibleDriverFor(runtime_version);
  const bool same_major = driver_cuda_version / 1000 == runtime_version / 1000;
  if (same_major && mvc && (!kernel_driver || !(*kernel_driver < *mvc))) {
    v.kind = RuntimeVerdict::Kind::kMinorCompatible;
    v.explanation = "runtime " + runtime + " on a CUDA " + driver_cuda +
                    " driver runs through minor-version compatibility, but "
                    "PTX made by CUDA " +
                    runtime + " (Triton, JIT) fails with error 222";
    return v;
  }
  v.kind = RuntimeVerdict::Kind::kTooOld;
  v.explanation =
      "runtime " + runtime + " needs a driver for CUDA " + runtime +
      " (at least " +
      (mvc ? FormatDriverVersion(*mvc) : std::string("a newer branch")) +
      "; the toolkit shipped with " +
      (BundledDriverFor(runtime_version)
           ? FormatDriverVersion(*BundledDriverFor(runtime_version))
           : std::string("an unknown driver")) +
      "), but the driver supports only CUDA " + driver_cuda;
  return v;
}

}  // namespace preflight

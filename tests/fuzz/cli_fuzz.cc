// libFuzzer target: the command line and PREFLIGHT_FAULT. The input is split
// at NUL bytes: the first piece is PREFLIGHT_FAULT, the rest are arguments.
// Every input must end in a parsed run, help text or one error line — never a
// crash, a hang or an exception out of the parser.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "app/cli/options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> pieces(1);
  for (size_t i = 0; i < size && pieces.size() <= 32; ++i) {
    if (data[i] == '\0') {
      pieces.emplace_back();
    } else {
      pieces.back().push_back(static_cast<char>(data[i]));
    }
  }
  std::vector<const char*> argv = {"gpu-preflight"};
  for (size_t i = 1; i < pieces.size(); ++i) argv.push_back(pieces[i].c_str());
  preflight::Options options;
  std::string error, out;
  const auto status =
      preflight::ParseOptions(static_cast<int>(argv.size()), argv.data(),
                              pieces[0].c_str(), &options, &error, &out);
  // A usage error always explains itself.
  if (status == preflight::ParseStatus::kUsageError && error.empty()) {
    __builtin_trap();
  }
  return 0;
}

// Checks the device code embedded in build artifacts: every cubin and PTX
// in the given files must come from a CUDA 12.x toolkit (the driver floor of
// the tool's own code is R525; platform/device_image_abi.h says how that is
// read off an image). Prints one line per image.
//   device_image_check [--expect-sass 70,75,...] [--expect-ptx 100] FILE...
//       exit 0 when every image is CUDA 12.x, at least one was found, and
//       the cubin (and PTX) architectures are exactly those expected;
//   device_image_check --expect-rejected FILE...
//       exit 0 when images were found and every one is rejected (the check
//       must fail on a CUDA-13 artifact).
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "platform/device_image_abi.h"

namespace {

std::set<int> ParseList(const std::string& text) {
  std::set<int> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    out.insert(std::stoi(item));
  return out;
}

std::string Describe(const std::set<int>& archs) {
  std::string out;
  for (int a : archs) out += (out.empty() ? "" : ",") + std::to_string(a);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bool expect_rejected = false;
  std::set<int> want_sass, want_ptx;
  bool check_sass = false, check_ptx = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--expect-rejected") {
      expect_rejected = true;
    } else if (arg == "--expect-sass" && i + 1 < argc) {
      want_sass = ParseList(argv[++i]);
      check_sass = true;
    } else if (arg == "--expect-ptx" && i + 1 < argc) {
      want_ptx = ParseList(argv[++i]);
      check_ptx = true;
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) {
    std::cerr << "usage: device_image_check [--expect-rejected] "
                 "[--expect-sass LIST] [--expect-ptx LIST] FILE...\n";
    return 2;
  }
  int images = 0, rejected = 0;
  bool ok = true;
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << file << ": cannot read\n";
      return 2;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    std::set<int> sass, ptx;
    for (const preflight::DeviceImageVerdict& v :
         preflight::ScanDeviceImages(bytes)) {
      ++images;
      (v.ptx ? ptx : sass).insert(v.arch);
      std::cout << file << " @" << v.offset << ": "
                << (v.ptx ? "PTX compute_" : "cubin sm_") << v.arch;
      if (v.ptx) {
        std::cout << " .version " << v.ptx_isa;
      } else {
        std::cout << " OSABI " << v.osabi << " ABI " << v.abi_version
                  << " CUDA_API_VERSION " << v.api_version;
      }
      std::cout << (v.cuda12 ? "  ok (CUDA 12.x)" : "  REJECTED: " + v.reason)
                << "\n";
      if (!v.cuda12) ++rejected;
    }
    if (!expect_rejected && check_sass && sass != want_sass) {
      std::cout << file << ": cubins for " << Describe(sass) << ", expected "
                << Describe(want_sass) << "\n";
      ok = false;
    }
    if (!expect_rejected && check_ptx && ptx != want_ptx) {
      std::cout << file << ": PTX for " << Describe(ptx) << ", expected "
                << Describe(want_ptx) << "\n";
      ok = false;
    }
  }
  std::cout << images << " device images, " << rejected << " rejected\n";
  if (images == 0) return 1;
  if (expect_rejected) return rejected == images ? 0 : 1;
  return ok && rejected == 0 ? 0 : 1;
}

#include "probes/compile/aoti_package_fit.h"

#include <sys/utsname.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

std::string MetadataValue(const nlohmann::json& metadata, const char* key) {
  const auto it = metadata.find(key);
  return it != metadata.end() && it->is_string() ? it->get<std::string>()
                                                 : std::string();
}

// inductor's ISA words are /proc/cpuinfo flags upper-cased, except AVX512,
// which it picks only where the AVX-512 foundation is there.
std::string CpuFlagFor(const std::string& isa_word) {
  std::string flag;
  for (char c : isa_word) {
    flag += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return flag == "avx512" ? "avx512f" : flag;
}

}  // namespace

PackageFit ComparePackageWithMachine(const nlohmann::json& metadata,
                                     const MachineForPackage& here) {
  PackageFit fit;
  if (!metadata.is_object()) return fit;
  const std::string cc = MetadataValue(metadata, "AOTI_COMPUTE_CAPABILITY");
  std::string gpu_cc;
  for (char c : here.gpu_compute_capability) {
    if (c != '.') gpu_cc += c;
  }
  if (!cc.empty() && !gpu_cc.empty()) {
    if (cc == gpu_cc) {
      fit.matches.push_back("GPU arch sm_" + cc);
    } else {
      fit.mismatches.push_back("the package was built for sm_" + cc +
                               ", this GPU is sm_" + gpu_cc);
    }
  }
  const std::string platform = MetadataValue(metadata, "AOTI_PLATFORM");
  const std::string machine = MetadataValue(metadata, "AOTI_MACHINE");
  if (!platform.empty() || !machine.empty()) {
    const std::string built = Trim(platform + " " + machine);
    const std::string ours = Trim(here.platform + " " + here.machine);
    if ((platform.empty() || platform == here.platform) &&
        (machine.empty() || machine == here.machine)) {
      fit.matches.push_back("platform " + built);
    } else {
      fit.mismatches.push_back("the package was built for " + built +
                               ", this machine is " + ours);
    }
  }
  const std::string isa = MetadataValue(metadata, "AOTI_CPU_ISA");
  if (!isa.empty() && !here.cpu_flags.empty()) {
    std::vector<std::string> missing;
    std::istringstream words(isa);
    for (std::string word; words >> word;) {
      if (here.cpu_flags.count(CpuFlagFor(word)) == 0) missing.push_back(word);
    }
    if (missing.empty()) {
      fit.matches.push_back("CPU ISA " + isa);
    } else {
      fit.mismatches.push_back("the package's CPU code uses " +
                               Join(missing, ", ") + ", which this CPU lacks");
    }
  }
  return fit;
}

MachineForPackage ThisMachineForPackage(const std::string& gpu_cc) {
  MachineForPackage here;
  here.gpu_compute_capability = gpu_cc;
  here.platform = "linux";  // the only platform this tool runs on
  utsname u{};
  if (uname(&u) == 0) here.machine = u.machine;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("flags", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream flags(line.substr(colon + 1));
    for (std::string flag; flags >> flag;) here.cpu_flags.insert(flag);
    break;  // every core lists the same flags
  }
  return here;
}

}  // namespace preflight

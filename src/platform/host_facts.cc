#include "platform/host_facts.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "platform/container.h"
#include "platform/host_root.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

std::string OsPrettyName() {
  if (auto text = ReadSmallFile(HostPath("/etc/os-release"), 16384)) {
    for (const std::string& line : Split(*text, '\n')) {
      if (StartsWith(line, "PRETTY_NAME=")) {
        std::string v = line.substr(12);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
          v = v.substr(1, v.size() - 2);
        }
        return v;
      }
    }
  }
  return "";
}

bool LooksSecret(const std::string& upper) {
  for (const char* marker :
       {"TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL", "AUTH"}) {
    if (upper.find(marker) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

bool IsReportableVariable(const std::string& name) {
  std::string upper = name;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (LooksSecret(upper)) return false;
  static const char* kPrefixes[] = {"CUDA_",  "NCCL_",   "NVIDIA_",
                                    "TORCH",  "TRITON_", "PYTORCH_",
                                    "CUBLAS", "CUDNN_",  "PREFLIGHT_"};
  for (const char* p : kPrefixes) {
    if (StartsWith(name, p)) return true;
  }
  static const char* kExact[] = {"LD_LIBRARY_PATH",
                                 "PATH",
                                 "OMP_NUM_THREADS",
                                 "LOCAL_RANK",
                                 "RANK",
                                 "WORLD_SIZE",
                                 "LOCAL_WORLD_SIZE",
                                 "MASTER_PORT",
                                 "SLURM_JOB_ID",
                                 "SLURM_PROCID",
                                 "OMPI_COMM_WORLD_RANK",
                                 "OMPI_COMM_WORLD_SIZE",
                                 "TMPDIR",
                                 "CC"};
  return std::any_of(std::begin(kExact), std::end(kExact),
                     [&](const char* e) { return name == e; });
}

nlohmann::ordered_json AllowListedEnvironment() {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = entry.substr(0, eq);
    if (IsReportableVariable(name)) vars[name] = entry.substr(eq + 1);
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& [k, v] : vars) out[k] = v;
  return out;
}

std::string HostName() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

nlohmann::ordered_json CollectHostFacts() {
  nlohmann::ordered_json host;
  host["hostname"] = HostName();
  utsname u{};
  if (uname(&u) == 0) {
    host["kernel"] = std::string(u.sysname) + " " + u.release;
    host["machine"] = u.machine;
  }
  host["os"] = OsPrettyName();
  const ContainerInfo c = DetectContainer();
  host["container"] = {{"in_container", c.in_container},
                       {"kind", c.kind},
                       {"evidence", c.evidence}};
  host["environment"] = AllowListedEnvironment();
  // A planted tree (tests only): the verdict is the tree's, not the host's.
  if (const std::string root = TestRoot(); !root.empty()) {
    host["test_root"] = root;
  }
  return host;
}

}  // namespace preflight

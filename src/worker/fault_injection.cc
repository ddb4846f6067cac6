#include "worker/fault_injection.h"

#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

#include "model/manifest.h"
#include "preflight/strings.h"

namespace preflight {

bool ParseFaults(std::string_view text, std::vector<FaultSpec>* faults,
                 std::string* error) {
  faults->clear();
  for (const std::string& item : Split(text, ',')) {
    const std::string entry = Trim(item);
    if (entry.empty()) continue;
    const size_t colon = entry.rfind(':');
    if (colon == std::string::npos) {
      *error = "PREFLIGHT_FAULT entry '" + entry +
               "' has no kind; write <probe-id>:<hang|crash|abort|exit>";
      return false;
    }
    FaultSpec spec;
    std::string target = entry.substr(0, colon);
    const std::string kind = entry.substr(colon + 1);
    if (kind == "hang") {
      spec.kind = FaultKind::kHang;
    } else if (kind == "crash") {
      spec.kind = FaultKind::kCrash;
    } else if (kind == "abort") {
      spec.kind = FaultKind::kAbort;
    } else if (kind == "exit") {
      spec.kind = FaultKind::kExit;
    } else if (kind == "corrupt") {
      spec.kind = FaultKind::kCorrupt;
    } else {
      *error = "PREFLIGHT_FAULT kind '" + kind +
               "' is unknown; use hang, crash, abort, exit or corrupt";
      return false;
    }
    const size_t at = target.find('@');
    if (at != std::string::npos) {
      auto index = ParseNonNegativeInt(target.substr(at + 1));
      if (!index) {
        *error = "PREFLIGHT_FAULT GPU index in '" + entry +
                 "' is not a non-negative integer";
        return false;
      }
      spec.gpu_index = *index;
      target = target.substr(0, at);
    }
    const ProbeSpec* probe = FindProbe(target);
    if (probe == nullptr) {
      *error = "PREFLIGHT_FAULT names unknown probe '" + target +
               "'; `gpu-preflight list` shows the probe ids";
      return false;
    }
    if (spec.kind == FaultKind::kCorrupt && !probe->checks_results) {
      *error = "PREFLIGHT_FAULT: " + target +
               " checks no computed result, so it cannot be corrupted";
      return false;
    }
    spec.probe = target;
    faults->push_back(std::move(spec));
  }
  return true;
}

std::optional<FaultKind> FaultFor(const std::vector<FaultSpec>& faults,
                                  std::string_view probe,
                                  std::optional<int> gpu_index) {
  for (const FaultSpec& f : faults) {
    if (f.probe != probe) continue;
    if (f.gpu_index && f.gpu_index != gpu_index) continue;
    return f.kind;
  }
  return std::nullopt;
}

// A real invalid memory access, not raise(): the kernel delivers the
// SIGSEGV exactly as it would for a bug in a probe. Not instrumented: in the
// sanitizer build UBSan would otherwise stop the null store before it
// happens, and the test would see an exit code instead of the crash.
namespace {
// The address is read from a volatile, so the optimizer cannot see that it
// is null and drop or rewrite the store.
volatile std::uintptr_t g_invalid_address = 0;

__attribute__((noinline, no_sanitize("undefined", "address"))) void
CrashWithInvalidAccess() {
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the point is an invalid pointer
  *reinterpret_cast<volatile int*>(g_invalid_address) = 42;
}
}  // namespace

void InjectFault(FaultKind kind) {
  switch (kind) {
    case FaultKind::kHang: {
      sigset_t block;
      sigemptyset(&block);
      sigaddset(&block, SIGTERM);
      sigprocmask(SIG_BLOCK, &block, nullptr);
      for (;;) pause();
    }
    case FaultKind::kCrash:
      CrashWithInvalidAccess();
      std::abort();  // unreachable unless page 0 is mapped
    case FaultKind::kAbort:
      std::abort();
    case FaultKind::kExit:
      _exit(3);
    case FaultKind::kCorrupt:
      break;  // carried out by the probe itself (ProbeContext)
  }
  std::abort();
}

}  // namespace preflight

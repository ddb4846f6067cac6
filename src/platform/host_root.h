// Where the host, driver and devices probes read /proc, /sys, /dev and /run.
//
// FOR TESTS ONLY. PREFLIGHT_TEST_ROOT=DIR makes every one of those readers
// look under DIR instead (DIR/proc/driver/nvidia/version, DIR/dev/nvidia0,
// DIR/sys/fs/cgroup/cpu.max, DIR/dev/shm, ...), so that a test can plant a
// condition (a missing /dev/nvidia-uvm, a CPU quota, a WSL2 /dev/dxg, a small
// /dev/shm mounted there) and run it through the real binary. What CUDA,
// NVML and the libraries see is not moved: the variable changes what the
// tool reads, never what the job would get. A run with it set says so on the
// console and in the report (host.test_root), so that its verdict is never
// taken for the machine's.
#ifndef PREFLIGHT_PLATFORM_HOST_ROOT_H_
#define PREFLIGHT_PLATFORM_HOST_ROOT_H_

#include <string>

namespace preflight {

inline constexpr const char* kTestRootVariable = "PREFLIGHT_TEST_ROOT";

// The planted root, "" when none is set (the real /).
std::string TestRoot();

// `absolute` ("/proc/driver/nvidia/version") under the planted root, or
// unchanged when none is set.
std::string HostPath(const std::string& absolute);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_HOST_ROOT_H_

// Runs a probe's independent jobs side by side, one thread each, and waits
// for all of them. Probes use it for work whose cost is host time inside a
// library on first use (cuBLAS choosing a GEMM kernel, cuDNN an engine) and
// that does not need the GPU to itself; what is timed runs afterwards,
// alone. A job that touches CUDA must select the device itself (the current
// device is per thread).
#ifndef PREFLIGHT_SIDE_BY_SIDE_H_
#define PREFLIGHT_SIDE_BY_SIDE_H_

#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace preflight {

// Returns once every job has finished; then rethrows the exception of the
// first job (in order) that threw, if any.
inline void RunSideBySide(const std::vector<std::function<void()>>& jobs) {
  std::vector<std::exception_ptr> errors(jobs.size());
  std::vector<std::thread> threads;
  threads.reserve(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    threads.emplace_back([&jobs, &errors, i] {
      try {
        jobs[i]();
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace preflight

#endif  // PREFLIGHT_SIDE_BY_SIDE_H_

#include "preflight/side_by_side.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace preflight {
namespace {

TEST(SideBySideTest, RunsEveryJobOnItsOwnThreadAtOnce) {
  // Each job waits (up to 5 s) until all have started: run one after
  // another, the first would give up without seeing the others.
  constexpr int kJobs = 4;
  std::atomic<int> started{0};
  std::vector<std::thread::id> ids(kJobs);
  std::vector<char> saw_all(kJobs, 0);
  std::vector<std::function<void()>> jobs;
  jobs.reserve(kJobs);
  for (int i = 0; i < kJobs; ++i) {
    jobs.emplace_back([&, i] {
      ids[i] = std::this_thread::get_id();
      ++started;
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (started.load() < kJobs &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      saw_all[i] = started.load() == kJobs ? 1 : 0;
    });
  }
  RunSideBySide(jobs);
  for (int i = 0; i < kJobs; ++i) {
    EXPECT_TRUE(saw_all[i]) << "job " << i << " ran alone";
    EXPECT_NE(ids[i], std::this_thread::get_id());
    for (int j = i + 1; j < kJobs; ++j) EXPECT_NE(ids[i], ids[j]);
  }
}

TEST(SideBySideTest, WaitsForAllThenRethrowsTheFirstJobsError) {
  std::atomic<bool> slow_job_done{false};
  std::vector<std::function<void()>> jobs = {
      [] {},
      [] { throw std::runtime_error("second"); },
      [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        slow_job_done = true;
      },
      [] { throw std::logic_error("fourth"); },
  };
  try {
    RunSideBySide(jobs);
    FAIL() << "expected the second job's exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "second");
  }
  // Nothing is left running behind the exception.
  EXPECT_TRUE(slow_job_done.load());
}

TEST(SideBySideTest, NoJobsIsNothing) { EXPECT_NO_THROW(RunSideBySide({})); }

}  // namespace
}  // namespace preflight

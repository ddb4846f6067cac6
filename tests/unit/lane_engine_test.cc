// The lane engine driven by a fake worker (ninja's FakeCommandRunner): each
// probe id gets a scripted behaviour, and the test checks what the engine
// makes of it. No process is started; the deadlines are real (scaled down).
#include "engine/lane_engine.h"

#include <gtest/gtest.h>

#include <csignal>
#include <map>

#include "worker/result_line.h"

namespace preflight {
namespace {

enum class Act {
  kPass,         // answers at once
  kPassLate,     // answers after 150 ms
  kCrash,        // dies with SIGSEGV
  kExitQuietly,  // exits with code 3, no result
  kGarbage,      // sends a line that is not a result
  kHang,         // never answers; dies when signalled
};

// Raw waitpid statuses, as the kernel encodes them.
int Signalled(int sig) { return sig; }
int Exited(int code) { return code << 8; }

class FakeWorker : public WorkerPort {
 public:
  FakeWorker(pid_t pid, const std::map<std::string, Act>& script,
             std::vector<std::string>* requests)
      : pid_(pid), script_(script), requests_(requests) {}

  pid_t pid() const override { return pid_; }
  std::vector<int> PollFds() const override { return {}; }

  bool SendRequest(const std::string& line) override {
    if (status_) return false;
    const auto request = nlohmann::json::parse(line);
    const std::string probe = request["probe"];
    requests_->push_back(probe);
    const auto it = script_.find(probe);
    const Act act = it == script_.end() ? Act::kPass : it->second;
    const auto now = Clock::now();
    // As a worker writes it: the envelope around the probe's result.
    WorkerPart part;
    part.probe = probe;
    const std::string pass =
        ComposeResultLine(part, R"({"probe":")" + probe +
                                    R"(","outcome":"pass","summary":"ok"})");
    switch (act) {
      case Act::kPass:
        pending_.push_back({now, pass});
        break;
      case Act::kPassLate:
        // Busy in a call that SIGTERM does not interrupt; only SIGKILL
        // ends it.
        pending_.push_back({now + std::chrono::milliseconds(150), pass});
        ignores_sigterm_ = true;
        break;
      case Act::kCrash:
        status_ = Signalled(SIGSEGV);
        break;
      case Act::kExitQuietly:
        status_ = Exited(3);
        break;
      case Act::kGarbage:
        pending_.push_back({now, "{not json"});
        break;
      case Act::kHang:
        break;
    }
    return true;
  }
  bool ReadResults(std::vector<std::string>* lines) override {
    const auto now = Clock::now();
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->first <= now) {
        lines->push_back(it->second);
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    return !status_;
  }
  bool ReadLog(bool /*echo*/) override { return !status_; }
  std::string LogTail() const override { return "fake worker log"; }
  void CloseRequests() override {
    if (!status_) status_ = Exited(0);
  }
  void Terminate() override {
    if (!status_ && !ignores_sigterm_) status_ = Signalled(SIGTERM);
  }
  void Kill() override {
    if (!status_) status_ = Signalled(SIGKILL);
  }
  bool TryReap() override {
    // A result written just before dying is still read (the engine drains
    // after reaping).
    reaped_ = status_.has_value();
    return reaped_;
  }
  bool reaped() const override { return reaped_; }
  int wait_status() const override { return status_.value_or(0); }
  long peak_rss_kib() const override { return 1024; }

 private:
  pid_t pid_;
  const std::map<std::string, Act>& script_;
  std::vector<std::string>* requests_;
  std::vector<std::pair<Clock::time_point, std::string>> pending_;
  std::optional<int> status_;
  bool reaped_ = false;
  bool ignores_sigterm_ = false;
};

class FakeLauncher : public WorkerLauncher {
 public:
  std::unique_ptr<WorkerPort> Launch(const std::vector<std::string>& env,
                                     std::string* error) override {
    environments.push_back(env);
    if (refuse) {
      *error = "cannot fork";
      return nullptr;
    }
    return std::make_unique<FakeWorker>(1000 + launches++, script, &requests);
  }
  std::map<std::string, Act> script;
  std::vector<std::string> requests;
  std::vector<std::vector<std::string>> environments;
  int launches = 0;
  bool refuse = false;
};

ProbeSpec Spec(std::string_view id, double timeout_s,
               std::vector<std::string_view> prerequisites = {}) {
  return {id,
          Stage::kTensor,
          Scope::kPerGpu,
          "",
          std::move(prerequisites),
          timeout_s,
          false,
          "",
          "a test probe"};
}

class LaneEngineTest : public ::testing::Test {
 protected:
  LaneEngineTest() {
    config_.timeout_scale = 1.0;
    config_.grace_s = 0.05;
    config_.run_start = Clock::now();
  }

  // Runs `specs` in one lane (on GPU 0 when `gpu`); returns its results.
  std::vector<ProbeResult> RunOneLane(
      const std::vector<const ProbeSpec*>& specs, bool gpu = false) {
    LaneEngine engine(config_, &launcher_, nullptr, &report_);
    Lane lane;
    lane.label = "test";
    lane.queue = specs;
    lane.results = &report_.node_results;
    if (gpu) {
      GpuIdentity g;
      g.index = 0;
      g.uuid = "GPU-1234";
      lane.gpu = g;
    }
    std::vector<Lane*> lanes = {&lane};
    engine.RunLanes(lanes);
    EXPECT_EQ(lane.worker, nullptr) << "every worker is retired at the end";
    return report_.node_results;
  }

  LaneEngineConfig config_;
  FakeLauncher launcher_;
  RunReport report_;
};

TEST_F(LaneEngineTest, RunsTheQueueInOrderInOneWorker) {
  const ProbeSpec a = Spec("test.a", 5), b = Spec("test.b", 5);
  const auto results = RunOneLane({&a, &b}, /*gpu=*/true);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].probe, "test.a");
  EXPECT_EQ(results[0].outcome, Outcome::kPass);
  EXPECT_EQ(results[0].gpu_index, 0);
  EXPECT_EQ(results[1].probe, "test.b");
  EXPECT_EQ(launcher_.launches, 1);
  ASSERT_EQ(launcher_.environments.size(), 1u);
  EXPECT_EQ(launcher_.environments[0][0], "CUDA_VISIBLE_DEVICES=GPU-1234");
  ASSERT_EQ(report_.workers.size(), 1u);
  EXPECT_EQ(report_.workers[0].results, 2);
  EXPECT_EQ(report_.workers[0].ended, "exit 0");
}

TEST_F(LaneEngineTest, AHangIsATimeoutAndAFreshWorkerTakesTheRest) {
  const ProbeSpec hang = Spec("test.hang", 0.3), next = Spec("test.next", 5);
  launcher_.script["test.hang"] = Act::kHang;
  const auto start = Clock::now();
  const auto results = RunOneLane({&hang, &next});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outcome, Outcome::kTimeout);
  EXPECT_NE(results[0].summary.find("did not finish within its 0.3 s deadline"),
            std::string::npos)
      << results[0].summary;
  EXPECT_GE(results[0].duration_ms, 300);
  EXPECT_FALSE(results[0].remediation.empty());
  EXPECT_EQ(results[1].outcome, Outcome::kPass);
  EXPECT_EQ(launcher_.launches, 2);
  EXPECT_LT(MillisBetween(start, Clock::now()), 2000);
  EXPECT_EQ(report_.workers[0].ended, "SIGTERM (Terminated)");
}

TEST_F(LaneEngineTest, ACrashNamesTheSignalAndKeepsTheLog) {
  const ProbeSpec crash = Spec("test.crash", 5), next = Spec("test.next", 5);
  launcher_.script["test.crash"] = Act::kCrash;
  const auto results = RunOneLane({&crash, &next});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outcome, Outcome::kCrash);
  EXPECT_EQ(results[0].signal, SIGSEGV);
  EXPECT_NE(results[0].summary.find("worker crashed with SIGSEGV"),
            std::string::npos)
      << results[0].summary;
  EXPECT_EQ(results[0].log_tail, "fake worker log");
  EXPECT_EQ(results[1].outcome, Outcome::kPass);
  EXPECT_EQ(launcher_.launches, 2);
}

TEST_F(LaneEngineTest, AnExitWithoutAResultIsAnError) {
  const ProbeSpec quiet = Spec("test.quiet", 5);
  launcher_.script["test.quiet"] = Act::kExitQuietly;
  const auto results = RunOneLane({&quiet});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kError);
  EXPECT_EQ(results[0].exit_code, 3);
  EXPECT_EQ(results[0].summary,
            "worker exited with code 3 without reporting a result");
}

TEST_F(LaneEngineTest, AnUnreadableLineIsAnErrorThatQuotesIt) {
  const ProbeSpec garbage = Spec("test.garbage", 5),
                  next = Spec("test.next", 5);
  launcher_.script["test.garbage"] = Act::kGarbage;
  const auto results = RunOneLane({&garbage, &next});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outcome, Outcome::kError);
  EXPECT_NE(results[0].summary.find("worker sent an unreadable result"),
            std::string::npos);
  EXPECT_EQ(results[0].log_tail, "{not json");
  // The same worker goes on: it is alive and answered.
  EXPECT_EQ(results[1].outcome, Outcome::kPass);
  EXPECT_EQ(launcher_.launches, 1);
}

TEST_F(LaneEngineTest, ABlockedProbeIsSkippedWithItsRootCause) {
  const ProbeSpec crash = Spec("test.crash", 5);
  const ProbeSpec child = Spec("test.child", 5, {"test.crash"});
  const ProbeSpec grandchild = Spec("test.grandchild", 5, {"test.child"});
  launcher_.script["test.crash"] = Act::kCrash;
  const auto results = RunOneLane({&crash, &child, &grandchild});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1].outcome, Outcome::kSkip);
  EXPECT_EQ(results[1].summary, "blocked by test.crash (crash)");
  EXPECT_EQ(results[2].summary, "blocked by test.child <- test.crash (crash)");
  EXPECT_EQ(launcher_.requests, std::vector<std::string>{"test.crash"});
}

// Issue 29: a probe reads the facts its producer recorded, or does not run:
// never a second way of finding them.
TEST_F(LaneEngineTest, AReaderWithoutItsFactIsBlockedNamingTheProducer) {
  // The fake driver.libraries answers without recording job_libraries, as
  // an error or a crash would leave it.
  const ProbeSpec producer = Spec("driver.libraries", 5);
  ProbeSpec reader = Spec("test.reader", 5);
  reader.traits.reads = {"job_libraries"};
  auto results = RunOneLane({&producer, &reader});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].outcome, Outcome::kSkip);
  EXPECT_EQ(results[1].summary,
            "blocked by driver.libraries (pass): it recorded no "
            "job_libraries, which this probe reads");
  EXPECT_EQ(launcher_.requests, std::vector<std::string>{"driver.libraries"});

  // Left out by --skip: the reader says so.
  report_ = RunReport();
  launcher_.requests.clear();
  config_.skipped_by_user = {"driver.libraries"};
  results = RunOneLane({&reader});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].summary,
            "blocked by driver.libraries (left out by --skip): it records the "
            "job_libraries this probe reads");
  EXPECT_TRUE(launcher_.requests.empty());
}

TEST_F(LaneEngineTest, AWorkerThatCannotStartIsAnErrorPerProbe) {
  const ProbeSpec a = Spec("test.a", 5);
  launcher_.refuse = true;
  const auto results = RunOneLane({&a});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kError);
  EXPECT_EQ(results[0].summary, "cannot fork");
}

TEST_F(LaneEngineTest, ALateResultAfterTheDeadlineDoesNotCount) {
  const ProbeSpec slow = Spec("test.slow", 0.1);
  // It answers at 150 ms, past its 100 ms deadline, while it ignores
  // SIGTERM for the 0.5 s grace period; then SIGKILL ends it.
  launcher_.script["test.slow"] = Act::kPassLate;
  config_.grace_s = 0.5;
  const auto results = RunOneLane({&slow});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kTimeout);
  EXPECT_EQ(report_.workers[0].results, 0);
  EXPECT_EQ(report_.workers[0].ended, "SIGKILL (Killed)");
}

TEST_F(LaneEngineTest, TheStragglerOfACollectiveIsStoppedSoonAfterTheOthers) {
  // Two ranks of a 5 s collective (soft deadline 4 s): rank 0 gives up at
  // its soft deadline, rank 1 hangs. Rank 1 is stopped 0.5 s after its
  // soft deadline as the one that stalled, not at its hard deadline.
  const ProbeSpec nccl = {
      "test.collective", Stage::kNccl, Scope::kAllGpus, "", {}, 5, false, "",
      "a collective"};
  launcher_.script["test.collective"] = Act::kHang;
  LaneEngine engine(config_, &launcher_, nullptr, &report_);
  std::vector<ProbeResult> results0, results1;
  Lane rank0, rank1;
  rank0.label = "gpu 0";
  rank1.label = "gpu 1";
  rank0.queue = rank1.queue = {&nccl};
  rank0.results = &results0;
  rank1.results = &results1;
  rank0.collective = {{"rank", 0}, {"nranks", 2}};
  rank1.collective = {{"rank", 1}, {"nranks", 2}};
  std::vector<Lane*> lanes = {&rank0, &rank1};
  // Rank 0 answers at its soft deadline: end its probe by hand at 4 s.
  const auto start = Clock::now();
  bool rank0_done = false;
  engine.RunLanes(lanes, [&] {
    if (!rank0_done && Clock::now() - start >= std::chrono::seconds(4)) {
      rank0_done = true;
      ProbeResult r = ProbeResult::Fail("gave up at the soft deadline", "");
      rank0.running = nullptr;
      engine.Record(&rank0, nccl, std::move(r));
      return true;
    }
    return false;
  });
  const double took_ms = MillisBetween(start, Clock::now());
  ASSERT_EQ(results1.size(), 1u);
  EXPECT_EQ(results1[0].outcome, Outcome::kTimeout);
  EXPECT_NE(results1[0].summary.find("rank 1 stalled"), std::string::npos)
      << results1[0].summary;
  EXPECT_LT(took_ms, 4900) << "stopped as a straggler, before its 5 s deadline";
  EXPECT_GE(took_ms, 4500);
}

}  // namespace
}  // namespace preflight

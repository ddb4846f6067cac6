#include "test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/test_temp_dir.h"

extern char** environ;

namespace preflight::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string MakeTempDir() { return MakeTestTempDir("preflight-it-"); }

BinaryRun RunPreflight(const std::vector<std::string>& args,
                       const std::vector<std::string>& env, double timeout_s,
                       double signal_after_s, int signal_number) {
  const std::string dir = MakeTempDir();
  std::vector<std::string> argv_storage = {PREFLIGHT_BINARY};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& extra : env) {
      if (extra.substr(0, extra.find('=')) == name) replaced = true;
    }
    if (!replaced) env_storage.push_back(entry);
  }
  env_storage.insert(env_storage.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, (dir + "/out").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, (dir + "/err").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  BinaryRun run;
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  if (posix_spawn(&pid, PREFLIGHT_BINARY, &actions, nullptr, argv.data(),
                  envp.data()) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    return run;
  }
  posix_spawn_file_actions_destroy(&actions);
  bool signalled = false;
  int status = 0;
  for (;;) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    if (signal_after_s > 0 && !signalled && elapsed >= signal_after_s) {
      kill(pid, signal_number);
      signalled = true;
    }
    if (elapsed > timeout_s) {
      run.timed_out = true;
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  run.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  run.exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = Slurp(dir + "/out");
  run.err = Slurp(dir + "/err");
  return run;
}

nlohmann::json ReadJson(const std::string& path) {
  return nlohmann::json::parse(Slurp(path), nullptr,
                               /*allow_exceptions=*/false);
}

std::vector<nlohmann::json> AllResults(const nlohmann::json& report) {
  std::vector<nlohmann::json> all;
  for (const auto& r : report["results"]) all.push_back(r);
  for (const auto& gpu : report["gpus"]) {
    for (const auto& r : gpu["results"]) all.push_back(r);
  }
  return all;
}

nlohmann::json NodeResult(const nlohmann::json& report,
                          const std::string& probe) {
  for (const auto& r : report["results"]) {
    if (r["probe"] == probe) return r;
  }
  return nullptr;
}

bool DriverPresent() {
  return access("/proc/driver/nvidia/version", F_OK) == 0 ||
         access("/dev/nvidiactl", F_OK) == 0;
}

}  // namespace preflight::testing

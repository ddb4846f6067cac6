// `gpu-preflight image [ROOT]` (commands/image.h has the rules).
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "app/commands/command_output.h"
#include "app/commands/commands.h"
#include "app/commands/image.h"
#include "engine/exit_codes.h"
#include "platform/job_libraries.h"
#include "platform/live_driver_target.h"
#include "platform/rooted_path.h"
#include "preflight/strings.h"
#include "rules/driver_table.h"

namespace preflight {
namespace {

// NAME=VALUE lines, or the "Env" array of `docker inspect IMAGE` / an OCI
// image config (config.Env).
bool ReadEnvFile(const std::string& path,
                 std::map<std::string, std::string>* env, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "--env-file " + path + ": cannot be read";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const std::string body = text.str();
  auto add = [&](const std::string& line) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0) return false;
    (*env)[line.substr(0, eq)] = line.substr(eq + 1);
    return true;
  };
  const std::string trimmed = Trim(body);
  if (!trimmed.empty() && (trimmed[0] == '{' || trimmed[0] == '[')) {
    const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded()) {
      *error = "--env-file " + path + ": not valid JSON";
      return false;
    }
    // Find the first "Env" array of strings anywhere (inspect output is a
    // list; OCI configs nest it under "config").
    std::function<const nlohmann::json*(const nlohmann::json&)> find =
        [&](const nlohmann::json& node) -> const nlohmann::json* {
      if (node.is_object()) {
        for (const auto& [k, v] : node.items()) {
          if (k == "Env" && v.is_array()) return &v;
          if (const auto* hit = find(v)) return hit;
        }
      } else if (node.is_array()) {
        for (const auto& v : node) {
          if (const auto* hit = find(v)) return hit;
        }
      }
      return nullptr;
    };
    const nlohmann::json* list = find(j);
    if (list == nullptr) {
      *error = "--env-file " + path +
               ": JSON without an \"Env\" list (give `docker inspect IMAGE` "
               "output or an OCI image config)";
      return false;
    }
    for (const auto& e : *list) {
      if (e.is_string()) add(e.get<std::string>());
    }
    return true;
  }
  int line_no = 0;
  for (const std::string& raw : Split(body, '\n')) {
    ++line_no;
    const std::string line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (!add(StartsWith(line, "export ") ? line.substr(7) : line)) {
      *error = "--env-file " + path + " line " + std::to_string(line_no) +
               ": '" + line + "' is not NAME=VALUE";
      return false;
    }
  }
  return true;
}

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The image's variables: --env-file and --env, else, for /, this
// process's own environment. False with *error on a bad one.
bool ImageEnvironment(const std::string& env_file,
                      const std::vector<std::string>& env_items, bool own_root,
                      ImageRequest* request, std::string* error) {
  std::map<std::string, std::string> env;
  const bool env_given = !env_file.empty() || !env_items.empty();
  if (!env_file.empty() && !ReadEnvFile(env_file, &env, error)) return false;
  for (const std::string& item : env_items) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      *error = "--env '" + item + "' is not NAME=VALUE";
      return false;
    }
    env[item.substr(0, eq)] = item.substr(eq + 1);
  }
  if (own_root && !env_given) {
    request->env_source = "this process's environment";
    request->env = ProcessEnvironmentVariable;
    return true;
  }
  request->env_source =
      env_given
          ? (env_file.empty() ? std::string("--env")
                              : "--env-file " + env_file +
                                    (env_items.empty() ? "" : " and --env"))
          : "none given (the image's own ENV is unknown: give "
            "--env-file with `docker inspect IMAGE`)";
  request->env = [env](const std::string& name) -> std::optional<std::string> {
    const auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  return true;
}

// The target driver and GPUs: --driver and --gpu, else, for /, the loaded
// driver and the GPUs /proc/driver/nvidia lists (platform/
// live_driver_target.h). False with *error on a bad one.
bool ImageTargets(const std::string& driver_text,
                  const std::vector<std::string>& gpu_texts, bool own_root,
                  ImageRequest* request, std::string* error) {
  if (!driver_text.empty()) {
    request->driver = ParseTargetDriver(driver_text, error);
    if (!request->driver) return false;
  } else if (own_root) {
    if (const auto version = LoadedDriverVersionText()) {
      std::string ignored;
      if (auto d = ParseTargetDriver(*version, &ignored)) {
        d->source = "/proc/driver/nvidia/version (the loaded driver)";
        request->driver = d;
      }
    }
  }
  for (const std::string& text : gpu_texts) {
    const auto gpu = ParseTargetGpu(text, error);
    if (!gpu) return false;
    request->gpus.push_back(*gpu);
  }
  if (gpu_texts.empty() && own_root) {
    for (const std::string& model : LoadedGpuModels()) {
      std::string ignored;
      if (auto gpu = ParseTargetGpu(model, &ignored)) {
        request->gpus.push_back(*gpu);
      }
    }
  }
  return true;
}

}  // namespace

int ImageCommand(int argc, const char* const* argv) {
  CLI::App app{
      "Judge, without a GPU, the stack a job in an image would load (torch "
      "and its CUDA, cuBLAS, cuDNN, NCCL, NVRTC, NVIDIA_REQUIRE_CUDA) "
      "against a target driver and GPUs: driver too old, no kernel image "
      "for sm_XY, libraries that hide torch's own. Exit 1 when a check "
      "fails.",
      "image"};
  std::string root = "/";
  std::string driver_text, env_file;
  std::vector<std::string> gpu_texts, env_items;
  app.add_option("ROOT", root,
                 "The image's filesystem: / inside a container (default), or "
                 "an unpacked image root");
  app.add_option("--driver", driver_text,
                 "Target driver: a version (535.104.05) or the CUDA version "
                 "it supports (12.2); default for /: the loaded driver");
  app.add_option("--gpu", gpu_texts,
                 "Target GPUs: sm_80,sm_90 or model names (H100,A100); "
                 "default for /: the GPUs in /proc/driver/nvidia/gpus")
      ->delimiter(',')
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--env", env_items,
                 "An image variable NAME=VALUE (repeatable): PATH, "
                 "LD_LIBRARY_PATH, PYTHONPATH, NVIDIA_REQUIRE_CUDA, ...")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--env-file", env_file,
                 "The image's variables: `docker inspect IMAGE` output, an "
                 "OCI image config, or NAME=VALUE lines");
  CommandOutputs outputs;
  int code = 0;
  if (ParseCommandLine(app, argc, argv, /*prometheus=*/false, &outputs,
                       &code) == CommandParse::kExit) {
    return code;
  }
  std::string error;
  if (!IsDirectory(root)) {
    return CommandUsageError(
        "image", "ROOT '" + root +
                     "' is not a directory (give / or an unpacked image, e.g. "
                     "`docker export $(docker create IMAGE) | tar -x -C DIR`)");
  }
  const bool own_root = root == "/";
  ImageRequest request;
  request.root = root;
  if (!ImageEnvironment(env_file, env_items, own_root, &request, &error) ||
      !ImageTargets(driver_text, gpu_texts, own_root, &request, &error)) {
    return CommandUsageError("image", error);
  }
  const ImageVerdict verdict = JudgeImage(request);
  return outputs.Finish(ImageDocument(verdict));
}

}  // namespace preflight

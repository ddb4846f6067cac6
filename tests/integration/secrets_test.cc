// Secrets planted in the environment never reach any output: the JSON
// report, the per-GPU directory, JUnit, Markdown, Prometheus, the console
// and the verbose log on stderr. Workers inherit the environment, so a probe
// or library message that echoed it would be caught here too.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "test_support.h"

namespace preflight::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every regular file directly under `dir` and one level below.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return files;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = dir + "/" + name;
    if (e->d_type == DT_DIR) {
      for (const auto& inner : FilesUnder(path)) files.push_back(inner);
    } else {
      files.push_back(path);
    }
  }
  closedir(d);
  return files;
}

TEST(SecretsTest, PlantedSecretsAppearInNoOutputFormat) {
  const std::string dir = MakeTempDir();
  // Distinct values, so a hit names the variable that leaked.
  const std::vector<std::pair<std::string, std::string>> secrets = {
      {"AWS_SECRET_ACCESS_KEY", "leak-aws-7f3a9c"},
      {"HF_TOKEN", "leak-hf-51d2e8"},
      {"DB_PASSWORD", "leak-db-0b6c44"},
      // Allowed prefixes must not let secrets through either.
      {"NCCL_IB_PASSWORD", "leak-nccl-92ae17"},
      {"TORCH_HUB_TOKEN", "leak-torch-c48f03"}};
  std::vector<std::string> env = {"NCCL_DEBUG=WARN"};
  for (const auto& [name, value] : secrets) env.push_back(name + "=" + value);

  const BinaryRun run = RunPreflight(
      {"-v", "--stages", "host,driver,devices", "--json", dir + "/r.json",
       "--junit", dir + "/r.xml", "--markdown", dir + "/r.md", "--prometheus",
       dir + "/r.prom", "--output-dir", dir + "/per-gpu"},
      env);
  ASSERT_FALSE(run.timed_out);
  ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;

  const std::vector<std::string> files = FilesUnder(dir);
  // The run wrote every format (so the search below covers them), and the
  // allowed variable did reach the report: the filter is not just empty.
  for (const char* name : {"/r.json", "/r.xml", "/r.md", "/r.prom"}) {
    EXPECT_NE(std::find(files.begin(), files.end(), dir + name), files.end())
        << name;
  }
  EXPECT_EQ(ReadJson(dir + "/r.json")["host"]["environment"]["NCCL_DEBUG"],
            "WARN");

  std::vector<std::pair<std::string, std::string>> outputs = {
      {"stdout", run.out}, {"stderr", run.err}};
  for (const auto& path : files) outputs.emplace_back(path, Slurp(path));
  for (const auto& [where, text] : outputs) {
    for (const auto& [name, value] : secrets) {
      EXPECT_EQ(text.find(value), std::string::npos)
          << name << "'s value leaked into " << where;
      EXPECT_EQ(text.find(name), std::string::npos)
          << name << " (the name) appears in " << where;
    }
  }
}

}  // namespace
}  // namespace preflight::testing

#include "rules/visible_devices.h"

#include <gtest/gtest.h>

#include "judged.h"

namespace preflight {
namespace {

TEST(VisibleDevicesTest, WellFormedLists) {
  auto c = CheckCudaVisibleDevices("0,1");
  EXPECT_TRUE(c.problems.empty());
  EXPECT_EQ(c.devices.size(), 2u);
  EXPECT_TRUE(
      CheckCudaVisibleDevices("GPU-8f6e1c2a-1111-2222-3333-444455556666")
          .problems.empty());
}

TEST(VisibleDevicesTest, EmptyValueHidesEverything) {
  auto c = CheckCudaVisibleDevices("");
  EXPECT_TRUE(c.hides_all);
  EXPECT_NE(c.problems.at(0).find("empty"), std::string::npos);
}

TEST(VisibleDevicesTest, InvalidEntriesCutTheListShort) {
  auto first = CheckCudaVisibleDevices("-1");
  EXPECT_TRUE(first.hides_all);
  auto later = CheckCudaVisibleDevices("0,x,1");
  EXPECT_FALSE(later.hides_all);
  EXPECT_EQ(later.devices, std::vector<std::string>{"0"});
  EXPECT_NE(later.problems.at(0).find("ignores it and every entry after"),
            std::string::npos);
}

TEST(VisibleDevicesTest, DuplicatesAndSpaces) {
  EXPECT_TRUE(CheckCudaVisibleDevices("0,0").hides_all);
  auto spaced = CheckCudaVisibleDevices("0, 1");
  EXPECT_TRUE(spaced.problems.empty());
  EXPECT_NE(spaced.warnings.at(0).find("spaces"), std::string::npos);
  EXPECT_EQ(spaced.devices, (std::vector<std::string>{"0", "1"}));
  // A blank before a UUID is what CUDA rejects (observed on driver 580).
  const char* uuid = "GPU-41fee87d-5f63-916c-2c03-c07aa5e748a5";
  EXPECT_TRUE(CheckCudaVisibleDevices(std::string(" ") + uuid).hides_all);
  const auto later = CheckCudaVisibleDevices(std::string("0, ") + uuid);
  EXPECT_NE(later.problems.at(0).find("does not accept"), std::string::npos);
  EXPECT_EQ(later.devices, (std::vector<std::string>{"0"}));
  EXPECT_TRUE(
      CheckCudaVisibleDevices(std::string(uuid) + " ").problems.empty());
}

TEST(VisibleDevicesTest, ContainerVariables) {
  EXPECT_TRUE(CheckNvidiaVisibleDevices("all").problems.empty());
  EXPECT_TRUE(CheckNvidiaVisibleDevices("void").hides_all);
  EXPECT_TRUE(CheckNvidiaVisibleDevices("none").hides_all);
  // The container runtime's other forms are well-formed.
  for (const char* value :
       {"0:1,1:0", "MIG-4a5b6c7d-1111-2222-3333-444455556666",
        "/var/run/nvidia-container-devices", "nvidia.com/gpu=all", "0,1"}) {
    const VisibleDevicesCheck c = CheckNvidiaVisibleDevices(value);
    EXPECT_TRUE(c.problems.empty()) << value;
    EXPECT_FALSE(c.hides_all) << value;
  }
  EXPECT_FALSE(CheckNvidiaVisibleDevices("gpu0").problems.empty());
  EXPECT_FALSE(CheckDriverCapabilities("compute,utility"));
  EXPECT_FALSE(CheckDriverCapabilities("all"));
  EXPECT_TRUE(CheckDriverCapabilities("utility"));
}

// Entries resolved against the GPUs NVML lists: out of range, unknown and
// ambiguous UUIDs are named, with how many entries CUDA still honours.
TEST(VisibleDevicesTest, ResolvesEntriesAgainstTheGpusHere) {
  const std::vector<ListedGpu> gpus = {
      {0, "GPU-8176004c-2090-cd62-0908-4bb36746a9fa", "00000000:19:00.0",
       "H200"},
      {1, "GPU-81a7e3d1-1111-2222-3333-444455556666", "00000000:3B:00.0",
       "H200"}};
  EXPECT_TRUE(ResolveEntries({"1", "0"}, gpus).problems.empty());
  EXPECT_EQ(ResolveEntries({"1", "0"}, gpus).resolved, 2u);
  const Resolution range = ResolveEntries({"0", "2", "1"}, gpus);
  ASSERT_EQ(range.problems.size(), 1u);
  EXPECT_NE(range.problems[0].find("'2' is out of range: 2 GPUs are here"),
            std::string::npos)
      << range.problems[0];
  EXPECT_NE(range.problems[0].find("ignores it and the 1 after it"),
            std::string::npos);
  EXPECT_EQ(range.resolved, 1u);
  EXPECT_TRUE(ResolveEntries({"GPU-8176004c"}, gpus).problems.empty());
  const Resolution ambiguous = ResolveEntries({"GPU-81"}, gpus);
  EXPECT_NE(ambiguous.problems.at(0).find("prefix of 2"), std::string::npos);
  const Resolution unknown = ResolveEntries({"GPU-deadbeef"}, gpus);
  EXPECT_NE(unknown.problems.at(0).find("matches no GPU"), std::string::npos);
  EXPECT_NE(unknown.problems.at(0).find("sees no GPU"), std::string::npos);
  EXPECT_EQ(unknown.resolved, 0u);
  EXPECT_NE(DescribeGpuMap(gpus).find("1 = 00000000:3B:00.0 GPU-81a7"),
            std::string::npos);
}

TEST(VisibleDevicesTest, SpotsMisspellings) {
  auto found =
      FindMisspelledVariables({"CUDA_VISIBLE_DEVICE", "cuda_visible_devices",
                               "CUDA_VISIBLE_DEVICES", "PATH"});
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[0].find("did you mean CUDA_VISIBLE_DEVICES"),
            std::string::npos);
}

// host.visible_devices' verdict on observations: one H200 listed by NVML.
VisibleDevicesObservation OneGpu() {
  VisibleDevicesObservation seen;
  seen.listed = {{0, "GPU-2f6a0c1e-0000-4000-8000-000000000001",
                  "00000000:18:00.0", "NVIDIA H200"}};
  seen.gpus_present = true;
  seen.variable_names = {"PATH", "HOME"};
  return seen;
}

TEST(VisibleDevicesJudgeTest, Judgements) {
  struct Case {
    const char* name;
    void (*plant)(VisibleDevicesObservation*);
    Outcome outcome;
    const char* summary_part;
    const char* fix_part;
  } cases[] = {
      {"nothing set", [](VisibleDevicesObservation*) {}, Outcome::kPass,
       "no device-selection variable restricts the GPUs", ""},
      {"an index that exists",
       [](VisibleDevicesObservation* s) { s->cuda_visible_devices = "0"; },
       Outcome::kPass, "CUDA_VISIBLE_DEVICES=0 is well-formed", ""},
      {"empty hides every GPU",
       [](VisibleDevicesObservation* s) { s->cuda_visible_devices = ""; },
       Outcome::kFail, "", "unset CUDA_VISIBLE_DEVICES"},
      {"an index out of range, with the GPU map",
       [](VisibleDevicesObservation* s) { s->cuda_visible_devices = "3"; },
       Outcome::kFail,
       "[GPUs here (NVML index = PCI bus id, UUID): 0 = "
       "00000000:18:00.0",
       "Fix the variables named above"},
      {"spaces in the list",
       [](VisibleDevicesObservation* s) { s->cuda_visible_devices = "0, 0"; },
       Outcome::kFail, "", ""},
      {"more local ranks than GPUs",
       [](VisibleDevicesObservation* s) {
         s->launcher_ranks = {{"LOCAL_WORLD_SIZE", "8"}};
       },
       Outcome::kFail,
       "LOCAL_WORLD_SIZE=8 asks for 8 ranks on this node but the job sees 1 "
       "GPU",
       ""},
      {"a misspelled variable",
       [](VisibleDevicesObservation* s) {
         s->variable_names.push_back("CUDA_VISIBLE_DEVICE");
       },
       Outcome::kFail, "variable CUDA_VISIBLE_DEVICE", ""},
      {"a container that asked for no GPU, and has none",
       [](VisibleDevicesObservation* s) {
         s->nvidia_visible_devices = "none";
         s->gpus_present = false;
         s->listed.clear();
       },
       Outcome::kFail, "NVIDIA_VISIBLE_DEVICES", ""},
      {"the runtime's variable where GPUs are present is history",
       [](VisibleDevicesObservation* s) { s->nvidia_visible_devices = "void"; },
       Outcome::kPass,
       "(NVIDIA_VISIBLE_DEVICES=void was the container runtime's; GPUs are "
       "present)",
       ""},
  };
  for (const Case& c : cases) {
    VisibleDevicesObservation seen = OneGpu();
    c.plant(&seen);
    const ProbeResult r = JudgeVisibleDevices(seen);
    ExpectJudged(c.name, r, c.outcome, c.summary_part, c.fix_part);
  }
}

}  // namespace
}  // namespace preflight

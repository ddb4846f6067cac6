#include "core/early_workers.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace preflight {
namespace {

GpuSelector Index(int i) {
  GpuSelector s;
  s.index = i;
  return s;
}

std::vector<std::string> Visible(const std::vector<EarlyWorkerSlot>& slots) {
  std::vector<std::string> out;
  for (const EarlyWorkerSlot& s : slots) {
    out.push_back(std::to_string(s.index) + "=" + s.cuda_visible_devices);
  }
  return out;
}

TEST(EarlyWorkersTest, EveryDeviceNodeWhenNothingIsSelected) {
  EXPECT_EQ(Visible(PredictGpuWorkers({}, std::nullopt, 4)),
            (std::vector<std::string>{"0=0", "1=1", "2=2", "3=3"}));
  EXPECT_TRUE(PredictGpuWorkers({}, std::nullopt, 0).empty());
}

TEST(EarlyWorkersTest, WorkerISeesTheIthVisibleEntry) {
  // Index i is the i-th entry of CUDA_VISIBLE_DEVICES, whatever the nodes.
  EXPECT_EQ(Visible(PredictGpuWorkers({}, std::string("3,1"), 8)),
            (std::vector<std::string>{"0=3", "1=1"}));
  EXPECT_EQ(
      Visible(PredictGpuWorkers({Index(1)}, std::string("GPU-aa,GPU-bb"), 0)),
      (std::vector<std::string>{"1=GPU-bb"}));
  // CUDA stops at the first invalid entry; an empty value hides every GPU.
  EXPECT_EQ(Visible(PredictGpuWorkers({}, std::string("2,-1,3"), 4)),
            (std::vector<std::string>{"0=2"}));
  EXPECT_TRUE(PredictGpuWorkers({}, std::string(""), 4).empty());
  EXPECT_TRUE(PredictGpuWorkers({}, std::string("-1"), 4).empty());
}

TEST(EarlyWorkersTest, SelectedIndicesOnlyAndNoGuessForUuids) {
  EXPECT_EQ(Visible(PredictGpuWorkers({Index(2), Index(0), Index(2)},
                                      std::nullopt, 4)),
            (std::vector<std::string>{"2=2", "0=0"}));
  // An index past the visible GPUs gets no worker (the selection error
  // comes from the enumeration).
  EXPECT_EQ(Visible(PredictGpuWorkers({Index(64), Index(1)}, std::nullopt, 2)),
            (std::vector<std::string>{"1=1"}));
  GpuSelector uuid;
  uuid.uuid = "GPU-1234";
  EXPECT_TRUE(PredictGpuWorkers({Index(0), uuid}, std::nullopt, 4).empty());
}

TEST(EarlyWorkersTest, AGuessGoneWrongIsCapped) {
  EXPECT_EQ(PredictGpuWorkers({}, std::nullopt, 1000).size(), 16u);
}

TEST(EarlyWorkersTest, CountsCharacterDeviceNodesOnly) {
  char dir[] = "/tmp/early-workers-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string d = dir;
  // Character devices (here links to /dev/null) named nvidiaN count;
  // nvidiactl, nvidia-uvm and a plain file named like a GPU do not.
  ASSERT_EQ(symlink("/dev/null", (d + "/nvidia0").c_str()), 0);
  ASSERT_EQ(symlink("/dev/null", (d + "/nvidia1").c_str()), 0);
  ASSERT_EQ(symlink("/dev/null", (d + "/nvidiactl").c_str()), 0);
  ASSERT_EQ(symlink("/dev/null", (d + "/nvidia-uvm").c_str()), 0);
  std::ofstream(d + "/nvidia7") << "not a device";
  EXPECT_EQ(CountGpuDeviceNodes(d), 2);
  EXPECT_EQ(CountGpuDeviceNodes(d + "/missing"), 0);
  std::system(("rm -rf " + d).c_str());
}

}  // namespace
}  // namespace preflight

// The wheel-index table and every remedy made from it. The grid test walks
// drivers R450 ... R580 against architectures sm_35 ... sm_121 and checks,
// for each remedy that names an index, that the index runs on that driver
// and has kernels for that architecture, and that a remedy names none only
// where no index would do.
#include "rules/torch_wheels.h"

#include <gtest/gtest.h>

#include <regex>

#include "rules/arch_coverage.h"
#include "rules/torch_stack.h"

namespace preflight {
namespace {

WheelTarget On(int major, int minor, int patch, std::set<int> ccs = {}) {
  WheelTarget t;
  t.driver = DriverVersionNumber{major, minor, patch};
  t.ccs = std::move(ccs);
  return t;
}

// The index tags a remedy names (".../whl/cu126").
std::vector<std::string> IndexesIn(const std::string& text) {
  std::vector<std::string> tags;
  const std::regex url("download\\.pytorch\\.org/whl/(cu[0-9]+)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), url);
       it != std::sregex_iterator(); ++it) {
    tags.push_back((*it)[1]);
  }
  return tags;
}

TEST(TorchWheelsTest, FloorsComeFromTheDriverTable) {
  // The floors: cu118 from R450.80, cu126 from R525.60, cu128 from
  // R570, cu130 from R580.
  EXPECT_EQ(FormatDriverVersion(FindTorchWheelIndex("cu118")->min_driver),
            "450.80.02");
  EXPECT_EQ(FormatDriverVersion(FindTorchWheelIndex("cu126")->min_driver),
            "525.60.13");
  EXPECT_EQ(FindTorchWheelIndex("cu128")->min_driver.major, 570);
  EXPECT_EQ(FindTorchWheelIndex("cu130")->min_driver.major, 580);
  EXPECT_EQ(FindTorchWheelIndex("cu124"), nullptr);
}

TEST(TorchWheelsTest, OnlyCuda11CarriesKepler) {
  for (const TorchWheelIndex& index : TorchWheelIndexes()) {
    EXPECT_EQ(WheelCarriesArch(index, 37), index.tag == "cu118") << index.tag;
    EXPECT_FALSE(WheelCarriesArch(index, 35)) << index.tag;
  }
}

TEST(TorchWheelsTest, NewestIndexForKnownCases) {
  struct Case {
    WheelTarget target;
    const char* want;  // nullptr: none fits
  } cases[] = {
      {On(580, 95, 5, {90}), "cu130"},
      {On(580, 95, 5, {70}), "cu126"},   // torch 2.11 dropped Volta
      {On(580, 95, 5, {37}), "cu118"},   // Kepler: only CUDA 11 builds
      {On(575, 51, 3, {120}), "cu128"},  // Blackwell on R575
      {On(560, 28, 3, {120}), nullptr},  // Blackwell needs R570
      {On(535, 104, 5, {90}), "cu126"},
      {On(470, 82, 1, {80}), "cu118"},   // the image: not cu126
      {On(450, 51, 5, {80}), nullptr},   // below 11.x's 450.80.02 floor
      {On(580, 95, 5, {35}), nullptr},   // no index has sm_35
      {On(570, 86, 10, {89}), "cu128"},  // Ada runs sm_86 SASS
      {On(580, 95, 5, {103}), "cu130"},
      {On(580, 95, 5, {70, 90}), "cu126"},
      {On(580, 95, 5, {37, 120}), nullptr},  // no index has both
  };
  for (const Case& c : cases) {
    const TorchWheelIndex* got = NewestWheelIndexFor(c.target);
    const std::string label = FormatDriverVersion(*c.target.driver);
    if (c.want == nullptr) {
      EXPECT_EQ(got, nullptr) << label << " got " << got->tag;
    } else {
      ASSERT_NE(got, nullptr) << label << " wants " << c.want;
      EXPECT_EQ(got->tag, c.want) << label;
    }
  }
}

TEST(TorchWheelsTest, ADriverKnownByItsCudaVersionIsItsOldestDriver) {
  WheelTarget t;
  t.driver_cuda = 12020;  // 535.54.03 or newer
  EXPECT_EQ(NewestWheelIndexFor(t)->tag, "cu126");
  t.driver_cuda = 12080;
  EXPECT_EQ(NewestWheelIndexFor(t)->tag, "cu128");
  t.driver_cuda = 13010;  // newer than the table: at least its newest row
  EXPECT_EQ(NewestWheelIndexFor(t)->tag, "cu130");
  t.driver_cuda = 11040;
  EXPECT_EQ(NewestWheelIndexFor(t)->tag, "cu118");
}

TEST(TorchWheelsTest, RemediesSayWhatToChangeWhereNoIndexFits) {
  const std::string blackwell = TorchInstallRemedy(On(560, 28, 3, {120}));
  EXPECT_TRUE(IndexesIn(blackwell) == std::vector<std::string>{"cu128"})
      << blackwell;
  EXPECT_NE(blackwell.find("upgrade the host driver to at least 570.26"),
            std::string::npos)
      << blackwell;
  const std::string kepler = TorchInstallRemedy(On(580, 95, 5, {35}));
  EXPECT_TRUE(IndexesIn(kepler).empty()) << kepler;
  EXPECT_NE(kepler.find("no PyTorch wheel index carries kernels for sm_35"),
            std::string::npos)
      << kepler;
  const std::string old = TorchInstallRemedy(On(450, 51, 5, {80}));
  EXPECT_TRUE(IndexesIn(old) == std::vector<std::string>{"cu118"}) << old;
  EXPECT_NE(old.find("at least 450.80.02"), std::string::npos) << old;
}

// Every remedy that names an index, over the grid.
TEST(TorchWheelsTest, EveryRemedyOnTheGridRunsAndHasKernels) {
  const std::vector<DriverVersionNumber> drivers = {
      {450, 80, 2},   {455, 23, 5},  {470, 82, 1}, {495, 29, 5},
      {510, 47, 3},   {515, 105, 1}, {520, 61, 5}, {525, 60, 13},
      {530, 30, 2},   {535, 104, 5}, {545, 23, 8}, {550, 54, 14},
      {555, 42, 6},   {560, 35, 3},  {565, 57, 1}, {570, 26, 0},
      {570, 133, 20}, {575, 51, 3},  {580, 65, 6}, {580, 159, 4}};
  const std::vector<int> archs = {35, 37, 50, 52, 60,  61,  70,  75, 80,
                                  86, 87, 89, 90, 100, 103, 120, 121};
  int named = 0, none = 0;
  for (const DriverVersionNumber& d : drivers) {
    for (int cc : archs) {
      WheelTarget target;
      target.driver = d;
      target.ccs = {cc};
      const std::string where =
          FormatDriverVersion(d) + " sm_" + std::to_string(cc);
      // Each remedy made from the table, as the probes and image make them.
      TorchBuildObservation cpu_torch{"/site/torch", "2.11.0+cpu", "",
                                      true,          false,        false};
      const std::vector<std::string> remedies = {
          TorchInstallRemedy(target),
          DriverTooOldRemedy(13000, target),
          JudgeCpuOnlyTorch(cpu_torch, "a driver", target)->remediation,
          JobArchCandidates(cc, "/site/torch/lib", "2.11.0+cu130", "", "",
                            WheelTarget{d, 0, {}})
              .front()
              .fix,
      };
      const TorchWheelIndex* fits = NewestWheelIndexFor(target);
      for (const std::string& remedy : remedies) {
        const std::vector<std::string> tags = IndexesIn(remedy);
        if (fits == nullptr) {
          // Only an index the user can reach by upgrading the driver: it
          // must have the kernels, and the remedy must say "upgrade".
          for (const std::string& tag : tags) {
            const TorchWheelIndex* index = FindTorchWheelIndex(tag);
            ASSERT_NE(index, nullptr) << where << ": " << remedy;
            EXPECT_TRUE(WheelCarriesArch(*index, cc))
                << where << ": " << remedy;
            EXPECT_NE(remedy.find("upgrade the host driver"), std::string::npos)
                << where << ": " << remedy;
          }
          ++none;
          continue;
        }
        ASSERT_FALSE(tags.empty()) << where << ": " << remedy;
        for (const std::string& tag : tags) {
          const TorchWheelIndex* index = FindTorchWheelIndex(tag);
          ASSERT_NE(index, nullptr) << where << ": " << remedy;
          EXPECT_TRUE(WheelRunsOnDriver(*index, target))
              << where << ": " << remedy;
          EXPECT_TRUE(WheelCarriesArch(*index, cc)) << where << ": " << remedy;
        }
        ++named;
      }
    }
  }
  // The grid has both kinds, so neither branch is vacuous.
  EXPECT_GT(named, 100);
  EXPECT_GT(none, 20);
}

}  // namespace
}  // namespace preflight

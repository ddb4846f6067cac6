// PCIe line rates (per direction, after encoding) behind tensor.host_link's
// floor: Gen5 x16 carries 63 GB/s, a link trained to Gen3 x8 a eighth.
#include "preflight/pcie.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TEST(PcieTest, LineRatesFollowGenerationAndWidth) {
  EXPECT_NEAR(PcieLinkGbps(5, 16), 63.0, 0.01);
  EXPECT_NEAR(PcieLinkGbps(4, 16), 31.5, 0.01);
  EXPECT_NEAR(PcieLinkGbps(3, 8), 7.88, 0.01);
  EXPECT_EQ(PcieLinkGbps(9, 16), 0);
  // The floor sits well under what DMA reaches on a healthy link (0.8-0.9).
  EXPECT_LT(kPcieCopyFloor * PcieLinkGbps(5, 16), 0.5 * 55);
}

}  // namespace
}  // namespace preflight

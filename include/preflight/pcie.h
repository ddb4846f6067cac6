// PCIe link arithmetic for the probes that judge a host<->GPU link.
#ifndef PREFLIGHT_PCIE_H_
#define PREFLIGHT_PCIE_H_

namespace preflight {

// One lane's per-direction data rate in GB/s after line encoding (8b/10b
// for Gen1-2, 128b/130b for Gen3-5, FLIT for Gen6): PCI-SIG's transfer rate
// times the encoding's efficiency. 0 for an unknown generation.
inline double PcieLaneGbps(unsigned generation) {
  switch (generation) {
    case 1:
      return 0.25;
    case 2:
      return 0.5;
    case 3:
      return 0.985;
    case 4:
      return 1.969;
    case 5:
      return 3.938;
    case 6:
      return 7.563;
    default:
      return 0;
  }
}

// A link's per-direction line rate.
inline double PcieLinkGbps(unsigned generation, unsigned width) {
  return PcieLaneGbps(generation) * width;
}

// The built-in floor for a measured pinned-memory copy over a link, as a
// fraction of its line rate: DMA over a healthy x16 link reaches 0.8-0.9 of
// it (Gen4 ~26 of 31.5 GB/s, Gen5 ~55 of 63); a remote NUMA node or an
// IOMMU costs some of that. Below 0.3 the link, its training or its path
// through the host is at fault.
inline constexpr double kPcieCopyFloor = 0.3;

}  // namespace preflight

#endif  // PREFLIGHT_PCIE_H_

#include "rules/host_link.h"

#include <cstdio>
#include <optional>

#include "preflight/pcie.h"

namespace preflight {

ProbeResult JudgeHostLink(const HostLinkObservation& seen,
                          const ProbeContext& inputs) {
  const size_t bytes = seen.bytes;
  const unsigned long long bad = seen.mismatched_words;
  const double h2d_gbps = seen.h2d_gbps, d2h_gbps = seen.d2h_gbps;
  const PcieLinkState& loaded = seen.loaded;
  const PcieLinkState& idle = seen.idle;
  ProbeResult r;
  r.AddMetric({"buffer_mib", static_cast<double>(bytes >> 20), "MiB", {}});
  r.AddMetric(
      {"mismatched_words", static_cast<double>(bad), "count",
       Limit{Limit::Kind::kAtMost, 0, "built-in: a round trip must be exact"}});
  std::optional<Limit> floor;
  if (loaded.known &&
      PcieLinkGbps(loaded.max_generation, loaded.max_width) > 0) {
    const double line = PcieLinkGbps(loaded.max_generation, loaded.max_width);
    char source[160];
    std::snprintf(source, sizeof source,
                  "built-in: %.1f x the %.1f GB/s per-direction line rate of "
                  "PCIe Gen%u x%u",
                  kPcieCopyFloor, line, loaded.max_generation,
                  loaded.max_width);
    floor = Limit{Limit::Kind::kAtLeast, kPcieCopyFloor * line, source};
  }
  const Metric h2d =
      JudgedOptionalMetric(inputs, "h2d_gbps", h2d_gbps, "GB/s", floor);
  const Metric d2h =
      JudgedOptionalMetric(inputs, "d2h_gbps", d2h_gbps, "GB/s", floor);
  r.AddMetric(h2d);
  r.AddMetric(d2h);
  if (loaded.known) {
    r.details["link_under_load"] = {{"generation", loaded.generation},
                                    {"width", loaded.width},
                                    {"max_generation", loaded.max_generation},
                                    {"max_width", loaded.max_width}};
  } else {
    r.details["link_under_load"] = "unknown: " + seen.link_unknown;
  }
  if (idle.known) {
    r.details["link_idle"] = {{"generation", idle.generation},
                              {"width", idle.width}};
  }
  char text[320];
  if (bad > 0) {
    std::snprintf(text, sizeof text,
                  "%llu of %zu words differ after a device->host->device "
                  "round trip",
                  bad, bytes / 4);
    r.outcome = Outcome::kFail;
    r.summary = text;
    r.remediation =
        "Data changed on the PCIe path or in pinned host memory: for the "
        "GPU's PCIe AER errors " +
        KernelLogAdvice("-e aer -e xid", seen.vantage) +
        "; check the host's ECC, and reseat the GPU";
    return r;
  }
  std::snprintf(text, sizeof text,
                "round trip over %zu MiB intact; host->GPU %.1f GB/s, "
                "GPU->host %.1f GB/s",
                bytes >> 20, h2d_gbps, d2h_gbps);
  r.summary = text;
  if (loaded.known) {
    std::snprintf(text, sizeof text, "; link under load Gen%u x%u of Gen%u x%u",
                  loaded.generation, loaded.width, loaded.max_generation,
                  loaded.max_width);
    r.summary += text;
  }
  if (!h2d.Passes() || !d2h.Passes()) {
    r.outcome = Outcome::kFail;
    std::snprintf(text, sizeof text,
                  "host<->GPU bandwidth below the floor of %.1f GB/s: ",
                  h2d.limit ? h2d.limit->value : d2h.limit->value);
    r.summary = text + r.summary;
    r.remediation =
        "Run the job's processes on the GPU's NUMA node (`nvidia-smi topo "
        "-m` shows its CPU affinity; numactl --cpunodebind), check that the "
        "IOMMU is off or in passthrough (iommu=pt), and that no other "
        "device saturates the PCIe switch; `nvidia-smi -q -d PCIE` shows the "
        "link";
    return r;
  }
  if (loaded.known && (loaded.generation < loaded.max_generation ||
                       loaded.width < loaded.max_width)) {
    r.outcome = Outcome::kWarn;
    r.summary = "the PCIe link trained below its capability: " + r.summary;
    r.remediation =
        "Reseat the GPU (or its riser), check that the slot is wired x" +
        std::to_string(loaded.max_width) + " and runs Gen" +
        std::to_string(loaded.max_generation) +
        " in the BIOS; `nvidia-smi -q -d PCIE` shows the link";
    return r;
  }
  r.outcome = Outcome::kPass;
  return r;
}

}  // namespace preflight

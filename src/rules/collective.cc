#include "rules/collective.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>

#include "preflight/strings.h"
#include "rules/host_advice.h"
#include "rules/nccl_settings.h"

namespace preflight {
namespace {

// Sizes at and above this are "large": where bus bandwidth is judged
// (smaller ones are latency-bound).
constexpr double kJudgedFromBytes = 256.0 * 1024 * 1024;

std::string Rank(const RankResult& r) {
  return "rank " + std::to_string(r.rank) + " (GPU " +
         std::to_string(r.gpu_index) + ")";
}

}  // namespace

double AllReduceAlgBw(double bytes, double seconds) {
  return seconds > 0 ? bytes / seconds / 1e9 : 0;
}

double AllReduceBusBw(double algbw, int nranks) {
  return nranks > 0 ? algbw * 2.0 * (nranks - 1) / nranks : 0;
}

std::optional<Spread> BusBwSpread(double bytes, double median_us,
                                  const nlohmann::ordered_json& us_spread,
                                  int nranks) {
  if (!us_spread.is_object() || median_us <= 0) return std::nullopt;
  const double min_us = us_spread.value("min", 0.0);
  const double max_us = us_spread.value("max", 0.0);
  if (min_us <= 0 || max_us <= 0) return std::nullopt;
  auto busbw = [&](double us) {
    return AllReduceBusBw(AllReduceAlgBw(bytes, us * 1e-6), nranks);
  };
  Spread spread;
  spread.runs = us_spread.value("runs", 0);
  // Bandwidth falls as time rises: the slowest run gives the lowest rate.
  spread.min = busbw(max_us);
  spread.max = busbw(min_us);
  // To first order a time deviation d around t is a rate deviation of
  // rate * d / t.
  spread.mad = busbw(median_us) * us_spread.value("mad", 0.0) / median_us;
  return spread;
}

std::string SizeLabel(double bytes) {
  const double kib = 1024, mib = kib * 1024, gib = mib * 1024;
  char text[32];
  if (bytes >= gib) {
    std::snprintf(text, sizeof text, "%g GiB", bytes / gib);
  } else if (bytes >= mib) {
    std::snprintf(text, sizeof text, "%g MiB", bytes / mib);
  } else {
    std::snprintf(text, sizeof text, "%g KiB", bytes / kib);
  }
  return text;
}

std::string SizeTag(double bytes) {
  std::string tag;
  for (char ch : SizeLabel(bytes)) {
    if (ch != ' ')
      tag += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return tag;
}

namespace {

// One NVLink's per-direction rate (GB/s) from what NVML reports, which is
// nvmlNvlinkVersion_t, not the generation: 1 = 1.0, 2 = 2.0, 3 = 2.2,
// 4 = 3.0, 5 = 3.1, 6 = 4.0, 7 = 5.0 (nvml.h). Hopper GPUs have been seen
// reporting 7 for their NVLink 4 links (a public NCCL benchmark script works
// around it), and GA102 boards (RTX 3090, A6000, A40; cc 8.6) bridge with
// narrower NVLink 3 links than A100's, so the GPU's compute capability
// settles the rate. 0 where unknown: then nothing is judged.
double NvlinkLinkRateGbps(unsigned nvml_version, const std::string& cc) {
  const auto major = ParseNonNegativeInt(cc.substr(0, cc.find('.')));
  if (nvml_version == 1) return 20;
  if (nvml_version == 4 || nvml_version == 5) {
    return cc == "8.6" ? 14 : 25;  // 3090 bridge: 56 GB/s over 4 links
  }
  if (nvml_version == 2 || nvml_version == 3 || nvml_version == 6) return 25;
  if (nvml_version == 7) return major && *major >= 10 ? 50 : 25;
  return 0;
}

}  // namespace

std::optional<Limit> BusBandwidthLimit(const std::vector<RankResult>& ranks) {
  if (ranks.size() < 2) return std::nullopt;
  std::set<std::string> hosts;
  int min_nvlinks = 1 << 30;
  double link_rate = 1e30;  // the slowest rank's per-link rate
  unsigned nvml_version = 0;
  unsigned pcie_gen = 1u << 30;
  for (const RankResult& r : ranks) {
    const auto& d = r.result.details;
    hosts.insert(d.value("hostname", ""));
    if (!d.contains("link") || !d["link"].contains("nvlink_active"))
      return std::nullopt;
    const auto& link = d["link"];
    min_nvlinks = std::min(min_nvlinks, link.value("nvlink_active", 0));
    nvml_version = link.value("nvlink_version", 0u);
    link_rate = std::min(
        link_rate,
        NvlinkLinkRateGbps(nvml_version, link.value("compute_capability", "")));
    pcie_gen = std::min(pcie_gen, link.value("pcie_max_generation", 0u));
  }
  if (hosts.size() > 1) return std::nullopt;
  // NVLink: the line rate is the active links times one link's rate (18 x
  // 25 = 450 GB/s per direction on H100/H200, 12 x 25 = 300 on A100, 4 x 14
  // = 56 on a 3090 bridge). NCCL reaches ~82% of it in a ring
  // (reference/measurement.md §1.7: ~370 of 450 on 8x H100; 329 measured on
  // 2x H100 here); the limit is half the line rate.
  if (min_nvlinks > 0) {
    if (link_rate <= 0) return std::nullopt;
    const double line = min_nvlinks * link_rate;
    char source[240];
    std::snprintf(source, sizeof source,
                  "built-in: half the %g GB/s per-direction line rate of %d "
                  "NVLinks at %g GB/s (NVML version %u; NCCL reaches ~80%% of "
                  "it)",
                  line, min_nvlinks, link_rate, nvml_version);
    return Limit{Limit::Kind::kAtLeast, line / 2, source};
  }
  // PCIe only: NCCL is bound by the CPU root complex; ~22-28 GB/s on Gen4/5
  // systems (reference/measurement.md §1.7). Judged at about half of that.
  if (pcie_gen >= 4 && pcie_gen < (1u << 30)) {
    const double floor = pcie_gen >= 5 ? 12 : 8;
    char source[200];
    std::snprintf(
        source, sizeof source,
        "built-in: PCIe Gen%u without NVLink, about half of what NCCL reaches "
        "through the host (reference/measurement.md section 1.7)",
        pcie_gen);
    return Limit{Limit::Kind::kAtLeast, floor, source};
  }
  return std::nullopt;
}

namespace {

// What the ranks' results say together.
struct RankTally {
  int nranks = 0;
  bool other_nodes = false;  // the communicator spans other nodes too
  std::vector<std::string> missing, failed;
  // Per size: the slowest rank's time decides, with its run-to-run spread.
  std::map<double, double> slowest_us;
  std::map<double, nlohmann::ordered_json> slowest_spread;
  std::map<double, unsigned long long> wrong;
  double init_ms = 0;
  std::set<std::string> transports;
  std::string version;
  // The NCCL each rank loaded, and the ranks that loaded it.
  std::map<std::string, std::vector<std::string>> ranks_by_version;
};

void TallySizes(const nlohmann::ordered_json& d, RankTally* t) {
  if (!d.contains("sizes")) return;
  for (const auto& s : d["sizes"]) {
    const double bytes = s.value("bytes", 0.0);
    const double us = s.value("median_us", 0.0);
    if (us >= t->slowest_us[bytes]) {
      t->slowest_us[bytes] = us;
      t->slowest_spread[bytes] =
          s.contains("us_spread") ? s["us_spread"] : nlohmann::ordered_json();
    }
    t->wrong[bytes] += s.value("wrong", 0ULL);
  }
}

RankTally Tally(const std::vector<RankResult>& ranks) {
  RankTally t;
  // Under mpirun the communicator spans other nodes too: their ranks report
  // there, and the global count comes from the ranks' own details.
  t.nranks = static_cast<int>(ranks.size());
  for (const RankResult& r : ranks) {
    t.nranks = std::max(t.nranks, r.result.details.value("nranks", 0));
  }
  t.other_nodes = t.nranks > static_cast<int>(ranks.size());
  for (const RankResult& r : ranks) {
    const Outcome o = r.result.outcome;
    if (o == Outcome::kTimeout || o == Outcome::kCrash ||
        o == Outcome::kError) {
      t.missing.push_back(Rank(r) + ": " + std::string(ToString(o)));
    } else if (o == Outcome::kFail) {
      t.failed.push_back(r.result.summary);
    }
    const auto& d = r.result.details;
    TallySizes(d, &t);
    for (const Metric& m : r.result.metrics) {
      if (m.name == "init_ms") t.init_ms = std::max(t.init_ms, m.value);
    }
    if (d.contains("transports")) {
      for (const auto& tr : d["transports"]) {
        t.transports.insert(tr.get<std::string>());
      }
    }
    if (t.version.empty()) t.version = d.value("nccl_version", "");
    if (d.contains("nccl_version")) {
      t.ranks_by_version[d.value("nccl_version", "")].push_back(
          std::to_string(r.rank));
    }
  }
  return t;
}

// Ranks of one communicator on different NCCL releases: NCCL does not
// support it (init may fail or hang), even where this run got through.
std::string VersionMix(const RankTally& t) {
  if (t.ranks_by_version.size() <= 1) return "";
  std::vector<std::string> parts;
  for (const auto& [v, rs] : t.ranks_by_version) {
    parts.push_back("NCCL " + v + " on rank" + (rs.size() > 1 ? "s " : " ") +
                    Join(rs, ","));
  }
  return "the ranks load different NCCL releases: " + Join(parts, ", ");
}

// The copy tested is not the one torch loads (--library-copy system, or a
// job without torch): name both, so that a pass is not read as torch's.
std::string TestedOther(const RankTally& t, const std::string& torch_version) {
  // NCCL's log says "2.28.9+cuda13.0", ncclGetVersion "2.28.9": the release
  // is what differs or not.
  auto release = [](const std::string& v) { return v.substr(0, v.find('+')); };
  if (t.version.empty() || torch_version.empty() ||
      release(t.version) == release(torch_version) ||
      t.ranks_by_version.size() != 1) {
    return "";
  }
  return "; tested NCCL " + t.version + ", torch loads " + torch_version;
}

// The per-size table at the slowest rank's times, and the peak bus
// bandwidth at the judged (large) sizes with its spread.
nlohmann::ordered_json SizesTable(const RankTally& t, double* peak_large,
                                  std::optional<Spread>* peak_spread) {
  nlohmann::ordered_json sizes = nlohmann::ordered_json::array();
  for (const auto& [bytes, us] : t.slowest_us) {
    const double algbw = AllReduceAlgBw(bytes, us * 1e-6);
    const double busbw = AllReduceBusBw(algbw, t.nranks);
    if (bytes >= kJudgedFromBytes && busbw > *peak_large) {
      *peak_spread =
          BusBwSpread(bytes, us, t.slowest_spread.at(bytes), t.nranks);
      *peak_large = busbw;
    }
    sizes.push_back({{"bytes", bytes},
                     {"time_us", us},
                     {"algbw_gbps", algbw},
                     {"busbw_gbps", busbw},
                     {"wrong", t.wrong.at(bytes)}});
  }
  return sizes;
}

void NotCompleted(const RankTally& t, const std::string& version_mix,
                  const NcclSettingsFact& settings, const Vantage& vantage,
                  ProbeResult* node) {
  node->outcome = Outcome::kFail;
  node->summary = "all-reduce over " + std::to_string(t.nranks) +
                  " GPUs did not complete: " + Join(t.missing, ", ") +
                  (t.failed.empty() ? "" : "; " + Join(t.failed, "; "));
  node->remediation =
      "The named rank hung or died. A hang in init or in the first "
      "all-reduce usually means GPU peer-to-peer is broken: try "
      "NCCL_P2P_DISABLE=1, then disable ACS / the IOMMU for the GPUs "
      "(`nvidia-smi topo -m`; " +
      KernelLogAdvice("-e iommu -e xid", vantage) +
      "); in containers give more /dev/shm (--shm-size=8g or --ipc=host); "
      "across hosts set NCCL_SOCKET_IFNAME";
  node->details["ranks_not_completed"] = t.missing;
  if (!version_mix.empty()) node->summary += "; " + version_mix;
  const NcclFailureCause why = ExplainNcclFailure(
      Join(t.failed, "; "), settings, NcclTrouble::kStall, std::nullopt);
  if (why.explained) {
    node->summary += "; " + why.cause;
    node->remediation = why.fix;
  }
}

// Two or more ranks that all completed exactly: the bus bandwidth against
// its limit, then the NCCL releases.
void JudgeBandwidth(const std::vector<RankResult>& ranks, const RankTally& t,
                    const ProbeContext& base, const std::string& version_mix,
                    const std::string& tested_other,
                    const nlohmann::ordered_json& sizes, double peak_large,
                    const std::optional<Spread>& peak_spread,
                    const NcclSettingsFact& settings, ProbeResult* node) {
  Metric busbw = JudgedOptionalMetric(
      base, "busbw_gbps", peak_large, "GB/s",
      t.other_nodes ? std::nullopt : BusBandwidthLimit(ranks));
  busbw.spread = peak_spread;
  node->AddMetric(busbw);
  for (const auto& s : sizes) {
    node->AddMetric({"busbw_" + SizeTag(s["bytes"].get<double>()) + "_gbps",
                     s["busbw_gbps"].get<double>(),
                     "GB/s",
                     {}});
  }
  char text[256];
  std::snprintf(
      text, sizeof text,
      "%d ranks%s exact at every size; bus bandwidth %.1f GB/s at "
      ">= 256 MiB; init %.0f ms; transport %s",
      t.nranks, t.other_nodes ? " (over several nodes)" : "", peak_large,
      t.init_ms,
      t.transports.empty()
          ? "unknown"
          : Join({t.transports.begin(), t.transports.end()}, ", ").c_str());
  node->summary = text + tested_other;
  if (!busbw.Passes()) {
    node->outcome = Outcome::kFail;
    std::snprintf(text, sizeof text,
                  "bus bandwidth %.1f GB/s is below the limit %.1f GB/s",
                  peak_large, busbw.limit->value);
    node->summary = std::string(text) + "; " + node->summary +
                    (version_mix.empty() ? "" : "; " + version_mix);
    const NcclFailureCause why =
        ExplainNcclFailure("", settings, NcclTrouble::kSlow, std::nullopt);
    node->summary += "; " + why.cause;
    node->remediation =
        why.explained
            ? why.fix
            : "Check which transport NCCL chose (details.transports: P2P "
              "over NVLink expected; SHM or NET means peer-to-peer is off), "
              "`nvidia-smi topo -m` and `nvidia-smi nvlink -s` for down links";
    return;
  }
  if (!version_mix.empty()) {
    node->outcome = Outcome::kWarn;
    node->summary =
        version_mix + " (this run got through; " + node->summary + ")";
    node->remediation =
        "Install one NCCL release everywhere the job runs: the same torch "
        "wheel (its nvidia-nccl pin) on every node, and no other libnccl on "
        "LD_LIBRARY_PATH (driver.libraries lists the copies)";
    return;
  }
  node->outcome = Outcome::kPass;
}

}  // namespace

ProbeResult AggregateAllReduce(const std::vector<RankResult>& ranks,
                               const ProbeContext& base,
                               const CollectiveNodeFacts& facts,
                               const Vantage& vantage) {
  ProbeResult node;
  const RankTally t = Tally(ranks);
  const std::string version_mix = VersionMix(t);
  if (!version_mix.empty()) {
    node.details["nccl_versions_by_rank"] = t.ranks_by_version;
  }
  node.details["nranks"] = t.nranks;
  // No settings recorded (host.nccl_env left out) judges as none in force.
  const NcclSettingsFact settings =
      facts.nccl_settings.value_or(NcclSettingsFact{});
  node.details["nccl_settings"] = facts.nccl_settings
                                      ? nlohmann::json(settings.in_force)
                                      : nlohmann::json();
  node.details["local_ranks"] = static_cast<int>(ranks.size());
  node.details["transports"] =
      std::vector<std::string>(t.transports.begin(), t.transports.end());
  if (!t.version.empty()) node.details["nccl_version"] = t.version;
  const std::string& torch_version = facts.torch_nccl_version;
  if (!torch_version.empty()) {
    node.details["torch_nccl_version"] = torch_version;
  }
  const std::string tested_other = TestedOther(t, torch_version);
  double peak_large = 0;
  std::optional<Spread> peak_spread;
  const nlohmann::ordered_json sizes = SizesTable(t, &peak_large, &peak_spread);
  node.details["sizes"] = sizes;
  if (t.init_ms > 0) node.AddMetric({"init_ms", t.init_ms, "ms", {}});
  if (!t.missing.empty()) {
    NotCompleted(t, version_mix, settings, vantage, &node);
    return node;
  }
  if (!t.failed.empty()) {
    node.outcome = Outcome::kFail;
    node.summary =
        Join(t.failed, "; ") + (version_mix.empty() ? "" : "; " + version_mix);
    node.remediation = ranks.front().result.remediation;
    for (const RankResult& r : ranks) {
      if (r.result.outcome == Outcome::kFail) {
        node.remediation = r.result.remediation;
      }
    }
    return node;
  }
  if (t.nranks == 1) {
    node.outcome = Outcome::kPass;
    node.summary =
        "one rank: NCCL " + t.version +
        " loads and all-reduces exactly; bus bandwidth skipped (it needs 2 "
        "or more GPUs)" +
        tested_other;
    node.details["bandwidth"] = "skipped: one rank";
    return node;
  }
  JudgeBandwidth(ranks, t, base, version_mix, tested_other, sizes, peak_large,
                 peak_spread, settings, &node);
  return node;
}

}  // namespace preflight

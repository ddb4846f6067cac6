#include "rules/gpu_models.h"

#include <cctype>
#include <cstdio>
#include <string>

namespace preflight {

const std::vector<GpuModelSpec>& GpuModelTable() {
  // Dense (no sparsity) vendor datasheet figures. H100/H200 SXM rows are the
  // ones reference/measurement.md §5.1 cross-checks against four sources;
  // the others are NVIDIA's published product-page figures (sparse figures
  // halved), to be re-checked when a card of that model is measured.
  // BF16/FP16 are tensor-core rates with FP32 accumulation (GeForce cards
  // publish them separately from their FP16-accumulate rates).
  // Rows with figures first, then rows that only tell an architecture.
  static const std::vector<GpuModelSpec> table = {
      {"H100 SXM",
       90,
       {"h100"},
       {"NVIDIA H100 80GB HBM3", "NVIDIA H100 SXM5 80GB", "NVIDIA H100"},
       67,
       494.7,
       989.4,
       989.4,
       3350,
       "NVIDIA H100 SXM5 datasheet (reference/measurement.md §5.1)"},
      {"H100 PCIe",
       90,
       {"h100 pcie"},
       {"NVIDIA H100 PCIe"},
       51,
       378,
       756,
       756,
       2000,
       "NVIDIA H100 PCIe datasheet"},
      {"H100 NVL",
       90,
       {"h100 nvl"},
       {"NVIDIA H100 NVL"},
       60,
       417.5,
       835.5,
       835.5,
       3900,
       "NVIDIA H100 NVL datasheet"},
      {"H200 SXM",
       90,
       {"h200"},
       {"NVIDIA H200", "NVIDIA H200 141GB HBM3e"},
       67,
       494.7,
       989.4,
       989.4,
       4800,
       "NVIDIA H200 SXM datasheet (reference/measurement.md §5.1)"},
      {"H200 NVL",
       90,
       {"h200 nvl"},
       {"NVIDIA H200 NVL"},
       60,
       417.5,
       835.5,
       835.5,
       4800,
       "NVIDIA H200 NVL datasheet"},
      {"A100 SXM4 40GB",
       80,
       {"a100"},
       {"NVIDIA A100-SXM4-40GB"},
       19.5,
       156,
       312,
       312,
       1555,
       "NVIDIA A100 datasheet"},
      {"A100 SXM4 80GB",
       80,
       {},
       {"NVIDIA A100-SXM4-80GB"},
       19.5,
       156,
       312,
       312,
       2039,
       "NVIDIA A100 datasheet"},
      {"A100 PCIe 40GB",
       80,
       {},
       {"NVIDIA A100-PCIE-40GB"},
       19.5,
       156,
       312,
       312,
       1555,
       "NVIDIA A100 datasheet"},
      {"A100 PCIe 80GB",
       80,
       {},
       {"NVIDIA A100 80GB PCIe"},
       19.5,
       156,
       312,
       312,
       1935,
       "NVIDIA A100 datasheet"},
      {"L40S",
       89,
       {"l40s"},
       {"NVIDIA L40S"},
       91.6,
       183,
       362,
       362,
       864,
       "NVIDIA L40S datasheet"},
      {"L4",
       89,
       {"l4"},
       {"NVIDIA L4"},
       30.3,
       60,
       121,
       121,
       300,
       "NVIDIA L4 datasheet"},
      {"A10",
       86,
       {"a10"},
       {"NVIDIA A10"},
       31.2,
       62.5,
       125,
       125,
       600,
       "NVIDIA A10 datasheet"},
      {"RTX 4090",
       89,
       {"4090"},
       {"NVIDIA GeForce RTX 4090"},
       82.6,
       82.6,
       165.2,
       165.2,
       1008,
       "NVIDIA Ada Lovelace architecture whitepaper (RTX 4090)"},
      {"RTX 3090",
       86,
       {"3090"},
       {"NVIDIA GeForce RTX 3090"},
       35.6,
       35.6,
       71,
       71,
       936,
       "NVIDIA Ampere GA102 whitepaper (RTX 3090)"},
      {"B200",
       100,
       {"b200"},
       {"NVIDIA B200"},
       75,
       1100,
       2250,
       2250,
       7700,
       "NVIDIA HGX B200 datasheet (one eighth of the 8-GPU figures)"},
      {"B300", 103, {"b300", "gb300"}, {}, 0, 0, 0, 0, 0, ""},
      {"GB200", 100, {"gb200"}, {}, 0, 0, 0, 0, 0, ""},
      {"B100", 100, {"b100"}, {}, 0, 0, 0, 0, 0, ""},
      {"RTX PRO 6000 Blackwell",
       120,
       {"rtx pro 6000 blackwell"},
       {},
       0,
       0,
       0,
       0,
       0,
       ""},
      {"RTX 50 series", 120, {"rtx 50", "5090", "5080"}, {}, 0, 0, 0, 0, 0, ""},
      {"GH200", 90, {"gh200"}, {}, 0, 0, 0, 0, 0, ""},
      {"H800", 90, {"h800"}, {}, 0, 0, 0, 0, 0, ""},
      {"H20", 90, {"h20"}, {}, 0, 0, 0, 0, 0, ""},
      {"L40", 89, {"l40"}, {}, 0, 0, 0, 0, 0, ""},
      {"RTX 40 series", 89, {"rtx 40"}, {}, 0, 0, 0, 0, 0, ""},
      {"RTX 6000 Ada", 89, {"rtx 6000 ada"}, {}, 0, 0, 0, 0, 0, ""},
      {"A800", 80, {"a800"}, {}, 0, 0, 0, 0, 0, ""},
      {"A30", 80, {"a30"}, {}, 0, 0, 0, 0, 0, ""},
      {"A40", 86, {"a40"}, {}, 0, 0, 0, 0, 0, ""},
      {"RTX A6000", 86, {"a6000"}, {}, 0, 0, 0, 0, 0, ""},
      {"RTX 30 series", 86, {"rtx 30"}, {}, 0, 0, 0, 0, 0, ""},
      {"T4", 75, {"t4"}, {}, 0, 0, 0, 0, 0, ""},
      {"V100", 70, {"v100"}, {}, 0, 0, 0, 0, 0, ""},
      {"P100", 60, {"p100"}, {}, 0, 0, 0, 0, 0, ""},
      {"K80", 37, {"k80"}, {}, 0, 0, 0, 0, 0, ""},
  };
  return table;
}

int ComputeCapabilityOfModel(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  int cc = 0;
  size_t longest = 0;
  for (const GpuModelSpec& spec : GpuModelTable()) {
    for (std::string_view alias : spec.aliases) {
      if (alias.size() > longest && lower.find(alias) != std::string::npos) {
        longest = alias.size();
        cc = spec.compute_capability;
      }
    }
  }
  return cc;
}

const GpuModelSpec* FindGpuModel(std::string_view device_name) {
  for (const GpuModelSpec& spec : GpuModelTable()) {
    for (std::string_view name : spec.names) {
      if (name == device_name) return &spec;
    }
  }
  return nullptr;
}

std::optional<Limit> BuiltinModelLimit(std::string_view device_name,
                                       std::string_view metric) {
  const GpuModelSpec* spec = FindGpuModel(device_name);
  if (spec == nullptr) return std::nullopt;
  double peak = 0;
  double fraction = kComputeLimitFraction;
  const char* what = "";
  const char* unit = "TFLOP/s";
  if (metric == "fp32_tflops") {
    peak = spec->fp32_tflops;
    what = "FP32";
  } else if (metric == "tf32_tflops") {
    peak = spec->tf32_tflops;
    what = "dense TF32";
  } else if (metric == "bf16_tflops") {
    peak = spec->bf16_tflops;
    what = "dense BF16";
  } else if (metric == "fp16_tflops") {
    peak = spec->fp16_tflops;
    what = "dense FP16";
  } else if (metric == "copy_gbps") {
    // A device-to-device copy moves each byte twice (read + write), so its
    // read+write rate is compared with the memory bandwidth.
    peak = spec->memory_gbps;
    fraction = kMemoryLimitFraction;
    what = "memory bandwidth";
    unit = "GB/s";
  } else {
    return std::nullopt;
  }
  char source[256];
  std::snprintf(source, sizeof source, "built-in: %.0f%% of %s %s %g %s (%s)",
                fraction * 100, std::string(spec->model).c_str(), what, peak,
                unit, std::string(spec->source).c_str());
  return Limit{Limit::Kind::kAtLeast, peak * fraction, source};
}

}  // namespace preflight

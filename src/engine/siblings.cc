#include "engine/siblings.h"

#include <cstdio>
#include <map>
#include <utility>
#include <vector>

#include "model/manifest.h"
#include "preflight/numeric_check.h"

namespace preflight {
namespace {

struct Compared {
  std::string probe;
  std::string metric;
};

// The metrics the manifest marks as compared across siblings.
std::vector<Compared> ComparedMetrics() {
  std::vector<Compared> compared;
  for (const ProbeSpec& spec : Manifest()) {
    for (std::string_view metric : spec.traits.sibling_metrics) {
      compared.push_back({std::string(spec.id), std::string(metric)});
    }
  }
  return compared;
}

struct Sample {
  ProbeResult* result;
  double value;
};

const Metric* FindMetric(const ProbeResult& r, const std::string& name) {
  for (const Metric& m : r.metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

}  // namespace

void ApplySiblingComparison(const ProbeContext& base, RunReport* report) {
  for (const Compared& c : ComparedMetrics()) {
    std::map<std::string, std::vector<Sample>> by_model;
    for (GpuReport& gpu : report->gpus) {
      for (ProbeResult& r : gpu.results) {
        if (r.probe != c.probe) continue;
        if (!IsPassing(r.outcome) && r.outcome != Outcome::kFail) continue;
        if (const Metric* m = FindMetric(r, c.metric);
            m != nullptr && m->value > 0) {
          by_model[gpu.identity.name].push_back({&r, m->value});
        }
      }
    }
    for (auto& [model, samples] : by_model) {
      if (samples.size() < 2) continue;
      std::vector<double> values;
      for (const Sample& s : samples) values.push_back(s.value);
      const double median = Median(values);
      char source[200];
      std::snprintf(
          source, sizeof source,
          "sibling median: %.4g over %zu %s GPUs on this node, x %.2f", median,
          samples.size(), model.c_str(), kSiblingMinFraction);
      ProbeContext context = base;
      context.gpu_name = model;
      const std::string name = std::string(c.metric) + "_vs_siblings";
      Limit limit =
          ResolveLimit(context, c.probe, name,
                       {Limit::Kind::kAtLeast, kSiblingMinFraction, source});
      for (Sample& s : samples) {
        Metric m{name, s.value / median, "", limit};
        s.result->metrics.push_back(m);
        if (m.Passes()) continue;
        char text[200];
        std::snprintf(text, sizeof text,
                      "%s is %.2fx the median of its %zu node-mates",
                      c.metric.c_str(), m.value, samples.size());
        if (IsPassing(s.result->outcome)) {
          s.result->outcome = Outcome::kFail;
          s.result->summary = std::string(text) + "; " + s.result->summary;
        } else {
          s.result->summary += std::string("; ") + text;
        }
        const std::string fix =
            "This GPU is slower than identical GPUs beside it: compare clocks, "
            "power limit "
            "and throttle reasons with a sibling (`nvidia-smi -q -d "
            "PERFORMANCE,POWER,CLOCK "
            "-i <n>`), check its PCIe link and cooling, and drain it if it "
            "stays slow";
        s.result->remediation = s.result->remediation.empty()
                                    ? fix
                                    : s.result->remediation + "; " + fix;
      }
    }
  }
}

}  // namespace preflight

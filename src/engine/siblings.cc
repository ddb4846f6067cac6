#include "engine/siblings.h"

#include <string>
#include <vector>

#include "model/manifest.h"
#include "rules/siblings.h"

namespace preflight {
namespace {

const Metric* FindMetric(const ProbeResult& r, const std::string& name) {
  for (const Metric& m : r.metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

}  // namespace

void ApplySiblingComparison(const ProbeContext& base, RunReport* report) {
  for (const ProbeSpec& spec : Manifest()) {
    for (std::string_view metric_view : spec.traits.sibling_metrics) {
      const std::string metric(metric_view);
      // Every GPU's rate (its result passed, warned or failed: a failed
      // rate still counts), indexed back to the result it came from.
      std::vector<ProbeResult*> results;
      std::vector<SiblingRate> rates;
      for (GpuReport& gpu : report->gpus) {
        for (ProbeResult& r : gpu.results) {
          if (r.probe != spec.id) continue;
          if (!IsPassing(r.outcome) && r.outcome != Outcome::kFail) continue;
          if (const Metric* m = FindMetric(r, metric);
              m != nullptr && m->value > 0) {
            rates.push_back({static_cast<int>(results.size()),
                             gpu.identity.name, m->value});
            results.push_back(&r);
          }
        }
      }
      const auto limit = [&](const std::string& model, const Limit& builtin) {
        ProbeContext context = base;
        context.gpu_name = model;
        return ResolveLimit(context, spec.id, metric + "_vs_siblings", builtin);
      };
      for (const SiblingJudgement& j : JudgeSiblings(metric, rates, limit)) {
        ApplySiblingJudgement(j, results[static_cast<size_t>(j.gpu)]);
      }
    }
  }
}

}  // namespace preflight

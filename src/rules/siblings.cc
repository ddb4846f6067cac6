#include "rules/siblings.h"

#include <cstdio>
#include <map>

#include "preflight/numeric_check.h"

namespace preflight {

std::vector<SiblingJudgement> JudgeSiblings(
    const std::string& metric, const std::vector<SiblingRate>& rates,
    const SiblingLimit& limit) {
  std::map<std::string, std::vector<const SiblingRate*>> by_model;
  for (const SiblingRate& r : rates) {
    if (r.value > 0) by_model[r.model].push_back(&r);
  }
  std::vector<SiblingJudgement> judged;
  for (const auto& [model, group] : by_model) {
    if (group.size() < 2) continue;
    std::vector<double> values;
    for (const SiblingRate* r : group) values.push_back(r->value);
    const double median = Median(values);
    char source[200];
    std::snprintf(source, sizeof source,
                  "sibling median: %.4g over %zu %s GPUs on this node, x %.2f",
                  median, group.size(), model.c_str(), kSiblingMinFraction);
    const Limit resolved =
        limit(model, {Limit::Kind::kAtLeast, kSiblingMinFraction, source});
    for (const SiblingRate* r : group) {
      SiblingJudgement j;
      j.gpu = r->gpu;
      j.ratio = {metric + "_vs_siblings", r->value / median, "", resolved};
      j.slow = !j.ratio.Passes();
      if (j.slow) {
        char text[200];
        std::snprintf(text, sizeof text,
                      "%s is %.2fx the median of its %zu node-mates",
                      metric.c_str(), j.ratio.value, group.size());
        j.said = text;
        j.fix =
            "This GPU is slower than identical GPUs beside it: compare "
            "clocks, power limit and throttle reasons with a sibling "
            "(`nvidia-smi -q -d PERFORMANCE,POWER,CLOCK -i <n>`), check its "
            "PCIe link and cooling, and drain it if it stays slow";
      }
      judged.push_back(std::move(j));
    }
  }
  return judged;
}

void ApplySiblingJudgement(const SiblingJudgement& judged, ProbeResult* r) {
  r->metrics.push_back(judged.ratio);
  if (!judged.slow) return;
  if (IsPassing(r->outcome)) {
    r->outcome = Outcome::kFail;
    r->summary = judged.said + "; " + r->summary;
  } else {
    r->summary += "; " + judged.said;
  }
  r->remediation =
      r->remediation.empty() ? judged.fix : r->remediation + "; " + judged.fix;
}

}  // namespace preflight

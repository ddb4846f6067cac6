#include "engine/judge.h"

#include <utility>

#include "engine/history.h"
#include "engine/shared_gpu.h"
#include "engine/siblings.h"

namespace preflight {
namespace {

template <typename Visit>
void ForEachResult(RunReport* report, Visit visit) {
  for (ProbeResult& r : report->node_results) visit(r);
  for (GpuReport& gpu : report->gpus) {
    for (ProbeResult& r : gpu.results) visit(r);
  }
}

}  // namespace

void ApplyRequirement(const std::set<std::string>& required,
                      const ProbeSpec& spec, ProbeResult* result) {
  if (result->outcome != Outcome::kSkip || spec.requires_library.empty() ||
      required.count(std::string(spec.requires_library)) == 0 ||
      result->skip_reason == skip_reason::kInterrupted) {
    return;
  }
  result->outcome = Outcome::kFail;
  result->summary = std::string(spec.requires_library) +
                    " is required (--require) but this probe could not run: " +
                    result->summary;
  if (result->remediation.empty()) {
    result->remediation = "Make " + std::string(spec.requires_library) +
                          " available in this environment, or drop it from "
                          "--require";
  }
}

void ApplyStrict(ProbeResult* result) {
  if (result->outcome != Outcome::kWarn) return;
  result->outcome = Outcome::kFail;
  result->summary = "--strict fails this warning: " + result->summary;
}

std::vector<Amendment> JudgeRun(const ProbeContext& base, RunReport* report,
                                bool strict, const RunHistory* history) {
  // Each result as it arrived, in the order ForEachResult visits them.
  std::vector<std::pair<Outcome, std::string>> arrived;
  ForEachResult(report, [&](ProbeResult& r) {
    arrived.emplace_back(r.outcome, r.summary);
  });
  ForEachResult(report, [&](ProbeResult& r) {
    if (const ProbeSpec* spec = FindProbe(r.probe)) {
      ApplyRequirement(base.required, *spec, &r);
    }
  });
  ApplySiblingComparison(base, report);
  if (history != nullptr) ApplyHistory(base, *history, report);
  MarkSharedGpus(report);
  if (strict) ForEachResult(report, [](ProbeResult& r) { ApplyStrict(&r); });
  std::vector<Amendment> amendments;
  size_t i = 0;
  ForEachResult(report, [&](ProbeResult& r) {
    const auto& [outcome, summary] = arrived[i++];
    if (r.outcome != outcome || r.summary != summary) {
      amendments.push_back({r, outcome});
    }
  });
  return amendments;
}

}  // namespace preflight

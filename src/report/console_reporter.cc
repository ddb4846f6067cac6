#include "report/console_reporter.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "preflight/strings.h"

namespace preflight {
namespace {

const char* kGreen = "32";
const char* kRed = "31";
const char* kYellow = "33";
const char* kDim = "2";
const char* kBold = "1";

const char* OutcomeColor(Outcome o) {
  switch (o) {
    case Outcome::kPass:
      return kGreen;
    case Outcome::kWarn:
    case Outcome::kSkip:
      return kYellow;
    default:
      return kRed;
  }
}

std::string Label(const ProbeResult& r) {
  return (r.gpu_index ? "gpu" + std::to_string(*r.gpu_index) + " " : "") +
         r.probe;
}

// The failure at the root of a "blocked by A <- B (fail)" chain: "B
// (fail)"; "" where the summary names none.
std::string BlockingRoot(const std::string& summary) {
  const size_t by = summary.find("blocked by ");
  if (by == std::string::npos) return "";
  const size_t last = summary.rfind("<- ");
  return summary.substr(last != std::string::npos && last > by
                            ? last + 3
                            : by + std::string("blocked by ").size());
}

// Manifest order of a result's stage; unknown stages last.
int StageRank(const ProbeResult& r) {
  return r.stage ? static_cast<int>(*r.stage) : 100;
}

std::string FirstClause(const std::string& summary) {
  return Trim(summary.substr(0, summary.find_first_of(":(;")));
}

// One cause: the results that reported it (the same fix and the same first
// clause of the summary).
struct Cause {
  std::vector<const ProbeResult*> results;
};

std::vector<Cause> GroupByCause(std::vector<const ProbeResult*> listed) {
  std::stable_sort(listed.begin(), listed.end(),
                   [](const ProbeResult* a, const ProbeResult* b) {
                     return StageRank(*a) < StageRank(*b);
                   });
  std::vector<Cause> causes;
  std::map<std::string, size_t> index;
  for (const ProbeResult* r : listed) {
    // The same fix and the same first clause of the summary (up to its
    // first ':', '(' or ';'): "no NVIDIA kernel driver is loaded" from the
    // device nodes and from the kernel module is one cause; a bf16 and an
    // fp16 mismatch with the same fix are two.
    const std::string key = r->remediation + "\n" + FirstClause(r->summary);
    const auto [it, fresh] = index.emplace(key, causes.size());
    if (fresh) causes.emplace_back();
    causes[it->second].results.push_back(r);
  }
  return causes;
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string FormatMs(double ms) {
  char buffer[32];
  if (ms >= 10000) {
    std::snprintf(buffer, sizeof buffer, "%.1f s", ms / 1000);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.0f ms", ms);
  }
  return buffer;
}

std::string FormatValue(double v) {
  char buffer[32];
  if (std::isnan(v)) return "n/a";
  if (std::fabs(v) >= 100 || v == std::floor(v)) {
    std::snprintf(buffer, sizeof buffer, "%.0f", v);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.3g", v);
  }
  return buffer;
}

// "PASS", "FAIL", ...: the console's outcome column.

}  // namespace

ConsoleStyle DetectConsoleStyle(FILE* stream, bool quiet, int verbosity) {
  ConsoleStyle style;
  const bool tty = isatty(fileno(stream)) != 0;
  const char* term = std::getenv("TERM");
  const bool dumb = term == nullptr || std::strcmp(term, "dumb") == 0;
  const char* ci = std::getenv("CI");
  const bool in_ci = ci != nullptr && *ci != '\0' &&
                     std::strcmp(ci, "false") != 0 && std::strcmp(ci, "0") != 0;
  const char* no_color = std::getenv("NO_COLOR");
  style.color = tty && !dumb && (no_color == nullptr || *no_color == '\0');
  style.live = tty && !dumb && !in_ci;
  style.quiet = quiet;
  style.verbosity = verbosity;
  return style;
}

ConsoleReporter::ConsoleReporter(FILE* out, ConsoleStyle style)
    : out_(out), style_(style) {}

std::string ConsoleReporter::Paint(const std::string& text,
                                   const char* code) const {
  if (!style_.color) return text;
  return std::string("\033[") + code + "m" + text + "\033[0m";
}

void ConsoleReporter::PrintHeader(const std::string& version,
                                  const std::string& level) {
  if (style_.quiet) return;
  std::fprintf(
      out_, "%s\n",
      Paint("gpu-preflight " + version + " · level " + level, kBold).c_str());
  std::fflush(out_);
}

void ConsoleReporter::OnGpusSelected(const std::vector<GpuIdentity>& gpus) {
  if (style_.quiet || gpus.empty()) return;
  ClearLive();
  std::fprintf(out_, "%s\n",
               Paint("checking " + std::to_string(gpus.size()) + " GPU" +
                         (gpus.size() == 1 ? "" : "s") + " in parallel",
                     kDim)
                   .c_str());
}

void ConsoleReporter::OnProbeStart(const ProbeSpec& spec,
                                   std::optional<int> gpu) {
  running_[(gpu ? "gpu" + std::to_string(*gpu) + " " : "") +
           std::string(spec.id)] = std::chrono::steady_clock::now();
  DrawLive();
}

void ConsoleReporter::OnProbeEnd(const ProbeResult& r) {
  running_.erase(Label(r));
  if (style_.quiet) return;
  if (style_.verbosity == 0 && r.outcome == Outcome::kSkip &&
      r.skip_reason == skip_reason::kBlocked) {
    if (const std::string root = BlockingRoot(r.summary); !root.empty()) {
      blocked_by_root_[root].push_back(Label(r));
      return;
    }
  }
  ClearLive();
  PrintResultLine(r, FormatMs(r.duration_ms));
  if (style_.verbosity > 0) {
    for (const Metric& m : r.metrics) {
      std::string line = "             " + m.name + " = " +
                         FormatValue(m.value) +
                         (m.unit.empty() ? "" : " " + m.unit);
      if (m.limit) {
        line += std::string(" (limit ") +
                (m.limit->kind == Limit::Kind::kAtLeast  ? ">= "
                 : m.limit->kind == Limit::Kind::kAtMost ? "<= "
                                                         : "== ") +
                FormatValue(m.limit->value) + ", " + m.limit->source + ")";
      }
      std::fprintf(out_, "%s\n", Paint(line, kDim).c_str());
    }
  }
  std::fflush(out_);
  DrawLive();
}

void ConsoleReporter::OnAmended(const ProbeResult& r, Outcome before) {
  if (style_.quiet) return;
  ClearLive();
  if (!amendments_begun_) {
    amendments_begun_ = true;
    std::fprintf(out_, "amended once every result was in:\n");
  }
  PrintResultLine(r, "was " + UpperName(before));
  std::fflush(out_);
}

void ConsoleReporter::PrintResultLine(const ProbeResult& r,
                                      const std::string& middle) {
  std::fprintf(
      out_, "  %s %s %s  %s\n",
      Paint(Pad(UpperName(r.outcome), 7), OutcomeColor(r.outcome)).c_str(),
      Pad(Label(r), 28).c_str(), Paint(Pad(middle, 8), kDim).c_str(),
      r.summary.c_str());
}

void ConsoleReporter::OnTick() {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ >= std::chrono::milliseconds(200)) DrawLive();
}

void ConsoleReporter::ClearLive() {
  if (!live_drawn_) return;
  std::fprintf(out_, "\r\033[2K");
  live_drawn_ = false;
}

void ConsoleReporter::DrawLive() {
  if (!style_.live || style_.quiet || running_.empty()) return;
  const auto now = std::chrono::steady_clock::now();
  std::string line = "  running:";
  for (const auto& [label, start] : running_) {
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, " %.1fs",
                  std::chrono::duration<double>(now - start).count());
    line += " " + label + elapsed;
  }
  if (line.size() > 150) line = line.substr(0, 147) + "...";
  std::fprintf(out_, "\r\033[2K%s", Paint(line, kDim).c_str());
  std::fflush(out_);
  live_drawn_ = true;
  last_draw_ = now;
}

void ConsoleReporter::PrintBlocked() {
  for (const auto& [root, labels] : blocked_by_root_) {
    const std::string line = std::to_string(labels.size()) + " probe" +
                             (labels.size() == 1 ? "" : "s") +
                             " not run: blocked by " + root +
                             " (--verbose lists each)";
    std::fprintf(out_, "  %s %s\n",
                 Paint(Pad(UpperName(Outcome::kSkip), 7), kYellow).c_str(),
                 line.c_str());
  }
  blocked_by_root_.clear();
}

void ConsoleReporter::PrintSummary(const RunReport& report,
                                   const std::string& report_path) {
  ClearLive();
  if (!style_.quiet) PrintBlocked();
  const std::string verdict = OverallVerdict(report);
  const auto counts = CountOutcomes(report);
  auto count = [&](const char* name) {
    auto it = counts.find(name);
    return it == counts.end() ? 0 : it->second;
  };
  const int others = count("error") + count("timeout") + count("crash");
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f s", report.duration_ms / 1000);
  std::string verdict_line =
      std::string("Verdict: ") + (verdict == "pass" ? "PASS" : "FAIL") + " — " +
      std::to_string(count("pass")) + " passed, " +
      (count("warn") > 0 ? std::to_string(count("warn")) + " warned, " : "") +
      std::to_string(count("fail")) + " failed, " +
      std::to_string(count("skip")) + " skipped" +
      (others > 0 ? ", " + std::to_string(others) + " error/timeout/crash"
                  : "") +
      " in " + seconds +
      (report.interrupted ? " (interrupted by " + report.interrupted_by + ")"
                          : "") +
      (report_path.empty() ? "" : " · report: " + report_path);
  if (style_.quiet) {
    std::fprintf(out_, "%s\n", verdict_line.c_str());
    std::fflush(out_);
    return;
  }
  std::fprintf(out_, "\n%s\n",
               Paint(Pad("GPU", 5) + Pad("model", 26) + Pad("uuid", 16) +
                         Pad("bus id", 14) + Pad("cc", 6) + Pad("verdict", 9) +
                         "pass warn fail skip other",
                     kBold)
                   .c_str());
  auto row = [&](const std::string& gpu, const std::string& model,
                 const std::string& uuid, const std::string& bus,
                 const std::string& cc, const std::vector<ProbeResult>& results,
                 const std::string& row_verdict) {
    const OutcomeTally t = TallyOutcomes(results);
    char numbers[64];
    std::snprintf(numbers, sizeof numbers, "%4d %4d %4d %4d %5d", t.pass,
                  t.warn, t.fail, t.skip, t.other);
    std::fprintf(
        out_, "%s%s%s%s%s%s%s\n", Pad(gpu, 5).c_str(),
        Pad(model.substr(0, 25), 26).c_str(),
        Pad(uuid.substr(0, 15), 16).c_str(), Pad(bus, 14).c_str(),
        Pad(cc, 6).c_str(),
        Paint(Pad(row_verdict, 9), row_verdict == "pass" ? kGreen : kRed)
            .c_str(),
        numbers);
  };
  bool node_failed = false;
  for (const ProbeResult& r : report.node_results)
    node_failed |= IsFailure(r.outcome);
  row("node", "", "", "", "", report.node_results,
      node_failed ? "fail" : "pass");
  for (const GpuReport& gpu : report.gpus) {
    row(std::to_string(gpu.identity.index), gpu.identity.name,
        gpu.identity.uuid, gpu.identity.pci_bus_id,
        gpu.identity.compute_capability, gpu.results, GpuVerdict(gpu));
  }
  // Failures first, then warnings: both with their fixes.
  auto list = [&](const char* title, bool (*wanted)(Outcome),
                  const char* color) {
    std::vector<const ProbeResult*> listed;
    for (const ProbeResult& r : report.node_results) {
      if (wanted(r.outcome)) listed.push_back(&r);
    }
    for (const GpuReport& gpu : report.gpus) {
      for (const ProbeResult& r : gpu.results) {
        if (wanted(r.outcome)) listed.push_back(&r);
      }
    }
    if (listed.empty()) return;
    std::fprintf(out_, "\n%s\n", Paint(title, kBold).c_str());
    // Each cause once, naming every probe and GPU that reported it (a
    // node's aggregate and its GPUs', device nodes and the kernel module);
    // --verbose lists each result.
    std::vector<Cause> causes;
    if (style_.verbosity > 0) {
      for (const ProbeResult* r : listed) causes.push_back({{r}});
    } else {
      causes = GroupByCause(listed);
    }
    for (const Cause& cause : causes) {
      const ProbeResult& first = *cause.results.front();
      std::vector<std::string> labels;
      for (const ProbeResult* r : cause.results) labels.push_back(Label(*r));
      std::string outcome(ToString(first.outcome));
      std::fprintf(out_, "  %s %s: %s\n", Paint(outcome, color).c_str(),
                   Join(labels, ", ").c_str(), first.summary.c_str());
      if (!first.remediation.empty()) {
        std::fprintf(out_, "      fix: %s\n", first.remediation.c_str());
      }
      if (style_.verbosity > 0 && !first.log_tail.empty()) {
        std::fprintf(out_, "      worker log (tail):\n%s\n",
                     first.log_tail.c_str());
      }
    }
  };
  list("Failures:", &IsFailure, kRed);
  list(
      "Warnings (they pass the gate; --strict fails them):",
      [](Outcome o) { return o == Outcome::kWarn; }, kYellow);
  std::fprintf(out_, "\n%s\n",
               Paint(verdict_line, verdict == "pass" ? kGreen : kRed).c_str());
  std::fflush(out_);
}

}  // namespace preflight

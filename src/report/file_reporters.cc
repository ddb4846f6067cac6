#include "report/file_reporters.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

namespace preflight {
namespace {

std::string Seconds(double ms) { return FormatNumber(std::round(ms) / 1000.0); }

struct Tally {
  int tests = 0, warnings = 0, failures = 0, errors = 0, skipped = 0;
  double ms = 0;
};

Tally Count(const std::vector<ProbeResult>& results) {
  Tally t;
  for (const ProbeResult& r : results) {
    ++t.tests;
    t.ms += r.duration_ms;
    switch (r.outcome) {
      case Outcome::kFail:
        ++t.failures;
        break;
      case Outcome::kError:
      case Outcome::kTimeout:
      case Outcome::kCrash:
        ++t.errors;
        break;
      case Outcome::kSkip:
        ++t.skipped;
        break;
      case Outcome::kWarn:
        ++t.warnings;
        break;
      case Outcome::kPass:
        break;
    }
  }
  return t;
}

void JunitSuite(std::string* out, const JunitSuiteRows& suite) {
  const std::string& name = suite.name;
  const std::vector<ProbeResult>& results = suite.results;
  const Tally t = Count(results);
  *out += "  <testsuite name=\"" + EscapeXml(name) + "\" tests=\"" +
          std::to_string(t.tests) + "\" failures=\"" +
          std::to_string(t.failures) + "\" errors=\"" +
          std::to_string(t.errors) + "\" skipped=\"" +
          std::to_string(t.skipped) + "\" time=\"" + Seconds(t.ms) + "\">\n";
  for (const ProbeResult& r : results) {
    const std::string classname =
        r.stage ? std::string(StageName(*r.stage)) : suite.classname;
    *out += "    <testcase classname=\"gpu-preflight." + EscapeXml(classname) +
            "\" name=\"" + EscapeXml(r.probe) + "\" time=\"" +
            Seconds(r.duration_ms) + "\"";
    if (r.outcome == Outcome::kPass && r.log_tail.empty()) {
      *out += "/>\n";
      continue;
    }
    *out += ">\n";
    const std::string outcome(ToString(r.outcome));
    switch (r.outcome) {
      case Outcome::kFail:
        *out += "      <failure type=\"fail\" message=\"" +
                EscapeXml(r.summary) + "\">" +
                EscapeXml(r.summary + (r.remediation.empty()
                                           ? ""
                                           : "\nfix: " + r.remediation)) +
                "</failure>\n";
        break;
      case Outcome::kError:
      case Outcome::kTimeout:
      case Outcome::kCrash:
        *out += "      <error type=\"" + outcome + "\" message=\"" +
                EscapeXml(r.summary) + "\">" +
                EscapeXml(r.summary + (r.remediation.empty()
                                           ? ""
                                           : "\nfix: " + r.remediation)) +
                "</error>\n";
        break;
      case Outcome::kSkip:
        *out += "      <skipped message=\"" +
                EscapeXml(r.skip_reason + ": " + r.summary) + "\"/>\n";
        break;
      case Outcome::kWarn:
        // JUnit has no warning: a warn is a passing testcase whose output
        // says so; the suite's output counts them.
        *out += "      <system-out>" +
                EscapeXml(
                    "warn: " + r.summary +
                    (r.remediation.empty() ? "" : "\nfix: " + r.remediation)) +
                "</system-out>\n";
        break;
      case Outcome::kPass:
        break;
    }
    if (!r.log_tail.empty()) {
      *out += "      <system-err>" + EscapeXml(r.log_tail) + "</system-err>\n";
    }
    *out += "    </testcase>\n";
  }
  if (t.warnings > 0) {
    *out +=
        "    <system-out>" + std::to_string(t.warnings) +
        " warning(s): they pass the gate; --strict fails them</system-out>\n";
  }
  *out += "  </testsuite>\n";
}

std::string GpuLabel(const GpuIdentity& g) {
  return "gpu" + std::to_string(g.index) + " " + g.name + " " + g.uuid;
}

const char* VerdictMark(const std::string& verdict) {
  return verdict == "pass" ? "✅ pass" : "❌ fail";
}

}  // namespace

std::string FormatNumber(double v) {
  if (!std::isfinite(v)) return "NaN";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.10g", v);
  return buffer;
}

std::string EscapeXml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids control characters other than tab, LF and CR
        // (CUDA messages and stderr tails carry them); invalid UTF-8 bytes
        // would make the document unreadable: both become U+FFFD.
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += "\xEF\xBF\xBD";
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else {
          const int len = (c & 0xE0) == 0xC0   ? 2
                          : (c & 0xF0) == 0xE0 ? 3
                          : (c & 0xF8) == 0xF0 ? 4
                                               : 0;
          bool valid = len > 0 && i + len <= text.size();
          for (int k = 1; valid && k < len; ++k) {
            valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
          }
          if (valid) {
            out.append(text.substr(i, len));
            i += len - 1;
          } else {
            out += "\xEF\xBF\xBD";
          }
        }
    }
  }
  return out;
}

std::string EscapeMarkdownCell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '<') {
      out += "&lt;";  // GitHub renders a raw <tag> as HTML and hides it
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapePrometheusLabel(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string RenderJunitSuites(const std::string& name,
                              const std::vector<JunitSuiteRows>& suites,
                              double duration_ms) {
  std::vector<ProbeResult> all;
  for (const JunitSuiteRows& suite : suites) {
    all.insert(all.end(), suite.results.begin(), suite.results.end());
  }
  const Tally t = Count(all);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out +=
      "<testsuites name=\"" + EscapeXml(name) + "\" tests=\"" +
      std::to_string(t.tests) + "\" failures=\"" + std::to_string(t.failures) +
      "\" errors=\"" + std::to_string(t.errors) + "\" skipped=\"" +
      std::to_string(t.skipped) + "\" time=\"" + Seconds(duration_ms) + "\">\n";
  for (const JunitSuiteRows& suite : suites) {
    JunitSuite(&out, suite);
  }
  out += "</testsuites>\n";
  return out;
}

std::string RenderJunit(const RunReport& report) {
  std::vector<JunitSuiteRows> suites = {{"node", report.node_results, ""}};
  for (const GpuReport& g : report.gpus) {
    suites.push_back({GpuLabel(g.identity), g.results, ""});
  }
  return RenderJunitSuites("gpu-preflight", suites, report.duration_ms);
}

std::string RenderMarkdown(const RunReport& report) {
  const std::string verdict = OverallVerdict(report);
  const auto counts = CountOutcomes(report);
  auto n = [&](const char* k) {
    auto it = counts.find(k);
    return it == counts.end() ? 0 : it->second;
  };
  std::string out = "### gpu-preflight: " +
                    std::string(verdict == "pass" ? "✅ PASS" : "❌ FAIL") +
                    "\n\n";
  out +=
      std::to_string(n("pass")) + " passed, " + std::to_string(n("warn")) +
      " warned, " + std::to_string(n("fail")) + " failed, " +
      std::to_string(n("skip")) + " skipped, " +
      std::to_string(n("error") + n("timeout") + n("crash")) +
      " error/timeout/crash in " +
      FormatNumber(std::round(report.duration_ms / 100) / 10) + " s (level " +
      report.level + ")" +
      (report.interrupted ? ", interrupted by " + report.interrupted_by : "") +
      "\n\n";
  out +=
      "| GPU | model | UUID | verdict | pass | warn | fail | skip | other |\n";
  out += "|---|---|---|---|---|---|---|---|---|\n";
  auto row = [&](const std::string& gpu, const std::string& model,
                 const std::string& uuid, const std::string& row_verdict,
                 const std::vector<ProbeResult>& results) {
    const Tally t = Count(results);
    out += "| " + EscapeMarkdownCell(gpu) + " | " + EscapeMarkdownCell(model) +
           " | " + EscapeMarkdownCell(uuid) + " | " + VerdictMark(row_verdict) +
           " | " +
           std::to_string(t.tests - t.warnings - t.failures - t.errors -
                          t.skipped) +
           " | " + std::to_string(t.warnings) + " | " +
           std::to_string(t.failures) + " | " + std::to_string(t.skipped) +
           " | " + std::to_string(t.errors) + " |\n";
  };
  bool node_failed = false;
  for (const ProbeResult& r : report.node_results)
    node_failed |= IsFailure(r.outcome);
  row("node", "", "", node_failed ? "fail" : "pass", report.node_results);
  for (const GpuReport& g : report.gpus) {
    row(std::to_string(g.identity.index), g.identity.name, g.identity.uuid,
        GpuVerdict(g), g.results);
  }
  // Failures, then warnings (which passed the gate), with their fixes.
  std::string failures;
  std::string warnings;
  auto add = [&](const std::string& where, const ProbeResult& r) {
    if (r.outcome == Outcome::kWarn) {
      warnings += "| " + EscapeMarkdownCell(r.probe) + " | " + where + " | " +
                  EscapeMarkdownCell(r.summary) + " | " +
                  EscapeMarkdownCell(r.remediation) + " |\n";
    }
    if (!IsFailure(r.outcome)) return;
    failures += "| " + EscapeMarkdownCell(r.probe) + " | " + where + " | " +
                std::string(ToString(r.outcome)) + " | " +
                EscapeMarkdownCell(r.summary) + " | " +
                EscapeMarkdownCell(r.remediation) + " |\n";
  };
  for (const ProbeResult& r : report.node_results) add("node", r);
  for (const GpuReport& g : report.gpus) {
    for (const ProbeResult& r : g.results)
      add(std::to_string(g.identity.index), r);
  }
  if (!failures.empty()) {
    out += "\n| probe | GPU | outcome | what | fix |\n|---|---|---|---|---|\n" +
           failures;
  }
  if (!warnings.empty()) {
    out +=
        "\n⚠️ Warnings (they pass the gate; `--strict` fails them):\n\n"
        "| probe | GPU | what | fix |\n|---|---|---|---|\n" +
        warnings;
  }
  return out;
}

std::string RenderPrometheus(const RunReport& report) {
  std::string out;
  auto help = [&](const char* name, const char* text) {
    out += std::string("# HELP ") + name + " " + text + "\n# TYPE " + name +
           " gauge\n";
  };
  help("gpu_preflight_verdict",
       "1 when the whole run passed, 0 when it failed.");
  out += "gpu_preflight_verdict " +
         std::string(OverallVerdict(report) == "pass" ? "1" : "0") + "\n";
  help("gpu_preflight_results",
       "How many probe results ended with each outcome (warn passes the "
       "gate; --strict fails it).");
  const auto counts = CountOutcomes(report);
  for (const char* name :
       {"pass", "warn", "fail", "skip", "error", "timeout", "crash"}) {
    const auto it = counts.find(name);
    out += std::string("gpu_preflight_results{outcome=\"") + name + "\"} " +
           std::to_string(it == counts.end() ? 0 : it->second) + "\n";
  }
  help("gpu_preflight_duration_seconds", "Wall time of the run.");
  out += "gpu_preflight_duration_seconds " +
         FormatNumber(report.duration_ms / 1000.0) + "\n";
  auto gpu_labels = [](const GpuIdentity& g) {
    return "gpu=\"" + std::to_string(g.index) + "\",uuid=\"" +
           EscapePrometheusLabel(g.uuid) + "\",model=\"" +
           EscapePrometheusLabel(g.name) + "\"";
  };
  help("gpu_preflight_gpu_verdict",
       "1 when every probe of this GPU passed or was skipped.");
  for (const GpuReport& g : report.gpus) {
    out += "gpu_preflight_gpu_verdict{" + gpu_labels(g.identity) + "} " +
           (GpuVerdict(g) == "pass" ? "1" : "0") + "\n";
  }
  help("gpu_preflight_probe_outcome",
       "1 for the outcome each probe ended with.");
  auto outcome_line = [&](const ProbeResult& r, const std::string& labels) {
    out += "gpu_preflight_probe_outcome{probe=\"" +
           EscapePrometheusLabel(r.probe) + "\",outcome=\"" +
           std::string(ToString(r.outcome)) + "\"" + labels + "} 1\n";
  };
  const std::string node_labels = ",gpu=\"node\",uuid=\"\",model=\"\"";
  for (const ProbeResult& r : report.node_results) outcome_line(r, node_labels);
  for (const GpuReport& g : report.gpus) {
    for (const ProbeResult& r : g.results)
      outcome_line(r, "," + gpu_labels(g.identity));
  }
  help("gpu_preflight_metric",
       "A measured value; the metric and unit labels say what it is.");
  auto metric_lines = [&](const ProbeResult& r, const std::string& labels) {
    for (const Metric& m : r.metrics) {
      if (!std::isfinite(m.value)) continue;
      out += "gpu_preflight_metric{probe=\"" + EscapePrometheusLabel(r.probe) +
             "\",metric=\"" + EscapePrometheusLabel(m.name) + "\",unit=\"" +
             EscapePrometheusLabel(m.unit) + "\"" + labels + "} " +
             FormatNumber(m.value) + "\n";
    }
  };
  for (const ProbeResult& r : report.node_results) metric_lines(r, node_labels);
  for (const GpuReport& g : report.gpus) {
    for (const ProbeResult& r : g.results)
      metric_lines(r, "," + gpu_labels(g.identity));
  }
  return out;
}

}  // namespace preflight

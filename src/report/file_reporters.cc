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

}  // namespace preflight

#include "report/document_reporters.h"

#include <cmath>
#include <cstdio>

#include "preflight/result.h"
#include "report/file_reporters.h"

namespace preflight {
namespace {

std::string RowPrefix(const DocumentSection& section, int rank) {
  return section.numbered ? std::to_string(rank) + ". " : "";
}

bool ShowsFix(const DocumentRow& row) {
  return !row.fix.empty() && row.outcome != Outcome::kPass;
}

}  // namespace

const char* RowMark(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return "·";
    case Outcome::kWarn:
      return "!";
    case Outcome::kSkip:
      return "-";
    default:
      return "✗";
  }
}

std::string DocumentTitle(const Document& d) {
  return d.title.empty() ? "gpu-preflight " + d.command : d.title;
}

namespace {

// A result of a results section as a row: its GPU and probe, its summary
// and fix.
DocumentRow ResultRow(const ProbeResult& r) {
  DocumentRow row;
  row.outcome = r.outcome;
  row.name =
      (r.gpu_index ? "gpu" + std::to_string(*r.gpu_index) + " " : "") + r.probe;
  row.text = row.name + ": " + r.summary;
  row.fix = r.remediation;
  row.cells = {r.probe, std::string(ToString(r.outcome)), r.summary,
               r.remediation};
  return row;
}

std::vector<DocumentRow> RowsOf(const DocumentSection& s) {
  std::vector<DocumentRow> rows = s.rows;
  for (const ProbeResult& r : s.results) rows.push_back(ResultRow(r));
  return rows;
}

bool IsEmpty(const DocumentSection& s) {
  return s.rows.empty() && s.results.empty() && s.lines.empty() &&
         s.when_empty.empty();
}

void MarkdownTable(const DocumentSection& s,
                   const std::vector<DocumentRow>& rows, std::string* out) {
  std::string header = "|", rule = "|";
  if (s.numbered) header += " # |", rule += "---|";
  header += " |", rule += "---|";
  for (const std::string& c : s.columns) {
    header += " " + EscapeMarkdownCell(c) + " |";
    rule += "---|";
  }
  *out += header + "\n" + rule + "\n";
  int rank = 0;
  for (const DocumentRow& row : rows) {
    *out += "|";
    if (s.numbered) *out += " " + std::to_string(++rank) + " |";
    *out += std::string(" ") + RowMark(row.outcome) + " |";
    for (const std::string& cell : row.cells) {
      *out += " " + EscapeMarkdownCell(cell) + " |";
    }
    *out += "\n";
  }
}

void MarkdownSection(const DocumentSection& s, std::string* out) {
  const std::vector<DocumentRow> rows = RowsOf(s);
  *out += "\n";
  if (!s.title.empty()) *out += "### " + s.title + "\n\n";
  if (rows.empty() && !s.when_empty.empty()) {
    *out += s.when_empty + "\n";
  } else if (!rows.empty() && !s.columns.empty()) {
    MarkdownTable(s, rows, out);
  } else {
    for (const DocumentRow& row : rows) {
      *out +=
          std::string("- ") + RowMark(row.outcome) + " " +
          EscapeMarkdownCell(row.text) +
          (row.detail.empty() ? "" : ": " + EscapeMarkdownCell(row.detail)) +
          (ShowsFix(row) ? " — fix: " + EscapeMarkdownCell(row.fix) : "") +
          "\n";
    }
  }
  for (const std::string& line : s.lines) {
    *out += "\n" + EscapeMarkdownCell(line) + "\n";
  }
}

}  // namespace

std::string RenderDocumentConsole(const Document& d) {
  std::string out = DocumentTitle(d) + ": " + d.headline + "\n";
  for (const auto& [key, value] : d.header) {
    out += "  " + key + ": " + value + "\n";
  }
  for (const std::string& note : d.notes) out += "  note: " + note + "\n";
  for (const DocumentSection& s : d.sections) {
    if (!s.in_console || IsEmpty(s)) continue;
    const std::vector<DocumentRow> rows = RowsOf(s);
    out += "\n";
    if (!s.title.empty()) {
      out += s.title + " (" + std::to_string(rows.size()) + "):\n";
    }
    int rank = 0;
    for (const DocumentRow& row : rows) {
      out += "  " + RowPrefix(s, ++rank) + RowMark(row.outcome) + " " +
             row.text + "\n";
      if (!row.detail.empty()) out += "       " + row.detail + "\n";
      if (ShowsFix(row)) out += "       fix: " + row.fix + "\n";
    }
    if (rows.empty() && !s.when_empty.empty()) {
      out += "  " + s.when_empty + "\n";
    }
    for (const std::string& line : s.lines) out += "  " + line + "\n";
  }
  if (!d.footer.empty()) out += "\n";
  for (const std::string& line : d.footer) out += line + "\n";
  out += "Verdict: " + UpperName(d.verdict) +
         (d.verdict_note.empty() ? "" : " " + d.verdict_note) + "\n";
  return out;
}

nlohmann::ordered_json RenderDocumentJson(const Document& d) {
  nlohmann::ordered_json j;
  j["schema_version"] = 1;
  j["command"] = d.command;
  j["verdict"] = std::string(ToString(d.verdict));
  j["headline"] = d.headline;
  for (const auto& [key, value] : d.data.items()) j[key] = value;
  return j;
}

std::string RenderDocumentMarkdown(const Document& d) {
  std::string out =
      "## " + DocumentTitle(d) + ": " + EscapeMarkdownCell(d.headline) + "\n\n";
  for (const auto& [key, value] : d.header) {
    out += "- **" + key + ":** " + EscapeMarkdownCell(value) + "\n";
  }
  for (const std::string& note : d.notes) {
    out += "- note: " + EscapeMarkdownCell(note) + "\n";
  }
  out += std::string(d.header.empty() && d.notes.empty() ? "" : "\n") +
         "**Verdict: " + (d.verdict == Outcome::kFail ? "❌ " : "✅ ") +
         UpperName(d.verdict) + "**" +
         (d.verdict_note.empty() ? "" : " " + d.verdict_note) + "\n";
  for (const DocumentSection& s : d.sections) {
    if (s.in_markdown && !IsEmpty(s)) MarkdownSection(s, &out);
  }
  if (!d.footer.empty()) out += "\n";
  for (const std::string& line : d.footer) {
    out += EscapeMarkdownCell(line) + "\n";
  }
  return out;
}

std::string RenderDocumentJunit(const Document& d) {
  std::vector<JunitSuiteRows> suites;
  if (d.junit_verdict_case) {
    ProbeResult verdict;
    verdict.probe = d.command + ".verdict";
    verdict.outcome = d.verdict;
    verdict.summary = d.headline;
    suites.push_back({"verdict", {verdict}, d.command});
  }
  for (const DocumentSection& s : d.sections) {
    if (!s.in_junit || (s.rows.empty() && s.results.empty())) continue;
    JunitSuiteRows suite{s.title.empty() ? d.command : s.title, s.results,
                         d.command};
    for (const DocumentRow& row : s.rows) {
      ProbeResult r;
      r.probe = row.name;
      r.outcome = row.outcome;
      r.summary = row.text + (row.detail.empty() ? "" : ": " + row.detail);
      r.remediation = row.fix;
      if (r.outcome == Outcome::kSkip) {
        r.skip_reason = std::string(skip_reason::kNotApplicable);
      }
      suite.results.push_back(std::move(r));
    }
    suites.push_back(std::move(suite));
  }
  return RenderJunitSuites(DocumentTitle(d), suites, d.duration_ms);
}

std::string RenderDocumentPrometheus(const Document& d) {
  std::string out;
  for (const DocumentGauge& g : d.gauges) {
    out +=
        "# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name + " gauge\n";
    for (const auto& [labels, value] : g.samples) {
      out += g.name;
      if (!labels.empty()) {
        out += "{";
        for (size_t i = 0; i < labels.size(); ++i) {
          out += (i > 0 ? "," : "") + labels[i].first + "=\"" +
                 EscapePrometheusLabel(labels[i].second) + "\"";
        }
        out += "}";
      }
      out += " " + FormatNumber(value) + "\n";
    }
  }
  return out;
}

}  // namespace preflight

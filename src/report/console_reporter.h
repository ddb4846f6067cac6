// The console: one line per probe as its result arrives, a live line with the
// running probes' elapsed times on a terminal, then a per-GPU table and the
// failures with their fixes. Read as a diagnosis: probes blocked by one
// failure are one line ("16 probes not run: blocked by ..."; --verbose
// prints each), and the failures section lists each cause once, in stage
// order, naming every probe and GPU that reported it. Colour only on a terminal
// and never under NO_COLOR; no cursor movement when not a terminal or under
// CI=true.
#ifndef PREFLIGHT_REPORT_CONSOLE_REPORTER_H_
#define PREFLIGHT_REPORT_CONSOLE_REPORTER_H_

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "report/run_listener.h"
#include "report/run_report.h"

namespace preflight {

struct ConsoleStyle {
  bool color = false;
  bool live = false;   // rewrite a status line in place
  bool quiet = false;  // only the verdict line
  int verbosity = 0;   // 1+: metrics under each result
};

// Decides the style from the stream and the environment (TERM, CI, NO_COLOR).
ConsoleStyle DetectConsoleStyle(FILE* stream, bool quiet, int verbosity);

class ConsoleReporter : public RunListener {
 public:
  ConsoleReporter(FILE* out, ConsoleStyle style);

  void PrintHeader(const std::string& version, const std::string& level);
  void OnGpusSelected(const std::vector<GpuIdentity>& gpus) override;
  void OnProbeStart(const ProbeSpec& spec, std::optional<int> gpu) override;
  void OnProbeEnd(const ProbeResult& result) override;
  void OnAmended(const ProbeResult& result, Outcome before) override;
  void OnTick() override;
  // The table, the failures and the verdict line. `report_path` may be empty.
  void PrintSummary(const RunReport& report, const std::string& report_path);

 private:
  std::string Paint(const std::string& text, const char* code) const;
  // One result's line: outcome, label, `middle` (its time, or what it was
  // before an amendment), summary.
  void PrintResultLine(const ProbeResult& r, const std::string& middle);
  void ClearLive();
  void DrawLive();

  // Prints one line per cause for the blocked probes OnProbeEnd held back.
  void PrintBlocked();

  FILE* out_;
  ConsoleStyle style_;
  // Probes skipped because another failed, by the failure at the root of
  // the chain ("driver.kernel_module (fail)"): one line each in the
  // summary, unless --verbose prints every one as it comes.
  std::map<std::string, std::vector<std::string>> blocked_by_root_;
  std::map<std::string, std::chrono::steady_clock::time_point> running_;
  bool live_drawn_ = false;
  bool amendments_begun_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace preflight

#endif  // PREFLIGHT_REPORT_CONSOLE_REPORTER_H_

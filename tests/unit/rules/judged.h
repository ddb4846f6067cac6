// What the rules' table-driven tests assert of each case: the outcome, and
// that the summary and the remediation contain the expected words.
#ifndef PREFLIGHT_TESTS_UNIT_RULES_JUDGED_H_
#define PREFLIGHT_TESTS_UNIT_RULES_JUDGED_H_

#include <gtest/gtest.h>

#include <string>

#include "preflight/result.h"

namespace preflight {

inline void ExpectJudged(const std::string& name, const ProbeResult& r,
                         Outcome outcome, const std::string& summary_part,
                         const std::string& fix_part) {
  EXPECT_EQ(r.outcome, outcome) << name << ": " << r.summary;
  EXPECT_NE(r.summary.find(summary_part), std::string::npos)
      << name << ": " << r.summary;
  EXPECT_NE(r.remediation.find(fix_part), std::string::npos)
      << name << ": " << r.remediation;
}

}  // namespace preflight

#endif  // PREFLIGHT_TESTS_UNIT_RULES_JUDGED_H_

#include "rules/compile_failure.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TEST(CompileFailureTest, ErrorLineIsTheLastLineThatSaysError) {
  EXPECT_EQ(ErrorLine("a.c:1: fatal error: Python.h: No such file\n"
                      "compilation terminated.\n"),
            "a.c:1: fatal error: Python.h: No such file");
  EXPECT_EQ(ErrorLine("warning: x\nlast words\n\n"), "last words");
  EXPECT_EQ(ErrorLine(""), "");
}

TEST(CompileFailureTest, FirstMatchingEntryExplains) {
  CompileFailureFacts facts;
  // A full disk makes the compiler fail, and says so: the disk explains it.
  const auto full =
      ExplainCompileFailure("ptxas fatal: No space left on device", facts);
  EXPECT_TRUE(full.known);
  EXPECT_EQ(full.what, "a filesystem it writes to is full");
  const auto unknown = ExplainCompileFailure("something else", facts);
  EXPECT_FALSE(unknown.known);
  EXPECT_TRUE(unknown.fix.empty());
}

TEST(CompileFailureTest, VariablesAreNamedByNameOrPathValue) {
  CompileFailureFacts facts;
  facts.variables = {{"CC", "/opt/bad/cc"},
                     {"TRITON_INTERPRET", "1"},
                     {"TRITON_CACHE_DIR", "/cache"}};
  EXPECT_EQ(ExplainCompileFailure("No such file: '/opt/bad/cc'", facts)
                .named_variables,
            "CC=/opt/bad/cc");
  // "1" is in every message: a value that is no path names nothing.
  EXPECT_EQ(ExplainCompileFailure("exit status 1", facts).named_variables, "");
  EXPECT_EQ(
      ExplainCompileFailure("TRITON_INTERPRET is set", facts).named_variables,
      "TRITON_INTERPRET=1");
}

}  // namespace
}  // namespace preflight

#include "platform/proc_driver_version.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TEST(ProcDriverVersionTest, ProprietaryModule) {
  auto v = ParseProcDriverVersion(
      "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  Thu Feb 22 "
      "01:44:30 UTC 2024\nGCC version:  gcc version 12.3.0\n");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->version, "550.54.14");
  EXPECT_EQ(v->major, 550);
  EXPECT_FALSE(v->open_module);
}

TEST(ProcDriverVersionTest, OpenModuleWithArchBeforeTheNumber) {
  auto v = ParseProcDriverVersion(
      "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.95.05  "
      "Release Build  (dvs-builder@U16-I3-B03-4-3)  Tue Sep 23 09:55:41 UTC "
      "2025\n");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->version, "580.95.05");
  EXPECT_TRUE(v->open_module);
}

TEST(ProcDriverVersionTest, TwoComponentVersionsAndAarch64) {
  auto v = ParseProcDriverVersion(
      "NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  570.86  "
      "Release Build\n");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->version, "570.86");
}

TEST(ProcDriverVersionTest, GarbageGivesNothing) {
  EXPECT_FALSE(ParseProcDriverVersion(""));
  EXPECT_FALSE(ParseProcDriverVersion("hello\nworld"));
  EXPECT_FALSE(ParseProcDriverVersion("NVRM version: no numbers here"));
  EXPECT_FALSE(ParseProcDriverVersion("NVRM version: x86_64 1.2.3.4.5"));
}

TEST(ProcDriverVersionTest, VersionNumbersCompare) {
  auto a = ParseDriverVersionNumber("525.60.13");
  auto b = ParseDriverVersionNumber("580.65.06");
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(*a < *b);
  EXPECT_FALSE(*b < *a);
  EXPECT_FALSE(ParseDriverVersionNumber("580"));
  EXPECT_FALSE(ParseDriverVersionNumber("abc.def"));
}

}  // namespace
}  // namespace preflight

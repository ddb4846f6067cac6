// The ELF dynamic-section reader (platform/elf_dynamic.h) on shared objects
// this build links with a known soname, DT_NEEDED, DT_RPATH / DT_RUNPATH,
// and the loader's cache reader (platform/ld_cache.h) on this machine's
// /etc/ld.so.cache and on a cache written here.
#include "platform/elf_dynamic.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "platform/atomic_file.h"
#include "platform/ld_cache.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

TEST(ElfDynamicTest, ReadsSonameNeededAndRpath) {
  std::string error;
  const auto elf = ReadElfDynamic(PREFLIGHT_ELF_RPATH_FIXTURE, &error);
  ASSERT_TRUE(elf) << error;
  EXPECT_EQ(elf->soname, "libpreflight_elf_rpath.so.1");
  EXPECT_NE(std::find(elf->needed.begin(), elf->needed.end(), "libm.so.6"),
            elf->needed.end());
  EXPECT_EQ(elf->rpath,
            (std::vector<std::string>{"$ORIGIN/../lib", "/opt/preflight"}));
  EXPECT_TRUE(elf->runpath.empty());
}

TEST(ElfDynamicTest, ReadsRunpath) {
  std::string error;
  const auto elf = ReadElfDynamic(PREFLIGHT_ELF_RUNPATH_FIXTURE, &error);
  ASSERT_TRUE(elf) << error;
  EXPECT_EQ(elf->runpath, (std::vector<std::string>{"$ORIGIN/../lib"}));
  EXPECT_TRUE(elf->rpath.empty());
}

TEST(ElfDynamicTest, NonElfAndMissingFilesAreErrors) {
  std::string error;
  EXPECT_FALSE(ReadElfDynamic("/no/such/library.so", &error));
  EXPECT_NE(error.find("cannot open"), std::string::npos);
  EXPECT_FALSE(ReadElfDynamic("/etc/hostname", &error));
}

// A cuDNN directory with one library bound over by /dev/null (as the GPU
// test plants it) and one intact: only the empty one is named, with why.
TEST(ElfDynamicTest, UnreadableSharedObjectsNamesTheDamagedFiles) {
  char dir_template[] = "/tmp/preflight-elf-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string intact = dir + "/libcudnn_graph.so.9";
  const std::string empty = dir + "/libcudnn_heuristic.so.9";
  const auto fixture = ReadSmallFile(PREFLIGHT_ELF_RPATH_FIXTURE, 64 << 20);
  ASSERT_TRUE(fixture);
  std::string error;
  ASSERT_TRUE(WriteFileAtomically(intact, *fixture, &error)) << error;
  ASSERT_TRUE(WriteFileAtomically(empty, "", &error)) << error;
  // Not named as cuDNN opens them: left alone.
  ASSERT_TRUE(WriteFileAtomically(dir + "/libcudnn_ops.so.9.19.0", "", &error));
  ASSERT_TRUE(WriteFileAtomically(dir + "/libnccl.so.2", "", &error));
  const auto unreadable = UnreadableSharedObjects(dir, "libcudnn_", ".so.9");
  ASSERT_EQ(unreadable.size(), 1u);
  EXPECT_EQ(unreadable[0].rfind("libcudnn_heuristic.so.9: ", 0), 0u)
      << unreadable[0];
  EXPECT_EQ(unreadable[0], "libcudnn_heuristic.so.9: empty (0 bytes)");
  EXPECT_TRUE(
      UnreadableSharedObjects(dir + "/none", "libcudnn_", ".so.9").empty());
  for (const char* name : {"/libcudnn_graph.so.9", "/libcudnn_heuristic.so.9",
                           "/libcudnn_ops.so.9.19.0", "/libnccl.so.2"}) {
    std::remove((dir + name).c_str());
  }
  rmdir(dir.c_str());
}

TEST(ElfDynamicTest, ExpandsOrigin) {
  EXPECT_EQ(ExpandOrigin("$ORIGIN/../../nvidia/cu13/lib", "/s/torch/lib"),
            "/s/torch/lib/../../nvidia/cu13/lib");
  EXPECT_EQ(ExpandOrigin("${ORIGIN}/x:$ORIGIN", "/d"), "/d/x:/d");
  EXPECT_EQ(ExpandOrigin("/usr/lib", "/d"), "/usr/lib");
}

TEST(LdCacheTest, ReadsThisMachinesCache) {
  const auto text = ReadSmallFile("/etc/ld.so.cache", 64 << 20);
  if (!text) GTEST_SKIP() << "no /etc/ld.so.cache here";
  const auto entries = ParseLdCache(*text);
  ASSERT_FALSE(entries.empty());
  const bool has_libc =
      std::any_of(entries.begin(), entries.end(),
                  [](const auto& e) { return e.first == "libc.so.6"; });
  EXPECT_TRUE(has_libc);
}

// glibc's "glibc-ld.so.cache1.1" layout: a 48-byte header, 24-byte entries
// {flags, key, value, osversion, hwcap}, then the strings.
std::string MakeCache(
    const std::vector<std::tuple<int32_t, std::string, std::string>>& rows) {
  std::string strings;
  std::vector<std::pair<uint32_t, uint32_t>> at;
  const size_t base = 48 + rows.size() * 24;
  for (const auto& [flags, key, value] : rows) {
    const uint32_t k = static_cast<uint32_t>(base + strings.size());
    strings += key + '\0';
    const uint32_t v = static_cast<uint32_t>(base + strings.size());
    strings += value + '\0';
    at.emplace_back(k, v);
  }
  std::string out("glibc-ld.so.cache1.1");
  out.resize(48, '\0');
  const uint32_t n = static_cast<uint32_t>(rows.size());
  std::memcpy(&out[20], &n, 4);
  for (size_t i = 0; i < rows.size(); ++i) {
    char entry[24] = {};
    const int32_t flags = std::get<0>(rows[i]);
    std::memcpy(entry, &flags, 4);
    std::memcpy(entry + 4, &at[i].first, 4);
    std::memcpy(entry + 8, &at[i].second, 4);
    out.append(entry, sizeof entry);
  }
  return out + strings;
}

TEST(LdCacheTest, KeepsX8664EntriesInOrder) {
  const std::string cache = MakeCache({
      {0x0303, "libcudnn.so.9", "/a/libcudnn.so.9"},
      {0x0003, "libcudnn.so.9", "/i386/libcudnn.so.9"},  // not x86-64
      {0x0303, "libcudnn.so.9", "/b/libcudnn.so.9"},
  });
  const auto entries = ParseLdCache(cache);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].second, "/a/libcudnn.so.9");
  EXPECT_EQ(entries[1].second, "/b/libcudnn.so.9");
  EXPECT_TRUE(ParseLdCache("ld.so-1.7.0 old format").empty());
  EXPECT_TRUE(ParseLdCache(cache.substr(0, 60)).empty());  // truncated
}

}  // namespace
}  // namespace preflight

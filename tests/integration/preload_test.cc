// The loader's preloads are the job's first copies (issue 30). A planted
// torch whose libtorch_cuda.so imports each family's API from libraries
// built here (torch's own beside it, through its DT_RPATH), and, through the
// real binary, LD_PRELOAD with:
// - a copy of the family that lacks the API torch imports: `import torch`
//   would fail with "undefined symbol", so driver.libraries fails, naming
//   LD_PRELOAD and the symbol;
// - a working copy of another release: what the job maps, so it is the
//   copy tested, named "LD_PRELOAD entry ...", and nothing fails;
// - an entry that does not exist: the loader ignores it, so a note.
// No GPU needed; a C compiler builds the libraries.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "test_support.h"

namespace preflight::testing {
namespace {

struct FamilyPlant {
  const char* family;   // job_libraries' key
  const char* soname;   // what libtorch_cuda.so needs
  const char* version;  // C source of its version call, "" for none
  const char* api;      // a function torch imports from it
};

// Each family's version call (what driver.libraries asks) and one API call.
const FamilyPlant kFamilies[] = {
    {"cudart", "libcudart.so.13",
     "int cudaRuntimeGetVersion(int* v) { *v = VERSION; return 0; }",
     "cudaStreamCreate"},
    {"cublasLt", "libcublasLt.so.13", "", "cublasLtMatmul"},
    {"cublas", "libcublas.so.13", "", "cublasGemmEx"},
    {"cudnn", "libcudnn.so.9",
     "unsigned long cudnnGetVersion(void) { return VERSION; }\n"
     "unsigned long cudnnGetCudartVersion(void) { return 13000; }",
     "cudnnConvolutionForward"},
    {"nccl", "libnccl.so.2",
     "int ncclGetVersion(int* v) { *v = VERSION; return 0; }", "ncclRecv"},
    {"nvrtc", "libnvrtc.so.13",
     "int nvrtcVersion(int* a, int* b) { *a = VERSION / 1000; *b = 0; "
     "return 0; }",
     "nvrtcCreateProgram"},
};

class PreloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    torch_lib_ = dir_ + "/site/torch/lib";
    for (const std::string& d :
         {dir_ + "/site", dir_ + "/site/torch", torch_lib_, dir_ + "/own",
          dir_ + "/broken", dir_ + "/other", dir_ + "/src"}) {
      mkdir(d.c_str(), 0755);
    }
    std::string calls, link;
    for (const FamilyPlant& f : kFamilies) {
      if (!Build(dir_ + "/own", f, 1000, true) ||
          !Build(dir_ + "/broken", f, 1000, false) ||
          !Build(dir_ + "/other", f, 900, true)) {
        GTEST_SKIP() << "no C compiler to build the planted libraries";
      }
      calls +=
          std::string("  extern int ") + f.api + "(void); " + f.api + "();\n";
      link += std::string(" -l:") + f.soname;
    }
    // torch's library: imports one API call of each family, finds torch's
    // own copies through DT_RPATH (as the pip wheels do).
    const std::string src = dir_ + "/src/torch_cuda.c";
    std::ofstream(src) << "void preflight_planted_torch(void) {\n"
                       << calls << "}\n";
    ASSERT_TRUE(Cc("-shared -fPIC -o " + torch_lib_ + "/libtorch_cuda.so " +
                   src + " -L" + dir_ + "/own" + link +
                   " -Wl,--disable-new-dtags,-rpath," + dir_ + "/own"));
    std::ofstream(dir_ + "/site/torch/__init__.py") << "";
    std::ofstream(dir_ + "/site/torch/_C.cpython-312-x86_64-linux-gnu.so")
        << "";
    std::ofstream(dir_ + "/site/torch/version.py")
        << "__version__ = '2.11.0+cu130'\ncuda = '13.0'\n";
    python_ = dir_ + "/python3";
    std::ofstream(python_) << "#!/bin/sh\necho 'PREFLIGHT_SYS_PATH=[\"" << dir_
                           << "/site\"]'\necho PREFLIGHT_TORCH_SPEC=" << dir_
                           << "/site/torch\n";
    chmod(python_.c_str(), 0755);
  }

  static bool Cc(const std::string& args) {
    return std::system(("cc " + args + " 2>/dev/null").c_str()) == 0;
  }

  // `f`'s library in `dir`: its version call answering `version` (family
  // scale: 1000 -> 2.28.9 style numbers are not needed, only a difference),
  // and its API call where `with_api`.
  bool Build(const std::string& dir, const FamilyPlant& f, int version,
             bool with_api) {
    const std::string src = dir_ + "/src/" + f.family +
                            std::to_string(version) +
                            (with_api ? "" : "-broken") + ".c";
    std::ofstream out(src);
    out << "#define VERSION " << version << "\n" << f.version << "\n";
    if (with_api) out << "int " << f.api << "(void) { return 0; }\n";
    out.close();
    return Cc(std::string("-shared -fPIC -Wl,-soname,") + f.soname + " -o " +
              dir + "/" + f.soname + " " + src);
  }

  nlohmann::json Libraries(const std::vector<std::string>& env) {
    std::vector<std::string> all = {"PREFLIGHT_PYTHON=" + python_, "LIBTORCH=",
                                    "LD_LIBRARY_PATH=", "PYTHONPATH="};
    // Under AddressSanitizer (scripts/sanitize.sh) a preload ahead of its
    // runtime stops the binary at start: these plants are the job's, not
    // the tool's, so that check is off for them.
    const char* asan = std::getenv("ASAN_OPTIONS");
    all.push_back(std::string("ASAN_OPTIONS=") +
                  (asan != nullptr ? std::string(asan) + ":" : "") +
                  "verify_asan_link_order=0");
    all.insert(all.end(), env.begin(), env.end());
    last_ =
        RunPreflight({"--stages", "driver", "--json", dir_ + "/r.json"}, all);
    report_ = ReadJson(dir_ + "/r.json");
    const nlohmann::json r = NodeResult(report_, "driver.libraries");
    EXPECT_FALSE(r.is_null()) << last_.out << last_.err;
    return r;
  }

  std::string dir_, torch_lib_, python_;
  BinaryRun last_;
  nlohmann::json report_;
};

TEST_F(PreloadTest, WithoutPreloadsTorchLoadsItsOwn) {
  const nlohmann::json r = Libraries({});
  EXPECT_EQ(r["outcome"], "pass") << r.dump();
  for (const FamilyPlant& f : kFamilies) {
    EXPECT_EQ(report_["host"]["job_libraries"]["framework"][f.family]["path"],
              dir_ + "/own/" + f.soname)
        << f.family;
  }
}

TEST_F(PreloadTest, APreloadThatLacksWhatTorchImportsFails) {
  for (const FamilyPlant& f : kFamilies) {
    const std::string broken = dir_ + "/broken/" + f.soname;
    const nlohmann::json r = Libraries({"LD_PRELOAD=" + broken});
    EXPECT_EQ(r["outcome"], "fail") << f.family << ": " << r.dump();
    const std::string summary = r.value("summary", "");
    EXPECT_NE(summary.find("undefined symbol"), std::string::npos) << summary;
    EXPECT_NE(summary.find("at " + broken + " (LD_PRELOAD entry " + broken +
                           ") lacks " + f.api + ", which " + torch_lib_ +
                           "/libtorch_cuda.so needs"),
              std::string::npos)
        << summary;
    EXPECT_NE(r.value("remediation", "").find("take it out of LD_PRELOAD"),
              std::string::npos)
        << r.dump();
  }
}

TEST_F(PreloadTest, AWorkingPreloadOfAnotherReleaseIsTheCopyTested) {
  for (const FamilyPlant& f : kFamilies) {
    const std::string other = dir_ + "/other/" + f.soname;
    const nlohmann::json r = Libraries({"LD_PRELOAD=" + other});
    EXPECT_EQ(r["outcome"], "pass") << f.family << ": " << r.dump();
    const nlohmann::json copy =
        report_["host"]["job_libraries"]["framework"][f.family];
    EXPECT_EQ(copy["path"], other) << f.family;
    EXPECT_EQ(copy["found_via"], "LD_PRELOAD entry " + other) << f.family;
    EXPECT_NE(r.value("summary", "").find("(LD_PRELOAD entry " + other + ")"),
              std::string::npos)
        << r.dump();
    EXPECT_EQ(r.value("summary", "").find("instead of torch's own"),
              std::string::npos)
        << r.dump();
  }
}

// Space- and colon-separated lists; an entry without a slash is searched as
// a soname; one that does not exist is a note: the loader ignores it.
TEST_F(PreloadTest, PreloadListsAreReadAsTheLoaderReadsThem) {
  const nlohmann::json r =
      Libraries({"LD_PRELOAD=/nonexistent/libmissing.so libnccl.so.2:" + dir_ +
                     "/other/libcudnn.so.9",
                 "LD_LIBRARY_PATH=" + dir_ + "/other"});
  EXPECT_EQ(r["outcome"], "pass") << r.dump();
  const nlohmann::json& framework =
      report_["host"]["job_libraries"]["framework"];
  EXPECT_EQ(framework["nccl"]["path"], dir_ + "/other/libnccl.so.2");
  EXPECT_EQ(framework["nccl"]["found_via"], "LD_PRELOAD entry libnccl.so.2");
  EXPECT_EQ(framework["cudnn"]["path"], dir_ + "/other/libcudnn.so.9");
  EXPECT_NE(
      r.value("summary", "")
          .find("preload ignored: /nonexistent/libmissing.so (LD_PRELOAD): "
                "not found"),
      std::string::npos)
      << r.dump();
}

}  // namespace
}  // namespace preflight::testing

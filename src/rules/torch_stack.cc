#include "rules/torch_stack.h"

#include <algorithm>
#include <cctype>

#include "preflight/strings.h"

namespace preflight {
namespace {

std::string Capitalized(std::string text) {
  if (!text.empty()) {
    text[0] =
        static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  }
  return text;
}

// What a copy said of itself, for a note: its version, else its status.
std::string Said(const SeenCopy& copy) {
  if (!copy.version.empty()) return copy.version;
  if (copy.status.empty()) return "version unknown";
  return copy.status + (copy.message.empty() ? "" : ": " + copy.message);
}

// What to take off which search path so that torch loads its own copy,
// from how the loaded one was found.
std::string ShadowingFix(const ShadowedCopy& copy) {
  const std::string& via = copy.found_via;
  const std::string ld_tag = "LD_LIBRARY_PATH entry ";
  const std::string sys_tag = "sys.path entry ";
  const size_t ld = via.find(ld_tag);
  const size_t sys = via.find(sys_tag);
  if (ld != std::string::npos) {
    const size_t from = ld + ld_tag.size();
    return "take " + via.substr(from, via.find(' ', from) - from) +
           " out of the job's LD_LIBRARY_PATH, so that torch loads its own " +
           copy.family_name;
  }
  if (sys != std::string::npos) {
    return "take " + via.substr(sys + sys_tag.size()) +
           " off the job's sys.path (PYTHONPATH, a .pth file), or uninstall "
           "the NVIDIA wheel there (`pip uninstall` the nvidia-* package in "
           "it), so that torch loads its own " +
           copy.family_name;
  }
  return "make the job load torch's own " + copy.family_name +
         " (remove the copy at " + copy.loaded.path +
         " from the loader's search path)";
}

// What to do about a torch package the job cannot use.
std::string TorchImportFix(const TorchImportObservation& seen) {
  const std::string parent =
      seen.package_dir.substr(0, seen.package_dir.rfind('/'));
  std::string fix;
  if (seen.found_on == "PYTHONPATH") {
    fix = "take " + parent + " out of the job's PYTHONPATH";
  } else if (seen.found_on == "the current directory") {
    fix = "start the job from another directory (" + parent +
          " holds a `torch` folder that Python imports first)";
  } else {
    fix = "remove " + seen.package_dir + " (`pip uninstall torch` with " +
          seen.python + ", then delete what is left)";
  }
  if (!seen.hidden.empty()) {
    return fix + ", so that the job imports the torch at " + seen.hidden[0];
  }
  return fix + ", then install PyTorch for this python3 (`" + seen.python +
         " -m pip install --force-reinstall torch`)";
}

}  // namespace

std::optional<TorchStackFinding> JudgeTorchImport(
    const TorchImportObservation& seen) {
  // Complete files, or nothing imported (no fact to judge), or PyTorch.
  if (seen.package_dir.empty() || seen.LooksComplete() || !seen.imported) {
    return std::nullopt;
  }
  if (seen.import_finished && seen.import_ok && seen.is_pytorch) {
    return std::nullopt;
  }
  const std::string where = seen.package_dir + ", found on " + seen.found_on;
  std::string what;
  if (!seen.import_finished) {
    what = "the job's `import torch` did not finish: " + where +
           " was still importing at the deadline";
  } else if (!seen.import_ok) {
    what = "the job's `import torch` fails: " + seen.import_error + " (" +
           where + ")";
  } else {
    std::vector<std::string> lacks;
    lacks.emplace_back(seen.regular_package ? "" : "no __init__.py");
    lacks.emplace_back(seen.has_extension ? "" : "no compiled torch._C");
    lacks.emplace_back(seen.has_lib_dir ? "" : "no torch/lib");
    lacks.erase(std::remove(lacks.begin(), lacks.end(), ""), lacks.end());
    what = "the `torch` the job's python3 imports is not PyTorch: " + where +
           (lacks.empty() ? "" : " has " + Join(lacks, ", ")) +
           ", and the module it gives has no torch._C, torch.cuda or "
           "__version__";
  }
  if (!seen.hidden.empty()) {
    what += "; it hides the torch at " + Join(seen.hidden, ", ");
  }
  return TorchStackFinding{what, Capitalized(TorchImportFix(seen))};
}

bool IsCpuOnlyTorch(const TorchBuildObservation& torch) {
  if (!torch.cuda_version.empty()) return false;
  const std::string& v = torch.version;
  const bool plus_cpu = v.size() > 4 && v.compare(v.size() - 4, 4, "+cpu") == 0;
  return plus_cpu || (torch.has_libtorch_cpu && !torch.has_libtorch_cuda &&
                      !torch.has_libtorch_hip);
}

std::optional<TorchStackFinding> JudgeCpuOnlyTorch(
    const TorchBuildObservation& torch, const std::string& driver_phrase,
    const WheelTarget& target) {
  if (!IsCpuOnlyTorch(torch)) return std::nullopt;
  TorchStackFinding f;
  f.summary = "torch " + torch.version + " at " + torch.package_dir +
              " is a CPU-only build, but " + driver_phrase +
              ": torch.cuda.is_available() is False and the job would run "
              "on the CPU";
  f.remediation = Capitalized(TorchInstallRemedy(target));
  return f;
}

ShadowingJudgement JudgeShadowing(const std::vector<ShadowedCopy>& copies) {
  ShadowingJudgement out;
  for (const ShadowedCopy& copy : copies) {
    const bool loaded_ok =
        copy.loaded.status != "error" && copy.loaded.status != "missing";
    const std::string& name = copy.family_name;
    const std::string both =
        name + " at " + copy.loaded.path + " (" + copy.found_via +
        ") is loaded instead of torch's own at " + copy.own.path;
    if (!loaded_ok) {
      out.failures.push_back(both +
                             ", and it does not load: " + copy.loaded.message);
    } else if (!copy.loaded.version.empty() && !copy.own.version.empty() &&
               ReleaseOf(copy.loaded.version) != ReleaseOf(copy.own.version)) {
      out.failures.push_back(both + ": " + name + " " + copy.loaded.version +
                             " where torch's own is " + copy.own.version);
    } else {
      out.notes.push_back(name + " from " + copy.loaded.path + " (" +
                          Said(copy.loaded) + ") instead of torch's " +
                          copy.own.path + " (" + Said(copy.own) + ")");
      continue;
    }
    out.fixes.push_back(ShadowingFix(copy));
  }
  return out;
}

}  // namespace preflight

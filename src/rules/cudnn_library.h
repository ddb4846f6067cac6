// cudnn.library's judgement (modules/cudnn/library_probe.cc opens the job's
// cuDNN and runs its sub-library checks): is the cuDNN the job loads whole,
// for what the job asks of it?
//
// cuDNN 9 is split into sub-libraries that load on first use. graph holds
// the backend (graph) API that torch's convolutions go through, and it
// opens the engine and heuristic libraries it needs; ops holds the legacy
// descriptors and operations torch still calls for batch norm; cnn holds
// the legacy convolution API (cudnnConvolutionForward...), which torch does
// not call; adv holds RNN and CTC (torch.nn.LSTM/GRU/RNN and CTC loss on
// cuDNN). On an H100 with torch 2.11, a convolution job ran with
// libcudnn_ops.so.9 or libcudnn_cnn.so.9 unloadable, and failed with
// libcudnn_graph, libcudnn_heuristic or libcudnn_engines_precompiled
// unloadable.
#ifndef PREFLIGHT_RULES_CUDNN_LIBRARY_H_
#define PREFLIGHT_RULES_CUDNN_LIBRARY_H_

#include <string>
#include <vector>

#include "preflight/result.h"

namespace preflight {

// One of cuDNN's own sub-library checks (cudnnGraphVersionCheck, ...).
struct CudnnPartCheck {
  std::string part;    // "graph", "ops", "cnn", "adv"
  std::string status;  // "" where it passed, else cuDNN's status name
  std::string cause;   // the status's cause and fix (modules/cudnn)
  std::string file;    // libcudnn_<part>.so.9 beside libcudnn.so.9
  // The file the process mapped for libcudnn_<part>.so.9 after the check
  // (real path; empty where none was). Beside libcudnn.so.9 unless the
  // loader, refused or lacking that copy, went on down its search path
  // and took another installation's.
  std::string loaded_from;
  // Where loaded_from is another directory's: the file beside
  // libcudnn.so.9 exists and its size differs (another build of cuDNN, not
  // a second copy of the same files).
  bool other_build = false;
};

struct CudnnLibraryObservation {
  // `version` is cudnnGetVersion's answer. libcudnn.so.9 forwards it to
  // the graph library it loaded (so does cudnnGetProperty, which torch
  // reads as the runtime version it compares with the one it was built
  // with): seen with a 9.19 shim whose graph came from a 9.14 installation.
  std::string version, path, origin, built_for_cuda;
  // The version libcudnn.so.9's own installation gives in its files (the
  // real file name, or the NVIDIA wheel's RECORD); "" where they do not.
  std::string own_version;
  std::vector<CudnnPartCheck> checks;
  // Where a check failed: the installation's files the loader refuses
  // (engines, heuristics...), "file: the loader's words" each (a failed
  // part's own file among them gives that part's words).
  std::vector<std::string> unloadable_files;
  // Every run: the libcudnn_*.so.9 beside libcudnn.so.9 that are not
  // shared objects at all ("file: why"; their headers read, nothing
  // loaded). cuDNN opens the engine and heuristic libraries only when an
  // operation first needs them, so its own checks do not see them.
  std::vector<std::string> unreadable_files;
  std::string other_copy;  // "; the system copy at ... is not the one tested"
};

// Pass: every part loads and agrees. Fail: graph (every job that uses
// cuDNN reaches it) does not load or agree, named with the loader's words,
// or came from another installation while the copy beside libcudnn.so.9 is
// damaged, cuDNN's checks of the other parts fail, or it is older than
// the installation (seen on an H100: torch's graph library over
// /dev/null, the loader took the system's 9.14 and the job's torch refused
// "cuDNN version incompatibility": torch refuses a runtime older than the
// cuDNN it was built with); a newer one with everything else agreeing is
// a warn (torch accepts a newer runtime);
// or an engine or heuristic library is not a shared object (a torch
// convolution then fails: "GET was unable to find an engine", seen on an
// H100 with either hidden). Warn: only ops (legacy operations: torch's
// cuDNN batch norm), cnn (the legacy convolution API) or adv (RNN, CTC)
// fails: jobs that do not call them run (a torch convolution ran with ops
// or cnn hidden).
ProbeResult JudgeCudnnLibrary(const CudnnLibraryObservation& seen);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_CUDNN_LIBRARY_H_

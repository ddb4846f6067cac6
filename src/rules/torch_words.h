// What torch said when one of its stable C functions failed: torch's shim
// catches the exception and prints "Exception in aoti_torch: <what()>" on
// stderr (torch/csrc/inductor/aoti_torch/utils.h), where the libtorch
// probes' worker keeps the last of it (modules/torch/stderr_tail.h). These
// rules turn that text into the failure's cause.
#ifndef PREFLIGHT_RULES_TORCH_WORDS_H_
#define PREFLIGHT_RULES_TORCH_WORDS_H_

#include <map>
#include <string>
#include <string_view>

namespace preflight {

// The first line of the last "Exception in aoti_torch: " message in
// `stderr_tail` (c10 appends "Exception raised from ..." and a backtrace on
// lines of their own); "" where there is none.
std::string TorchErrorWords(std::string_view stderr_tail);

// The settings torch's words point at, each with its value, from the job's
// environment `variables`: a variable the words name, and the allocator's
// variables where the words are the allocator's config ("Unrecognized key
// 'foo' in CUDA allocator config" names no variable). "" where none.
// E.g. "PYTORCH_CUDA_ALLOC_CONF=foo:1".
std::string TorchSettingsNamed(
    std::string_view words,
    const std::map<std::string, std::string>& variables);

// The torch variables TorchSettingsNamed reads.
const std::map<std::string_view, std::string_view>& TorchSettingVariables();

}  // namespace preflight

#endif  // PREFLIGHT_RULES_TORCH_WORDS_H_

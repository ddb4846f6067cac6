#include "rules/torch_words.h"

#include "preflight/strings.h"

namespace preflight {

const std::map<std::string_view, std::string_view>& TorchSettingVariables() {
  // Variable -> words of torch's messages that are about it without naming
  // it ("" where only its name counts).
  static const std::map<std::string_view, std::string_view> variables = {
      {"PYTORCH_CUDA_ALLOC_CONF", "allocator config"},
      {"PYTORCH_ALLOC_CONF", "allocator config"},
      {"PYTORCH_NO_CUDA_MEMORY_CACHING", ""},
      {"CUDA_LAUNCH_BLOCKING", ""},
      {"CUBLAS_WORKSPACE_CONFIG", "CUBLAS_WORKSPACE_CONFIG"},
      {"TORCH_CUDNN_V8_API_DISABLED", ""},
      {"CUDA_MODULE_LOADING", ""},
      {"TORCH_CUDA_ARCH_LIST", ""},
  };
  return variables;
}

std::string TorchErrorWords(std::string_view stderr_tail) {
  constexpr std::string_view kMark = "Exception in aoti_torch: ";
  const size_t at = stderr_tail.rfind(kMark);
  if (at == std::string_view::npos) return "";
  std::string_view rest = stderr_tail.substr(at + kMark.size());
  const size_t nl = rest.find('\n');
  if (nl != std::string_view::npos) rest = rest.substr(0, nl);
  std::string words = Trim(rest);
  return words.size() > 400 ? words.substr(0, 400) + "…" : words;
}

std::string TorchSettingsNamed(
    std::string_view words,
    const std::map<std::string, std::string>& variables) {
  std::string named;
  for (const auto& [name, about] : TorchSettingVariables()) {
    const auto set = variables.find(std::string(name));
    if (set == variables.end()) continue;
    const bool named_by_words =
        words.find(name) != std::string_view::npos ||
        (!about.empty() && words.find(about) != std::string_view::npos);
    if (!named_by_words) continue;
    if (!named.empty()) named += ", ";
    named += set->first + "=" + set->second;
  }
  return named;
}

}  // namespace preflight

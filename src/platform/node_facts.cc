#include "platform/node_facts.h"

namespace preflight {

NodeFacts NodeFacts::Read(const nlohmann::json& node_facts) {
  NodeFacts facts;
  if (!node_facts.is_object()) return facts;
  const auto object = [&](const char* key) -> const nlohmann::json* {
    const auto it = node_facts.find(key);
    return it != node_facts.end() && it->is_object() ? &*it : nullptr;
  };
  if (const nlohmann::json* j = object("job_libraries")) {
    facts.job_libraries = JobLibraries::FromJson(*j);
  }
  if (const nlohmann::json* j = object("torch_import")) {
    TorchImportFact t;
    t.fails = j->value("fails", false);
    t.package_dir = j->value("package_dir", "");
    t.summary = j->value("summary", "");
    t.remediation = j->value("remediation", "");
    facts.torch_import = t;
  }
  if (const nlohmann::json* j = object("driver")) {
    facts.kernel_module_version = j->value("kernel_module_version", "");
  }
  if (const nlohmann::json* j = object("cuda")) {
    facts.driver_cuda_version_code = j->value("driver_cuda_version_code", 0);
  }
  if (const auto it = node_facts.find("libraries");
      it != node_facts.end() && it->is_array()) {
    for (const auto& lib : *it) {
      const std::string origin = lib.value("origin", "");
      if (lib.value("name", "") == "NCCL" &&
          (origin == "torch" || origin == "preloaded")) {
        facts.torch_nccl_version = lib.value("version", "");
        break;
      }
    }
  }
  facts.nccl_settings = NcclSettingsFact::FromFacts(node_facts);
  return facts;
}

}  // namespace preflight

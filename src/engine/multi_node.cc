#include "engine/multi_node.h"

#include <dlfcn.h>

#include <cstdlib>

#include "preflight/strings.h"
#include "worker/module_loader.h"

namespace preflight {

std::unique_ptr<MultiNode> MultiNode::Start(const std::string& module_dir,
                                            std::string* error) {
  const std::string path = ModulePath(module_dir, "mpi");
  // Open MPI loads its components with dlopen and needs libmpi's symbols
  // global.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    *error = why != nullptr ? why : "cannot load " + path;
    return nullptr;
  }
  using Entry = const preflight_mpi_v1* (*)();
  auto* entry =
      reinterpret_cast<Entry>(dlsym(handle, "preflight_mpi_entry_v1"));
  const preflight_mpi_v1* bridge = entry != nullptr ? entry() : nullptr;
  if (bridge == nullptr || bridge->abi_version != PREFLIGHT_MPI_ABI_VERSION) {
    *error = path + " is not a compatible MPI bridge";
    return nullptr;
  }
  std::unique_ptr<MultiNode> node(new MultiNode());
  node->bridge_ = bridge;
  if (bridge->init(&node->rank_, &node->size_) != PREFLIGHT_MPI_OK) {
    *error = "MPI_Init failed";
    return nullptr;
  }
  return node;
}

MultiNode::~MultiNode() {
  // After a failed exchange MPI_Finalize could wait for the missing node.
  if (bridge_ != nullptr && !broken_) bridge_->finalize();
}

std::string MultiNode::library_version() const {
  return Trim(bridge_->library_version()).substr(0, 120);
}

std::string MultiNode::Describe() const {
  return "MPI (" + library_version() + ")";
}

bool MultiNode::AllgatherInt(int value, std::vector<int>* out,
                             int deadline_ms) {
  out->assign(size_, 0);
  if (!broken_ && bridge_->allgather_int(value, out->data(), deadline_ms) ==
                      PREFLIGHT_MPI_OK)
    return true;
  broken_ = true;
  last_error_ =
      "the rank exchange with the other nodes (MPI) failed or "
      "timed out after " +
      std::to_string(deadline_ms / 1000) + " s";
  return false;
}

bool MultiNode::Bcast(std::vector<unsigned char>* data, int root,
                      int deadline_ms) {
  if (!broken_ &&
      bridge_->bcast_bytes(data->data(), static_cast<int>(data->size()), root,
                           deadline_ms) == PREFLIGHT_MPI_OK) {
    return true;
  }
  broken_ = true;
  last_error_ = "nothing arrived from node " + std::to_string(root) +
                " (MPI failed or timed out after " +
                std::to_string(deadline_ms / 1000) + " s)";
  return false;
}

}  // namespace preflight

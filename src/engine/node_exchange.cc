#include "engine/node_exchange.h"

#include <algorithm>

namespace preflight {

bool NodeExchange::AllgatherText(const std::string& text,
                                 std::vector<std::string>* out,
                                 int deadline_ms) {
  constexpr size_t kBytes = 256;
  out->assign(size(), "");
  for (int from = 0; from < size(); ++from) {
    std::vector<unsigned char> data(kBytes, 0);
    if (from == rank()) {
      std::copy_n(text.begin(), std::min(text.size(), kBytes - 1),
                  data.begin());
    }
    if (!Bcast(&data, from, deadline_ms)) return false;
    (*out)[from].assign(reinterpret_cast<const char*>(data.data()),
                        std::find(data.begin(), data.end(), 0) - data.begin());
  }
  return true;
}

std::string PerRankPath(const std::string& path, int rank) {
  std::string out = path;
  const size_t at = out.find("%r");
  if (at != std::string::npos) out.replace(at, 2, std::to_string(rank));
  return out;
}

}  // namespace preflight

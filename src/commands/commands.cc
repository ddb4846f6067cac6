#include "commands/commands.h"

namespace preflight {

CommandMain FindReportCommand(std::string_view name) {
  if (name == "diff") return DiffCommand;
  if (name == "image") return ImageCommand;
  if (name == "fleet") return FleetCommand;
  return nullptr;
}

}  // namespace preflight

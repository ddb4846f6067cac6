#include "platform/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <string>

namespace preflight {

void ConfigureLogging(int verbosity, const char* who) {
  // Unsynchronized stderr sink: each process logs from one thread.
  auto logger = spdlog::stderr_logger_st(who);
  logger->set_pattern(std::string("[%H:%M:%S.%e] [") + who + " %P] %v");
  logger->set_level(verbosity >= 2   ? spdlog::level::debug
                    : verbosity == 1 ? spdlog::level::info
                                     : spdlog::level::warn);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace preflight

// Logging setup: spdlog to stderr, level from the config ("debug", "info", "warn", "error").
// Nothing secret (relay passwords, API keys, message bodies) is ever logged.
#pragma once

#include <string>

namespace outpost {

void setupLogging(const std::string& level);

}  // namespace outpost

#include "core/config.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <map>

namespace outpost {
namespace {

// "90", "90s", "15m", "2h", "5d" → seconds; -1 when malformed.
long long parseDuration(const std::string& text) {
  if (text.empty()) return -1;
  std::size_t consumed = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &consumed);
  } catch (...) {
    return -1;
  }
  if (value < 0) return -1;
  const std::string unit = text.substr(consumed);
  if (unit.empty() || unit == "s") return value;
  if (unit == "m") return value * 60;
  if (unit == "h") return value * 3600;
  if (unit == "d") return value * 86400;
  return -1;
}

// Parses "1m,5m,15m" into a schedule.
bool parseSchedule(const std::string& text, std::vector<std::chrono::seconds>& out) {
  std::vector<std::chrono::seconds> schedule;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const long long seconds = parseDuration(text.substr(start, end - start));
    if (seconds <= 0) return false;
    schedule.emplace_back(seconds);
    start = end + 1;
  }
  if (schedule.empty()) return false;
  out = std::move(schedule);
  return true;
}

using Setter = std::function<bool(Config&, const std::string&)>;

Setter stringSetter(std::string Config::*member) {
  return [member](Config& config, const std::string& value) {
    config.*member = value;
    return true;
  };
}

template <class Target>
Setter sizeSetter(Target target) {
  return [target](Config& config, const std::string& value) {
    try {
      std::size_t consumed = 0;
      const long long parsed = std::stoll(value, &consumed);
      if (consumed != value.size() || parsed <= 0) return false;
      target(config) = static_cast<std::size_t>(parsed);
      return true;
    } catch (...) {
      return false;
    }
  };
}

template <class Target>
Setter durationSetter(Target target) {
  return [target](Config& config, const std::string& value) {
    const long long seconds = parseDuration(value);
    if (seconds <= 0) return false;
    target(config) = std::chrono::seconds(seconds);
    return true;
  };
}

// Every configurable key: its name in the file ("section.key"); the environment variable
// and command line flag derive from it (dots and underscores become '_' / '-').
const std::map<std::string, Setter>& settings() {
  static const std::map<std::string, Setter> table = {
      {"data", stringSetter(&Config::data_dir)},
      {"http", stringSetter(&Config::http_listen)},
      {"hostname", stringSetter(&Config::hostname)},
      {"node_name", stringSetter(&Config::node_name)},
      {"log_level", stringSetter(&Config::log_level)},
      {"max_message_size",
       sizeSetter([](Config& c) -> std::size_t& { return c.max_message_bytes; })},
      {"max_recipients", sizeSetter([](Config& c) -> std::size_t& { return c.max_recipients; })},
      {"intake_threads", sizeSetter([](Config& c) -> std::size_t& { return c.intake_threads; })},
      {"delivery.retry_schedule",
       [](Config& c, const std::string& value) {
         return parseSchedule(value, c.delivery.retry_schedule);
       }},
      {"delivery.max_lifetime",
       durationSetter([](Config& c) -> std::chrono::seconds& { return c.delivery.max_lifetime; })},
      {"delivery.max_connections",
       sizeSetter([](Config& c) -> std::size_t& { return c.delivery.max_connections; })},
      {"delivery.max_messages_per_connection", sizeSetter([](Config& c) -> std::size_t& {
         return c.delivery.max_messages_per_connection;
       })},
      {"delivery.idle_connection_timeout", durationSetter([](Config& c) -> std::chrono::seconds& {
         return c.delivery.idle_connection_timeout;
       })},
      {"delivery.lease_duration", durationSetter([](Config& c) -> std::chrono::seconds& {
         return c.delivery.lease_duration;
       })},
      {"delivery.claim_batch",
       sizeSetter([](Config& c) -> std::size_t& { return c.delivery.claim_batch; })},
      {"delivery.poll_interval",
       [](Config& c, const std::string& value) {
         const long long seconds = parseDuration(value);
         if (seconds <= 0) return false;
         c.delivery.poll_interval = std::chrono::seconds(seconds);
         return true;
       }},
#define OUTPOST_TIMEOUT(name)  \
  {"delivery.timeouts." #name, \
   durationSetter([](Config& c) -> std::chrono::seconds& { return c.delivery.timeouts.name; })}
      OUTPOST_TIMEOUT(connect),
      OUTPOST_TIMEOUT(greeting),
      OUTPOST_TIMEOUT(ehlo),
      OUTPOST_TIMEOUT(tls_handshake),
      OUTPOST_TIMEOUT(auth),
      OUTPOST_TIMEOUT(mail),
      OUTPOST_TIMEOUT(rcpt),
      OUTPOST_TIMEOUT(data_init),
      OUTPOST_TIMEOUT(data_block),
      OUTPOST_TIMEOUT(data_term),
      OUTPOST_TIMEOUT(rset),
      OUTPOST_TIMEOUT(quit),
#undef OUTPOST_TIMEOUT
  };
  return table;
}

std::string environmentName(const std::string& key) {
  std::string name = "OUTPOST_";
  for (char c : key) {
    name.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return name;
}

std::string nodeText(const toml::node& node) {
  if (auto text = node.value<std::string>()) return *text;
  if (auto number = node.value<long long>()) return std::to_string(*number);
  if (auto flag = node.value<bool>()) return *flag ? "true" : "false";
  if (const auto* array = node.as_array()) {
    std::string joined;
    for (const auto& element : *array) {
      if (!joined.empty()) joined += ',';
      joined += nodeText(element);
    }
    return joined;
  }
  return {};
}

Result<void> applyTable(const toml::table& table, const std::string& prefix, Config& config,
                        const std::string& path) {
  for (const auto& [key, node] : table) {
    const std::string full =
        prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    if (const auto* sub = node.as_table()) {
      if (auto result = applyTable(*sub, full, config, path); !result) return result;
      continue;
    }
    const auto found = settings().find(full);
    if (found == settings().end()) {
      return Error::permanentFailure("config.unknown_key",
                                     path + ": unknown configuration key \"" + full + "\"");
    }
    if (!found->second(config, nodeText(node))) {
      return Error::permanentFailure("config.invalid_value",
                                     path + ": invalid value for \"" + full + "\"");
    }
  }
  return success();
}

}  // namespace

Result<void> loadConfigFile(const std::string& path, Config& config) {
  // Debian's toml++ is built with exceptions: a parse error is thrown, and caught right here.
  try {
    const toml::table table = toml::parse_file(path);
    return applyTable(table, "", config, path);
  } catch (const toml::parse_error& error) {
    return Error::permanentFailure("config.parse", path + ":" +
                                                       std::to_string(error.source().begin.line) +
                                                       ": " + std::string(error.description()));
  }
}

Result<void> applyEnvironment(Config& config) {
  for (const auto& [key, setter] : settings()) {
    const std::string name = environmentName(key);
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) continue;
    if (!setter(config, value)) {
      return Error::permanentFailure("config.invalid_value",
                                     "invalid value in environment variable " + name);
    }
  }
  return success();
}

Result<void> applySetting(const std::string& key, const std::string& value, Config& config) {
  const auto found = settings().find(key);
  if (found == settings().end()) {
    return Error::permanentFailure("config.unknown_key",
                                   "unknown configuration key \"" + key + "\"");
  }
  if (!found->second(config, value)) {
    return Error::permanentFailure("config.invalid_value",
                                   "invalid value for \"" + key + "\": \"" + value + "\"");
  }
  return success();
}

void completeConfig(Config& config) {
  if (config.hostname.empty()) {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') {
      config.hostname = name;
    } else {
      config.hostname = "localhost";
    }
  }
  if (config.node_name.empty()) {
    // Stable across restarts: a restarted node takes back its own leases at once (nothing
    // of its is in flight any more) instead of waiting for them to expire.
    config.node_name = config.hostname;
  }
}

}  // namespace outpost

#include "http/users_json.h"

#include <boost/json/array.hpp>
#include <charconv>

#include "core/clock.h"

namespace outpost::http {

boost::json::object userJson(const store::User& user) {
  return boost::json::object{{"id", user.id},
                             {"email", user.email},
                             {"role", store::toString(user.role)},
                             {"created_at", formatRfc3339(user.created_at)}};
}

boost::json::object apiKeyJson(const store::ApiKey& key, std::string_view user_email) {
  boost::json::array domains;
  for (const auto& domain : key.domains) domains.emplace_back(domain);
  return boost::json::object{
      {"id", key.id},           {"name", key.name},
      {"user_id", key.user_id}, {"user_email", user_email},
      {"scope", key.scope},     {"domains", std::move(domains)},
      {"prefix", key.prefix},   {"created_at", formatRfc3339(key.created_at)}};
}

std::optional<std::int64_t> parsePathId(std::string_view text) {
  std::int64_t id = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

std::optional<std::string> passwordProblem(std::string_view password) {
  // Length is what makes a password hard to guess; argon2id takes care of the rest.
  if (password.size() < 10) return "must have at least 10 characters";
  if (password.size() > 1024) return "must have at most 1024 bytes";
  return std::nullopt;
}

}  // namespace outpost::http

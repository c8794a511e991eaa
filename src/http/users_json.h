// How users and API keys look in the API, and the rules their fields follow. Shared by the
// session, users and API keys resources.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace outpost::http {

// {"id", "email", "role", "created_at"}: never the password hash.
boost::json::object userJson(const store::User& user);
// {"id", "name", "user_id", "user_email", "scope", "domains", "prefix", "created_at"}: never
// the secret or its hash.
boost::json::object apiKeyJson(const store::ApiKey& key, std::string_view user_email);

// The id of a user or key in a path ("/users/12"); nullopt unless a positive decimal number.
std::optional<std::int64_t> parsePathId(std::string_view text);

// Why a new password is not acceptable, or nullopt (10 to 1,024 bytes).
std::optional<std::string> passwordProblem(std::string_view password);

}  // namespace outpost::http

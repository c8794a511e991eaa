// Helpers of the plain request type the resources see.
#include "http/api.h"

namespace outpost::http {

std::optional<std::string> Request::queryValue(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

}  // namespace outpost::http

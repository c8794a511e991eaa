// Role names as stored and shown, the words of the CLI (design.md): superadmin, admin, user,
// auditor.
// parseRole reads text from the database, the CLI or the API: anything else is no role.
#include "store/store.h"

namespace outpost::store {

std::string_view toString(Role role) {
  switch (role) {
    case Role::kSuperAdmin:
      return "superadmin";
    case Role::kAdmin:
      return "admin";
    case Role::kUser:
      return "user";
    case Role::kAuditor:
      return "auditor";
  }
  return "user";
}

std::optional<Role> parseRole(std::string_view text) {
  for (auto role : {Role::kSuperAdmin, Role::kAdmin, Role::kUser, Role::kAuditor}) {
    if (toString(role) == text) return role;
  }
  return std::nullopt;
}

}  // namespace outpost::store

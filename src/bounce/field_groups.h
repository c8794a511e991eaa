// Internal: RFC 822-style field groups as message/delivery-status (RFC 3464 §2.1) and
// message/feedback-report (RFC 5965 §3) carry them: blank-line separated groups of
// "Name: value" lines with folding. Input is untrusted text; nothing here can fail.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace outpost::bounce::detail {

// One group: fields in order, names lowercased, values unfolded and trimmed.
using FieldGroup = std::vector<std::pair<std::string, std::string>>;

std::vector<FieldGroup> parseFieldGroups(std::string_view text);

// The first value of a field in a group ("" if missing).
std::string fieldValue(const FieldGroup& group, std::string_view lowercase_name);

// "rfc822; user@example.com" -> {"rfc822", "user@example.com"}; without ';' the type is "".
std::pair<std::string, std::string> splitTypedValue(std::string_view value);

// The bare address in "<User@Example.COM>", "Name <a@b>" or "rfc822;a@b"; "" if none.
std::string cleanAddress(std::string_view value);

std::string toLower(std::string_view text);
std::string_view trim(std::string_view text);
// Whitespace runs become one space.
std::string squeeze(std::string_view text);

}  // namespace outpost::bounce::detail

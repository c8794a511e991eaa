// ASCII case folding, the way mail compares domains, SMTP keywords and addresses (RFC 5321
// §2.4: domains and keywords are case-insensitive). Not for Unicode text shown to people.
#pragma once

#include <string>
#include <string_view>

namespace outpost {

std::string lowercase(std::string_view text);
bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace outpost

// Small text checks shared by the mime module (internal, not a module interface): line
// breaks and NULs (RFC 5322 §2.1, header injection), UTF-8 validity (RFC 3629), and quoting
// untrusted text into error messages. All input here is untrusted.
#pragma once

#include <string>
#include <string_view>

namespace outpost::mime::detail {

inline bool hasLineBreak(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

inline bool hasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

inline bool isAscii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
bool isValidUtf8(std::string_view text);

// Removes spaces and tabs at both ends.
std::string_view trimWsp(std::string_view text);

// The text in double quotes for an error message, cut to a readable length. Callers have
// already refused CR and LF, so the message cannot carry a line break into a log or a header.
std::string quoteForMessage(std::string_view text);

// Why `text` cannot go into a header (line break, NUL, invalid UTF-8), or "" if it can.
// `what` names the text in the reason ("the subject").
std::string headerTextProblem(std::string_view what, std::string_view text);

}  // namespace outpost::mime::detail

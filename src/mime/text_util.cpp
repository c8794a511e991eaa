// Text checks shared by the mime module: line breaks, NULs, UTF-8 (RFC 3629).
// All input is untrusted; nothing here allocates more than the input's size.
#include "mime/text_util.h"

#include <cstdint>

namespace outpost::mime::detail {

bool isValidUtf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code = 0;
    std::uint32_t minimum = 0;
    if ((c & 0xE0) == 0xC0) {
      length = 2, code = c & 0x1F, minimum = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, code = c & 0x0F, minimum = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, code = c & 0x07, minimum = 0x10000;
    } else {
      return false;
    }
    if (i + length > n) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

std::string_view trimWsp(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

std::string quoteForMessage(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  std::string out = "\"";
  if (text.size() <= kMaxShown) {
    out.append(text);
  } else {
    // Cut on a character boundary so the message stays valid UTF-8.
    std::size_t cut = kMaxShown;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    out.append(text.substr(0, cut));
    out.append("…");
  }
  out.push_back('"');
  return out;
}

std::string headerTextProblem(std::string_view what, std::string_view text) {
  const std::string subject(what);
  if (hasLineBreak(text)) return subject + " contains a line break (CR or LF)";
  if (hasNul(text)) return subject + " contains a NUL character";
  if (!isValidUtf8(text)) return subject + " is not valid UTF-8";
  return {};
}

}  // namespace outpost::mime::detail

// Tag=value list parsing and formatting (RFC 6376 §3.2). Input is untrusted: every index is
// checked against the text size, and errors name the tag or position a person can look for.
#include "mailauth/dkim/tag_list.h"

#include <algorithm>

namespace outpost::mailauth::dkim {
namespace {

bool isFws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

Error tagError(std::string message) {
  return Error::permanentFailure("dkim.tag_list", std::move(message));
}

}  // namespace

const Tag* TagList::find(std::string_view name) const {
  const auto it =
      std::find_if(tags_.begin(), tags_.end(), [&](const Tag& tag) { return tag.name == name; });
  return it == tags_.end() ? nullptr : &*it;
}

Result<TagList> parseTagList(std::string_view text) {
  std::vector<Tag> tags;
  std::size_t pos = 0;
  const std::size_t size = text.size();
  while (pos < size) {
    const std::size_t spec_end = std::min(text.find(';', pos), size);
    const std::string_view spec = text.substr(pos, spec_end - pos);
    const std::size_t spec_begin = pos;
    pos = spec_end == size ? size : spec_end + 1;

    std::size_t first = 0;
    while (first < spec.size() && isFws(spec[first])) ++first;
    if (first == spec.size()) {
      // Only the end of the list may be empty ("a=1; b=2;" and trailing FWS).
      if (spec_end == size) break;
      return tagError("empty tag between two ';' at offset " + std::to_string(spec_begin));
    }
    const std::size_t equals = spec.find('=');
    if (equals == std::string_view::npos) {
      return tagError("tag \"" + std::string(spec.substr(first)) + "\" has no '='");
    }
    std::size_t name_end = equals;
    while (name_end > first && isFws(spec[name_end - 1])) --name_end;
    const std::string_view name = spec.substr(first, name_end - first);
    const bool name_ok = !name.empty() && isAlpha(name.front()) &&
                         std::all_of(name.begin(), name.end(),
                                     [](char c) { return isAlpha(c) || isDigit(c) || c == '_'; });
    if (!name_ok) {
      return tagError("invalid tag name \"" + std::string(name) +
                      "\" (a letter, then letters, digits or '_')");
    }
    std::size_t value_begin = equals + 1;
    std::size_t value_end = spec.size();
    while (value_begin < value_end && isFws(spec[value_begin])) ++value_begin;
    while (value_end > value_begin && isFws(spec[value_end - 1])) --value_end;
    const std::string_view value = spec.substr(value_begin, value_end - value_begin);
    for (const char c : value) {
      const auto byte = static_cast<unsigned char>(c);
      if ((byte < 0x21 && !isFws(c)) || byte == 0x7f) {
        return tagError("tag \"" + std::string(name) + "\" has a control character in its value");
      }
    }
    for (const Tag& tag : tags) {
      if (tag.name == name) {
        return tagError("tag \"" + std::string(name) + "\" appears more than once");
      }
    }
    tags.push_back(Tag{std::string(name), std::string(value), spec_begin + value_begin,
                       spec_begin + value_end});
  }
  return TagList(std::move(tags));
}

std::string stripWhitespace(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (!isFws(c)) out.push_back(c);
  }
  return out;
}

std::string formatTagList(const std::vector<std::pair<std::string, std::string>>& tags) {
  std::string out;
  for (const auto& [name, value] : tags) {
    if (!out.empty()) out.push_back(' ');
    out.append(name).append("=").append(value).append(";");
  }
  return out;
}

}  // namespace outpost::mailauth::dkim

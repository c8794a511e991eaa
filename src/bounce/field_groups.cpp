// Field groups of RFC 3464 §2.1 / RFC 5965 §3 bodies. Untrusted input: lines of any length,
// missing colons and stray continuation lines are tolerated and skipped.
#include "bounce/field_groups.h"

#include <algorithm>
#include <cctype>

#include "core/text.h"

namespace outpost::bounce::detail {

std::string toLower(std::string_view text) { return lowercase(text); }

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return text;
}

std::string squeeze(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (const char c : trim(text)) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      space = true;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::vector<FieldGroup> parseFieldGroups(std::string_view text) {
  std::vector<FieldGroup> groups;
  FieldGroup current;
  bool field_open = false;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) {
      if (!current.empty()) groups.push_back(std::move(current));
      current.clear();
      field_open = false;
      if (end == text.size()) break;
      continue;
    }
    if ((line.front() == ' ' || line.front() == '\t') && field_open) {
      current.back().second += ' ';
      current.back().second += std::string(trim(line));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        line.substr(0, colon).find(' ') != std::string_view::npos) {
      field_open = false;
      continue;
    }
    current.emplace_back(toLower(trim(line.substr(0, colon))),
                         std::string(trim(line.substr(colon + 1))));
    field_open = true;
    if (end == text.size()) break;
  }
  if (!current.empty()) groups.push_back(std::move(current));
  return groups;
}

std::string fieldValue(const FieldGroup& group, std::string_view lowercase_name) {
  for (const auto& [name, value] : group) {
    if (name == lowercase_name) return value;
  }
  return {};
}

std::pair<std::string, std::string> splitTypedValue(std::string_view value) {
  const auto semicolon = value.find(';');
  if (semicolon == std::string_view::npos) return {"", squeeze(value)};
  return {toLower(trim(value.substr(0, semicolon))), squeeze(value.substr(semicolon + 1))};
}

std::string cleanAddress(std::string_view value) {
  auto [type, rest] = splitTypedValue(value);
  std::string_view v = rest;
  if (type.find('@') != std::string::npos) v = value;  // no type: "a@b; junk" is unlikely
  const auto lt = v.find('<');
  if (lt != std::string_view::npos) {
    const auto gt = v.find('>', lt);
    v = v.substr(lt + 1, gt == std::string_view::npos ? std::string_view::npos : gt - lt - 1);
  }
  v = trim(v);
  // Strip quoting and trailing punctuation some MTAs add.
  while (!v.empty() && (v.front() == '"' || v.front() == '\'' || v.front() == '(')) {
    v.remove_prefix(1);
  }
  while (!v.empty() && (v.back() == '"' || v.back() == '\'' || v.back() == ')' || v.back() == '.' ||
                        v.back() == ',' || v.back() == ';' || v.back() == ':')) {
    v.remove_suffix(1);
  }
  const auto space = v.find_first_of(" \t");
  if (space != std::string_view::npos) v = v.substr(0, space);
  if (v.find('@') == std::string_view::npos) return {};
  return std::string(v);
}

}  // namespace outpost::bounce::detail

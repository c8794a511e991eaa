// Tag=value lists, RFC 6376 §3.2: the syntax of DKIM-Signature header fields and of key records.
// Parsing takes untrusted text (from a message or from DNS) and keeps where each value sits in it,
// so a verifier can blank b= without reformatting the field.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace outpost::mailauth::dkim {

struct Tag {
  std::string name;
  std::string value;            // without the surrounding FWS; inner whitespace kept as written
  std::size_t value_begin = 0;  // offsets of `value` in the parsed text
  std::size_t value_end = 0;
};

class TagList {
 public:
  TagList() = default;
  explicit TagList(std::vector<Tag> tags) : tags_(std::move(tags)) {}

  const std::vector<Tag>& tags() const { return tags_; }
  // The tag with this name (names are case-sensitive, §3.2), or nullptr.
  const Tag* find(std::string_view name) const;

 private:
  std::vector<Tag> tags_;
};

// Parses "tag=value; tag=value;". Whitespace and folding (CRLF followed by WSP) are allowed
// around names, '=' and values; a trailing ';' is allowed. A repeated tag, a missing '=', a bad
// tag name or a control character in a value is an error ("dkim.tag_list"), permanent.
Result<TagList> parseTagList(std::string_view text);

// Removes every folding whitespace (SP, HTAB, CR, LF) from a value: what b=, bh= and p= hold
// before base64 decoding, and what h= holds around its colons.
std::string stripWhitespace(std::string_view value);

// Formats "name=value;" pairs joined by "; "-style single spaces (no folding), in the given order.
std::string formatTagList(const std::vector<std::pair<std::string, std::string>>& tags);

}  // namespace outpost::mailauth::dkim

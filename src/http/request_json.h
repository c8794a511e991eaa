// Reading untrusted JSON request bodies: parsing with the error's position, and field readers
// that record one FieldError per problem (wrong type, missing, unknown) instead of stopping at
// the first, so a client can fix everything in one go.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "mime/compose.h"

namespace outpost::http {

// Parses a whole body as one JSON value. Error code "invalid_json" with "line L, column C:
// <reason>" as the message.
Result<boost::json::value> parseJsonBody(std::string_view body);

// "to" + 2 → "to[2]"; "attachments[0]" + "content" → "attachments[0].content".
std::string fieldPath(std::string_view prefix, std::string_view name);
std::string indexPath(std::string_view prefix, std::size_t index);

// Reads the fields of one JSON object; `prefix` names the object in error paths. Absent and
// null fields read as nullopt; `required` adds "is required" for them.
class FieldReader {
 public:
  FieldReader(const boost::json::object& object, std::string prefix,
              std::vector<mime::FieldError>& errors)
      : object_(object), prefix_(std::move(prefix)), errors_(errors) {}

  // One "unknown field" error per member not in `known`.
  void rejectUnknown(std::initializer_list<std::string_view> known);
  std::optional<std::string> string(std::string_view name, bool required = false);
  std::optional<bool> boolean(std::string_view name);
  std::optional<std::int64_t> integer(std::string_view name);
  // An array of strings; each element that is not a string is an error at "name[i]".
  std::optional<std::vector<std::string>> strings(std::string_view name);
  const boost::json::value* raw(std::string_view name) const;
  void fail(std::string_view name, std::string message);
  std::string path(std::string_view name) const { return fieldPath(prefix_, name); }

 private:
  const boost::json::object& object_;
  std::string prefix_;
  std::vector<mime::FieldError>& errors_;
};

// True if the text has a CR, LF or NUL (header injection).
bool hasLineBreakOrNul(std::string_view text);

}  // namespace outpost::http

// JSON body parsing and field readers for untrusted request bodies. Nothing here throws on
// bad input: wrong types become field errors.
#include "http/request_json.h"

#include <boost/json/stream_parser.hpp>

namespace outpost::http {

Result<boost::json::value> parseJsonBody(std::string_view body) {
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  std::size_t consumed = parser.write(body.data(), body.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    if (consumed > body.size()) consumed = body.size();
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < consumed; ++i) {
      if (body[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return Error::permanentFailure("invalid_json", "line " + std::to_string(line) + ", column " +
                                                       std::to_string(column) + ": " +
                                                       ec.message());
  }
  return parser.release();
}

std::string fieldPath(std::string_view prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  std::string path(prefix);
  path += '.';
  path += name;
  return path;
}

std::string indexPath(std::string_view prefix, std::size_t index) {
  return std::string(prefix) + "[" + std::to_string(index) + "]";
}

void FieldReader::rejectUnknown(std::initializer_list<std::string_view> known) {
  for (const auto& member : object_) {
    bool found = false;
    for (std::string_view name : known) found = found || member.key() == name;
    if (!found) fail(member.key(), "unknown field");
  }
}

const boost::json::value* FieldReader::raw(std::string_view name) const {
  const boost::json::value* value = object_.if_contains(name);
  if (value == nullptr || value->is_null()) return nullptr;
  return value;
}

void FieldReader::fail(std::string_view name, std::string message) {
  errors_.push_back({path(name), std::move(message)});
}

std::optional<std::string> FieldReader::string(std::string_view name, bool required) {
  const boost::json::value* value = raw(name);
  if (value == nullptr) {
    if (required) fail(name, "is required");
    return std::nullopt;
  }
  if (!value->is_string()) {
    fail(name, "must be a string");
    return std::nullopt;
  }
  return std::string(value->get_string());
}

std::optional<bool> FieldReader::boolean(std::string_view name) {
  const boost::json::value* value = raw(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_bool()) {
    fail(name, "must be true or false");
    return std::nullopt;
  }
  return value->get_bool();
}

std::optional<std::int64_t> FieldReader::integer(std::string_view name) {
  const boost::json::value* value = raw(name);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) {
    fail(name, "is too large");
    return std::nullopt;
  }
  fail(name, "must be an integer");
  return std::nullopt;
}

std::optional<std::vector<std::string>> FieldReader::strings(std::string_view name) {
  const boost::json::value* value = raw(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_array()) {
    fail(name, "must be an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> result;
  const auto& array = value->get_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (!array[i].is_string()) {
      errors_.push_back({indexPath(path(name), i), "must be a string"});
      continue;
    }
    result.emplace_back(array[i].get_string());
  }
  return result;
}

bool hasLineBreakOrNul(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

}  // namespace outpost::http

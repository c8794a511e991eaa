// Test helpers: parse a composed message back with GMime (the independent reader the tests
// trust), read a part's decoded bytes, and check RFC 5322 line rules on raw output.
#pragma once

#include <gmime/gmime.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::mime::testing {

// Owns a parsed message; GMime objects are unreferenced when it goes away.
class ParsedMessage {
 public:
  explicit ParsedMessage(std::string_view raw) {
    g_mime_init();  // counted and idempotent; tests call it from one thread
    GMimeStream* stream = g_mime_stream_mem_new_with_buffer(raw.data(), raw.size());
    GMimeParser* parser = g_mime_parser_new_with_stream(stream);
    message_ = g_mime_parser_construct_message(parser, nullptr);
    g_object_unref(parser);
    g_object_unref(stream);
  }
  ~ParsedMessage() {
    if (message_ != nullptr) g_object_unref(message_);
  }
  ParsedMessage(const ParsedMessage&) = delete;
  ParsedMessage& operator=(const ParsedMessage&) = delete;

  GMimeMessage* get() const { return message_; }
  GMimeObject* body() const { return g_mime_message_get_mime_part(message_); }

  std::string header(const char* name) const {
    const char* value = g_mime_object_get_header(GMIME_OBJECT(message_), name);
    return value != nullptr ? value : "";
  }

 private:
  GMimeMessage* message_ = nullptr;
};

inline std::string mimeType(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  char* text = g_mime_content_type_get_mime_type(type);
  std::string out = text;
  g_free(text);
  return out;
}

inline GMimeObject* child(GMimeObject* multipart, int index) {
  return g_mime_multipart_get_part(GMIME_MULTIPART(multipart), index);
}

inline int childCount(GMimeObject* multipart) {
  return g_mime_multipart_get_count(GMIME_MULTIPART(multipart));
}

// The part's content after Content-Transfer-Encoding decoding, byte for byte.
inline std::string decodedContent(GMimeObject* object) {
  GMimeDataWrapper* wrapper = g_mime_part_get_content(GMIME_PART(object));
  GMimeStream* stream = g_mime_stream_mem_new();
  g_mime_data_wrapper_write_to_stream(wrapper, stream);
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
  std::string out(reinterpret_cast<const char*>(bytes->data), bytes->len);
  g_object_unref(stream);
  return out;
}

inline std::string transferEncoding(GMimeObject* object) {
  return g_mime_content_encoding_to_string(g_mime_part_get_content_encoding(GMIME_PART(object)));
}

inline std::vector<std::string_view> crlfLines(std::string_view raw) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < raw.size()) {
    auto end = raw.find("\r\n", start);
    if (end == std::string_view::npos) end = raw.size();
    lines.push_back(raw.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

inline std::size_t longestLine(std::string_view raw) {
  std::size_t longest = 0;
  for (const auto line : crlfLines(raw)) longest = std::max(longest, line.size());
  return longest;
}

// True if every CR is followed by LF and every LF preceded by CR.
inline bool onlyCrlf(std::string_view raw) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' && (i + 1 == raw.size() || raw[i + 1] != '\n')) return false;
    if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) return false;
  }
  return true;
}

// The header block (up to the first empty line), for checks that must not look at bodies.
inline std::string_view headerBlock(std::string_view raw) {
  return raw.substr(0, raw.find("\r\n\r\n") + 2);
}

}  // namespace outpost::mime::testing

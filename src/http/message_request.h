// The bodies of POST /api/v1/messages and /messages/raw → what intake takes. Input is
// untrusted: every field is type-checked, addresses are parsed (RFC 5322 / 5321), base64 is
// decoded strictly, CR/LF in header values is refused, and every problem is reported with its
// field path ("to[2]", "attachments[0].content") rather than only the first.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mime/compose.h"

namespace outpost::http {

struct MessageRequest {
  mime::ComposeRequest compose;
  std::string tags_json = "[]";
  std::string metadata_json = "{}";
};

// nullopt when `errors` got at least one entry.
std::optional<MessageRequest> parseMessageRequest(const boost::json::value& body,
                                                  std::vector<mime::FieldError>& errors);

struct RawMessageRequest {
  std::string mail_from;  // "" = the null reverse-path
  std::vector<std::string> rcpt_to;
  std::string message;  // decoded when it came as message_base64
};

std::optional<RawMessageRequest> parseRawMessageRequest(const boost::json::value& body,
                                                        std::vector<mime::FieldError>& errors);

// Strict standard base64 (RFC 4648 §4), padding optional, whitespace and line breaks ignored.
std::optional<std::string> decodeBase64(std::string_view text);

}  // namespace outpost::http

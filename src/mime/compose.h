// Builds RFC 5322 messages from API input with GMime: text and/or HTML (multipart/
// alternative), attachments and inline parts (multipart/mixed, multipart/related), RFC 2047
// encoded headers, Message-ID and Date, lines within RFC 5322 limits, CRLF line endings.
// Also prepares raw submissions. Input is untrusted: header values with CR or LF are refused.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "mime/address.h"

namespace outpost::mime {

struct Attachment {
  std::string filename;
  std::string content_type;  // "application/pdf"; defaults from the file name when empty
  std::string content;       // decoded bytes
  std::string content_id;    // set for inline parts referenced as cid: from the HTML
};

struct ComposeRequest {
  Mailbox from;
  std::vector<Mailbox> to, cc, bcc, reply_to;
  std::string subject;
  std::optional<std::string> text;
  std::optional<std::string> html;
  std::vector<Attachment> attachments;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, in order
  std::string message_id_domain;  // right side of the generated Message-ID
  UnixMillis date = 0;
};

struct ComposedMessage {
  std::string raw;         // CRLF line endings, no line longer than 998 octets
  std::string message_id;  // "<…@…>"
  bool needs_smtputf8 = false;
  bool eight_bit = false;
};

// A field error: `field` names the request field ("headers.X-Foo", "attachments[1].filename").
struct FieldError {
  std::string field;
  std::string message;
};

// Checks a header name (RFC 5322 ftext) and value (no CR, LF or NUL) from untrusted input,
// and refuses headers outpost sets itself (From, To, Cc, Bcc, Subject, Date, Message-ID,
// MIME-Version, Content-*); "" when acceptable, else the reason.
std::string checkExtraHeader(std::string_view name, std::string_view value);

// Builds the message. Errors are field errors (code "invalid_request", message listing them).
Result<ComposedMessage> compose(const ComposeRequest& request, std::vector<FieldError>& errors);

struct PreparedRaw {
  std::string raw;          // CRLF-normalized, with Message-ID and Date added if missing
  std::string message_id;   // "<…>"
  std::string from_header;  // decoded From, for listing
  std::string from_domain;  // the domain of From's first mailbox, lowercase; "" if none parses
  std::string subject;      // decoded Subject
  bool needs_smtputf8 = false;
  bool eight_bit = false;
};

// For POST /messages/raw: normalizes line endings (bare CR or LF become CRLF), checks that
// the header block parses and that no line exceeds 998 octets, adds Message-ID and Date when
// missing. Error code "invalid_message" with the reason.
Result<PreparedRaw> prepareRaw(std::string_view message, const std::string& message_id_domain,
                               UnixMillis date);

// Every bare CR and bare LF becomes CRLF (RFC 5322 §2.3: they must not occur alone).
std::string normalizeLineEndings(std::string_view text);

}  // namespace outpost::mime

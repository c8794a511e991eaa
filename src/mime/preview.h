// Reads a stored message for display in the console: its header fields decoded (RFC 2047,
// RFC 5322 §2.2.3 unfolding), the text and HTML bodies converted to UTF-8 (RFC 2045/2046
// charsets, multipart/alternative, mixed and related), and the attachments with their sizes.
// SECURITY: the message is untrusted and may be malformed; reading never throws and returns
// whatever could be read. The HTML is returned as is: callers must serve it sandboxed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::mime {

struct PreviewHeader {
  std::string name;
  std::string value;  // unfolded and decoded to UTF-8
};

struct PreviewAttachment {
  std::string filename;      // "" when the part names none
  std::string content_type;  // "image/png", lowercase, without parameters
  std::size_t size = 0;      // octets after Content-Transfer-Encoding decoding
};

// Caps that keep one large message from filling the server's memory or the browser.
struct PreviewLimits {
  std::size_t max_text = std::size_t{2} << 20;  // octets of UTF-8
  std::size_t max_html = std::size_t{2} << 20;
  std::size_t max_headers = 1000;
  std::size_t max_attachments = 1000;
};

struct MessagePreview {
  std::vector<PreviewHeader> headers;  // in message order
  std::optional<std::string> text;     // the best text/plain body, UTF-8
  std::optional<std::string> html;     // the best text/html body, UTF-8
  std::vector<PreviewAttachment> attachments;
  bool truncated = false;  // a body was cut at a limit, or headers/attachments were dropped
};

// Reads `raw` (CRLF line endings, as stored). Inside multipart/alternative the last part of
// each kind wins (RFC 2046 §5.1.4: the richest is last); elsewhere the first inline one does.
// Body parts that lose outside an alternative, non-text leaves (inline images too) and parts
// with Content-Disposition: attachment are listed as attachments.
MessagePreview readPreview(std::string_view raw, const PreviewLimits& limits = {});

}  // namespace outpost::mime

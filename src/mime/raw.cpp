// Prepares raw submissions (POST /messages/raw): CRLF line endings (RFC 5322 §2.3), the
// 998-octet line limit (§2.1.1), a header block of "Name: value" fields and folded lines
// (§2.2, §3.6), one From (§3.6), and Message-ID and Date added when missing (§3.6.1, §3.6.4).
// The whole message is untrusted; it is checked, never interpreted beyond its header block.
#include <algorithm>
#include <cctype>

#include "core/ids.h"
#include "core/limits.h"
#include "mime/address_check.h"
#include "mime/compose.h"
#include "mime/gmime_support.h"
#include "mime/text_util.h"

namespace outpost::mime {
namespace {

Error invalidMessage(std::string message) {
  return Error::permanentFailure("invalid_message", std::move(message));
}

struct HeaderField {
  std::string name;
  std::string value;  // raw, possibly folded (with CRLF), without the name and colon
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 5322 §3.6.8: field-name = 1*ftext, printable ASCII except the colon.
bool isFieldName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 33 && u <= 126 && c != ':';
  });
}

const HeaderField* findField(const std::vector<HeaderField>& fields, std::string_view name) {
  for (const HeaderField& field : fields) {
    if (iequals(field.name, name)) return &field;
  }
  return nullptr;
}

std::string lineNumber(std::size_t index) { return "line " + std::to_string(index + 1); }

}  // namespace

std::string normalizeLineEndings(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') {
      out.append("\r\n");
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out.append("\r\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<PreparedRaw> prepareRaw(std::string_view message, const std::string& message_id_domain,
                               UnixMillis date) {
  if (message.empty()) return invalidMessage("the message is empty");
  if (detail::hasNul(message)) {
    return invalidMessage("the message contains a NUL octet, which RFC 5322 does not allow");
  }
  std::string normalized = normalizeLineEndings(message);
  if (normalized.size() < 2 || normalized.compare(normalized.size() - 2, 2, "\r\n") != 0) {
    normalized.append("\r\n");
  }

  // One pass over the lines: length limit everywhere, fields until the first empty line.
  std::vector<HeaderField> fields;
  std::size_t header_end = std::string::npos;  // offset of the body (after the empty line)
  bool in_headers = true;
  std::size_t index = 0;
  for (std::size_t start = 0; start < normalized.size(); ++index) {
    const std::size_t end = normalized.find("\r\n", start);
    const std::string_view line(normalized.data() + start, end - start);
    const std::size_t next = end + 2;
    if (line.size() > limits::kMaxMessageLine) {
      return invalidMessage(lineNumber(index) + " is " + std::to_string(line.size()) +
                            " octets long; RFC 5322 §2.1.1 allows at most 998");
    }
    if (in_headers) {
      if (line.empty()) {
        if (fields.empty()) {
          return invalidMessage(
              "the message has no header fields: it must start with headers such as "
              "\"From: …\", then an empty line, then the body");
        }
        in_headers = false;
        header_end = next;
      } else if (line.front() == ' ' || line.front() == '\t') {
        if (fields.empty()) {
          return invalidMessage(lineNumber(index) +
                                " starts with whitespace, but there is no header field to "
                                "continue");
        }
        fields.back().value.append("\r\n").append(line);
      } else {
        const auto colon = line.find(':');
        const std::string_view name =
            colon == std::string_view::npos ? std::string_view() : line.substr(0, colon);
        if (!isFieldName(name)) {
          if (fields.empty()) {
            return invalidMessage(
                "the message does not start with a header field (\"Name: value\"); " +
                lineNumber(index) + " is " + detail::quoteForMessage(line));
          }
          return invalidMessage(lineNumber(index) +
                                " is neither a header field (\"Name: value\") nor a folded "
                                "continuation, and no empty line separates the headers from "
                                "the body");
        }
        fields.push_back({std::string(name), std::string(line.substr(colon + 1))});
      }
    }
    start = next;
  }

  const auto from_count = std::count_if(
      fields.begin(), fields.end(), [](const HeaderField& f) { return iequals(f.name, "From"); });
  if (from_count == 0) return invalidMessage("the message has no From header");
  if (from_count > 1) {
    return invalidMessage("the message has " + std::to_string(from_count) +
                          " From headers; RFC 5322 §3.6 allows one");
  }
  const std::string from_value = detail::unfoldHeaderValue(findField(fields, "From")->value);
  if (from_value.empty()) return invalidMessage("the From header is empty");

  PreparedRaw prepared;
  std::string added;
  if (const HeaderField* id = findField(fields, "Message-ID");
      id != nullptr && !detail::unfoldHeaderValue(id->value).empty()) {
    prepared.message_id = detail::unfoldHeaderValue(id->value);
  } else {
    std::string domain = message_id_domain;
    if (domain.empty()) domain = detail::firstMailboxDomain(from_value);
    if (domain.empty() || !detail::domainProblem(domain).empty()) domain = "outpost.invalid";
    prepared.message_id = "<" + randomToken(16) + "@" + domain + ">";
    added += "Message-ID: " + prepared.message_id + "\r\n";
  }
  if (findField(fields, "Date") == nullptr) {
    added += "Date: " + formatRfc5322Date(date != 0 ? date : SystemClock().now()) + "\r\n";
  }

  prepared.from_header = detail::decodeAddressHeader(from_value);
  prepared.from_domain = detail::firstMailboxDomain(from_value);
  for (char& c : prepared.from_domain) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (const HeaderField* subject = findField(fields, "Subject")) {
    prepared.subject = detail::decodeHeaderText(detail::unfoldHeaderValue(subject->value));
  }
  const std::string_view header_block =
      std::string_view(normalized).substr(0, std::min(header_end, normalized.size()));
  // RFC 6532 UTF-8 headers need SMTPUTF8; 8-bit body content needs 8BITMIME (RFC 6152).
  prepared.needs_smtputf8 = !detail::isAscii(header_block);
  prepared.eight_bit = header_end != std::string::npos &&
                       !detail::isAscii(std::string_view(normalized).substr(header_end));
  prepared.raw = added + normalized;
  if (header_end == std::string::npos) {
    // RFC 5322 lets a message without a body omit the empty line, but some receivers and DKIM
    // verifiers (npm mailauth) then never find the end of the header section.
    if (!prepared.raw.ends_with("\r\n")) prepared.raw += "\r\n";
    prepared.raw += "\r\n";
  }
  return prepared;
}

}  // namespace outpost::mime

// Internal: bounces that are not RFC 3464 reports, as qmail, Exim, Exchange, Gmail, Yahoo and
// many others write them: free text naming each failed address, followed by the reason.
// The decoder finds the recipient addresses in the report's own text (before the returned
// message), and the reply text that belongs to each. Untrusted input: every step is a
// bounded scan; nothing can fail.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace outpost::bounce::detail {

struct TextRecipient {
  std::string address;
  std::string diagnostic;
  std::string command;  // CONN EHLO HELO MAIL RCPT DATA, or ""
  std::string remote_mta;
};

struct TextBounceInput {
  std::string text;                         // the report's text parts, decoded, LF line ends
  std::vector<std::string> known;           // recipients the headers name (X-Failed-Recipients)
  std::vector<std::string> not_recipients;  // the bounce's own From/To/Return-Path
};

std::vector<TextRecipient> decodeTextBounce(const TextBounceInput& input);

// The text up to where a copy of the returned message starts.
std::string_view reportPart(std::string_view text);

// Mail addresses in a line, in order ("user@example.com").
std::vector<std::string> addressesIn(std::string_view line);

// The SMTP command a piece of bounce text says the error answered ("" if it does not say).
std::string commandOf(std::string_view text);

// The SMTP command a reply or transcript names in capitals, as sisimai reads it: of all the
// commands named, the one latest in an SMTP session ("" if none).
std::string smtpCommandIn(std::string_view text);

}  // namespace outpost::bounce::detail

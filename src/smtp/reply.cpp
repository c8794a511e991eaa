// SMTP reply parsing (RFC 5321 §4.2, RFC 2034 enhanced codes) and remote queue ids.
// SECURITY: every byte comes from the remote server: lines are cut at 512 octets, replies at
// limits::kMaxReplyLines lines, and codes are checked before use.
#include "smtp/reply.h"

#include <algorithm>
#include <cctype>

#include "core/limits.h"

namespace outpost::smtp {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Length of a leading "X.Y.Z" (RFC 3463: class 1 digit, subject and detail 1-3 digits)
// followed by a space or the end; 0 when the text does not start with one.
std::size_t enhancedCodeLength(std::string_view text, char expected_class) {
  if (text.size() < 5 || text[0] != expected_class || text[1] != '.') return 0;
  std::size_t pos = 2;
  for (int part = 0; part < 2; ++part) {
    std::size_t digits = 0;
    while (pos < text.size() && isDigit(text[pos]) && digits < 4) {
      ++pos;
      ++digits;
    }
    if (digits == 0 || digits > 3) return 0;
    if (part == 0) {
      if (pos >= text.size() || text[pos] != '.') return 0;
      ++pos;
    }
  }
  if (pos < text.size() && text[pos] != ' ') return 0;
  return pos;
}

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Case-insensitive search; npos when absent.
std::size_t findNoCase(std::string_view haystack, std::string_view needle, std::size_t from = 0) {
  if (needle.empty() || haystack.size() < needle.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= haystack.size(); ++i) {
    std::size_t j = 0;
    while (j < needle.size() && lower(haystack[i + j]) == lower(needle[j])) ++j;
    if (j == needle.size()) return i;
  }
  return std::string_view::npos;
}

bool isIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '/' || c == '+' || c == '=' || c == '@';
}

// The id-like token starting at `pos` (after skipping spaces), without trailing punctuation.
std::string tokenAt(std::string_view text, std::size_t pos) {
  while (pos < text.size() && text[pos] == ' ') ++pos;
  std::size_t end = pos;
  while (end < text.size() && isIdChar(text[end])) ++end;
  while (end > pos && (text[end - 1] == '.' || text[end - 1] == ',')) --end;
  return std::string(text.substr(pos, end - pos));
}

bool looksLikeId(std::string_view token) {
  if (token.size() < 4 || token.size() > 128) return false;
  return std::any_of(token.begin(), token.end(), [](char c) { return isDigit(c); });
}

}  // namespace

std::string Reply::text() const {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty() && !line.empty()) out += ' ';
    out += line;
  }
  return out;
}

std::string Reply::firstLine() const {
  std::string out = std::to_string(code);
  if (!enhanced_code.empty()) out += ' ' + enhanced_code;
  if (!lines.empty() && !lines.front().empty()) out += ' ' + lines.front();
  return out;
}

ReplyParser::Status ReplyParser::feed(std::string_view line) {
  // RFC 5321 §4.5.3.1.5: 512 octets including CRLF; anything beyond is dropped, not refused.
  if (line.size() > limits::kMaxReplyLine - 2) line = line.substr(0, limits::kMaxReplyLine - 2);
  if (line.size() < 3 || !isDigit(line[0]) || !isDigit(line[1]) || !isDigit(line[2]) ||
      line[0] < '2' || line[0] > '5' || line[1] > '5') {
    problem_ = "reply line does not start with a 3-digit code: \"" + std::string(line) + "\"";
    started_ = false;
    reply_ = Reply{};
    return Status::kMalformed;
  }
  const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  bool last = true;
  if (line.size() > 3) {
    if (line[3] == '-') {
      last = false;
    } else if (line[3] != ' ') {
      problem_ = "reply code not followed by a space or '-': \"" + std::string(line) + "\"";
      started_ = false;
      reply_ = Reply{};
      return Status::kMalformed;
    }
  }
  if (started_ && code != reply_.code) {
    problem_ = "continuation line with code " + std::to_string(code) + " in a " +
               std::to_string(reply_.code) + " reply";
    started_ = false;
    reply_ = Reply{};
    return Status::kMalformed;
  }
  std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view{};
  const std::size_t enhanced = enhancedCodeLength(text, line[0]);
  if (enhanced > 0) {
    if (!started_) reply_.enhanced_code = std::string(text.substr(0, enhanced));
    text.remove_prefix(enhanced);
    if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  }
  if (!started_) {
    reply_.code = code;
    started_ = true;
  }
  // A hostile peer could send endless continuations: keep the first lines only.
  if (reply_.lines.size() < limits::kMaxReplyLines) reply_.lines.emplace_back(text);
  if (!last) return Status::kNeedMore;
  return Status::kComplete;
}

Reply ReplyParser::take() {
  Reply out = std::move(reply_);
  reply_ = Reply{};
  started_ = false;
  return out;
}

std::string remoteQueueId(const Reply& reply) {
  if (!reply.positive()) return "";
  const std::string text = reply.text();
  // Microsoft Exchange / Office 365: "<msgid> [InternalId=123, Hostname=…] Queued mail for
  // delivery" (sometimes "… -> 250 2.1.5"); the InternalId is what their logs are searched by.
  if (findNoCase(text, "queued mail for delivery") != std::string::npos) {
    if (auto pos = findNoCase(text, "InternalId="); pos != std::string::npos) {
      std::string id = tokenAt(text, pos + 11);
      if (!id.empty()) return id;
    }
    if (auto pos = text.find('<'); pos != std::string::npos) {
      auto end = text.find('>', pos);
      if (end != std::string::npos && end > pos + 1) return text.substr(pos + 1, end - pos - 1);
    }
  }
  // Postfix "Ok: queued as 4XyZ12", and the generic "queued as <id>".
  if (auto pos = findNoCase(text, "queued as"); pos != std::string::npos) {
    std::string id = tokenAt(text, pos + 9);
    if (!id.empty()) return id;
  }
  // Exim "OK id=1abcDe-000123-Xy", and the generic "id=<id>".
  for (std::size_t pos = findNoCase(text, "id="); pos != std::string::npos;
       pos = findNoCase(text, "id=", pos + 3)) {
    if (pos > 0 && std::isalnum(static_cast<unsigned char>(text[pos - 1]))) continue;
    std::string id = tokenAt(text, pos + 3);
    if (!id.empty()) return id;
  }
  // Sendmail "x8KJcA0s012345 Message accepted for delivery": the id comes first.
  if (findNoCase(text, "message accepted for delivery") != std::string::npos) {
    std::string id = tokenAt(text, 0);
    if (looksLikeId(id) && findNoCase(id, "message") == std::string::npos) return id;
  }
  // Gmail "OK  1700000000 d9443c01a7336-1cc3a58b2e1si12pll.412 - gsmtp".
  if (auto pos = findNoCase(text, " - gsmtp"); pos != std::string::npos) {
    std::size_t start = text.rfind(' ', pos - 1);
    std::string id = tokenAt(text, start == std::string::npos ? 0 : start + 1);
    if (looksLikeId(id)) return id;
  }
  return "";
}

}  // namespace outpost::smtp

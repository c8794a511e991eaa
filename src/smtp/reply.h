// SMTP replies (RFC 5321 §4.2) with RFC 2034/3463 enhanced status codes. Parses what a
// remote server sends, which is untrusted: over-long lines and replies are cut, codes checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::smtp {

struct Reply {
  int code = 0;                    // 3 digits, 200..599
  std::string enhanced_code;       // "2.0.0" when the server sent one (RFC 2034), else ""
  std::vector<std::string> lines;  // text of each line, without code, separator or enhanced code

  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
  // The lines joined with a space; what a person reads.
  std::string text() const;
  // "250 2.0.0 Ok: queued as ABC" (first line), for logs and transcripts.
  std::string firstLine() const;
};

// Feeds reply lines one at a time (without CRLF); a reply is complete at the line whose
// fourth character is a space (or that has only the code).
class ReplyParser {
 public:
  enum class Status { kNeedMore, kComplete, kMalformed };
  Status feed(std::string_view line);
  Reply take();                                            // after kComplete
  const std::string& problem() const { return problem_; }  // after kMalformed

 private:
  Reply reply_;
  std::string problem_;
  bool started_ = false;
};

// The remote queue id from a 250 reply to DATA: Postfix "queued as 4XyZ", Exim "id=1abc-…",
// Sendmail "… Message accepted for delivery" with the id first, MS "Queued mail for delivery
// -> id"; "" when none is named.
std::string remoteQueueId(const Reply& reply);

}  // namespace outpost::smtp

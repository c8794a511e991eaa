// The server side of the DATA phase (RFC 5321 §4.1.1.4, §4.5.2): reads the payload as it
// arrives, ends it only at CRLF "." CRLF, and removes the dots the client added. Everything is
// untrusted. A bare CR or LF never ends a line, so no malformed end-of-data sequence ("\n.\n",
// "\r.\r", "\n.\r\n", … with or without NUL) can end the data early or smuggle a second
// transaction in: the data runs on to the real end and the message is refused (SMTP smuggling).
// Lines over 1000 octets and messages over the size limit are refused the same way, without
// buffering more than the limit.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace outpost::smtp {

enum class DataProblem {
  kBareLineBreak,  // a CR not followed by LF, or an LF not preceded by CR (RFC 5321 §2.3.8)
  kLineTooLong,    // a line over 1000 octets with its CRLF (RFC 5321 §4.5.3.1.6)
  kTooLarge,       // over the message size limit (RFC 1870)
};

// The reply a server gives for the problem, e.g. "552 5.3.4 Message too big for system".
std::string replyFor(DataProblem problem, std::size_t max_message_bytes);

class DataDecoder {
 public:
  explicit DataDecoder(std::size_t max_message_bytes) : max_bytes_(max_message_bytes) {}

  // Reads from `bytes` up to and including the end-of-data line; returns how many octets it
  // took. What follows belongs to the next command (a pipelining client may send it at once).
  std::size_t consume(std::string_view bytes);
  bool done() const { return done_; }
  // The first problem met, if any; check it once done().
  const std::optional<DataProblem>& problem() const { return problem_; }
  // The message without the dot-stuffing and the end-of-data line, CRLF line endings; left
  // incomplete when there is a problem.
  std::string& message() { return message_; }
  // Octets received, end-of-data line included (for limits and logs).
  std::size_t received() const { return received_; }

 private:
  void endLine();
  void flag(DataProblem problem);

  std::size_t max_bytes_;
  std::string message_;
  std::string line_;  // the current line, without its CRLF, at most 998 octets kept
  std::size_t line_length_ = 0;
  std::size_t received_ = 0;
  bool pending_cr_ = false;  // the last octet was a CR; an LF next ends the line
  bool done_ = false;
  std::optional<DataProblem> problem_;
};

}  // namespace outpost::smtp

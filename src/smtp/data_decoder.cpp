#include "smtp/data_decoder.h"

namespace outpost::smtp {
namespace {

// RFC 5321 §4.5.3.1.6: 1000 octets with the CRLF.
constexpr std::size_t kMaxLineWithoutCrlf = 998;

}  // namespace

std::string replyFor(DataProblem problem, std::size_t max_message_bytes) {
  switch (problem) {
    case DataProblem::kBareLineBreak:
      return "550 5.6.11 Bare CR or LF in the message data: lines must end with CRLF "
             "(RFC 5321 2.3.8); message not accepted";
    case DataProblem::kLineTooLong:
      return "550 5.6.0 A line of the message is longer than 1000 octets (RFC 5321 4.5.3.1.6); "
             "message not accepted";
    case DataProblem::kTooLarge:
      return "552 5.3.4 Message too big: the limit is " + std::to_string(max_message_bytes) +
             " octets";
  }
  return "554 5.6.0 Message not accepted";
}

void DataDecoder::flag(DataProblem problem) {
  if (!problem_) problem_ = problem;
}

void DataDecoder::endLine() {
  // Only CRLF "." CRLF ends the data: the line must be exactly ".".
  if (line_length_ == 1 && line_ == ".") {
    done_ = true;
    return;
  }
  if (line_length_ > kMaxLineWithoutCrlf) flag(DataProblem::kLineTooLong);
  if (!problem_) {
    // RFC 5321 §4.5.2: the first of the leading dots was added by the client.
    const std::string_view text =
        std::string_view(line_).substr(!line_.empty() && line_.front() == '.' ? 1 : 0);
    if (message_.size() + text.size() + 2 > max_bytes_) {
      flag(DataProblem::kTooLarge);
      message_.clear();
      message_.shrink_to_fit();
    } else {
      message_.append(text);
      message_.append("\r\n");
    }
  }
  line_.clear();
  line_length_ = 0;
}

std::size_t DataDecoder::consume(std::string_view bytes) {
  std::size_t used = 0;
  while (used < bytes.size() && !done_) {
    const char octet = bytes[used++];
    ++received_;
    if (pending_cr_) {
      pending_cr_ = false;
      if (octet == '\n') {
        endLine();
        continue;
      }
      // The CR before this octet was bare: it stays part of the line, and the message is refused.
      flag(DataProblem::kBareLineBreak);
      ++line_length_;
      if (line_.size() < kMaxLineWithoutCrlf + 1) line_.push_back('\r');
    }
    if (octet == '\r') {
      pending_cr_ = true;
      continue;
    }
    if (octet == '\n') flag(DataProblem::kBareLineBreak);  // never a line end on its own
    ++line_length_;
    // Keep one octet more than a line may have: enough to know "." from ".x" and to refuse.
    if (line_.size() < kMaxLineWithoutCrlf + 1) line_.push_back(octet);
  }
  return used;
}

}  // namespace outpost::smtp

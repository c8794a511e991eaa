// Bounce reason classification: from an enhanced status code (RFC 3463), an SMTP reply code
// (RFC 5321), the SMTP command that failed and the diagnostic text, to a reason in sisimai's
// vocabulary and a hard/soft verdict. The text is untrusted; matching is by phrase only.
#pragma once

#include <string>
#include <string_view>

namespace outpost::bounce {

struct ClassifierInput {
  std::string status;           // "5.1.1", or ""
  std::string reply_code;       // "550", or ""
  std::string diagnostic;       // the remote reply or the reporting MTA's explanation
  std::string diagnostic_type;  // "SMTP", "X-Unix", ... ("" when unknown)
  std::string action;           // DSN Action, lowercase
  std::string command;          // SMTP command the error answered: CONN EHLO HELO MAIL RCPT DATA
  std::string reason_hint;      // a reason a decoder already knows from the bounce's layout
  std::string remote_mta;       // host name of the MTA that rejected, for provider rules
  std::string reporting_mta;    // host name of the MTA that wrote the report
  std::string recipient;        // the failed address, whose domain may name a provider
};

struct Classification {
  std::string reason;
  bool hard_bounce = false;
  std::string status;  // the input status, or a pseudo code x.0.9xx when there was none
};

Classification classify(const ClassifierInput& input);

// The reason an enhanced status code stands for by itself ("" if it says too little).
std::string reasonOfStatus(std::string_view status);

// Whether a reason means the address can never receive mail. NotAccept is hard only when the
// code with it is permanent (5xx), as a null MX is; `code_text` holds the status or reply.
bool isHardBounce(std::string_view reason, std::string_view code_text);

// The first RFC 3463 code ("5.1.1") in a text, or "".
std::string findEnhancedStatus(std::string_view text);
// The first SMTP reply code (2xx..5xx standing alone) in a text, or "".
std::string findReplyCode(std::string_view text);

}  // namespace outpost::bounce

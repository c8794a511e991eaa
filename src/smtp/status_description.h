// Plain-language meaning and advice for SMTP replies (RFC 5321 codes, RFC 3463 enhanced
// status codes) and for the connection, TLS and authentication errors of a session.
#pragma once

#include <string>
#include <string_view>

namespace outpost::smtp {

struct Explanation {
  std::string description;  // what it means
  std::string hint;         // what to do
};

// From the reply code, the enhanced code ("5.1.1", may be "") and the reply text (some
// servers' wording, e.g. "mailbox full", refines the meaning).
Explanation explainReply(int code, std::string_view enhanced_code, std::string_view text);
// From a SessionError's error code ("smtp.timeout", "net.refused", "tls.verify", …).
Explanation explainError(std::string_view error_code, std::string_view text);

// Who the session was with: the advice differs ("check the SMTP settings" makes no sense for a
// recipient's MX host, which the sender does not run).
enum class Peer { kRelay, kMxHost };
Explanation explainError(std::string_view error_code, std::string_view text, Peer peer);

}  // namespace outpost::smtp

// Async SMTP client session (RFC 5321) over Asio coroutines and OpenSSL: EHLO with HELO
// fallback, STARTTLS (RFC 3207) required / opportunistic / off, implicit TLS (RFC 8314),
// AUTH PLAIN and LOGIN (RFC 4954), PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME,
// SMTPUTF8 (RFC 6531), a deadline per phase (RFC 5321 §4.5.3.2). The peer is untrusted; no
// command is ever written with a CR or LF taken from input.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "smtp/reply.h"

namespace outpost::smtp {

enum class TlsMode {
  kNone,                   // plain text only
  kStartTlsOpportunistic,  // STARTTLS when offered, else plain
  kStartTlsRequired,       // STARTTLS or fail
  kImplicit,               // TLS from the first byte (port 465)
};

struct Credentials {
  std::string username;
  std::string password;
};

struct ClientOptions {
  std::string host;  // the name certificates are verified against (and resolved, see below)
  int port = 25;
  // Connect to this IP address instead of resolving `host` (MX delivery resolves through its own
  // DNS layer and tries each address in turn); "" = resolve `host`.
  std::string connect_address;
  // Bind the outgoing connection to this local IP (same family as the peer's); "" = any.
  std::string source_address;
  // How errors name the peer: "the relay", "the MX host mx1.example.org".
  std::string peer_name = "the relay";
  TlsMode tls = TlsMode::kStartTlsRequired;
  bool verify_certificate = true;       // verify chain and host name
  std::string ca_file;                  // extra CA bundle (tests); "" = system store
  std::string helo_name = "localhost";  // our EHLO name
  std::optional<Credentials> credentials;
  SmtpTimeouts timeouts;
};

// What a connection got to: for the attempt record.
struct SessionInfo {
  std::string host;
  int port = 0;
  std::string ip;           // the address actually connected to
  std::string banner;       // the 220 greeting text
  std::string tls_version;  // "TLSv1.3" or "" in plain text
  std::string tls_cipher;
  std::set<std::string> extensions;  // EHLO keywords, upper case: "PIPELINING", "SIZE", …
  std::size_t max_size = 0;          // SIZE parameter, 0 = none announced
  // Certificate facts when TLS was used (for validation reports).
  std::string certificate_subject;
  std::string certificate_issuer;
  std::string certificate_not_before;
  std::string certificate_not_after;
  std::string certificate_verify_error;  // "" when verified (or not checked)
};

// A failure before or outside a transaction: which step and the reply if there was one.
struct SessionError {
  std::string step;  // "connect", "greeting", "ehlo", "starttls", "tls", "auth", "mail", ...
  Error error;       // temporary/permanent, code ("smtp.timeout", "smtp.reply", "tls.verify", …)
  std::optional<Reply> reply;
  std::string transcript;  // from open() only: the dialogue up to the failure, for the attempt
};

// Delivery status notifications to ask for (RFC 3461), sent only to a peer that offers DSN.
struct DsnRequest {
  std::string notify = "SUCCESS,FAILURE,DELAY";  // NOTIFY= on every RCPT; "" = none
  std::string ret = "HDRS";                      // RET= on MAIL: FULL or HDRS; "" = none
  std::string envelope_id;                       // ENVID= on MAIL (xtext-encoded here); "" = none
  bool original_recipient = true;                // ORCPT=rfc822;<recipient> on every RCPT
  // Per recipient, in Envelope::recipients' order, where a submitter gave its own (RFC 3461
  // parameters passed on): NOTIFY values and ORCPT values ("rfc822;user@example.org", xtext
  // encoded here). "" or a short vector = the defaults above.
  std::vector<std::string> notify_for;
  std::vector<std::string> orcpt_for;
};

struct Envelope {
  std::string mail_from;                // reverse-path without brackets; "" = <>
  std::vector<std::string> recipients;  // forward-paths without brackets
  bool smtputf8 = false;
  bool eight_bit = false;
  std::size_t size_hint = 0;  // for SIZE=
  std::optional<DsnRequest> dsn;
};

// RFC 3461 §4 xtext: octets outside "!".."~", and '+' and '=', as "+XX".
std::string encodeXtext(std::string_view text);

struct RecipientReply {
  std::string address;
  Reply reply;
};

// Outcome of one transaction. If `session_error` is set, the session is unusable and the
// transaction's outcome is unknown for recipients without a reply: a connection lost after
// the final dot and before its reply is a temporary failure (retry; a duplicate beats a loss).
// Exception: a transaction refused before anything was written (an address with CR or LF,
// SMTPUTF8 needed but not offered) sets a permanent `session_error` and leaves the session
// usable(): check usable() to decide whether to keep the session.
// If DATA itself is refused (pipelined or not), `data_reply` holds that reply: it decides the
// fate of the recipients that RCPT accepted.
struct TransactionOutcome {
  std::optional<Reply> mail_reply;
  std::vector<RecipientReply> recipient_replies;  // one per recipient that got a reply
  std::optional<Reply> data_reply;                // the reply after the final dot
  std::string remote_queue_id;
  std::optional<SessionError> session_error;
};

class ClientSession {
 public:
  virtual ~ClientSession() = default;

  // Connects (resolving `host` unless it is an IP literal), reads the greeting, EHLO (HELO if
  // EHLO is refused), STARTTLS per the mode then EHLO again, AUTH if credentials are given.
  static boost::asio::awaitable<Result<std::unique_ptr<ClientSession>>> open(
      boost::asio::any_io_executor executor, ClientOptions options,
      SessionError* failure = nullptr);

  virtual const SessionInfo& info() const = 0;
  // Whether the session can carry another transaction.
  virtual bool usable() const = 0;
  // MAIL, RCPT… (pipelined when offered), DATA, the body (dot-stuffed), final dot.
  // `message` is CRLF-normalized.
  virtual boost::asio::awaitable<TransactionOutcome> send(const Envelope& envelope,
                                                          std::string_view message) = 0;
  // RSET between transactions; marks the session unusable on failure.
  virtual boost::asio::awaitable<Result<void>> reset() = 0;
  virtual boost::asio::awaitable<void> quit() = 0;
  // The transcript since the last call: "C: MAIL FROM:<a@b>" / "S: 250 2.1.0 Ok" lines,
  // "C: <message body, N bytes>", AUTH secrets shown as "C: AUTH PLAIN ****".
  virtual std::string takeTranscript() = 0;
};

}  // namespace outpost::smtp

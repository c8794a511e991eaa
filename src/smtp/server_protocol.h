// The SMTP server's protocol (RFC 5321, 3207 STARTTLS, 4954 AUTH, 1870 SIZE, 6152 8BITMIME,
// 6531 SMTPUTF8, 3461 DSN, 2920 PIPELINING, 3030 CHUNKING), without I/O: bytes in, actions out.
// The network layer sends the replies, starts TLS, checks credentials and stores messages when
// told, then reports back; so every rule is testable without sockets. Input is untrusted:
// command lines end only with CRLF and are at most 1000 octets, DATA goes through DataDecoder
// (no SMTP smuggling), and input pipelined after STARTTLS is dropped (RFC 3207 §4.2: no command
// injection across the TLS start).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.h"
#include "smtp/data_decoder.h"
#include "smtp/server_command.h"

namespace outpost::smtp {

struct ServerPolicy {
  std::string hostname = "localhost";
  std::size_t max_message_bytes = limits::kDefaultMaxMessageBytes;
  std::size_t max_recipients = limits::kDefaultMaxRecipients;
  std::size_t max_errors = 10;      // failed commands per session, then 421 and close
  bool starttls_available = false;  // this listener can start TLS (it has a certificate)
  // Submission listeners offer AUTH (after TLS) and accept mail only from authenticated or
  // trusted clients; the bounce listener offers no AUTH and lets anyone give mail to the
  // recipients check_recipient accepts.
  bool offer_auth = true;
  bool require_auth = true;
  // Checks at MAIL and RCPT: "" accepts, otherwise the complete refusal reply ("550 5.7.1 …").
  // They run on the session's thread and must not block.
  std::function<std::string(const std::string& reverse_path)> check_sender;
  std::function<std::string(const PathArgument& recipient)> check_recipient;
};

// One message as the client handed it over.
struct ServerTransaction {
  std::string mail_from;                               // "" for <>
  std::map<std::string, std::string> mail_parameters;  // SIZE, BODY, SMTPUTF8, RET, ENVID
  std::vector<PathArgument> recipients;                // with NOTIFY / ORCPT
  std::string message;                                 // CRLF, dots removed
};

struct ServerAction {
  enum class Kind {
    kReply,         // send `reply`
    kStartTls,      // send `reply` (220), then the TLS handshake; call tlsStarted()
    kAuthenticate,  // check username/password; call authenticated()
    kStore,         // store transaction(); call stored()
    kClose,         // send `reply` (if any), then close the connection
  };
  Kind kind = Kind::kReply;
  std::string reply;  // complete lines, each ending in CRLF
  std::string username;
  std::string password;
};

class ServerProtocol {
 public:
  // `tls_active`: an implicit-TLS listener. `trusted_client`: the client's address is in the
  // trusted networks, so it may submit without AUTH.
  ServerProtocol(ServerPolicy policy, bool tls_active, bool trusted_client);

  std::string greeting() const;
  // Feeds received octets. Returns what to do, in order; after an action that needs an answer
  // (kStartTls, kAuthenticate, kStore) the rest waits, buffered, until that answer comes. The
  // network layer reads nothing more while an action awaits its answer, so this buffer stays
  // bounded by one read.
  std::vector<ServerAction> receive(std::string_view bytes);
  // TLS is up: what was buffered is dropped and the session starts over (RFC 3207 §4.2).
  void tlsStarted();
  // The answer to kAuthenticate. A refusal's reply may be the caller's (454 4.7.0 when rate
  // limited); by default 535 5.7.8.
  std::vector<ServerAction> authenticated(bool ok, const std::string& refusal_reply = {});
  // The answer to kStore: the reply to send ("250 2.0.0 Ok: queued as ID", or the error).
  std::vector<ServerAction> stored(const std::string& reply);

  const ServerTransaction& transaction() const { return transaction_; }
  bool tlsActive() const { return tls_active_; }
  // A message is being received (DATA or a BDAT chunk): the network layer's data deadline runs.
  bool receivingMessage() const { return state_ == State::kData || state_ == State::kBdat; }
  bool authenticatedUser() const { return authenticated_; }
  // Who authenticated (or is being checked), as the client named itself.
  const std::string& username() const { return username_; }

 private:
  enum class State { kCommand, kData, kBdat, kAuthPlain, kAuthLoginUser, kAuthLoginPassword };

  std::vector<ServerAction> process();
  void command(std::string_view line, std::vector<ServerAction>& out);
  void authLine(std::string_view line, std::vector<ServerAction>& out);
  void ehlo(const Command& command, std::vector<ServerAction>& out);
  void mail(const Command& command, std::vector<ServerAction>& out);
  void rcpt(const Command& command, std::vector<ServerAction>& out);
  void auth(const Command& command, std::vector<ServerAction>& out);
  void bdat(const Command& command, std::vector<ServerAction>& out);
  void reply(std::vector<ServerAction>& out, std::string text);
  void resetTransaction();

  ServerPolicy policy_;
  bool tls_active_;
  bool trusted_client_;
  State state_ = State::kCommand;
  bool waiting_ = false;  // an action awaits its answer
  bool greeted_ = false;
  bool authenticated_ = false;
  bool in_transaction_ = false;
  bool discarding_line_ = false;  // the rest of an overlong line is being skipped
  std::size_t errors_ = 0;
  std::string buffer_;
  std::string username_;
  std::string login_user_;
  std::optional<DataDecoder> data_;
  std::size_t bdat_remaining_ = 0;
  bool bdat_last_ = false;
  std::string bdat_refusal_;  // the reply once the chunk is read, when it is refused
  ServerTransaction transaction_;
};

}  // namespace outpost::smtp

// The concrete SMTP client session (private to the smtp module): the steps of
// ClientSession::open() one at a time, so that the relay validator can report each step.
// RFC 5321, 3207 (STARTTLS), 8314 (implicit TLS), 4954 (AUTH), 2920 (PIPELINING).
// SECURITY: everything read from the socket is untrusted (see reply.h); commands never
// carry CR or LF taken from input.
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/client.h"

namespace outpost::smtp::detail {

// nullopt when the step succeeded.
using StepResult = std::optional<SessionError>;

// A reply, or why none could be read.
struct ReplyResult {
  std::optional<Reply> reply;
  std::optional<SessionError> error;
};

class SmtpClientSession final : public ClientSession {
 public:
  SmtpClientSession(boost::asio::any_io_executor executor, ClientOptions options);
  ~SmtpClientSession() override;
  SmtpClientSession(const SmtpClientSession&) = delete;
  SmtpClientSession& operator=(const SmtpClientSession&) = delete;

  // Resolves and connects (TCP only).
  boost::asio::awaitable<StepResult> connect();
  // TLS handshake on the connected socket (implicit TLS, or after "220" to STARTTLS).
  boost::asio::awaitable<StepResult> handshake();
  // The 220 greeting.
  boost::asio::awaitable<StepResult> readGreeting();
  // EHLO, or HELO when EHLO is refused with 5xx.
  boost::asio::awaitable<StepResult> hello();
  // STARTTLS, the handshake, then EHLO again (RFC 3207 §4.2: forget what was offered before).
  boost::asio::awaitable<StepResult> startTls();
  // AUTH PLAIN (preferred) or LOGIN with options.credentials; nothing when none are set.
  boost::asio::awaitable<StepResult> authenticate();
  // The whole of open(): connect, TLS per the mode, greeting, EHLO, STARTTLS, AUTH.
  boost::asio::awaitable<StepResult> openAll();

  bool offers(std::string_view keyword) const {
    return info_.extensions.count(std::string(keyword)) > 0;
  }
  bool tlsActive() const { return tls_active_; }
  // The EHLO keyword lines as received (without the first, greeting line).
  const std::vector<std::string>& ehloLines() const { return ehlo_lines_; }
  const std::set<std::string>& authMechanisms() const { return auth_mechanisms_; }
  // Days until the peer certificate expires (negative when expired); nullopt without TLS.
  std::optional<int> certificateDaysLeft() const { return certificate_days_left_; }
  const ClientOptions& options() const { return options_; }

  const SessionInfo& info() const override { return info_; }
  bool usable() const override { return usable_; }
  boost::asio::awaitable<TransactionOutcome> send(const Envelope& envelope,
                                                  std::string_view message) override;
  boost::asio::awaitable<Result<void>> reset() override;
  boost::asio::awaitable<void> quit() override;
  std::string takeTranscript() override;

 private:
  using Clock = std::chrono::steady_clock;

  // Opens the socket bound to options.source_address; the endpoint to connect to.
  Result<boost::asio::ip::tcp::endpoint> bindSource(
      const std::vector<boost::asio::ip::tcp::endpoint>& endpoints);

  struct IoResult {
    boost::system::error_code error;
    bool timed_out = false;
  };

  // Reads one line (without its line end) before `deadline` expires.
  boost::asio::awaitable<IoResult> readLine(boost::asio::steady_timer& deadline, std::string& line);
  // Reads a whole (possibly multi-line) reply within `timeout`.
  // `after_data`: a failure means the message's fate is unknown (connection_lost_after_data).
  boost::asio::awaitable<ReplyResult> readReply(std::string_view step, Clock::duration timeout,
                                                bool after_data = false);
  // Writes all of `data` within `timeout`.
  boost::asio::awaitable<StepResult> writeAll(std::string_view data, std::string_view step,
                                              Clock::duration timeout);
  // Writes one command line (CRLF added) and notes it in the transcript as `shown`.
  boost::asio::awaitable<StepResult> writeCommand(std::string_view command, std::string_view step,
                                                  Clock::duration timeout,
                                                  std::string_view shown = {});
  // A command and its reply.
  boost::asio::awaitable<ReplyResult> command(std::string_view command, std::string_view step,
                                              Clock::duration timeout, std::string_view shown = {});
  boost::asio::awaitable<StepResult> sendEhlo(bool* refused);
  boost::asio::awaitable<StepResult> authPlain();
  boost::asio::awaitable<StepResult> authLogin();
  // nullopt for 235, else the auth failure the reply means.
  StepResult authOutcome(const Reply& reply);
  // Sends the body and reads the final reply into `outcome`.
  boost::asio::awaitable<void> sendBody(std::string_view message, TransactionOutcome& outcome);
  // Records one RCPT reply into `outcome`; false when the transaction cannot go on (no reply,
  // or 421: the relay is closing the session).
  bool recordRecipientReply(ReplyResult& result, const std::string& recipient,
                            TransactionOutcome& outcome, std::size_t& accepted);
  // RSET after an aborted transaction so the next MAIL is not refused as nested.
  boost::asio::awaitable<void> abortTransaction(TransactionOutcome& outcome);

  SessionError ioError(const IoResult& result, std::string_view step, Clock::duration timeout,
                       bool after_data = false);
  SessionError replyError(std::string_view step, const Reply& reply, std::string_view what);
  void note(std::string_view prefix, std::string_view line);
  void parseEhlo(const Reply& reply);
  void recordCertificate(X509* certificate);
  std::string describeVerifyFailure(X509_STORE_CTX* store, bool preverified);
  void closeSocket();

  boost::asio::any_io_executor executor_;
  ClientOptions options_;
  std::string tls_setup_problem_;  // e.g. an unreadable ca_file; set before ssl_context_
  std::shared_ptr<boost::asio::ssl::context> ssl_context_;  // shared by sessions, see .cpp
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
  bool tls_active_ = false;
  bool usable_ = false;
  bool certificate_recorded_ = false;
  bool broken_ = false;         // an I/O failure: the dialogue is out of step, no QUIT
  std::string verify_problem_;  // a sentence for the user, "" when verified
  std::optional<int> certificate_days_left_;
  std::string read_buffer_;
  std::array<char, 8192> chunk_{};
  std::string transcript_;
  SessionInfo info_;
  std::vector<std::string> ehlo_lines_;
  std::set<std::string> auth_mechanisms_;
};

}  // namespace outpost::smtp::detail

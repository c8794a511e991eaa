// SMTP listeners: the accept loop, TLS (STARTTLS or implicit, RFC 3207 / RFC 8314), deadlines
// for idle and slow clients, connection limits, and one ServerProtocol per connection. Who may
// log in and what happens to a message is the handler's business: the smtp module never
// touches the store. SECURITY: every octet from the client is untrusted; the protocol bounds
// what is buffered, the deadlines bound how long a client holds a connection, and the limiter
// bounds how many it holds.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"
#include "smtp/server_protocol.h"

namespace outpost::smtp {

// The client of one connection, as the handler sees it.
struct ClientInfo {
  std::string listener;  // the listener's name: "submission", "submissions", "bounce"
  std::string address;   // the client's IP address
  int port = 0;
  bool tls = false;
  std::string tls_version;  // "TLSv1.3"; "" before TLS
  std::string tls_cipher;
};

struct AuthVerdict {
  bool ok = false;
  std::string refusal_reply;  // "" = the protocol's 535 5.7.8
};

// One connection's policy. Created by ServerHandler::open when a client connects; lives as long
// as the connection, so it can remember who authenticated.
class SessionHandler {
 public:
  virtual ~SessionHandler() = default;
  // The client may submit without AUTH (trusted networks).
  virtual bool trusted() const { return false; }
  // TLS started (STARTTLS): `client` now says which version and cipher.
  virtual void tlsStarted(const ClientInfo& client) { (void)client; }
  // Checks at MAIL and RCPT: "" accepts, otherwise the refusal reply. Must not block.
  virtual std::string checkSender(const std::string& reverse_path) {
    (void)reverse_path;
    return {};
  }
  virtual std::string checkRecipient(const PathArgument& recipient) {
    (void)recipient;
    return {};
  }
  virtual boost::asio::awaitable<AuthVerdict> authenticate(const std::string& username,
                                                           const std::string& password) = 0;
  // Stores the message durably and returns the reply: 250 only once it is committed.
  virtual boost::asio::awaitable<std::string> store(const ServerTransaction& transaction) = 0;
};

class ServerHandler {
 public:
  virtual ~ServerHandler() = default;
  virtual std::unique_ptr<SessionHandler> open(const ClientInfo& client) = 0;
};

// Connections at once, in all and per client address, shared by the listeners of one server.
class ConnectionLimiter {
 public:
  ConnectionLimiter(std::size_t total, std::size_t per_client)
      : total_limit_(total), per_client_limit_(per_client) {}
  // False (and nothing counted) when a limit is reached.
  bool acquire(const std::string& address);
  void release(const std::string& address);

 private:
  std::mutex mutex_;
  std::size_t total_limit_;
  std::size_t per_client_limit_;
  std::size_t total_ = 0;
  std::map<std::string, std::size_t> per_client_;
};

enum class ListenerTls { kNone, kStartTls, kImplicit };

struct ListenerOptions {
  std::string name = "submission";
  std::string listen;  // "127.0.0.1:2587", "[::1]:2587", ":2587"
  ListenerTls tls = ListenerTls::kStartTls;
  std::string certificate_file;  // PEM (chain); needed unless tls is kNone
  std::string key_file;
  ServerPolicy policy;  // check_sender / check_recipient are set per session from the handler
  // A command line must arrive within command_timeout of the previous reply, and a whole
  // message within data_timeout of the 354: a client sending one octet a minute cannot hold a
  // connection for days.
  std::chrono::seconds command_timeout{300};
  std::chrono::seconds data_timeout{600};
  std::chrono::seconds tls_handshake_timeout{60};
  std::shared_ptr<ConnectionLimiter> limiter;  // nullptr = no limit
};

class Listener {
 public:
  Listener(ListenerOptions options, ServerHandler& handler);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Loads the certificate and binds; the actual port is returned (port 0 in tests). Sessions
  // run on strands of `executor`.
  Result<int> start(const boost::asio::any_io_executor& executor);
  // Stops accepting; idle sessions are closed with 421, a message being stored is answered
  // first.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace outpost::smtp

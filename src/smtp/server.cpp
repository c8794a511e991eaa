#include "smtp/server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <set>

#include "io/acceptor.h"

namespace outpost::smtp {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

std::string openSslError() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

Result<std::shared_ptr<asio::ssl::context>> makeServerContext(const ListenerOptions& options) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  // RFC 8996: no TLS 1.0 or 1.1. Session tickets are off: sessions are short and a restart
  // would invalidate the ticket key anyway.
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native,
                      SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, options.certificate_file.c_str()) != 1) {
    return Error::permanentFailure(
        "tls.certificate",
        "cannot load the certificate " + options.certificate_file + ": " + openSslError());
  }
  if (SSL_CTX_use_PrivateKey_file(native, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Error::permanentFailure("tls.certificate", "cannot load the private key " +
                                                          options.key_file + ": " + openSslError());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Error::permanentFailure("tls.certificate", "the private key " + options.key_file +
                                                          " does not belong to the certificate " +
                                                          options.certificate_file);
  }
  return context;
}

}  // namespace

bool ConnectionLimiter::acquire(const std::string& address) {
  std::lock_guard lock(mutex_);
  std::size_t& mine = per_client_[address];
  if (total_ >= total_limit_ || mine >= per_client_limit_) {
    if (mine == 0) per_client_.erase(address);
    return false;
  }
  ++total_;
  ++mine;
  return true;
}

void ConnectionLimiter::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto found = per_client_.find(address);
  if (found == per_client_.end()) return;
  --total_;
  if (--found->second == 0) per_client_.erase(found);
}

// One connection: reads, feeds the protocol, carries out its actions, and replies.
class ServerSession : public std::enable_shared_from_this<ServerSession> {
 public:
  ServerSession(tcp::socket socket, const ListenerOptions& options,
                std::shared_ptr<asio::ssl::context> tls_context, ServerHandler& handler)
      : options_(options),
        stream_(std::move(socket), *tls_context),
        tls_context_(std::move(tls_context)),
        handler_(handler),
        deadline_(stream_.get_executor()) {}

  asio::awaitable<void> run();
  asio::any_io_executor executor() { return stream_.get_executor(); }
  // Called on the session's strand: ends a session that waits for its client.
  void stop() {
    stopping_ = true;
    if (reading_) {
      boost::system::error_code ignored;
      stream_.next_layer().cancel(ignored);
    }
  }

 private:
  using Clock = std::chrono::steady_clock;

  asio::awaitable<bool> handshake();
  // Reads some octets before the deadline; false when the client is gone or too slow.
  asio::awaitable<bool> readSome(std::size_t& size);
  asio::awaitable<bool> write(std::string_view text);
  // Carries out actions in order (and those their answers bring); false once the session ends.
  asio::awaitable<bool> perform(std::vector<ServerAction>& actions);
  void noteTls();
  void close();

  const ListenerOptions& options_;
  asio::ssl::stream<tcp::socket> stream_;
  std::shared_ptr<asio::ssl::context> tls_context_;
  ServerHandler& handler_;
  asio::steady_timer deadline_;
  std::unique_ptr<SessionHandler> session_;
  std::optional<ServerProtocol> protocol_;
  ClientInfo client_;
  bool tls_active_ = false;
  bool stopping_ = false;
  bool reading_ = false;
  std::array<char, 16384> chunk_{};
};

void ServerSession::noteTls() {
  SSL* ssl = stream_.native_handle();
  client_.tls = true;
  client_.tls_version = SSL_get_version(ssl);
  client_.tls_cipher = SSL_get_cipher_name(ssl);
}

void ServerSession::close() {
  boost::system::error_code ignored;
  stream_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.next_layer().close(ignored);
}

asio::awaitable<bool> ServerSession::handshake() {
  deadline_.expires_after(options_.tls_handshake_timeout);
  auto shaking = stream_.async_handshake(asio::ssl::stream_base::server, kUseTuple);
  auto wait = deadline_.async_wait(kUseTuple);
  auto result = co_await (std::move(shaking) || std::move(wait));
  if (result.index() == 1) {
    spdlog::debug("{}: TLS handshake with {} timed out", options_.name, client_.address);
    co_return false;
  }
  if (auto [error] = std::get<0>(result); error) {
    spdlog::debug("{}: TLS handshake with {} failed: {}", options_.name, client_.address,
                  error.message());
    co_return false;
  }
  tls_active_ = true;
  noteTls();
  co_return true;
}

asio::awaitable<bool> ServerSession::readSome(std::size_t& size) {
  if (stopping_) co_return false;
  reading_ = true;
  auto read = tls_active_ ? stream_.async_read_some(asio::buffer(chunk_), kUseTuple)
                          : stream_.next_layer().async_read_some(asio::buffer(chunk_), kUseTuple);
  auto wait = deadline_.async_wait(kUseTuple);
  auto result = co_await (std::move(read) || std::move(wait));
  reading_ = false;
  if (result.index() == 1) {
    const std::string timeout = "421 4.4.2 " + options_.policy.hostname + " Timeout: closing\r\n";
    co_await write(timeout);
    co_return false;
  }
  auto [error, received] = std::get<0>(result);
  if (error) {
    if (stopping_) {
      const std::string closing =
          "421 4.3.2 " + options_.policy.hostname + " Shutting down: try again later\r\n";
      co_await write(closing);
    }
    co_return false;
  }
  size = received;
  co_return true;
}

asio::awaitable<bool> ServerSession::write(std::string_view text) {
  if (text.empty()) co_return true;
  asio::steady_timer timer(stream_.get_executor(), options_.command_timeout);
  auto buffer = asio::buffer(text.data(), text.size());
  auto sending = tls_active_ ? asio::async_write(stream_, buffer, kUseTuple)
                             : asio::async_write(stream_.next_layer(), buffer, kUseTuple);
  auto wait = timer.async_wait(kUseTuple);
  auto result = co_await (std::move(sending) || std::move(wait));
  if (result.index() == 1) co_return false;
  auto [error, written] = std::get<0>(result);
  (void)written;
  co_return !error;
}

asio::awaitable<bool> ServerSession::perform(std::vector<ServerAction>& actions) {
  std::deque<ServerAction> queue(std::make_move_iterator(actions.begin()),
                                 std::make_move_iterator(actions.end()));
  // Replies to pipelined commands go out together (RFC 2920), before anything that waits.
  std::string pending;
  while (!queue.empty()) {
    ServerAction action = std::move(queue.front());
    queue.pop_front();
    switch (action.kind) {
      case ServerAction::Kind::kReply:
        pending += action.reply;
        break;
      case ServerAction::Kind::kClose:
        pending += action.reply;
        co_await write(pending);
        co_return false;
      case ServerAction::Kind::kStartTls:
        pending += action.reply;
        if (!co_await write(pending)) co_return false;
        pending.clear();
        if (!co_await handshake()) co_return false;
        protocol_->tlsStarted();
        session_->tlsStarted(client_);
        break;
      case ServerAction::Kind::kAuthenticate: {
        if (!co_await write(pending)) co_return false;
        pending.clear();
        const AuthVerdict verdict =
            co_await session_->authenticate(action.username, action.password);
        auto next = protocol_->authenticated(verdict.ok, verdict.refusal_reply);
        for (auto& more : next) queue.push_back(std::move(more));
        break;
      }
      case ServerAction::Kind::kStore: {
        if (!co_await write(pending)) co_return false;
        pending.clear();
        const ServerTransaction& transaction = protocol_->transaction();
        const std::string reply = co_await session_->store(transaction);
        auto next = protocol_->stored(reply);
        for (auto& more : next) queue.push_back(std::move(more));
        break;
      }
    }
  }
  co_return co_await write(pending);
}

asio::awaitable<void> ServerSession::run() {
  auto self = shared_from_this();
  boost::system::error_code ec;
  const tcp::endpoint remote = stream_.next_layer().remote_endpoint(ec);
  if (ec) co_return;
  client_.listener = options_.name;
  client_.address = remote.address().to_string();
  client_.port = remote.port();
  if (options_.limiter && !options_.limiter->acquire(client_.address)) {
    // RFC 5321 §3.8: a server that cannot serve now says 421 and closes.
    const std::string refusal = "421 4.7.0 " + options_.policy.hostname +
                                " Too many connections from you or in all; try again later\r\n";
    if (options_.tls != ListenerTls::kImplicit) co_await write(refusal);
    close();
    co_return;
  }
  struct Release {
    const ListenerOptions& options;
    const std::string& address;
    ~Release() {
      if (options.limiter) options.limiter->release(address);
    }
  } release{options_, client_.address};

  if (options_.tls == ListenerTls::kImplicit && !co_await handshake()) {
    close();
    co_return;
  }
  session_ = handler_.open(client_);
  ServerPolicy policy = options_.policy;
  policy.starttls_available = options_.tls == ListenerTls::kStartTls;
  SessionHandler* session = session_.get();
  policy.check_sender = [session](const std::string& path) { return session->checkSender(path); };
  policy.check_recipient = [session](const PathArgument& recipient) {
    return session->checkRecipient(recipient);
  };
  protocol_.emplace(std::move(policy), tls_active_, session_->trusted());

  const std::string greeting = protocol_->greeting();
  bool open = co_await write(greeting);
  bool receiving_message = false;
  deadline_.expires_after(options_.command_timeout);
  while (open) {
    std::size_t size = 0;
    if (!co_await readSome(size)) break;
    std::vector<ServerAction> actions = protocol_->receive(std::string_view(chunk_.data(), size));
    const bool progressed = !actions.empty();
    open = co_await perform(actions);
    // The deadline restarts when a command was answered, and once for a whole message.
    const bool now_receiving = protocol_->receivingMessage();
    if (now_receiving && !receiving_message) {
      deadline_.expires_after(options_.data_timeout);
    } else if (!now_receiving && progressed) {
      deadline_.expires_after(options_.command_timeout);
    }
    receiving_message = now_receiving;
  }
  if (tls_active_) {
    // A TLS close_notify is a courtesy; a client that is gone must not hold the session.
    asio::steady_timer timer(stream_.get_executor(), std::chrono::seconds(5));
    auto shutting = stream_.async_shutdown(kUseTuple);
    auto wait = timer.async_wait(kUseTuple);
    co_await (std::move(shutting) || std::move(wait));
  }
  close();
}

struct Listener::Impl : std::enable_shared_from_this<Listener::Impl> {
  ListenerOptions options;
  ServerHandler& handler;
  std::shared_ptr<asio::ssl::context> tls_context;
  std::optional<tcp::acceptor> acceptor;
  std::mutex mutex;
  std::set<std::shared_ptr<ServerSession>> sessions;
  bool stopped = false;

  Impl(ListenerOptions listener_options, ServerHandler& server_handler)
      : options(std::move(listener_options)), handler(server_handler) {}

  asio::awaitable<void> acceptLoop(asio::any_io_executor executor) {
    auto self = shared_from_this();
    for (;;) {
      tcp::socket socket(asio::make_strand(executor));
      auto [error] = co_await acceptor->async_accept(socket, kUseTuple);
      if (error) {
        if (error == asio::error::operation_aborted || !acceptor->is_open()) co_return;
        // Out of descriptors or a client gone before accept: wait a little, keep serving.
        spdlog::warn("{}: accept failed: {}", options.name, error.message());
        asio::steady_timer pause(co_await asio::this_coro::executor,
                                 std::chrono::milliseconds(100));
        co_await pause.async_wait(kUseTuple);
        continue;
      }
      socket.set_option(tcp::no_delay(true), error);
      auto strand = socket.get_executor();
      auto session =
          std::make_shared<ServerSession>(std::move(socket), options, tls_context, handler);
      {
        std::lock_guard lock(mutex);
        if (stopped) co_return;
        sessions.insert(session);
      }
      asio::co_spawn(strand, session->run(),
                     [self, session, name = options.name](const std::exception_ptr& failure) {
                       if (failure) {
                         try {
                           std::rethrow_exception(failure);
                         } catch (const std::exception& e) {
                           spdlog::error("{}: session ended by an error: {}", name, e.what());
                         }
                       }
                       std::lock_guard lock(self->mutex);
                       self->sessions.erase(session);
                     });
    }
  }
};

Listener::Listener(ListenerOptions options, ServerHandler& handler)
    : impl_(std::make_shared<Impl>(std::move(options), handler)) {}

Listener::~Listener() { stop(); }

Result<int> Listener::start(const asio::any_io_executor& executor) {
  Impl& impl = *impl_;
  if (impl.options.tls != ListenerTls::kNone) {
    auto context = makeServerContext(impl.options);
    if (!context) return context.takeError();
    impl.tls_context = std::move(*context);
  } else {
    // The stream type needs a context even when TLS is never started.
    impl.tls_context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  }
  auto opened = io::openAcceptor(asio::make_strand(executor), impl.options.listen, "smtp");
  if (!opened) return opened.takeError();
  boost::system::error_code ec;
  const int port = opened->local_endpoint(ec).port();
  if (ec) return Error::permanentFailure("smtp.listen", ec.message());
  impl.acceptor.emplace(std::move(*opened));
  asio::co_spawn(impl.acceptor->get_executor(), impl.acceptLoop(executor),
                 [name = impl.options.name](const std::exception_ptr& failure) {
                   if (!failure) return;
                   try {
                     std::rethrow_exception(failure);
                   } catch (const std::exception& e) {
                     spdlog::error("{}: accepting stopped: {}", name, e.what());
                   }
                 });
  spdlog::info("{}: listening on {} (port {})", impl.options.name, impl.options.listen, port);
  return port;
}

void Listener::stop() {
  std::set<std::shared_ptr<ServerSession>> sessions;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
    sessions = impl_->sessions;
  }
  if (impl_->acceptor) {
    asio::post(impl_->acceptor->get_executor(), [impl = impl_] {
      boost::system::error_code ignored;
      impl->acceptor->close(ignored);
    });
  }
  for (const auto& session : sessions) {
    // Each session is stopped on its own strand: its socket is not thread-safe.
    asio::post(session->executor(), [session] { session->stop(); });
  }
}

}  // namespace outpost::smtp

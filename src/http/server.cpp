// The HTTP/1.1 server (RFC 9110/9112) on Beast: one coroutine per connection, keep-alive, a
// deadline per request, header and body limits, then the route table. Everything a client
// sends is untrusted: a bad request gets an error body and the server goes on serving; an
// exception escaping a handler is logged and answered with a generic 500.
#include "http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <chrono>
#include <map>
#include <mutex>

#include "core/credentials.h"
#include "core/text.h"
#include "http/api.h"
#include "http/auth.h"
#include "http/console_resource.h"
#include "http/console_session.h"
#include "http/json_errors.h"
#include "http/router.h"
#include "http/stream_response.h"
#include "io/acceptor.h"
#include "io/blocking.h"

namespace outpost::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// Limits for untrusted clients. Submissions may carry a whole message as base64; every other
// request is small.
constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;
constexpr std::uint64_t kMaxSmallBody = std::uint64_t{1024} * 1024;
constexpr std::uint64_t kBase64Margin =
    std::uint64_t{1024} * 1024;  // JSON around the base64 content
// Reading one request (and waiting for the next one on a kept-alive connection), writing one
// response.
constexpr std::chrono::seconds kRequestTimeout{60};
constexpr std::chrono::seconds kWriteTimeout{60};
// After answering a request whose body is not read (413), how long to drain the rest so
// that the client sees the answer rather than a connection reset.
constexpr std::chrono::seconds kDrainTimeout{2};

struct Connection {
  explicit Connection(tcp::socket socket)
      : stream(std::move(socket)), stream_timer(stream.get_executor()) {}
  beast::tcp_stream stream;
  // For streamed responses (stream_response.h): stop() cancels the wait between events.
  asio::steady_timer stream_timer;
  bool stopping = false;
};

using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

// The decoded path segments and query of an origin-form target; nullopt when malformed.
struct Target {
  std::vector<std::string> segments;
  std::vector<std::pair<std::string, std::string>> query;
};

std::optional<Target> parseTarget(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  Target parsed;
  for (auto segment : url->segments()) parsed.segments.push_back(segment);
  if (parsed.segments.empty()) parsed.segments.emplace_back();
  for (auto param : url->params()) parsed.query.emplace_back(param.key, param.value);
  return parsed;
}

bool isSubmission(bhttp::verb method, const std::optional<Target>& target) {
  if (method != bhttp::verb::post || !target) return false;
  const auto& s = target->segments;
  if (s.size() < 3 || s[0] != "api" || s[1] != "v1" || s[2] != "messages") return false;
  return s.size() == 3 || (s.size() == 4 && s[3] == "raw");
}

BeastResponse toBeast(Response response, unsigned version, bool keep_alive) {
  BeastResponse out{static_cast<bhttp::status>(response.status), version};
  out.set(bhttp::field::server, "outpost");
  out.set(bhttp::field::content_type, response.content_type);
  // API answers are never cached; the console's files say otherwise themselves.
  out.set(bhttp::field::cache_control, "no-store");
  out.set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : response.headers) {
    if (beast::iequals(name, "Cache-Control")) out.erase(bhttp::field::cache_control);
    out.insert(name, value);
  }
  out.keep_alive(keep_alive);
  out.body() = std::move(response.body);
  out.prepare_payload();
  return out;
}

std::string remoteName(const tcp::socket& socket) {
  boost::system::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "?";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

bool isDisconnect(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == beast::error::timeout;
}

}  // namespace

// What the acceptor and the connections share; it outlives the Server object until the last
// connection coroutine has finished.
struct Shared {
  explicit Shared(Dependencies dependencies)
      : deps(std::move(dependencies)), login_guard(deps.config.console, deps.clock) {
    addApiKeyRoutes(router);
    addAuditRoutes(router);
    addSessionRoutes(router);
    addUserRoutes(router);
    addDkimRoutes(router);
    addDmarcRoutes(router);
    addSpfRoutes(router);
    addDeliverabilityRoutes(router);
    addHealthRoutes(router);
    addMessageRoutes(router);
    addMessageContentRoutes(router);
    addMessageBulkRoutes(router);
    addStatsRoutes(router);
    addEventRoutes(router);
    addPauseRoutes(router);
    addSandboxRoutes(router);
    addSettingsRoutes(router);
    addSuppressionRoutes(router);
    std::uint64_t max = deps.config.max_message_bytes;
    submission_body_limit = (max * 4 + 2) / 3 + kBase64Margin;
  }

  asio::awaitable<Response> handle(BeastRequest& message, const std::string& remote);
  asio::awaitable<Response> route(Request& request, const Target& target, std::string& who);
  asio::awaitable<void> acceptLoop(std::shared_ptr<Shared> self, asio::any_io_executor io);
  asio::awaitable<void> serve(std::shared_ptr<Connection> connection);

  Dependencies deps;
  LoginGuard login_guard;
  Router router;
  std::uint64_t submission_body_limit = 0;

  std::mutex mutex;  // guards what follows: stop() may come from any thread
  bool stopped = false;
  std::optional<tcp::acceptor> acceptor;
  std::map<std::uint64_t, std::weak_ptr<Connection>> connections;
  std::uint64_t next_connection = 0;
};

asio::awaitable<Response> Shared::route(Request& request, const Target& target, std::string& who) {
  const auto& segments = target.segments;
  if (segments.front() != "api") {
    std::string path;
    for (const auto& segment : segments) path += "/" + segment;
    co_return consoleResponse(request.method, path, request.accept_encoding);
  }
  RouteMatch match = router.match(request.method, segments);
  if (match.route == nullptr) {
    if (match.allowed.empty()) co_return notFound();
    std::string allow;
    for (const auto& method : match.allowed) allow += (allow.empty() ? "" : ", ") + method;
    Response response = errorResponse(405, "method_not_allowed",
                                      request.method + " is not allowed here; use " + allow);
    response.headers.emplace_back("Allow", allow);
    co_return response;
  }
  request.params = std::move(match.params);
  auto io = co_await asio::this_coro::executor;
  std::optional<Principal> principal;
  if (match.route->authenticated) {
    // An API key when one is given; else the console's session cookie.
    std::optional<std::string> session_token;
    if (request.authorization.empty()) {
      session_token = sessionTokenFromCookies(request.cookie);
      if (!session_token) co_return unauthorized();
    }
    auto check = [&] {
      if (!session_token) return authenticate(deps.store, request.authorization);
      return authenticateSession(deps.store, *session_token, deps.config.console, deps.clock.now());
    };
    auto authenticated = co_await io::runBlocking(deps.blocking, check);
    if (!authenticated) co_return responseForError(authenticated.error());
    principal = std::move(*authenticated);
    who = principal->key.name;
    // A cookie is sent by the browser whoever made the page: every change made with one must
    // also prove it came from the console, which alone can read the CSRF token.
    const bool changes = request.method != "GET" && request.method != "HEAD";
    if (principal->session && changes &&
        !equalSecrets(request.csrf_token, principal->session->csrf_token)) {
      co_return errorResponse(403, "csrf",
                              "missing or wrong X-CSRF-Token: reload the console and try again");
    }
  }
  Context context{deps, request, principal ? &*principal : nullptr, io, &login_guard};
  co_return co_await match.route->handler(context);
}

asio::awaitable<Response> Shared::handle(BeastRequest& message, const std::string& remote) {
  auto started = std::chrono::steady_clock::now();
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  std::string who = "-";
  Response response;
  try {
    auto target = parseTarget(message.target());
    if (!target) {
      response = errorResponse(400, "invalid_request", "malformed request target");
    } else {
      request.query = std::move(target->query);
      request.authorization = std::string(message[bhttp::field::authorization]);
      request.cookie = std::string(message[bhttp::field::cookie]);
      request.accept_encoding = std::string(message[bhttp::field::accept_encoding]);
      request.csrf_token = std::string(message[kCsrfHeader]);
      request.remote_address = remote.substr(0, remote.rfind(':'));
      request.secure = equalsIgnoreCase(message["X-Forwarded-Proto"], "https");
      request.idempotency_key = std::string(message["Idempotency-Key"]);
      request.body = std::move(message.body());
      response = co_await route(request, *target, who);
    }
  } catch (const std::exception& e) {
    spdlog::error("http: {} {} failed: {}", request.method, request.target, e.what());
    response = errorResponse(500, "internal", "internal error");
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  spdlog::debug("http: {} {} {} {} {} {}ms", remote, who, request.method, request.target,
                response.status, elapsed.count());
  co_return response;
}

asio::awaitable<void> Shared::serve(std::shared_ptr<Connection> connection) {
  auto& stream = connection->stream;
  const std::string remote = remoteName(stream.socket());
  beast::flat_buffer buffer;
  auto token = asio::as_tuple(asio::use_awaitable);
  bool drain = false;

  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(submission_body_limit);
    stream.expires_after(kRequestTimeout);
    std::optional<Response> early;  // an answer given before the body was read

    auto [header_ec, header_bytes] =
        co_await bhttp::async_read_header(stream, buffer, parser, token);
    if (header_ec) {
      if (isDisconnect(header_ec)) break;
      if (header_ec == bhttp::error::header_limit) {
        early = errorResponse(431, "too_large", "the request header is too large");
      } else if (header_ec == bhttp::error::body_limit) {
        early = errorResponse(413, "too_large", "the request body is too large");
      } else {
        early =
            errorResponse(400, "invalid_request", "malformed HTTP request: " + header_ec.message());
      }
    } else {
      auto& header = parser.get();
      if (!isSubmission(header.method(), parseTarget(header.target()))) {
        if (parser.content_length().value_or(0) > kMaxSmallBody) {
          early = errorResponse(413, "too_large", "the request body is too large");
        }
        parser.body_limit(kMaxSmallBody);
      }
      if (!early && bhttp::token_list{header[bhttp::field::expect]}.exists("100-continue")) {
        bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, header.version()};
        auto [ec, n] = co_await bhttp::async_write(stream, go_on, token);
        if (ec) break;
      }
    }
    if (!early && !parser.is_done()) {
      auto [body_ec, body_bytes] = co_await bhttp::async_read(stream, buffer, parser, token);
      if (body_ec) {
        if (isDisconnect(body_ec)) break;
        if (body_ec == bhttp::error::body_limit) {
          early = errorResponse(413, "too_large", "the request body is too large");
        } else {
          early =
              errorResponse(400, "invalid_request", "malformed HTTP request: " + body_ec.message());
        }
      }
    }
    stream.expires_never();

    BeastResponse response;
    bool keep_alive = false;
    if (early) {
      // The rest of the request was not read: answer and close.
      spdlog::debug("http: {} rejected request: {} {}", remote, early->status, early->body);
      response =
          toBeast(std::move(*early), parser.get().version() ? parser.get().version() : 11, false);
      drain = true;
    } else {
      BeastRequest request = parser.release();
      keep_alive = request.keep_alive();
      Response handled = co_await handle(request, remote);
      if (handled.stream) {
        // An event stream holds the connection until it ends, then closes it.
        const StreamChannel channel{stream, connection->stream_timer, connection->stopping};
        co_await sendStream(channel, handled, request.version());
        break;
      }
      response = toBeast(std::move(handled), request.version(), keep_alive);
    }
    stream.expires_after(kWriteTimeout);
    auto [write_ec, written] = co_await bhttp::async_write(stream, response, token);
    if (write_ec || !keep_alive) break;
  }

  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (drain) {
    // Read what the client still sends so that closing does not reset the connection before
    // it has read our answer.
    stream.expires_after(kDrainTimeout);
    char sink[16 * 1024];
    for (;;) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), token);
      if (ec) break;
    }
  }
  stream.socket().close(ignored);
}

asio::awaitable<void> Shared::acceptLoop(std::shared_ptr<Shared> self, asio::any_io_executor io) {
  auto token = asio::as_tuple(asio::use_awaitable);
  for (;;) {
    asio::any_io_executor strand = asio::make_strand(io);
    auto [ec, socket] = co_await acceptor->async_accept(strand, token);
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      // Out of file descriptors and the like: wait a little rather than spin.
      spdlog::warn("http: accept failed: {}", ec.message());
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(100));
      co_await pause.async_wait(token);
      continue;
    }
    auto connection = std::make_shared<Connection>(std::move(socket));
    std::uint64_t id = 0;
    {
      std::lock_guard lock(mutex);
      if (stopped) co_return;
      id = next_connection++;
      connections.emplace(id, connection);
    }
    asio::co_spawn(strand, serve(connection), [self, id](const std::exception_ptr& failure) {
      {
        std::lock_guard lock(self->mutex);
        self->connections.erase(id);
      }
      if (!failure) return;
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        spdlog::error("http: connection ended by an exception: {}", e.what());
      }
    });
  }
}

struct Server::Impl {
  std::shared_ptr<Shared> shared;
};

Server::Server(Dependencies dependencies)
    : impl_(std::make_unique<Impl>(Impl{std::make_shared<Shared>(std::move(dependencies))})) {}

Server::~Server() { stop(); }

Result<int> Server::start(const asio::any_io_executor& executor, const std::string& listen) {
  Shared& shared = *impl_->shared;
  std::lock_guard lock(shared.mutex);
  if (shared.acceptor) {
    return Error::permanentFailure("http.listen", "the HTTP server is already started");
  }
  auto opened = io::openAcceptor(asio::make_strand(executor), listen, "http");
  if (!opened) return opened.takeError();
  tcp::acceptor acceptor = std::move(*opened);
  boost::system::error_code ec;
  int port = acceptor.local_endpoint(ec).port();
  if (ec) return Error::permanentFailure("http.listen", ec.message());
  shared.acceptor.emplace(std::move(acceptor));
  shared.stopped = false;
  auto self = impl_->shared;
  asio::co_spawn(shared.acceptor->get_executor(), shared.acceptLoop(self, executor),
                 [listen](const std::exception_ptr& failure) {
                   if (!failure) return;
                   try {
                     std::rethrow_exception(failure);
                   } catch (const std::exception& e) {
                     spdlog::error("http: accepting on {} stopped: {}", listen, e.what());
                   }
                 });
  spdlog::info("http: listening on {} (port {})", listen, port);
  return port;
}

void Server::stop() {
  auto shared = impl_->shared;
  std::lock_guard lock(shared->mutex);
  if (shared->stopped) return;
  shared->stopped = true;
  if (shared->acceptor) {
    // Closing and cancelling happen on the acceptor's and each connection's strand, where
    // their operations run.
    asio::post(shared->acceptor->get_executor(), [shared] {
      boost::system::error_code ignored;
      shared->acceptor->close(ignored);
    });
  }
  for (auto& [id, weak] : shared->connections) {
    if (auto connection = weak.lock()) {
      asio::post(connection->stream.get_executor(), [connection] {
        connection->stopping = true;
        connection->stream_timer.cancel();
        connection->stream.close();
      });
    }
  }
}

}  // namespace outpost::http

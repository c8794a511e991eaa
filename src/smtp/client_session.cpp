// The SMTP client session over Asio coroutines: each phase races a timer (RFC 5321 §4.5.3.2
// deadlines), TLS through OpenSSL with the verification failure kept in words (RFC 3207,
// RFC 8314, RFC 6125 host names), AUTH PLAIN/LOGIN (RFC 4616, RFC 4954), PIPELINING (RFC 2920).
// SECURITY: replies, certificates and buffered bytes come from an untrusted peer; data
// buffered before the TLS handshake is refused (STARTTLS injection); no command carries
// CR or LF.
#include "smtp/client_session.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <charconv>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <tuple>

#include "smtp/data_encoding.h"

namespace outpost::smtp {
namespace detail {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// A line longer than this without a line end is not SMTP (replies are at most 512 octets).
constexpr std::size_t kMaxPendingLine = std::size_t{64} * 1024;
// Body writes are cut in blocks so that each gets the data_block deadline.
constexpr std::size_t kDataBlock = std::size_t{64} * 1024;
// The transcript is for people; a hostile peer must not make it grow without end.
constexpr std::size_t kMaxTranscript = std::size_t{1024} * 1024;

std::string seconds(std::chrono::steady_clock::duration duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(duration).count()) + " s";
}

std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(data.data()),
                                   static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(size));
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    std::size_t end = pos;
    while (end < text.size() && text[end] != ' ') ++end;
    if (end > pos) out.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

bool isIpLiteral(const std::string& host) {
  boost::system::error_code error;
  (void)asio::ip::make_address(host, error);
  return !error;
}

std::string nameText(const X509_NAME* name) {
  if (name == nullptr) return "";
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(size > 0 ? size : 0));
  BIO_free(bio);
  return out;
}

std::string timeText(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return "";
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// The host names a certificate is for: its DNS and IP subjectAltNames, else its CN.
std::string certificateNames(X509* certificate) {
  std::string out;
  auto add = [&out](const std::string& name) {
    if (!out.empty()) out += ", ";
    out += name;
  };
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  if (names != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      if (name->type == GEN_DNS) {
        const ASN1_STRING* value = name->d.dNSName;
        add(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                        static_cast<std::size_t>(ASN1_STRING_length(value))));
      } else if (name->type == GEN_IPADD) {
        const ASN1_STRING* value = name->d.iPAddress;
        const unsigned char* bytes = ASN1_STRING_get0_data(value);
        if (ASN1_STRING_length(value) == 4) {
          add(std::to_string(bytes[0]) + "." + std::to_string(bytes[1]) + "." +
              std::to_string(bytes[2]) + "." + std::to_string(bytes[3]));
        } else {
          add("an IPv6 address");
        }
      }
    }
    GENERAL_NAMES_free(names);
  }
  if (out.empty()) {
    char common_name[256] = {0};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, common_name,
                                  sizeof common_name) > 0) {
      out = common_name;
    }
  }
  return out.empty() ? "no host name" : out;
}

bool hasControl(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

// For messages: control characters shown as '?', so an error text cannot carry a line break.
std::string printable(std::string_view text) {
  std::string out(text.substr(0, 256));
  for (auto& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = '?';
  }
  return out;
}

bool hasNonAscii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

}  // namespace

namespace {

struct SharedContext {
  std::shared_ptr<asio::ssl::context> context;
  std::string problem;  // e.g. an unreadable ca_file
};

// One TLS client context per CA file, shared by every session: loading the system's trust store
// costs ~35 ms of parsing, which a session per message would pay each time. An SSL_CTX is safe
// to share between threads once set up; a CA file that changes on disk gets a new context.
SharedContext sharedContext(const std::string& ca_file) {
  static std::mutex mutex;
  static std::map<std::string, std::pair<std::filesystem::file_time_type, SharedContext>> cache;
  std::error_code stat_error;
  const auto modified = ca_file.empty() ? std::filesystem::file_time_type{}
                                        : std::filesystem::last_write_time(ca_file, stat_error);
  const std::lock_guard lock(mutex);
  if (auto found = cache.find(ca_file);
      found != cache.end() && found->second.first == modified && !stat_error) {
    return found->second.second;
  }
  SharedContext shared;
  shared.context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  boost::system::error_code error;
  shared.context->set_default_verify_paths(error);
  if (!ca_file.empty()) {
    shared.context->load_verify_file(ca_file, error);
    if (error) shared.problem = "cannot read the CA file " + ca_file + ": " + error.message();
  }
  // A failed load is not kept: the file may be fixed before the next session.
  if (shared.problem.empty() && !stat_error) cache[ca_file] = {modified, shared};
  return shared;
}

}  // namespace

SmtpClientSession::SmtpClientSession(asio::any_io_executor executor, ClientOptions options)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      ssl_context_([this] {
        auto shared = sharedContext(options_.ca_file);
        tls_setup_problem_ = std::move(shared.problem);
        return std::move(shared.context);
      }()),
      stream_(executor_, *ssl_context_) {
  info_.host = options_.host;
  info_.port = options_.port;
}

SmtpClientSession::~SmtpClientSession() { closeSocket(); }

void SmtpClientSession::closeSocket() {
  boost::system::error_code ignored;
  auto& socket = stream_.next_layer();
  if (socket.is_open()) {
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
  usable_ = false;
}

void SmtpClientSession::note(std::string_view prefix, std::string_view line) {
  if (transcript_.size() > kMaxTranscript) return;
  transcript_ += prefix;
  transcript_ += line.substr(0, 1000);
  transcript_ += '\n';
}

std::string SmtpClientSession::takeTranscript() {
  std::string out;
  out.swap(transcript_);
  return out;
}

SessionError SmtpClientSession::ioError(const IoResult& result, std::string_view step,
                                        Clock::duration timeout, bool after_data) {
  broken_ = true;
  usable_ = false;
  const std::string where(step);
  if (after_data) {
    return SessionError{
        where,
        Error::temporaryFailure(
            "smtp.connection_lost_after_data",
            std::string(result.timed_out
                            ? "no reply within " + seconds(timeout)
                            : "the connection was lost (" + result.error.message() + ")") +
                " after the whole message was sent and before " + options_.peer_name +
                " confirmed it; it may "
                "have been accepted, so it will be retried"),
        std::nullopt};
  }
  if (result.timed_out) {
    return SessionError{
        where,
        Error::temporaryFailure("smtp.timeout", options_.peer_name + " did not answer within " +
                                                    seconds(timeout) + " (" + where + ")"),
        std::nullopt};
  }
  if (result.error == asio::error::message_size) {
    return SessionError{
        where,
        Error::temporaryFailure("smtp.protocol", options_.peer_name + " sent a line longer than " +
                                                     std::to_string(kMaxPendingLine) +
                                                     " bytes; this is not an SMTP server"),
        std::nullopt};
  }
  return SessionError{
      where,
      Error::temporaryFailure("smtp.connection_lost", options_.peer_name +
                                                          " closed the connection during " + where +
                                                          " (" + result.error.message() + ")"),
      std::nullopt};
}

SessionError SmtpClientSession::replyError(std::string_view step, const Reply& reply,
                                           std::string_view what) {
  if (reply.code == 421) usable_ = false;
  std::string message = std::string(what) + " (" + reply.firstLine() + ")";
  Error error = reply.permanent() ? Error::permanentFailure("smtp.reply", std::move(message))
                                  : Error::temporaryFailure("smtp.reply", std::move(message));
  return SessionError{std::string(step), std::move(error), reply};
}

asio::awaitable<SmtpClientSession::IoResult> SmtpClientSession::readLine(
    asio::steady_timer& deadline, std::string& line) {
  for (;;) {
    const auto newline = read_buffer_.find('\n');
    if (newline != std::string::npos) {
      std::size_t end = newline;
      if (end > 0 && read_buffer_[end - 1] == '\r') --end;
      line.assign(read_buffer_, 0, end);
      read_buffer_.erase(0, newline + 1);
      co_return IoResult{};
    }
    if (read_buffer_.size() > kMaxPendingLine) {
      co_return IoResult{asio::error::message_size, false};
    }
    auto read = tls_active_ ? stream_.async_read_some(asio::buffer(chunk_), kUseTuple)
                            : stream_.next_layer().async_read_some(asio::buffer(chunk_), kUseTuple);
    auto wait = deadline.async_wait(kUseTuple);
    auto result = co_await (std::move(read) || std::move(wait));
    if (result.index() == 1) co_return IoResult{asio::error::timed_out, true};
    auto [error, size] = std::get<0>(result);
    if (error) co_return IoResult{error, false};
    read_buffer_.append(chunk_.data(), size);
  }
}

asio::awaitable<ReplyResult> SmtpClientSession::readReply(std::string_view step,
                                                          Clock::duration timeout,
                                                          bool after_data) {
  asio::steady_timer deadline(executor_, timeout);
  ReplyParser parser;
  std::string line;
  for (;;) {
    IoResult io = co_await readLine(deadline, line);
    if (io.error) co_return ReplyResult{std::nullopt, ioError(io, step, timeout, after_data)};
    note("S: ", line);
    switch (parser.feed(line)) {
      case ReplyParser::Status::kNeedMore:
        break;
      case ReplyParser::Status::kComplete: {
        Reply reply = parser.take();
        if (reply.code == 421) usable_ = false;
        co_return ReplyResult{std::move(reply), std::nullopt};
      }
      case ReplyParser::Status::kMalformed:
        broken_ = true;
        usable_ = false;
        co_return ReplyResult{
            std::nullopt,
            SessionError{std::string(step),
                         Error::temporaryFailure(
                             "smtp.protocol", options_.peer_name + "'s reply is not valid SMTP: " +
                                                  parser.problem()),
                         std::nullopt}};
    }
  }
}

asio::awaitable<StepResult> SmtpClientSession::writeAll(std::string_view data,
                                                        std::string_view step,
                                                        Clock::duration timeout) {
  asio::steady_timer deadline(executor_, timeout);
  auto buffer = asio::buffer(data.data(), data.size());
  auto write = tls_active_ ? asio::async_write(stream_, buffer, kUseTuple)
                           : asio::async_write(stream_.next_layer(), buffer, kUseTuple);
  auto wait = deadline.async_wait(kUseTuple);
  auto result = co_await (std::move(write) || std::move(wait));
  if (result.index() == 1) co_return ioError(IoResult{asio::error::timed_out, true}, step, timeout);
  auto [error, size] = std::get<0>(result);
  (void)size;
  if (error) co_return ioError(IoResult{error, false}, step, timeout);
  co_return std::nullopt;
}

asio::awaitable<StepResult> SmtpClientSession::writeCommand(std::string_view command,
                                                            std::string_view step,
                                                            Clock::duration timeout,
                                                            std::string_view shown) {
  // Defence in depth: callers check their input, but a line end here would let input
  // inject commands.
  if (command.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    co_return SessionError{std::string(step),
                           Error::permanentFailure("smtp.invalid_address",
                                                   "refused to send a command containing a line "
                                                   "break or NUL"),
                           std::nullopt};
  }
  note("C: ", shown.empty() ? command : shown);
  std::string line;
  line.reserve(command.size() + 2);
  line.append(command).append("\r\n");
  co_return co_await writeAll(line, step, timeout);
}

asio::awaitable<ReplyResult> SmtpClientSession::command(std::string_view command,
                                                        std::string_view step,
                                                        Clock::duration timeout,
                                                        std::string_view shown) {
  if (auto error = co_await writeCommand(command, step, timeout, shown)) {
    co_return ReplyResult{std::nullopt, std::move(error)};
  }
  co_return co_await readReply(step, timeout);
}

Result<tcp::endpoint> SmtpClientSession::bindSource(const std::vector<tcp::endpoint>& endpoints) {
  boost::system::error_code error;
  const auto source = asio::ip::make_address(options_.source_address, error);
  if (error) {
    return Error::permanentFailure(
        "net.source_address",
        "the source address \"" + options_.source_address + "\" is not an IP address");
  }
  const auto match = std::find_if(endpoints.begin(), endpoints.end(), [&](const auto& endpoint) {
    return endpoint.address().is_v6() == source.is_v6();
  });
  if (match == endpoints.end()) {
    return Error::temporaryFailure("net.source_address",
                                   "no address of " + options_.host + " is of the same family as " +
                                       "the source address " + options_.source_address);
  }
  auto& socket = stream_.next_layer();
  socket.open(match->protocol(), error);
  if (!error) socket.bind(tcp::endpoint(source, 0), error);
  if (error) {
    closeSocket();
    return Error::temporaryFailure(
        "net.source_address",
        "cannot use the source address " + options_.source_address + " (" + error.message() + ")");
  }
  return *match;
}

asio::awaitable<StepResult> SmtpClientSession::connect() {
  const auto timeout = options_.timeouts.connect;
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  std::vector<tcp::endpoint> endpoints;
  boost::system::error_code parse_error;
  const std::string& literal =
      options_.connect_address.empty() ? options_.host : options_.connect_address;
  const auto address = asio::ip::make_address(literal, parse_error);
  if (!options_.connect_address.empty() && parse_error) {
    co_return SessionError{"connect",
                           Error::permanentFailure("net.address", "\"" + options_.connect_address +
                                                                      "\" is not an IP address"),
                           std::nullopt};
  }
  if (!parse_error) {
    endpoints.emplace_back(address, static_cast<unsigned short>(options_.port));
  } else {
    // Asio's resolver runs getaddrinfo on its own thread and cannot be interrupted: a lookup
    // that outlives the deadline still ends at the system resolver's own timeout.
    tcp::resolver resolver(executor_);
    asio::steady_timer deadline(executor_, timeout);
    auto resolve = resolver.async_resolve(options_.host, std::to_string(options_.port), kUseTuple);
    auto wait = deadline.async_wait(kUseTuple);
    auto result = co_await (std::move(resolve) || std::move(wait));
    if (result.index() == 1) {
      co_return SessionError{
          "connect",
          Error::temporaryFailure("net.resolve", "resolving " + options_.host +
                                                     " took longer than " + seconds(timeout)),
          std::nullopt};
    }
    auto& [error, results] = std::get<0>(result);
    if (error || results.empty()) {
      co_return SessionError{
          "connect",
          Error::temporaryFailure("net.resolve", "cannot resolve the host name " + options_.host +
                                                     " (" + error.message() + ")"),
          std::nullopt};
    }
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }

  boost::system::error_code error;
  tcp::endpoint endpoint;
  bool timed_out = false;
  auto& socket = stream_.next_layer();
  asio::steady_timer deadline(executor_, timeout);
  if (options_.source_address.empty()) {
    auto connecting = asio::async_connect(socket, endpoints, kUseTuple);
    auto wait = deadline.async_wait(kUseTuple);
    auto result = co_await (std::move(connecting) || std::move(wait));
    timed_out = result.index() == 1;
    if (!timed_out) std::tie(error, endpoint) = std::get<0>(result);
  } else {
    // A range connect closes and reopens the socket per endpoint, which would drop the bind:
    // bind, then connect to the first endpoint of the source address's family.
    auto bound = bindSource(endpoints);
    if (!bound) co_return SessionError{"connect", bound.takeError(), std::nullopt};
    endpoint = *bound;
    auto connecting = socket.async_connect(endpoint, kUseTuple);
    auto wait = deadline.async_wait(kUseTuple);
    auto result = co_await (std::move(connecting) || std::move(wait));
    timed_out = result.index() == 1;
    if (!timed_out) std::tie(error) = std::get<0>(result);
  }
  if (timed_out) {
    closeSocket();
    co_return SessionError{
        "connect",
        Error::temporaryFailure("smtp.timeout",
                                "no connection to " + where + " within " + seconds(timeout)),
        std::nullopt};
  }
  if (error) {
    closeSocket();
    std::string code = "net.connect";
    std::string message = "cannot connect to " + where + " (" + error.message() + ")";
    if (error == asio::error::connection_refused) {
      code = "net.refused";
      message = options_.peer_name + " refused the connection on " + where +
                " (nothing listens on that port, or a firewall rejects it)";
    } else if (error == asio::error::host_unreachable ||
               error == asio::error::network_unreachable) {
      code = "net.unreachable";
      message = where + " cannot be reached from this server (" + error.message() + ")";
    }
    co_return SessionError{"connect", Error::temporaryFailure(code, message), std::nullopt};
  }
  info_.ip = endpoint.address().to_string();
  // SMTP is request/response with small writes (pipelined commands, then the body): Nagle's
  // algorithm would hold a segment back until the peer's delayed ACK, ~40 ms per message.
  boost::system::error_code ignored;
  stream_.next_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
  note("* ", "Connected to " + info_.ip + ":" + std::to_string(endpoint.port()));
  co_return std::nullopt;
}

void SmtpClientSession::recordCertificate(X509* certificate) {
  if (certificate == nullptr || certificate_recorded_) return;
  certificate_recorded_ = true;
  info_.certificate_subject = nameText(X509_get_subject_name(certificate));
  info_.certificate_issuer = nameText(X509_get_issuer_name(certificate));
  info_.certificate_not_before = timeText(X509_get0_notBefore(certificate));
  info_.certificate_not_after = timeText(X509_get0_notAfter(certificate));
  int days = 0;
  int secs = 0;
  if (ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(certificate)) == 1) {
    certificate_days_left_ = (days == 0 && secs < 0) ? -1 : days;
  }
}

std::string SmtpClientSession::describeVerifyFailure(X509_STORE_CTX* store, bool preverified) {
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  if (preverified) {
    // The chain is fine; the host name check (RFC 6125) failed.
    info_.certificate_verify_error = "host name mismatch";
    return "the certificate is for " +
           (leaf ? certificateNames(leaf) : std::string("another host")) + ", not " + options_.host;
  }
  const int error = X509_STORE_CTX_get_error(store);
  const std::string reason = X509_verify_cert_error_string(error);
  info_.certificate_verify_error = reason;
  X509* current = X509_STORE_CTX_get_current_cert(store);
  if (current == nullptr) current = leaf;
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return options_.peer_name + "'s certificate expired on " +
             timeText(X509_get0_notAfter(current)).substr(0, 10) + " (" + reason + ")";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return options_.peer_name + "'s certificate is not valid before " +
             timeText(X509_get0_notBefore(current)).substr(0, 10) + " (" + reason + ")";
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return options_.peer_name + "'s certificate is self-signed and not trusted by this server (" +
             reason + ")";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return options_.peer_name +
             "'s certificate was issued by an authority this server does not trust (" + reason +
             ")";
    default:
      return options_.peer_name + "'s certificate could not be verified (" + reason + ")";
  }
}

asio::awaitable<StepResult> SmtpClientSession::handshake() {
  const auto timeout = options_.timeouts.tls_handshake;
  if (!tls_setup_problem_.empty()) {
    closeSocket();
    co_return SessionError{"tls", Error::temporaryFailure("tls.handshake", tls_setup_problem_),
                           std::nullopt};
  }
  SSL* ssl = stream_.native_handle();
  if (!isIpLiteral(options_.host)) SSL_set_tlsext_host_name(ssl, options_.host.c_str());
  stream_.set_verify_mode(asio::ssl::verify_peer);
  stream_.set_verify_callback([this, verifier = asio::ssl::host_name_verification(options_.host)](
                                  bool preverified, asio::ssl::verify_context& context) mutable {
    X509_STORE_CTX* store = context.native_handle();
    recordCertificate(X509_STORE_CTX_get0_cert(store));
    const bool ok = verifier(preverified, context);
    if (!ok && verify_problem_.empty()) verify_problem_ = describeVerifyFailure(store, preverified);
    // Unverified mode still records what was wrong, for the validation report.
    return options_.verify_certificate ? ok : true;
  });

  asio::steady_timer deadline(executor_, timeout);
  auto shaking = stream_.async_handshake(asio::ssl::stream_base::client, kUseTuple);
  auto wait = deadline.async_wait(kUseTuple);
  auto result = co_await (std::move(shaking) || std::move(wait));
  if (result.index() == 1) {
    auto failure = ioError(IoResult{asio::error::timed_out, true}, "tls", timeout);
    closeSocket();
    co_return failure;
  }
  auto [error] = std::get<0>(result);
  if (error) {
    broken_ = true;
    closeSocket();
    note("* ", "TLS failed: " + (verify_problem_.empty() ? error.message() : verify_problem_));
    if (!verify_problem_.empty() && options_.verify_certificate) {
      co_return SessionError{"tls", Error::temporaryFailure("tls.verify", verify_problem_),
                             std::nullopt};
    }
    co_return SessionError{
        "tls",
        Error::temporaryFailure("tls.handshake", "the TLS handshake with " + options_.host +
                                                     " failed (" + error.message() + ")"),
        std::nullopt};
  }
  tls_active_ = true;
  info_.tls_version = SSL_get_version(ssl);
  info_.tls_cipher = SSL_get_cipher_name(ssl);
  if (!certificate_recorded_) {
    X509* peer = SSL_get1_peer_certificate(ssl);
    recordCertificate(peer);
    X509_free(peer);
  }
  note("* ", "TLS established: " + info_.tls_version + " " + info_.tls_cipher);
  if (!verify_problem_.empty()) note("* ", "Certificate not verified: " + verify_problem_);
  co_return std::nullopt;
}

asio::awaitable<StepResult> SmtpClientSession::readGreeting() {
  auto result = co_await readReply("greeting", options_.timeouts.greeting);
  if (result.error) co_return std::move(result.error);
  info_.banner = result.reply->text();
  if (result.reply->code != 220) {
    co_return replyError("greeting", *result.reply,
                         options_.peer_name + " refused the session at its greeting");
  }
  co_return std::nullopt;
}

void SmtpClientSession::parseEhlo(const Reply& reply) {
  info_.extensions.clear();
  info_.max_size = 0;
  ehlo_lines_.clear();
  auth_mechanisms_.clear();
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    const std::string& line = reply.lines[i];
    auto parts = words(line);
    if (parts.empty()) continue;
    ehlo_lines_.push_back(line);
    std::string keyword = upper(parts[0]);
    if (keyword.rfind("AUTH=", 0) == 0) {
      // Old-style "AUTH=LOGIN PLAIN" (pre-RFC 4954 Outlook clients' dialect).
      if (keyword.size() > 5) auth_mechanisms_.insert(keyword.substr(5));
      keyword = "AUTH";
    }
    info_.extensions.insert(keyword);
    if (keyword == "SIZE" && parts.size() > 1) {
      std::size_t size = 0;
      auto [end, error] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), size);
      (void)end;
      if (error == std::errc()) info_.max_size = size;
    } else if (keyword == "AUTH") {
      for (std::size_t j = 1; j < parts.size(); ++j) auth_mechanisms_.insert(upper(parts[j]));
    }
  }
}

asio::awaitable<StepResult> SmtpClientSession::sendEhlo(bool* refused) {
  *refused = false;
  auto result = co_await command("EHLO " + options_.helo_name, "ehlo", options_.timeouts.ehlo);
  if (result.error) co_return std::move(result.error);
  if (result.reply->code == 250) {
    parseEhlo(*result.reply);
    co_return std::nullopt;
  }
  if (result.reply->permanent()) {
    *refused = true;
    co_return std::nullopt;
  }
  co_return replyError("ehlo", *result.reply, options_.peer_name + " refused EHLO");
}

asio::awaitable<StepResult> SmtpClientSession::hello() {
  bool refused = false;
  if (auto error = co_await sendEhlo(&refused)) co_return error;
  if (!refused) co_return std::nullopt;
  // RFC 5321 §4.1.4: an old server that does not know EHLO still knows HELO.
  auto result = co_await command("HELO " + options_.helo_name, "helo", options_.timeouts.ehlo);
  if (result.error) co_return std::move(result.error);
  if (result.reply->code != 250) {
    co_return replyError("helo", *result.reply, options_.peer_name + " refused both EHLO and HELO");
  }
  info_.extensions.clear();
  info_.max_size = 0;
  ehlo_lines_.clear();
  auth_mechanisms_.clear();
  co_return std::nullopt;
}

asio::awaitable<StepResult> SmtpClientSession::startTls() {
  auto result = co_await command("STARTTLS", "starttls", options_.timeouts.ehlo);
  if (result.error) co_return std::move(result.error);
  if (result.reply->code != 220) {
    co_return replyError("starttls", *result.reply, options_.peer_name + " refused STARTTLS");
  }
  if (!read_buffer_.empty()) {
    // RFC 3207 §5 / CVE-2011-0411: bytes sent before the handshake must not be read as if
    // they came over TLS.
    broken_ = true;
    closeSocket();
    co_return SessionError{
        "starttls",
        Error::temporaryFailure("smtp.protocol", options_.peer_name +
                                                     " sent data after its STARTTLS reply, "
                                                     "before TLS started; refusing to continue"),
        std::nullopt};
  }
  if (auto error = co_await handshake()) co_return error;
  // RFC 3207 §4.2: forget what was offered in plain text and ask again.
  co_return co_await hello();
}

StepResult SmtpClientSession::authOutcome(const Reply& reply) {
  if (reply.code == 235) return std::nullopt;
  std::string message;
  if (reply.code == 535) {
    message = options_.peer_name + " rejected the user name or password";
  } else if (reply.code == 454) {
    message = options_.peer_name + " could not check the credentials right now";
  } else {
    message = options_.peer_name + " refused authentication";
  }
  message += " (" + reply.firstLine() + ")";
  if (reply.code == 334) {
    // A challenge we did not expect: the dialogue is out of step.
    broken_ = true;
    usable_ = false;
  }
  Error error = reply.transient() ? Error::temporaryFailure("smtp.auth", std::move(message))
                                  : Error::permanentFailure("smtp.auth", std::move(message));
  return SessionError{"auth", std::move(error), reply};
}

asio::awaitable<StepResult> SmtpClientSession::authPlain() {
  const Credentials& credentials = *options_.credentials;
  std::string token;
  token.push_back('\0');
  token += credentials.username;
  token.push_back('\0');
  token += credentials.password;
  auto result = co_await command("AUTH PLAIN " + base64(token), "auth", options_.timeouts.auth,
                                 "AUTH PLAIN ****");
  if (result.error) co_return std::move(result.error);
  co_return authOutcome(*result.reply);
}

asio::awaitable<StepResult> SmtpClientSession::authLogin() {
  const Credentials& credentials = *options_.credentials;
  const auto timeout = options_.timeouts.auth;
  auto result = co_await command("AUTH LOGIN", "auth", timeout);
  if (result.error) co_return std::move(result.error);
  if (result.reply->code != 334) co_return authOutcome(*result.reply);
  result = co_await command(base64(credentials.username), "auth", timeout, "****");
  if (result.error) co_return std::move(result.error);
  if (result.reply->code != 334) co_return authOutcome(*result.reply);
  result = co_await command(base64(credentials.password), "auth", timeout, "****");
  if (result.error) co_return std::move(result.error);
  co_return authOutcome(*result.reply);
}

asio::awaitable<StepResult> SmtpClientSession::authenticate() {
  if (!options_.credentials) co_return std::nullopt;
  if (!offers("AUTH")) {
    std::string message = options_.peer_name + " does not offer AUTH";
    if (!tls_active_ && offers("STARTTLS")) {
      message += " before STARTTLS; turn TLS on in the relay settings";
    } else {
      message += "; remove the credentials or check the relay's configuration";
    }
    co_return SessionError{"auth", Error::temporaryFailure("smtp.auth_unavailable", message),
                           std::nullopt};
  }
  if (auth_mechanisms_.count("PLAIN")) co_return co_await authPlain();
  if (auth_mechanisms_.count("LOGIN")) co_return co_await authLogin();
  std::string offered;
  for (const auto& mechanism : auth_mechanisms_) offered += " " + mechanism;
  co_return SessionError{"auth",
                         Error::temporaryFailure("smtp.auth_unavailable",
                                                 options_.peer_name + " offers AUTH" + offered +
                                                     " but neither PLAIN nor LOGIN"),
                         std::nullopt};
}

asio::awaitable<StepResult> SmtpClientSession::openAll() {
  if (auto error = co_await connect()) co_return error;
  if (options_.tls == TlsMode::kImplicit) {
    if (auto error = co_await handshake()) co_return error;
  }
  if (auto error = co_await readGreeting()) co_return error;
  if (auto error = co_await hello()) co_return error;
  if (options_.tls == TlsMode::kStartTlsRequired ||
      options_.tls == TlsMode::kStartTlsOpportunistic) {
    if (offers("STARTTLS")) {
      if (auto error = co_await startTls()) co_return error;
    } else if (options_.tls == TlsMode::kStartTlsRequired) {
      co_return SessionError{"starttls",
                             Error::temporaryFailure("smtp.starttls_unavailable",
                                                     "TLS is required but the relay does not "
                                                     "offer STARTTLS"),
                             std::nullopt};
    }
  }
  if (auto error = co_await authenticate()) co_return error;
  usable_ = true;
  co_return std::nullopt;
}

bool SmtpClientSession::recordRecipientReply(ReplyResult& result, const std::string& recipient,
                                             TransactionOutcome& outcome, std::size_t& accepted) {
  if (result.error) {
    outcome.session_error = std::move(result.error);
    return false;
  }
  if (result.reply->positive()) ++accepted;
  outcome.recipient_replies.push_back({recipient, *result.reply});
  if (result.reply->code == 421) {
    outcome.session_error =
        replyError("rcpt", *result.reply, options_.peer_name + " closed the session");
    return false;
  }
  return true;
}

asio::awaitable<void> SmtpClientSession::abortTransaction(TransactionOutcome& outcome) {
  auto result = co_await command("RSET", "rset", options_.timeouts.rset);
  if (result.error) {
    outcome.session_error = std::move(result.error);
  } else if (result.reply->code != 250) {
    usable_ = false;
  }
}

asio::awaitable<void> SmtpClientSession::sendBody(std::string_view message,
                                                  TransactionOutcome& outcome) {
  const std::string payload = encodeData(message);
  note("C: ", "<message body, " + std::to_string(message.size()) + " bytes>");
  const std::string_view view(payload);
  for (std::size_t pos = 0; pos < view.size(); pos += kDataBlock) {
    if (auto error =
            co_await writeAll(view.substr(pos, kDataBlock), "data", options_.timeouts.data_block)) {
      outcome.session_error = std::move(error);
      co_return;
    }
  }
  auto result = co_await readReply("end_of_data", options_.timeouts.data_term, true);
  if (result.error) {
    outcome.session_error = std::move(result.error);
    co_return;
  }
  outcome.remote_queue_id = remoteQueueId(*result.reply);
  if (result.reply->code == 421) {
    outcome.session_error =
        replyError("end_of_data", *result.reply, options_.peer_name + " closed the session");
  }
  outcome.data_reply = std::move(result.reply);
}

asio::awaitable<TransactionOutcome> SmtpClientSession::send(const Envelope& envelope,
                                                            std::string_view message) {
  TransactionOutcome outcome;
  if (!usable_) {
    outcome.session_error = SessionError{
        "mail", Error::temporaryFailure("smtp.connection_lost", "the session is no longer usable"),
        std::nullopt};
    co_return outcome;
  }
  // Refuse bad input before a single byte is written, so the session stays usable.
  bool needs_utf8 = envelope.smtputf8 || hasNonAscii(envelope.mail_from);
  if (hasControl(envelope.mail_from)) {
    outcome.session_error = SessionError{
        "mail",
        Error::permanentFailure("smtp.invalid_address",
                                "the sender address contains a line break or control character"),
        std::nullopt};
    co_return outcome;
  }
  if (envelope.recipients.empty()) {
    outcome.session_error = SessionError{
        "rcpt", Error::permanentFailure("smtp.invalid_address", "the message has no recipient"),
        std::nullopt};
    co_return outcome;
  }
  for (const auto& recipient : envelope.recipients) {
    if (recipient.empty() || hasControl(recipient)) {
      outcome.session_error = SessionError{
          "rcpt",
          Error::permanentFailure("smtp.invalid_address",
                                  "the recipient address \"" + printable(recipient) +
                                      "\" is empty or contains a line break or control character"),
          std::nullopt};
      co_return outcome;
    }
    needs_utf8 = needs_utf8 || hasNonAscii(recipient);
  }
  if (needs_utf8 && !offers("SMTPUTF8")) {
    outcome.session_error = SessionError{
        "mail",
        Error::permanentFailure("smtp.smtputf8_unavailable",
                                options_.peer_name +
                                    " does not support SMTPUTF8, which this message needs "
                                    "(non-ASCII characters in an address)"),
        std::nullopt};
    co_return outcome;
  }

  std::string mail = "MAIL FROM:<" + envelope.mail_from + ">";
  if (offers("SIZE") && envelope.size_hint > 0)
    mail += " SIZE=" + std::to_string(envelope.size_hint);
  if (envelope.eight_bit && offers("8BITMIME")) mail += " BODY=8BITMIME";
  if (needs_utf8) mail += " SMTPUTF8";
  const bool dsn = envelope.dsn.has_value() && offers("DSN");
  if (dsn) {
    if (!envelope.dsn->ret.empty()) mail += " RET=" + envelope.dsn->ret;
    if (!envelope.dsn->envelope_id.empty()) {
      mail += " ENVID=" + encodeXtext(envelope.dsn->envelope_id);
    }
  }
  std::vector<std::string> rcpts;
  rcpts.reserve(envelope.recipients.size());
  for (std::size_t i = 0; i < envelope.recipients.size(); ++i) {
    const std::string& recipient = envelope.recipients[i];
    std::string rcpt = "RCPT TO:<" + recipient + ">";
    if (dsn) {
      const DsnRequest& request = *envelope.dsn;
      const std::string& notify = i < request.notify_for.size() && !request.notify_for[i].empty()
                                      ? request.notify_for[i]
                                      : request.notify;
      if (!notify.empty()) rcpt += " NOTIFY=" + notify;
      const std::string given = i < request.orcpt_for.size() ? request.orcpt_for[i] : "";
      const std::size_t semicolon = given.find(';');
      // RFC 3461 §4.2 addr-type is an atom: anything else is not passed on, least of all a
      // CR or LF that would start a command of its own.
      const bool typed =
          semicolon != std::string::npos && semicolon > 0 &&
          std::all_of(
              given.begin(), given.begin() + static_cast<std::ptrdiff_t>(semicolon),
              [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
      if (typed) {
        // The submitter's own: its address type as given, the address xtext-encoded.
        rcpt +=
            " ORCPT=" + given.substr(0, semicolon) + ";" + encodeXtext(given.substr(semicolon + 1));
      } else if (request.original_recipient && !hasNonAscii(recipient)) {
        // RFC 3461 §4.2: the address as the submitter gave it. A non-ASCII one would need RFC
        // 6533's utf-8-addr encoding; ORCPT is optional, so it is left out there.
        rcpt += " ORCPT=rfc822;" + encodeXtext(recipient);
      }
    }
    rcpts.push_back(std::move(rcpt));
  }

  const auto& timeouts = options_.timeouts;
  std::size_t accepted = 0;
  if (offers("PIPELINING")) {
    // RFC 2920 §3.1: MAIL, every RCPT and DATA in one write; replies come back in order.
    std::string batch;
    note("C: ", mail);
    batch.append(mail).append("\r\n");
    for (const auto& rcpt : rcpts) {
      note("C: ", rcpt);
      batch.append(rcpt).append("\r\n");
    }
    note("C: ", "DATA");
    batch.append("DATA\r\n");
    if (auto error = co_await writeAll(batch, "mail", timeouts.mail)) {
      outcome.session_error = std::move(error);
      co_return outcome;
    }
    auto mail_result = co_await readReply("mail", timeouts.mail);
    if (mail_result.error) {
      outcome.session_error = std::move(mail_result.error);
      co_return outcome;
    }
    outcome.mail_reply = *mail_result.reply;
    if (mail_result.reply->code == 421) {
      outcome.session_error =
          replyError("mail", *mail_result.reply, options_.peer_name + " closed the session");
      co_return outcome;
    }
    for (std::size_t i = 0; i < rcpts.size(); ++i) {
      auto rcpt_result = co_await readReply("rcpt", timeouts.rcpt);
      if (!recordRecipientReply(rcpt_result, envelope.recipients[i], outcome, accepted)) {
        co_return outcome;
      }
    }
    auto data_result = co_await readReply("data", timeouts.data_init);
    if (data_result.error) {
      outcome.session_error = std::move(data_result.error);
      co_return outcome;
    }
    const bool mail_ok = outcome.mail_reply->positive();
    if (data_result.reply->code == 354) {
      if (mail_ok && accepted > 0) {
        co_await sendBody(message, outcome);
      } else {
        // RFC 2920 §3.1: DATA was accepted although no recipient was: end it empty.
        note("C: ", ".");
        if (auto error = co_await writeAll(".\r\n", "data", timeouts.data_block)) {
          outcome.session_error = std::move(error);
          co_return outcome;
        }
        auto end_result = co_await readReply("end_of_data", timeouts.data_term);
        if (end_result.error) outcome.session_error = std::move(end_result.error);
      }
      co_return outcome;
    }
    if (mail_ok && accepted > 0) outcome.data_reply = *data_result.reply;
    if (data_result.reply->code == 421) {
      outcome.session_error =
          replyError("data", *data_result.reply, options_.peer_name + " closed the session");
      co_return outcome;
    }
    if (mail_ok) co_await abortTransaction(outcome);
    co_return outcome;
  }

  // Without PIPELINING: one command at a time, stopping at the first refusal that matters.
  auto mail_result = co_await command(mail, "mail", timeouts.mail);
  if (mail_result.error) {
    outcome.session_error = std::move(mail_result.error);
    co_return outcome;
  }
  outcome.mail_reply = *mail_result.reply;
  if (mail_result.reply->code == 421) {
    outcome.session_error =
        replyError("mail", *mail_result.reply, options_.peer_name + " closed the session");
  }
  if (!mail_result.reply->positive()) co_return outcome;
  for (std::size_t i = 0; i < rcpts.size(); ++i) {
    auto rcpt_result = co_await command(rcpts[i], "rcpt", timeouts.rcpt);
    if (!recordRecipientReply(rcpt_result, envelope.recipients[i], outcome, accepted)) {
      co_return outcome;
    }
  }
  if (accepted == 0) {
    co_await abortTransaction(outcome);
    co_return outcome;
  }
  auto data_result = co_await command("DATA", "data", timeouts.data_init);
  if (data_result.error) {
    outcome.session_error = std::move(data_result.error);
    co_return outcome;
  }
  if (data_result.reply->code != 354) {
    outcome.data_reply = *data_result.reply;
    if (data_result.reply->code == 421) {
      outcome.session_error =
          replyError("data", *data_result.reply, options_.peer_name + " closed the session");
      co_return outcome;
    }
    co_await abortTransaction(outcome);
    co_return outcome;
  }
  co_await sendBody(message, outcome);
  co_return outcome;
}

asio::awaitable<Result<void>> SmtpClientSession::reset() {
  if (!usable_) {
    co_return Error::temporaryFailure("smtp.connection_lost", "the session is no longer usable");
  }
  auto result = co_await command("RSET", "rset", options_.timeouts.rset);
  if (result.error) co_return std::move(result.error->error);
  if (result.reply->code != 250) {
    usable_ = false;
    co_return replyError("rset", *result.reply, options_.peer_name + " refused RSET").error;
  }
  co_return success();
}

asio::awaitable<void> SmtpClientSession::quit() {
  if (stream_.next_layer().is_open() && !broken_) {
    auto result = co_await command("QUIT", "quit", options_.timeouts.quit);
    (void)result;  // the session ends either way
  }
  closeSocket();
}

}  // namespace detail

std::string encodeXtext(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto octet = static_cast<unsigned char>(c);
    if (octet < '!' || octet > '~' || c == '+' || c == '=') {
      out += '+';
      out += kHex[octet >> 4];
      out += kHex[octet & 0x0F];
    } else {
      out += c;
    }
  }
  return out;
}

boost::asio::awaitable<Result<std::unique_ptr<ClientSession>>> ClientSession::open(
    boost::asio::any_io_executor executor, ClientOptions options, SessionError* failure) {
  auto session =
      std::make_unique<detail::SmtpClientSession>(std::move(executor), std::move(options));
  if (auto error = co_await session->openAll()) {
    // Say goodbye politely when the dialogue is still in step (a refused reply, no AUTH…).
    co_await session->quit();
    error->transcript = session->takeTranscript();
    if (failure != nullptr) *failure = *error;
    co_return std::move(error->error);
  }
  co_return std::unique_ptr<ClientSession>(std::move(session));
}

}  // namespace outpost::smtp

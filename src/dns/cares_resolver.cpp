// CaresResolver: c-ares queries driven by Asio. c-ares tells us (ARES_OPT_SOCK_STATE_CB) which
// sockets it wants watched; Asio waits on them and on ares_timeout(), then ares_process_fd() does
// the I/O, so nothing blocks the executor. Wire parsing is c-ares's (RFC 1035); replies untrusted.
#include "dns/cares_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>

#include <algorithm>
#include <array>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <mutex>

#include "dns/reply_ttl.h"

namespace asio = boost::asio;

namespace outpost::dns {
namespace {

// What one ares_query produced: its status and the raw reply, if one came (on success, and on
// NXDOMAIN/NODATA), for c-ares's parsers and readReplyTtls.
struct RawAnswer {
  int status = ARES_SUCCESS;
  std::vector<unsigned char> reply;
};

// A query in flight, owned by c-ares until its callback runs.
struct PendingQuery {
  virtual ~PendingQuery() = default;
  virtual void complete(RawAnswer answer) = 0;
};

Error statusError(RecordType type, const std::string& name, int status) {
  switch (status) {
    case ARES_ENOTFOUND:
      return lookupError(type, name, kNxdomain);
    case ARES_ENODATA:
      return lookupError(type, name, kNodata);
    case ARES_ESERVFAIL:
      return lookupError(type, name, kServfail);
    case ARES_ETIMEOUT:
      return lookupError(type, name, kTimeout);
    case ARES_EREFUSED:
      return lookupError(type, name, kRefused);
    case ARES_ECONNREFUSED:
      // The servers' ports are closed (ICMP unreachable), or none answered usefully.
      return lookupError(type, name, kOtherError, "could not contact the DNS servers");
    default:
      return lookupError(type, name, kOtherError, ares_strerror(status));
  }
}

// Host names as c-ares returns them have no trailing dot; the root (a null MX) comes back empty.
std::string hostName(const char* text) {
  std::string host = normalizeName(text == nullptr ? "" : text);
  return host.empty() ? "." : host;
}

}  // namespace

struct CaresResolver::Impl : std::enable_shared_from_this<CaresResolver::Impl> {
  // One socket c-ares asked us to watch. `closed` guards against c-ares reusing the fd number.
  struct Watch {
    explicit Watch(asio::posix::stream_descriptor d) : descriptor(std::move(d)) {}
    asio::posix::stream_descriptor descriptor;
    bool want_read = false, want_write = false;
    bool reading = false, writing = false;
    bool closed = false;
  };

  explicit Impl(const asio::any_io_executor& ex) : executor(ex), timer(ex) {}

  asio::any_io_executor executor;
  asio::steady_timer timer;
  ares_channel channel = nullptr;
  std::map<ares_socket_t, std::shared_ptr<Watch>> watches;

  static void onSocketState(void* data, ares_socket_t fd, int readable, int writable) {
    static_cast<Impl*>(data)->socketState(fd, readable != 0, writable != 0);
  }

  static void onAnswer(void* arg, int status, int /*timeouts*/, unsigned char* reply, int length) {
    std::unique_ptr<PendingQuery> pending(static_cast<PendingQuery*>(arg));
    RawAnswer answer{status, {}};
    // ares_query hands over the reply of NXDOMAIN and NODATA too: its authority section holds the
    // SOA that says how long the negative answer may be cached.
    if (reply != nullptr && length > 0) {
      answer.reply.assign(reply, reply + length);
    }
    pending->complete(std::move(answer));
  }

  void socketState(ares_socket_t fd, bool readable, bool writable) {
    if (!readable && !writable) {
      auto it = watches.find(fd);
      if (it == watches.end()) return;
      // c-ares closes the fd itself right after this callback: stop waiting, hand it back.
      it->second->closed = true;
      boost::system::error_code ignored;
      it->second->descriptor.cancel(ignored);
      it->second->descriptor.release();
      watches.erase(it);
      return;
    }
    auto& watch = watches[fd];
    if (!watch) watch = std::make_shared<Watch>(asio::posix::stream_descriptor(executor, fd));
    watch->want_read = readable;
    watch->want_write = writable;
    arm(fd, watch);
  }

  void arm(ares_socket_t fd, const std::shared_ptr<Watch>& watch) {
    if (watch->want_read && !watch->reading) {
      watch->reading = true;
      watch->descriptor.async_wait(
          asio::posix::stream_descriptor::wait_read,
          [weak = weak_from_this(), watch, fd](boost::system::error_code error) {
            watch->reading = false;
            auto self = weak.lock();
            if (error || !self || watch->closed) return;
            ares_process_fd(self->channel, fd, ARES_SOCKET_BAD);
            self->afterProcessing(fd, watch);
          });
    }
    if (watch->want_write && !watch->writing) {
      watch->writing = true;
      watch->descriptor.async_wait(
          asio::posix::stream_descriptor::wait_write,
          [weak = weak_from_this(), watch, fd](boost::system::error_code error) {
            watch->writing = false;
            auto self = weak.lock();
            if (error || !self || watch->closed) return;
            ares_process_fd(self->channel, ARES_SOCKET_BAD, fd);
            self->afterProcessing(fd, watch);
          });
    }
  }

  void afterProcessing(ares_socket_t fd, const std::shared_ptr<Watch>& watch) {
    if (!watch->closed) arm(fd, watch);
    rearmTimer();
  }

  // Waits until c-ares's next deadline (a retry or a timeout), then lets it act on it.
  void rearmTimer() {
    if (channel == nullptr) return;
    timeval next{};
    if (ares_timeout(channel, nullptr, &next) == nullptr) {
      timer.cancel();
      return;
    }
    timer.expires_after(std::chrono::seconds(next.tv_sec) +
                        std::chrono::microseconds(next.tv_usec));
    timer.async_wait([weak = weak_from_this()](boost::system::error_code error) {
      auto self = weak.lock();
      if (error || !self || self->channel == nullptr) return;
      ares_process_fd(self->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      self->rearmTimer();
    });
  }

  void shutdown() {
    if (channel != nullptr) {
      // Runs the callbacks of queries in flight with ARES_EDESTRUCTION and closes the sockets.
      ares_destroy(channel);
      channel = nullptr;
    }
    timer.cancel();
    for (auto& [fd, watch] : watches) {
      watch->closed = true;
      boost::system::error_code ignored;
      watch->descriptor.cancel(ignored);
      watch->descriptor.release();
    }
    watches.clear();
  }

  template <class Token>
  auto asyncQuery(std::string name, int type, Token&& token) {
    return asio::async_initiate<Token, void(RawAnswer)>(
        [self = shared_from_this()](auto handler, const std::string& query_name, int query_type) {
          using Handler = decltype(handler);
          struct Pending final : PendingQuery {
            Pending(Handler h, asio::any_io_executor fallback)
                : handler(std::move(h)), executor(std::move(fallback)) {}
            Handler handler;
            asio::any_io_executor executor;
            // c-ares may call back from inside ares_query or ares_destroy: never resume the
            // caller from there, post to its executor.
            void complete(RawAnswer answer) override {
              auto target = asio::get_associated_executor(handler, executor);
              asio::post(target, [h = std::move(handler), a = std::move(answer)]() mutable {
                std::move(h)(std::move(a));
              });
            }
          };
          if (self->channel == nullptr) {
            Pending(std::move(handler), self->executor).complete(RawAnswer{ARES_EDESTRUCTION, {}});
            return;
          }
          auto* pending = new Pending(std::move(handler), self->executor);
          ares_query(self->channel, query_name.c_str(), ns_c_in, query_type, &Impl::onAnswer,
                     pending);
          self->rearmTimer();
        },
        token, std::move(name), type);
  }

  asio::awaitable<RawAnswer> query(std::string name, int type) {
    co_return co_await asyncQuery(std::move(name), type, asio::use_awaitable);
  }
};

Result<std::unique_ptr<CaresResolver>> CaresResolver::create(const asio::any_io_executor& executor,
                                                             const CaresOptions& options) {
  static std::once_flag library_once;
  static int library_status = ARES_SUCCESS;
  std::call_once(library_once, [] { library_status = ares_library_init(ARES_LIB_INIT_ALL); });
  if (library_status != ARES_SUCCESS) {
    return Error::permanentFailure(std::string(kOtherError),
                                   std::string("c-ares: ") + ares_strerror(library_status));
  }
  auto impl = std::make_shared<Impl>(executor);
  ares_options ares{};
  ares.sock_state_cb = &Impl::onSocketState;
  ares.sock_state_cb_data = impl.get();
  ares.timeout = static_cast<int>(std::max<std::int64_t>(1, options.timeout.count()));
  ares.tries = std::max(1, options.tries);
  // Without NOCHECKRESP, c-ares 1.18 drops a SERVFAIL or REFUSED reply to try the next server and,
  // when none is left, reports ARES_ECONNREFUSED ("Could not contact DNS servers"): the SERVFAIL
  // would be lost. With it, ares_query maps the RCODE itself (ARES_ESERVFAIL, ARES_EREFUSED). The
  // price: such a reply from the first server is final for that query (timeouts and unreachable
  // servers still fail over); the delivery retry asks again later.
  ares.flags = ARES_FLAG_NOCHECKRESP;
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
  int status = ares_init_options(&impl->channel, &ares, mask);
  if (status != ARES_SUCCESS) {
    impl->channel = nullptr;
    return Error::permanentFailure(std::string(kOtherError),
                                   std::string("c-ares could not start: ") + ares_strerror(status));
  }
  if (!options.servers.empty()) {
    status = ares_set_servers_ports_csv(impl->channel, options.servers.c_str());
    if (status != ARES_SUCCESS) {
      impl->shutdown();
      return Error::permanentFailure(
          std::string(kOtherError),
          "DNS server list \"" + options.servers + "\" is not valid: " + ares_strerror(status));
    }
  }
  return std::unique_ptr<CaresResolver>(new CaresResolver(std::move(impl)));
}

CaresResolver::~CaresResolver() { impl_->shutdown(); }

Error CaresResolver::failure(RecordType type, const std::string& name, int status,
                             const std::vector<unsigned char>& reply) {
  if (status == ARES_ENOTFOUND || status == ARES_ENODATA) {
    last_negative_ = NegativeAnswer{type, normalizeName(name),
                                    readReplyTtls(reply.data(), reply.size()).negative};
  }
  return statusError(type, name, status);
}

std::optional<std::chrono::seconds> CaresResolver::negativeTtl(RecordType type,
                                                               std::string_view name) const {
  if (!last_negative_ || last_negative_->type != type ||
      last_negative_->name != normalizeName(name)) {
    return std::nullopt;
  }
  return last_negative_->ttl;
}

namespace {

// The TTL of a reply whose records c-ares parses without TTLs (MX, TXT, PTR).
std::chrono::seconds answerTtl(const std::vector<unsigned char>& reply) {
  return readReplyTtls(reply.data(), reply.size()).answer.value_or(std::chrono::seconds(0));
}

// Addresses of an A or AAAA reply as text.
std::vector<std::string> addressTexts(const hostent* host, int family) {
  std::vector<std::string> out;
  if (host == nullptr || host->h_addr_list == nullptr) return out;
  for (char** item = host->h_addr_list; *item != nullptr; ++item) {
    char text[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(family, *item, text, sizeof text) != nullptr) out.emplace_back(text);
  }
  return out;
}

// Up to this many addresses report a TTL; an RRset has one TTL (RFC 2181 §5.2), so the first
// ones are enough.
constexpr int kMaxAddressTtls = 32;

// The smallest TTL c-ares reported with the addresses (it already folds in CNAME TTLs).
template <class AddressTtl>
std::chrono::seconds addressTtl(const std::array<AddressTtl, kMaxAddressTtls>& ttls, int count) {
  if (count <= 0) return std::chrono::seconds(0);
  int smallest = ttls[0].ttl;
  for (int i = 1; i < count && i < kMaxAddressTtls; ++i) smallest = std::min(smallest, ttls[i].ttl);
  return std::chrono::seconds(std::max(0, smallest));
}

}  // namespace

asio::awaitable<Result<Answer<MxRecord>>> CaresResolver::lookupMx(std::string name) {
  RawAnswer raw = co_await impl_->query(name, ns_t_mx);
  if (raw.status != ARES_SUCCESS) co_return failure(RecordType::mx, name, raw.status, raw.reply);
  ares_mx_reply* list = nullptr;
  int status = ares_parse_mx_reply(raw.reply.data(), static_cast<int>(raw.reply.size()), &list);
  if (status != ARES_SUCCESS) co_return failure(RecordType::mx, name, status, raw.reply);
  Answer<MxRecord> answer{{}, answerTtl(raw.reply)};
  for (ares_mx_reply* item = list; item != nullptr; item = item->next) {
    answer.records.push_back(MxRecord{item->priority, hostName(item->host)});
  }
  ares_free_data(list);
  if (answer.records.empty()) co_return failure(RecordType::mx, name, ARES_ENODATA, raw.reply);
  std::stable_sort(
      answer.records.begin(), answer.records.end(),
      [](const MxRecord& x, const MxRecord& y) { return x.preference < y.preference; });
  co_return answer;
}

asio::awaitable<Result<Answer<std::string>>> CaresResolver::lookupA(std::string name) {
  RawAnswer raw = co_await impl_->query(name, ns_t_a);
  if (raw.status != ARES_SUCCESS) co_return failure(RecordType::a, name, raw.status, raw.reply);
  hostent* host = nullptr;
  std::array<ares_addrttl, kMaxAddressTtls> ttls{};
  int ttl_count = kMaxAddressTtls;
  int status = ares_parse_a_reply(raw.reply.data(), static_cast<int>(raw.reply.size()), &host,
                                  ttls.data(), &ttl_count);
  if (status != ARES_SUCCESS) co_return failure(RecordType::a, name, status, raw.reply);
  Answer<std::string> answer{addressTexts(host, AF_INET), addressTtl(ttls, ttl_count)};
  ares_free_hostent(host);
  if (answer.records.empty()) co_return failure(RecordType::a, name, ARES_ENODATA, raw.reply);
  co_return answer;
}

asio::awaitable<Result<Answer<std::string>>> CaresResolver::lookupAaaa(std::string name) {
  RawAnswer raw = co_await impl_->query(name, ns_t_aaaa);
  if (raw.status != ARES_SUCCESS) co_return failure(RecordType::aaaa, name, raw.status, raw.reply);
  hostent* host = nullptr;
  std::array<ares_addr6ttl, kMaxAddressTtls> ttls{};
  int ttl_count = kMaxAddressTtls;
  int status = ares_parse_aaaa_reply(raw.reply.data(), static_cast<int>(raw.reply.size()), &host,
                                     ttls.data(), &ttl_count);
  if (status != ARES_SUCCESS) co_return failure(RecordType::aaaa, name, status, raw.reply);
  Answer<std::string> answer{addressTexts(host, AF_INET6), addressTtl(ttls, ttl_count)};
  ares_free_hostent(host);
  if (answer.records.empty()) co_return failure(RecordType::aaaa, name, ARES_ENODATA, raw.reply);
  co_return answer;
}

asio::awaitable<Result<Answer<std::string>>> CaresResolver::lookupTxt(std::string name) {
  RawAnswer raw = co_await impl_->query(name, ns_t_txt);
  if (raw.status != ARES_SUCCESS) co_return failure(RecordType::txt, name, raw.status, raw.reply);
  ares_txt_ext* list = nullptr;
  int status =
      ares_parse_txt_reply_ext(raw.reply.data(), static_cast<int>(raw.reply.size()), &list);
  if (status != ARES_SUCCESS) co_return failure(RecordType::txt, name, status, raw.reply);
  // RFC 7208 §3.3: the character-strings of one record are joined without spaces.
  Answer<std::string> answer{{}, answerTtl(raw.reply)};
  for (ares_txt_ext* item = list; item != nullptr; item = item->next) {
    if (item->record_start != 0 || answer.records.empty()) answer.records.emplace_back();
    answer.records.back().append(reinterpret_cast<const char*>(item->txt), item->length);
  }
  ares_free_data(list);
  if (answer.records.empty()) co_return failure(RecordType::txt, name, ARES_ENODATA, raw.reply);
  co_return answer;
}

asio::awaitable<Result<Answer<std::string>>> CaresResolver::lookupPtr(std::string address) {
  std::string reverse = reverseName(address);
  unsigned char bytes[16] = {};
  int family = AF_INET;
  int length = 4;
  if (inet_pton(AF_INET, address.c_str(), bytes) != 1) {
    family = AF_INET6;
    length = 16;
    if (reverse.empty() || inet_pton(AF_INET6, address.c_str(), bytes) != 1) {
      co_return Error::permanentFailure(std::string(kOtherError),
                                        "PTR lookup for " + address + ": not an IP address");
    }
  }
  RawAnswer raw = co_await impl_->query(reverse, ns_t_ptr);
  if (raw.status != ARES_SUCCESS) {
    co_return failure(RecordType::ptr, address, raw.status, raw.reply);
  }
  hostent* host = nullptr;
  int status = ares_parse_ptr_reply(raw.reply.data(), static_cast<int>(raw.reply.size()), bytes,
                                    length, family, &host);
  if (status != ARES_SUCCESS) co_return failure(RecordType::ptr, address, status, raw.reply);
  // c-ares keeps every PTR target in h_aliases (and the last one again in h_name).
  Answer<std::string> answer{{}, answerTtl(raw.reply)};
  auto add = [&names = answer.records](const char* text) {
    std::string name = hostName(text);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  if (host != nullptr && host->h_aliases != nullptr) {
    for (char** alias = host->h_aliases; *alias != nullptr; ++alias) add(*alias);
  }
  if (answer.records.empty() && host != nullptr && host->h_name != nullptr) add(host->h_name);
  ares_free_hostent(host);
  if (answer.records.empty()) {
    co_return failure(RecordType::ptr, address, ARES_ENODATA, raw.reply);
  }
  co_return answer;
}

asio::awaitable<Result<bool>> CaresResolver::hasSpfTypeRecords(std::string name) {
  // RR type 99 (RFC 7208 §14.1). c-ares has no parser for it, and none is needed: the question
  // is only whether the name has such records, which the status alone answers (NOERROR with an
  // empty answer section already comes back as ARES_ENODATA).
  constexpr int kSpfType = 99;
  RawAnswer raw = co_await impl_->query(name, kSpfType);
  if (raw.status == ARES_SUCCESS) co_return true;
  if (raw.status == ARES_ENODATA || raw.status == ARES_ENOTFOUND) co_return false;
  Error error = statusError(RecordType::txt, name, raw.status);
  error.message.replace(0, std::string_view("TXT").size(), "SPF (type 99)");
  co_return error;
}

}  // namespace outpost::dns

// CaresResolver: c-ares queries driven by Asio. c-ares tells us (ARES_OPT_SOCK_STATE_CB) which
// sockets it wants watched; Asio waits on them and on ares_timeout(), then ares_process_fd() does
// the I/O, so nothing blocks the executor. Wire parsing is c-ares's (RFC 1035); replies untrusted.
#include "dns/cares_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>

#include <algorithm>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <mutex>

namespace asio = boost::asio;

namespace outpost::dns {
namespace {

// What one ares_query produced: its status and, on success, the raw reply for c-ares's parsers.
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
    case ARES_ECONNREFUSED:
    case ARES_EREFUSED:
      return lookupError(type, name, kRefused, ares_strerror(status));
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

  explicit Impl(asio::any_io_executor ex) : executor(ex), timer(ex) {}

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
    if (status == ARES_SUCCESS && reply != nullptr && length > 0) {
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
        [self = shared_from_this()](auto handler, std::string query_name, int query_type) {
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

Result<std::unique_ptr<CaresResolver>> CaresResolver::create(asio::any_io_executor executor,
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
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
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

asio::awaitable<Result<std::vector<MxRecord>>> CaresResolver::lookupMx(std::string name) {
  RawAnswer answer = co_await impl_->query(name, ns_t_mx);
  if (answer.status != ARES_SUCCESS) co_return statusError(RecordType::mx, name, answer.status);
  ares_mx_reply* list = nullptr;
  int status =
      ares_parse_mx_reply(answer.reply.data(), static_cast<int>(answer.reply.size()), &list);
  if (status != ARES_SUCCESS) co_return statusError(RecordType::mx, name, status);
  std::vector<MxRecord> records;
  for (ares_mx_reply* item = list; item != nullptr; item = item->next) {
    records.push_back(MxRecord{item->priority, hostName(item->host)});
  }
  ares_free_data(list);
  if (records.empty()) co_return lookupError(RecordType::mx, name, kNodata);
  std::stable_sort(records.begin(), records.end(), [](const MxRecord& x, const MxRecord& y) {
    return x.preference < y.preference;
  });
  co_return records;
}

namespace {

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

}  // namespace

asio::awaitable<Result<std::vector<std::string>>> CaresResolver::lookupA(std::string name) {
  RawAnswer answer = co_await impl_->query(name, ns_t_a);
  if (answer.status != ARES_SUCCESS) co_return statusError(RecordType::a, name, answer.status);
  hostent* host = nullptr;
  int status = ares_parse_a_reply(answer.reply.data(), static_cast<int>(answer.reply.size()), &host,
                                  nullptr, nullptr);
  if (status != ARES_SUCCESS) co_return statusError(RecordType::a, name, status);
  auto addresses = addressTexts(host, AF_INET);
  ares_free_hostent(host);
  if (addresses.empty()) co_return lookupError(RecordType::a, name, kNodata);
  co_return addresses;
}

asio::awaitable<Result<std::vector<std::string>>> CaresResolver::lookupAaaa(std::string name) {
  RawAnswer answer = co_await impl_->query(name, ns_t_aaaa);
  if (answer.status != ARES_SUCCESS) co_return statusError(RecordType::aaaa, name, answer.status);
  hostent* host = nullptr;
  int status = ares_parse_aaaa_reply(answer.reply.data(), static_cast<int>(answer.reply.size()),
                                     &host, nullptr, nullptr);
  if (status != ARES_SUCCESS) co_return statusError(RecordType::aaaa, name, status);
  auto addresses = addressTexts(host, AF_INET6);
  ares_free_hostent(host);
  if (addresses.empty()) co_return lookupError(RecordType::aaaa, name, kNodata);
  co_return addresses;
}

asio::awaitable<Result<std::vector<std::string>>> CaresResolver::lookupTxt(std::string name) {
  RawAnswer answer = co_await impl_->query(name, ns_t_txt);
  if (answer.status != ARES_SUCCESS) co_return statusError(RecordType::txt, name, answer.status);
  ares_txt_ext* list = nullptr;
  int status =
      ares_parse_txt_reply_ext(answer.reply.data(), static_cast<int>(answer.reply.size()), &list);
  if (status != ARES_SUCCESS) co_return statusError(RecordType::txt, name, status);
  // RFC 7208 §3.3: the character-strings of one record are joined without spaces.
  std::vector<std::string> records;
  for (ares_txt_ext* item = list; item != nullptr; item = item->next) {
    if (item->record_start != 0 || records.empty()) records.emplace_back();
    records.back().append(reinterpret_cast<const char*>(item->txt), item->length);
  }
  ares_free_data(list);
  if (records.empty()) co_return lookupError(RecordType::txt, name, kNodata);
  co_return records;
}

asio::awaitable<Result<std::vector<std::string>>> CaresResolver::lookupPtr(std::string address) {
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
  RawAnswer answer = co_await impl_->query(reverse, ns_t_ptr);
  if (answer.status != ARES_SUCCESS) co_return statusError(RecordType::ptr, address, answer.status);
  hostent* host = nullptr;
  int status = ares_parse_ptr_reply(answer.reply.data(), static_cast<int>(answer.reply.size()),
                                    bytes, length, family, &host);
  if (status != ARES_SUCCESS) co_return statusError(RecordType::ptr, address, status);
  // c-ares keeps every PTR target in h_aliases (and the last one again in h_name).
  std::vector<std::string> names;
  auto add = [&names](const char* text) {
    std::string name = hostName(text);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  if (host != nullptr && host->h_aliases != nullptr) {
    for (char** alias = host->h_aliases; *alias != nullptr; ++alias) add(*alias);
  }
  if (names.empty() && host != nullptr && host->h_name != nullptr) add(host->h_name);
  ares_free_hostent(host);
  if (names.empty()) co_return lookupError(RecordType::ptr, address, kNodata);
  co_return names;
}

}  // namespace outpost::dns

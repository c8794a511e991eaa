// Streamed responses (server-sent events) on a Beast connection. The client is untrusted and
// may stop reading: every write has a deadline, and a failed write ends the stream.
#include "http/stream_response.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>

namespace outpost::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

// A client that takes longer than this to accept a few bytes is gone.
constexpr std::chrono::seconds kStreamWriteTimeout{30};

class ChannelWriter final : public StreamWriter {
 public:
  explicit ChannelWriter(StreamChannel channel) : channel_(channel) {}

  asio::awaitable<bool> write(std::string_view chunk) override {
    if (channel_.stopping) co_return false;
    channel_.stream.expires_after(kStreamWriteTimeout);
    auto [ec, written] = co_await asio::async_write(channel_.stream, asio::buffer(chunk),
                                                    asio::as_tuple(asio::use_awaitable));
    channel_.stream.expires_never();
    co_return !ec && !channel_.stopping;
  }

  asio::awaitable<bool> wait(std::chrono::milliseconds delay) override {
    if (channel_.stopping) co_return false;
    channel_.timer.expires_after(delay);
    // Cancelled by stop() or expired: either way `stopping` says whether to go on.
    (void)co_await channel_.timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return !channel_.stopping && channel_.stream.socket().is_open();
  }

 private:
  StreamChannel channel_;
};

}  // namespace

asio::awaitable<void> sendStream(const StreamChannel& channel, Response& response,
                                 unsigned version) {
  bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(response.status), version};
  head.set(bhttp::field::server, "outpost");
  head.set(bhttp::field::content_type, response.content_type);
  head.set(bhttp::field::cache_control, "no-store");
  head.set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : response.headers) head.insert(name, value);
  // The body ends when the connection closes: no length, no chunking to undo in proxies.
  head.keep_alive(false);
  bhttp::response_serializer<bhttp::empty_body> serializer{head};
  channel.stream.expires_after(kStreamWriteTimeout);
  auto [ec, written] = co_await bhttp::async_write_header(channel.stream, serializer,
                                                          asio::as_tuple(asio::use_awaitable));
  channel.stream.expires_never();
  if (ec || channel.stopping) co_return;
  ChannelWriter writer(channel);
  co_await response.stream(writer);
}

}  // namespace outpost::http

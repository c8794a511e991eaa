// /api/v1/events: live updates for the console as a text/event-stream (HTML Living Standard,
// "Server-sent events"). It carries no message data, only the store's change sequence, so
// any authenticated caller may listen; the console refetches what it shows when it moves.
#include <string>

#include "http/router.h"

namespace outpost::http {

namespace {

// How often the store's sequence is looked at; at most one event is sent per poll.
constexpr std::chrono::milliseconds kPollInterval{500};
// A comment line now and then, so that proxies and browsers keep an idle stream open.
constexpr std::chrono::milliseconds kKeepaliveInterval{15'000};

boost::asio::awaitable<void> streamChanges(const store::Store& store, StreamWriter& writer) {
  std::uint64_t seen = store.changeSequence();
  std::string hello = "retry: 3000\n\n";
  if (!co_await writer.write(hello)) co_return;
  auto quiet = std::chrono::milliseconds::zero();
  for (;;) {
    if (!co_await writer.wait(kPollInterval)) co_return;
    const std::uint64_t now = store.changeSequence();
    std::string chunk;
    if (now != seen) {
      seen = now;
      chunk = "event: change\ndata: {\"seq\":" + std::to_string(now) + "}\n\n";
      quiet = std::chrono::milliseconds::zero();
    } else if ((quiet += kPollInterval) >= kKeepaliveInterval) {
      chunk = ": keepalive\n\n";
      quiet = std::chrono::milliseconds::zero();
    }
    if (!chunk.empty() && !co_await writer.write(chunk)) co_return;
  }
}

boost::asio::awaitable<Response> getEvents(Context& context) {
  Response response;
  response.content_type = "text/event-stream";
  response.headers.emplace_back("X-Accel-Buffering", "no");  // nginx: pass events on at once
  const store::Store& store = context.deps.store;
  response.stream = [&store](StreamWriter& writer) { return streamChanges(store, writer); };
  co_return response;
}

}  // namespace

void addEventRoutes(Router& router) { router.add("GET", "/api/v1/events", &getEvents); }

}  // namespace outpost::http

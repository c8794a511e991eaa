// GET /api/v1/sandbox/messages: the messages the sandbox route captured, with the list
// endpoint's parameters and the caller's visibility rules.
#include "http/messages_resource.h"
#include "http/router.h"

namespace outpost::http {

namespace {

// The server name delivery records for attempts made by the sandbox route.
constexpr const char* kSandboxServer = "sandbox";

boost::asio::awaitable<Response> getSandboxMessages(Context& context) {
  co_return co_await listMessages(context, std::string(kSandboxServer));
}

}  // namespace

void addSandboxRoutes(Router& router) {
  router.add("GET", "/api/v1/sandbox/messages", &getSandboxMessages);
}

}  // namespace outpost::http

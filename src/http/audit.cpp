#include "http/audit.h"

#include <spdlog/spdlog.h>

#include "http/auth.h"
#include "io/blocking.h"

namespace outpost::http {

boost::asio::awaitable<void> recordAudit(Context& context, std::string action, std::string target,
                                         std::string detail) {
  store::AuditEntry entry;
  entry.at = context.deps.clock.now();
  if (context.principal != nullptr) {
    entry.user_id = context.principal->user.id;
    entry.actor = context.principal->user.email;
  } else {
    entry.actor = "anonymous";
  }
  entry.action = std::move(action);
  entry.target = std::move(target);
  entry.detail = std::move(detail);
  auto append = [&] { return context.deps.store.appendAudit(entry); };
  auto appended = co_await io::runBlocking(context.deps.blocking, append);
  if (!appended) {
    spdlog::warn("audit: could not record {} {} by {}: {}", entry.action, entry.target, entry.actor,
                 appended.error().message);
  }
}

}  // namespace outpost::http

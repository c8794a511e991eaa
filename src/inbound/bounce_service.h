// The bounce listener: takes back DSNs (RFC 3464) and bounces sent to the VERP return paths
// outpost issued, and nothing else (no relay, no mailbox: any other recipient is refused at
// RCPT). Each report is parsed and classified (bounce module) and recorded with the recipient
// the VERP token names: delivered, failed (and suppressed when hard), delayed, or just an event.
// Reports are untrusted: the token is authenticated, the size is bounded, and a report can only
// speak about the recipient its token names.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>

#include "bounce/bounce_report.h"
#include "bounce/verp.h"
#include "core/clock.h"
#include "core/config.h"
#include "smtp/server.h"
#include "store/store.h"

namespace outpost::inbound {

struct BounceDependencies {
  const Config& config;
  const Clock& clock;
  store::Store& store;
  boost::asio::any_io_executor blocking;
  bounce::VerpCodec verp;
};

class BounceService final : public smtp::ServerHandler {
 public:
  explicit BounceService(BounceDependencies dependencies);
  std::unique_ptr<smtp::SessionHandler> open(const smtp::ClientInfo& client) override;

  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

// Which of the report's recipients speaks about `address` (Final-Recipient or
// Original-Recipient, without case); a report about a single recipient is taken as being about
// the one its VERP token names even when the address differs (forwarding, aliases). nullptr
// when none does.
const bounce::BouncedRecipient* matchRecipient(const bounce::BounceReport& report,
                                               const std::string& address);

// What one report recipient does to the outpost recipient: its delivery status, the event, and
// a suppression for a hard bounce when `suppress_hard_bounces`.
store::ReportEffect effectOf(const bounce::BounceReport& report,
                             const bounce::BouncedRecipient* recipient,
                             const store::RecipientRef& target, bool suppress_hard_bounces,
                             UnixMillis now);

}  // namespace outpost::inbound

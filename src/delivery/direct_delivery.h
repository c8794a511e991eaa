// One attempt to deliver one message's recipients at one domain straight to that domain's MX
// hosts (RFC 5321 §5.1): plan the hosts (mx_plan.h), then try them in order within the attempt —
// the next address on a connection failure or a 4xx — with the domain's TLS policy, reusing
// sessions (sessions.h). Each server tried becomes an attempt row of its own.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "delivery/mx_plan.h"
#include "delivery/routing.h"
#include "delivery/sessions.h"
#include "dns/resolver.h"
#include "store/store.h"

namespace outpost::delivery {

struct DirectJob {
  std::string domain;  // the recipients' domain
  const std::vector<store::DueRecipient>* recipients = nullptr;
  const std::string* raw = nullptr;  // the message, CRLF
  std::string prelude;               // transcript lines from before (a relay's fallback)
  TlsPolicy tls = TlsPolicy::kOpportunistic;
};

struct DirectOutcome {
  // One per recipient; servers tried before the last one are in each update's failovers.
  std::vector<store::RecipientUpdate> updates;
  // "421 4.7.0 Try again later from mx1.example.org [192.0.2.1]" when a host asked to slow down
  // and some recipient is still not delivered; "" otherwise.
  std::string slow_down;
  bool delivered_any = false;
};

struct DirectDelivery {
  const Config& config;
  const Clock& clock;
  dns::Resolver& resolver;
  Sessions& sessions;
  std::mt19937& random;
  std::size_t open_elsewhere = 0;  // sessions other workers hold (for Sessions::acquire)

  // `held` is the worker's warm session: tried first when it goes to one of the most preferred
  // hosts; it holds the last usable session afterwards.
  boost::asio::awaitable<DirectOutcome> deliver(const DirectJob& job,
                                                std::optional<PooledSession>& held);
};

// The client options for one MX address under a TLS policy.
smtp::ClientOptions mxClientOptions(const MxCandidate& candidate, TlsPolicy policy,
                                    const Config& config);

}  // namespace outpost::delivery

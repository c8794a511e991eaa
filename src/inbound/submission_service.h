// SMTP submission (RFC 6409): who may hand mail in over SMTP, and handing it to intake, the same
// path into the store as the HTTP API. An API key is an SMTP credential (user name: the key's
// name, password: the key); failed logins are rate-limited per client address; clients in the
// trusted networks may submit without AUTH. No open relay: without one of the two, nothing is
// accepted for delivery. Credentials and envelopes are untrusted input from the network.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "core/clock.h"
#include "core/config.h"
#include "core/failure_limiter.h"
#include "intake/intake.h"
#include "smtp/network_list.h"
#include "smtp/server.h"
#include "store/store.h"

namespace outpost::inbound {

struct SubmissionDependencies {
  const Config& config;
  const Clock& clock;
  store::Store& store;
  intake::Intake& intake;
  boost::asio::any_io_executor blocking;  // store and intake calls run here, never on I/O threads
  smtp::NetworkList trusted_networks;
  // Whom mail from the trusted networks is accepted for (the first super admin); its
  // api_key_name is replaced by "trusted:<client address>".
  intake::Submitter trusted_submitter;
};

class SubmissionService final : public smtp::ServerHandler {
 public:
  explicit SubmissionService(SubmissionDependencies dependencies);
  std::unique_ptr<smtp::SessionHandler> open(const smtp::ClientInfo& client) override;

  // Shared state of the sessions (see the .cpp).
  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

// The reply to a submission that intake refused or accepted: 250 with outpost's id, or the
// SMTP form of intake's error (552 too large, 550 5.7.1 domain not allowed, 451 store down…).
std::string submissionReply(const Result<intake::Accepted>& outcome);

}  // namespace outpost::inbound

// The envelope of an outgoing transaction: MAIL FROM and the DSN request (RFC 3461). Once
// bounce processing is on (a return-path domain is configured), every recipient goes out with
// its own VERP return path bounces+TOKEN@domain, so a report names its recipient even when its
// body does not, and DSNs are requested (NOTIFY=SUCCESS,FAILURE,DELAY, RET=HDRS, ENVID, ORCPT)
// to learn Delivered or Failed through a relay. Before that, MAIL FROM is the submitter's and
// only the DSN parameters a submitter gave are passed on.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "bounce/verp.h"
#include "smtp/client.h"
#include "store/store.h"

namespace outpost::delivery {

class ReturnPath {
 public:
  explicit ReturnPath(std::optional<bounce::VerpCodec> verp = std::nullopt)
      : verp_(std::move(verp)) {}

  // One recipient per transaction: each has its own return path.
  bool perRecipient() const { return verp_.has_value(); }
  // The envelope for `recipients` (one message) of a `size`-octet message.
  smtp::Envelope envelopeFor(const std::vector<store::DueRecipient>& recipients,
                             std::size_t size) const;

 private:
  std::optional<bounce::VerpCodec> verp_;
};

}  // namespace outpost::delivery

// Paused delivery: a person stops all outbound mail, or mail to some recipient domains, for
// example while a relay's password is being changed or a provider is blocking us. Paused mail stays
// queued and loses nothing; the Outbox says why it waits. Kept in the store's settings, so a
// restart keeps it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace outpost::delivery {

struct DeliveryPauses {
  bool all = false;
  std::vector<std::string> destinations;  // lowercase recipient domains
  std::string changed_by;                 // who paused, for the Outbox's reason
  UnixMillis changed_at = 0;

  // Whether mail to `domain` (a recipient's domain) waits.
  bool holds(std::string_view domain) const;
  // The Outbox's reason for a recipient of `domain` that waits.
  std::string reason(std::string_view domain) const;
};

class PauseRepository {
 public:
  explicit PauseRepository(store::Store& store) : store_(store) {}
  // Nothing paused when nothing was saved.
  Result<DeliveryPauses> load();
  Result<void> save(const DeliveryPauses& pauses);

 private:
  store::Store& store_;
};

}  // namespace outpost::delivery

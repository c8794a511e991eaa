#include "delivery/pauses.h"

#include <algorithm>
#include <boost/json.hpp>

#include "core/text.h"

namespace outpost::delivery {

namespace {

constexpr std::string_view kSettingKey = "delivery_pauses";

}  // namespace

bool DeliveryPauses::holds(std::string_view domain) const {
  if (all) return true;
  const std::string lowered = lowercase(domain);
  return std::find(destinations.begin(), destinations.end(), lowered) != destinations.end();
}

std::string DeliveryPauses::reason(std::string_view domain) const {
  std::string text =
      all ? std::string("delivery is paused") : "delivery to " + lowercase(domain) + " is paused";
  if (!changed_by.empty()) text += " by " + changed_by;
  if (changed_at > 0) text += " since " + formatRfc3339(changed_at);
  return text + "; it resumes when someone resumes it";
}

Result<DeliveryPauses> PauseRepository::load() {
  auto stored = store_.getSetting(kSettingKey);
  if (!stored) return stored.takeError();
  DeliveryPauses pauses;
  if (!stored->has_value()) return pauses;
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(**stored, ec);
  if (ec || !parsed.is_object()) {
    return Error::permanentFailure("settings.corrupt",
                                   "the saved delivery pauses do not parse: PUT them again");
  }
  const auto& object = parsed.get_object();
  if (const auto* all = object.if_contains("all"); all && all->is_bool())
    pauses.all = all->as_bool();
  if (const auto* list = object.if_contains("destinations"); list && list->is_array()) {
    for (const auto& item : list->as_array()) {
      if (item.is_string()) pauses.destinations.emplace_back(item.as_string());
    }
  }
  if (const auto* by = object.if_contains("changed_by"); by && by->is_string()) {
    pauses.changed_by = std::string(by->as_string());
  }
  if (const auto* at = object.if_contains("changed_at"); at && at->is_int64()) {
    pauses.changed_at = at->as_int64();
  }
  return pauses;
}

Result<void> PauseRepository::save(const DeliveryPauses& pauses) {
  boost::json::array destinations;
  for (const auto& destination : pauses.destinations) destinations.emplace_back(destination);
  boost::json::object object{{"all", pauses.all},
                             {"destinations", std::move(destinations)},
                             {"changed_by", pauses.changed_by},
                             {"changed_at", pauses.changed_at}};
  return store_.putSetting(kSettingKey, boost::json::serialize(object));
}

}  // namespace outpost::delivery

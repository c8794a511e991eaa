// /api/v1/stats/volume: the Overview charts' counts per hour or day, restricted to what the
// caller may list (auth.h). The range is untrusted: it is parsed strictly, aligned to whole
// buckets (UTC), and bounded by the store (at most kMaxVolumeBuckets buckets).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/clock.h"
#include "http/auth.h"
#include "http/json_errors.h"
#include "http/messages_resource.h"
#include "http/router.h"
#include "io/blocking.h"

namespace outpost::http {

namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;
// Without `since`: the last 24 hours by hour, the last 30 days by day.
constexpr int kDefaultHours = 24;
constexpr int kDefaultDays = 30;

std::int64_t floorTo(std::int64_t at, std::int64_t step) {
  const std::int64_t rest = at % step;
  return rest < 0 ? at - rest - step : at - rest;
}

std::int64_t ceilTo(std::int64_t at, std::int64_t step) {
  const std::int64_t floor = floorTo(at, step);
  return floor == at ? at : floor + step;
}

boost::json::object bucketJson(const store::VolumeBucket& bucket) {
  return {{"at", formatRfc3339(bucket.at)}, {"accepted", bucket.accepted},
          {"processed", bucket.processed},  {"delivered", bucket.delivered},
          {"failed", bucket.failed},        {"deferred", bucket.deferred}};
}

boost::asio::awaitable<Response> getVolume(Context& context) {
  const Request& request = context.request;
  std::vector<mime::FieldError> errors;
  std::string bucket_name = request.queryValue("bucket").value_or("hour");
  std::int64_t step = kHourMs;
  if (bucket_name == "day") {
    step = kDayMs;
  } else if (bucket_name != "hour") {
    errors.push_back({"bucket", "must be hour or day"});
  }
  std::optional<UnixMillis> since;
  std::optional<UnixMillis> until;
  readTimeRange(request, errors, since, until);
  if (!errors.empty()) co_return invalidRequest(errors);

  store::VolumeQuery query;
  query.bucket_ms = step;
  // Whole buckets: the current one included when `until` is not given.
  query.until = until ? ceilTo(*until, step) : floorTo(context.deps.clock.now(), step) + step;
  query.since = since ? floorTo(*since, step)
                      : query.until - step * (step == kDayMs ? kDefaultDays : kDefaultHours);
  if (query.since >= query.until) {
    co_return invalidRequest({{"since", "must be before until"}});
  }
  if ((query.until - query.since) / step > store::kMaxVolumeBuckets) {
    co_return invalidRequest(
        {{"since", "the range may have at most " + std::to_string(store::kMaxVolumeBuckets) + " " +
                       bucket_name + "s"}});
  }
  // The same narrowing as message lists: users see their own, send keys what they sent.
  store::ListQuery restriction;
  restrictQuery(*context.principal, restriction);
  query.owner_user_id = restriction.owner_user_id;
  query.api_key_name = restriction.api_key_name;

  auto count = [&] { return context.deps.store.volume(query); };
  auto buckets = co_await io::runBlocking(context.deps.blocking, count);
  if (!buckets) co_return responseForError(buckets.error());
  boost::json::array items;
  for (const auto& bucket : *buckets) items.push_back(bucketJson(bucket));
  co_return jsonResponse(200,
                         boost::json::object{{"bucket", bucket_name}, {"items", std::move(items)}});
}

}  // namespace

void addStatsRoutes(Router& router) { router.add("GET", "/api/v1/stats/volume", &getVolume); }

}  // namespace outpost::http

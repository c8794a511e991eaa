// How messages look in the API: list items, the detail view with recipients, attempts, events
// and delivery reports. Times are RFC 3339 strings; absent times are null.
#pragma once

#include <boost/json/object.hpp>

#include "store/store.h"

namespace outpost::http {

boost::json::object messageSummaryJson(const store::MessageSummary& summary);
boost::json::object messageDetailJson(const store::MessageDetail& detail);

}  // namespace outpost::http

// The route table: patterns are split once into segments; matching compares segments of the
// decoded request path (untrusted) with them, literally or as a {parameter}.
#include "http/router.h"

#include <algorithm>
#include <utility>

namespace outpost::http {

std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> segments;
  if (path.starts_with('/')) path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

void Router::add(std::string method, std::string pattern, Handler handler, bool authenticated) {
  Route route;
  route.method = std::move(method);
  route.segments = splitPath(pattern);
  route.pattern = std::move(pattern);
  route.authenticated = authenticated;
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

namespace {

bool matches(const Route& route, const std::vector<std::string>& segments,
             std::vector<std::string>* params) {
  if (route.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& expected = route.segments[i];
    if (expected.starts_with('{')) {
      if (segments[i].empty()) return false;
      if (params) params->push_back(segments[i]);
    } else if (expected != segments[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

RouteMatch Router::match(std::string_view method, const std::vector<std::string>& segments) const {
  RouteMatch result;
  for (const Route& route : routes_) {
    if (!matches(route, segments, nullptr)) continue;
    if (route.method == method && !result.route) {
      result.route = &route;
      matches(route, segments, &result.params);
    }
    if (std::find(result.allowed.begin(), result.allowed.end(), route.method) ==
        result.allowed.end()) {
      result.allowed.push_back(route.method);
    }
  }
  return result;
}

}  // namespace outpost::http

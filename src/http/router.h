// The one route table of the API: method + path pattern ("/api/v1/messages/{id}") → handler.
// Paths are matched segment by segment on the decoded path, so a parameter never spans a '/'.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/api.h"

namespace outpost::http {

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;  // "{…}" matches any one non-empty segment
  bool authenticated = true;
  Handler handler;
};

struct RouteMatch {
  const Route* route = nullptr;      // null: no route for this method
  std::vector<std::string> params;   // values of the {…} segments
  std::vector<std::string> allowed;  // methods the path has (for 405 Allow); empty: 404
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler, bool authenticated = true);
  RouteMatch match(std::string_view method, const std::vector<std::string>& segments) const;

 private:
  std::vector<Route> routes_;
};

// Splits a path into its segments ("/a/b" → {"a", "b"}); segments are kept as given.
std::vector<std::string> splitPath(std::string_view path);

// Every resource adds its routes (one file each).
void addApiKeyRoutes(Router& router);
void addAuditRoutes(Router& router);
void addDkimRoutes(Router& router);
void addDeliverabilityRoutes(Router& router);
void addEventRoutes(Router& router);
void addDmarcRoutes(Router& router);
void addHealthRoutes(Router& router);
void addMessageRoutes(Router& router);
void addMessageContentRoutes(Router& router);
void addMessageBulkRoutes(Router& router);
void addPauseRoutes(Router& router);
void addSandboxRoutes(Router& router);
void addSessionRoutes(Router& router);
void addSettingsRoutes(Router& router);
void addSpfRoutes(Router& router);
void addStatsRoutes(Router& router);
void addSuppressionRoutes(Router& router);
void addUserRoutes(Router& router);

}  // namespace outpost::http

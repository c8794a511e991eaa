// Request bodies that are not JSON say where they went wrong; routing and settings parsing.
#include "http/request_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "http/router.h"
#include "http/settings_request.h"

namespace outpost::http {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

auto hasError(const std::string& field) { return Contains(Field(&mime::FieldError::field, field)); }

TEST(JsonBody, GivesTheLineAndColumnOfASyntaxError) {
  // The second comma of line 2 is at column 12.
  auto parsed = parseJsonBody("{\n  \"to\": [1,,2]\n}");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, "invalid_json");
  EXPECT_THAT(parsed.error().message, HasSubstr("line 2, column 12"));
}

TEST(JsonBody, RefusesTrailingDataAndEmptyBodies) {
  EXPECT_FALSE(parseJsonBody(R"({"a": 1} {"b": 2})"));
  EXPECT_FALSE(parseJsonBody(""));
  EXPECT_TRUE(parseJsonBody(R"( {"a": 1} )"));
}

TEST(Router, MatchesParametersAndListsAllowedMethods) {
  Router router;
  auto handler = [](Context&) -> boost::asio::awaitable<Response> { co_return Response{}; };
  router.add("GET", "/api/v1/messages/{id}", handler);
  router.add("DELETE", "/api/v1/messages/{id}", handler);
  router.add("GET", "/api/v1/messages/{id}/attempts/{n}/transcript", handler);

  auto found = router.match("GET", splitPath("/api/v1/messages/abc/attempts/2/transcript"));
  ASSERT_NE(found.route, nullptr);
  EXPECT_THAT(found.params, ElementsAre("abc", "2"));

  auto wrong_method = router.match("POST", splitPath("/api/v1/messages/abc"));
  EXPECT_EQ(wrong_method.route, nullptr);
  EXPECT_THAT(wrong_method.allowed, ElementsAre("GET", "DELETE"));

  auto missing = router.match("GET", splitPath("/api/v1/messages/abc/else"));
  EXPECT_EQ(missing.route, nullptr);
  EXPECT_TRUE(missing.allowed.empty());
  EXPECT_EQ(router.match("GET", splitPath("/api/v1/messages/")).route, nullptr);
}

TEST(RelaySettingsRequest, ReadsEveryField) {
  std::vector<mime::FieldError> errors;
  auto settings = parseRelaySettings(
      boost::json::parse(R"({"host": "smtp.example.com", "port": 465, "tls": "tls",
                             "verify_certificate": false, "username": "u", "password": "p",
                             "helo_name": "mail.example.com"})"),
      std::nullopt, errors);
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->host, "smtp.example.com");
  EXPECT_EQ(settings->port, 465);
  EXPECT_EQ(settings->tls, "tls");
  EXPECT_FALSE(settings->verify_certificate);
  EXPECT_EQ(settings->password, "p");
  EXPECT_EQ(settings->helo_name, "mail.example.com");
}

TEST(RelaySettingsRequest, KeepsTheSavedPasswordWhenOmitted) {
  delivery::RelaySettings saved;
  saved.host = "old.example.com";
  saved.username = "u";
  saved.password = "secret";
  std::vector<mime::FieldError> errors;
  auto settings = parseRelaySettings(
      boost::json::parse(R"({"host": "new.example.com", "username": "u"})"), saved, errors);
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->password, "secret");
  auto cleared = parseRelaySettings(
      boost::json::parse(R"({"host": "new.example.com", "password": ""})"), saved, errors);
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->password, "");
}

TEST(RelaySettingsRequest, ReportsEachBadField) {
  std::vector<mime::FieldError> errors;
  EXPECT_FALSE(
      parseRelaySettings(boost::json::parse(R"({"host": "bad host!", "port": 70000, "tls": "ssl",
                             "verify_certificate": "yes", "colour": "red"})"),
                         std::nullopt, errors));
  EXPECT_THAT(errors, hasError("host"));
  EXPECT_THAT(errors, hasError("port"));
  EXPECT_THAT(errors, hasError("tls"));
  EXPECT_THAT(errors, hasError("verify_certificate"));
  EXPECT_THAT(errors, hasError("colour"));
}

TEST(RelaySettingsRequest, RequiresAHost) {
  std::vector<mime::FieldError> errors;
  EXPECT_FALSE(parseRelaySettings(boost::json::parse(R"({"port": 25})"), std::nullopt, errors));
  EXPECT_THAT(errors, hasError("host"));
}

TEST(RelaySettingsRequest, AcceptsHostNamesAndAddresses) {
  EXPECT_TRUE(isValidHost("smtp.example.com"));
  EXPECT_TRUE(isValidHost("localhost"));
  EXPECT_TRUE(isValidHost("192.0.2.1"));
  EXPECT_TRUE(isValidHost("2001:db8::1"));
  EXPECT_TRUE(isValidHost("[2001:db8::1]"));
  EXPECT_FALSE(isValidHost(""));
  EXPECT_FALSE(isValidHost("-bad.example.com"));
  EXPECT_FALSE(isValidHost("a..b"));
  EXPECT_FALSE(isValidHost("smtp.example.com:25"));
}

TEST(RelaySettingsJson, NeverShowsThePassword) {
  delivery::RelaySettings saved;
  saved.host = "smtp.example.com";
  saved.password = "hunter2";
  auto json = relaySettingsJson(saved);
  EXPECT_EQ(json.at("has_password"), true);
  EXPECT_EQ(json.at("configured"), true);
  EXPECT_EQ(json.if_contains("password"), nullptr);
  EXPECT_EQ(relaySettingsJson(std::nullopt).at("configured"), false);
}

}  // namespace
}  // namespace outpost::http

// Named relays (/api/v1/settings/relays/{name}) and the routing table (/api/v1/settings/routes)
// through the real server and store (api_test_fixture.h).
#include "http/api_test_fixture.h"

namespace outpost::http {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the fixture's names
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr const char* kRelays = "/api/v1/settings/relays";
constexpr const char* kRoutes = "/api/v1/settings/routes";

std::vector<std::string> errorFields(const Reply& reply) {
  std::vector<std::string> fields;
  const json::value body = reply.json();
  for (const auto& error : body.at("errors").as_array()) {
    fields.emplace_back(error.at("field").as_string());
  }
  return fields;
}

std::string errorMessageFor(const Reply& reply, std::string_view field) {
  const json::value body = reply.json();
  for (const auto& error : body.at("errors").as_array()) {
    if (error.at("field").as_string() == field) return std::string(error.at("message").as_string());
  }
  return "";
}

class RoutingApiTest : public ApiTest {
 protected:
  Reply put(const std::string& target, const std::string& body) {
    return call({bhttp::verb::put, target, body, admin_key_});
  }
  Reply remove(const std::string& target) {
    return call({bhttp::verb::delete_, target, "", admin_key_});
  }
  Reply putRelay(const std::string& name, const std::string& fallback = "") {
    return put(std::string(kRelays) + "/" + name,
               json::serialize(json::object{
                   {"host", "smtp." + name + ".example"}, {"port", 2525}, {"fallback", fallback}}));
  }
};

TEST_F(RoutingApiTest, RelaysStartEmptyAndUnknownOnesAreNotFound) {
  Reply list = get(kRelays, admin_key_);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_TRUE(list.json().at("items").as_array().empty());
  EXPECT_EQ(get(std::string(kRelays) + "/eu", admin_key_).status, 404);
  EXPECT_EQ(get(std::string(kRelays) + "/NOT%20A%20NAME", admin_key_).status, 404);
  EXPECT_EQ(remove(std::string(kRelays) + "/eu").status, 404);
}

TEST_F(RoutingApiTest, PutCreatesThenReplacesANamedRelayKeepingItsPassword) {
  Reply created = put(std::string(kRelays) + "/eu", R"({
      "host": "smtp.eu.example", "port": 587, "tls": "starttls", "username": "outpost",
      "password": "s3cret", "fallback": "mx", "max_connections": 3})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_THAT(created.body, Not(HasSubstr("s3cret")));
  const json::value shown = created.json();
  EXPECT_EQ(shown.at("name"), "eu");
  EXPECT_EQ(shown.at("host"), "smtp.eu.example");
  EXPECT_EQ(shown.at("fallback"), "mx");
  EXPECT_EQ(shown.at("max_connections"), 3);
  EXPECT_EQ(shown.at("has_password"), true);
  EXPECT_EQ(shown.as_object().if_contains("password"), nullptr);
  EXPECT_EQ(settings_changes_.load(), 1);

  // GET → PUT round trip, without the password: it is kept.
  Reply read = get(std::string(kRelays) + "/eu", admin_key_);
  ASSERT_EQ(read.status, 200) << read.body;
  json::object changed = read.json().as_object();
  changed["host"] = "smtp2.eu.example";
  Reply replaced = put(std::string(kRelays) + "/eu", json::serialize(changed));
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(replaced.json().at("has_password"), true);
  auto saved = relay_settings_->loadNamed("eu");
  ASSERT_TRUE(saved && saved->has_value());
  EXPECT_EQ((*saved)->password, "s3cret");
  EXPECT_EQ((*saved)->host, "smtp2.eu.example");

  Reply list = get(kRelays, admin_key_);
  ASSERT_EQ(list.json().at("items").as_array().size(), 1u);
  EXPECT_EQ(list.json().at("items").at(0).at("name"), "eu");
  EXPECT_THAT(list.body, Not(HasSubstr("s3cret")));
  // The default relay is not a named one.
  EXPECT_EQ(get("/api/v1/settings/smtp", admin_key_).json().at("configured"), false);
}

TEST_F(RoutingApiTest, RefusesBadRelayNamesAndFieldsOneByOne) {
  Reply name = putRelay("EU");
  EXPECT_EQ(name.status, 400) << name.body;
  EXPECT_THAT(errorFields(name), UnorderedElementsAre("name"));

  Reply fields = put(std::string(kRelays) + "/eu", R"({
      "name": "us", "host": "not a host", "fallback": "sandbox", "max_connections": -1,
      "username": "outpost", "colour": "blue"})");
  EXPECT_EQ(fields.status, 400) << fields.body;
  EXPECT_THAT(errorFields(fields),
              UnorderedElementsAre("name", "host", "fallback", "max_connections", "colour"));
  EXPECT_EQ(get(std::string(kRelays) + "/eu", admin_key_).status, 404);
  EXPECT_EQ(settings_changes_.load(), 0);
}

TEST_F(RoutingApiTest, AFallbackMustNameASavedRelayAndNeverLoop) {
  Reply unknown = putRelay("eu", "relay:us");
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_THAT(errorMessageFor(unknown, "fallback"), HasSubstr("no relay is named \"us\""));

  ASSERT_EQ(putRelay("us", "mx").status, 201);
  ASSERT_EQ(putRelay("eu", "relay:us").status, 201);
  ASSERT_EQ(putRelay("asia", "relay:eu").status, 201);
  Reply loop = putRelay("us", "relay:asia");
  EXPECT_EQ(loop.status, 400) << loop.body;
  EXPECT_THAT(errorMessageFor(loop, "fallback"), HasSubstr("us → asia → eu → us"));
  Reply itself = putRelay("eu", "relay:eu");
  EXPECT_EQ(itself.status, 400) << itself.body;
  EXPECT_THAT(errorMessageFor(itself, "fallback"), HasSubstr("itself"));
  // The default relay ends a chain.
  EXPECT_EQ(putRelay("us", "relay").status, 200);
}

TEST_F(RoutingApiTest, DeletingARelayInUseIsAConflictThatNamesTheUsers) {
  ASSERT_EQ(putRelay("eu").status, 201);
  ASSERT_EQ(putRelay("us", "relay:eu").status, 201);
  ASSERT_EQ(put(kRoutes, R"({"domains": {"example.org": "relay:eu"}})").status, 200);

  Reply refused = remove(std::string(kRelays) + "/eu");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(refused.error(), "relay_in_use");
  const std::string message(refused.json().at("message").as_string());
  EXPECT_THAT(message, HasSubstr("route domains.example.org"));
  EXPECT_THAT(message, HasSubstr("fallback of relay us"));

  ASSERT_EQ(putRelay("us", "mx").status, 200);
  ASSERT_EQ(put(kRoutes, R"({"domains": {"example.org": "mx"}})").status, 200);
  const int changes = settings_changes_.load();
  Reply deleted = remove(std::string(kRelays) + "/eu");
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_TRUE(deleted.body.empty());
  EXPECT_EQ(settings_changes_.load(), changes + 1);
  EXPECT_EQ(get(std::string(kRelays) + "/eu", admin_key_).status, 404);
  EXPECT_EQ(get(std::string(kRelays) + "/us", admin_key_).status, 200);
}

TEST_F(RoutingApiTest, SavedRoutesReplaceTheConfigurationsAndDeleteBringsThemBack) {
  Reply saved = put(kRoutes, R"({
      "default": "mx",
      "domains": {"Example.org": "sandbox", ".corp.example": "relay"},
      "sender_domains": {"shop.example": "sandbox"},
      "tls": {"bank.example": "require-tls"},
      "limits": {"gmail.com": {"connections": 5, "messages_per_minute": 600}}})");
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(settings_changes_.load(), 1);
  Reply shown = get(kRoutes, admin_key_);
  ASSERT_EQ(shown.status, 200) << shown.body;
  const json::value body = shown.json();
  EXPECT_EQ(body.at("source"), "api");
  EXPECT_EQ(body.at("default"), "mx");
  EXPECT_EQ(body.at("effective_default"), "mx");
  EXPECT_EQ(body.at("domains").at("example.org"), "sandbox");  // lowercased
  EXPECT_EQ(body.at("domains").at(".corp.example"), "relay");
  EXPECT_EQ(body.at("sender_domains").at("shop.example"), "sandbox");
  EXPECT_EQ(body.at("tls").at("bank.example"), "require-tls");
  EXPECT_EQ(body.at("limits").at("gmail.com").at("messages_per_minute"), 600);
  EXPECT_EQ(saved.json(), body);

  // What GET answers can be PUT back as it is.
  EXPECT_EQ(put(kRoutes, shown.body).status, 200);

  Reply reset = remove(kRoutes);
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(reset.json().at("source"), "config");
  EXPECT_TRUE(reset.json().at("domains").as_object().empty());
  EXPECT_TRUE(reset.json().at("default").is_null());
  EXPECT_EQ(settings_changes_.load(), 3);
}

TEST_F(RoutingApiTest, TheAutomaticDefaultIsTheRelayOnceOneIsSaved) {
  Reply before = get(kRoutes, admin_key_);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_TRUE(before.json().at("default").is_null());
  EXPECT_EQ(before.json().at("effective_default"), "sandbox");
  EXPECT_EQ(before.json().at("source"), "config");
  ASSERT_EQ(put("/api/v1/settings/smtp", R"({"host": "smtp.example.com"})").status, 200);
  EXPECT_EQ(get(kRoutes, admin_key_).json().at("effective_default"), "relay");
}

TEST_F(RoutingApiTest, RefusesRoutesFieldByField) {
  Reply bad = put(kRoutes, R"({
      "default": "direct", "domains": {"bad domain": "mx", "example.org": "relay:EU"},
      "tls": {"bank.example": "required"},
      "limits": {"gmail.com": {"connections": 0}}, "colour": "blue"})");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.error(), "invalid_request");
  EXPECT_THAT(errorFields(bad),
              UnorderedElementsAre("default", "domains.bad domain", "domains.example.org",
                                   "tls.bank.example", "limits.gmail.com.connections", "colour"));
  EXPECT_EQ(put(kRoutes, "[1, 2]").status, 400);
  EXPECT_EQ(put(kRoutes, "{").error(), "invalid_json");
  EXPECT_EQ(get(kRoutes, admin_key_).json().at("source"), "config");
  EXPECT_EQ(settings_changes_.load(), 0);
}

TEST_F(RoutingApiTest, RefusesRoutesToUnknownRelays) {
  ASSERT_EQ(putRelay("eu").status, 201);
  Reply unknown = put(kRoutes, R"({"default": "relay:us", "domains": {"example.org": "relay:eu",
      "example.net": "relay:us"}, "sender_domains": {"shop.example": "relay:us"}})");
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_THAT(errorFields(unknown), UnorderedElementsAre("default", "domains.example.net",
                                                         "sender_domains.shop.example"));
  EXPECT_THAT(errorMessageFor(unknown, "default"), HasSubstr("no relay is named \"us\""));
}

TEST_F(RoutingApiTest, RefusesRoutesThroughARelayWhoseFallbacksLoop) {
  // Only a store written by something else can hold a loop: the API refuses to make one.
  delivery::RelaySettings eu;
  eu.name = "eu";
  eu.host = "smtp.eu.example";
  eu.fallback = "relay:us";
  delivery::RelaySettings us = eu;
  us.name = "us";
  us.fallback = "relay:eu";
  ASSERT_TRUE(relay_settings_->saveNamed(eu));
  ASSERT_TRUE(relay_settings_->saveNamed(us));
  Reply loop = put(kRoutes, R"({"domains": {"example.org": "relay:eu"}})");
  EXPECT_EQ(loop.status, 400) << loop.body;
  EXPECT_THAT(errorMessageFor(loop, "domains.example.org"), HasSubstr("eu → us → eu"));
}

TEST_F(RoutingApiTest, RelaysAndRoutesAreForSuperAdminsOnly) {
  const std::string admin =
      addKey("admin-full", addUser("ops@example.com", store::Role::kAdmin), "full");
  const std::string send_key = addKey("root-send", admin_, "send");
  for (const std::string& key : {admin, send_key}) {
    EXPECT_EQ(get(kRelays, key).status, 403);
    EXPECT_EQ(get(std::string(kRelays) + "/eu", key).status, 403);
    EXPECT_EQ(
        call({bhttp::verb::put, std::string(kRelays) + "/eu", R"({"host": "x.example"})", key})
            .status,
        403);
    EXPECT_EQ(call({bhttp::verb::delete_, std::string(kRelays) + "/eu", "", key}).status, 403);
    EXPECT_EQ(get(kRoutes, key).status, 403);
    EXPECT_EQ(call({bhttp::verb::put, kRoutes, "{}", key}).status, 403);
    EXPECT_EQ(call({bhttp::verb::delete_, kRoutes, "", key}).status, 403);
  }
  EXPECT_EQ(get(kRoutes, "").status, 401);
}

// The routes of a configuration file, before anything is saved through the API.
class ConfiguredRoutingApiTest : public RoutingApiTest {
 protected:
  delivery::RoutingTable configuredRouting() override {
    delivery::RoutingTable table;
    table.default_route = delivery::Route{delivery::Route::Kind::kMx, {}};
    table.domains["example.org"] = delivery::Route{delivery::Route::Kind::kRelay, "eu"};
    return table;
  }
};

TEST_F(ConfiguredRoutingApiTest, ShowsTheConfigurationsRoutesAndProtectsTheirRelays) {
  Reply shown = get(kRoutes, admin_key_);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(shown.json().at("source"), "config");
  EXPECT_EQ(shown.json().at("default"), "mx");
  EXPECT_EQ(shown.json().at("domains").at("example.org"), "relay:eu");

  ASSERT_EQ(putRelay("eu").status, 201);
  Reply refused = remove(std::string(kRelays) + "/eu");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_THAT(std::string(refused.json().at("message").as_string()),
              HasSubstr("configuration file"));

  ASSERT_EQ(put(kRoutes, R"({"default": "sandbox"})").status, 200);
  EXPECT_TRUE(get(kRoutes, admin_key_).json().at("domains").as_object().empty());
  EXPECT_EQ(remove(std::string(kRelays) + "/eu").status, 204);
  Reply back = remove(kRoutes);
  EXPECT_EQ(back.json().at("domains").at("example.org"), "relay:eu");
}

}  // namespace
}  // namespace outpost::http

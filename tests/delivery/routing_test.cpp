// Routing: route names, domain matching and its precedence, the JSON document of
// /api/v1/settings/routes, the configuration's [routing], and the "routes" setting in a real
// SQLite store.
#include "delivery/routing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store_test_support.h"

namespace outpost::delivery {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Route relay(std::string name = "") { return Route{Route::Kind::kRelay, std::move(name)}; }
const Route kMx{Route::Kind::kMx, {}};
const Route kSandbox{Route::Kind::kSandbox, {}};

std::vector<std::string> fields(const std::vector<mime::FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& error : errors) out.push_back(error.field);
  return out;
}

RoutingTable parsed(std::string_view json) {
  std::vector<mime::FieldError> errors;
  auto table = parseRoutingJson(json, errors);
  EXPECT_TRUE(table.has_value()) << (errors.empty() ? ""
                                                    : errors[0].field + " " + errors[0].message);
  return table.value_or(RoutingTable{});
}

TEST(Route, ParsesEveryKindAndPrintsItBack) {
  for (const char* text : {"sandbox", "mx", "relay", "relay:eu", "relay:eu-west_2"}) {
    auto route = parseRoute(text);
    ASSERT_TRUE(route) << text;
    EXPECT_EQ(toString(*route), text);
  }
  EXPECT_EQ(parseRoute("relay:eu"), relay("eu"));
  EXPECT_EQ(parseRoute("relay"), relay());
  EXPECT_EQ(parseRoute("mx"), kMx);
}

TEST(Route, RefusesUnknownKindsAndBadRelayNames) {
  for (const char* text : {"", "MX", "smtp", "relay:", "relay:EU", "relay:e u", "relay:eu/x",
                           "relay::eu", " mx", "sandbox:x"}) {
    EXPECT_FALSE(parseRoute(text)) << text;
  }
  EXPECT_TRUE(isValidRelayName(std::string(64, 'a')));
  EXPECT_FALSE(isValidRelayName(std::string(65, 'a')));
  EXPECT_FALSE(isValidRelayName(""));
}

TEST(TlsPolicyNames, RoundTrip) {
  for (auto policy : {TlsPolicy::kOpportunistic, TlsPolicy::kRequire, TlsPolicy::kNone}) {
    EXPECT_EQ(parseTlsPolicy(toString(policy)), policy);
  }
  EXPECT_EQ(toString(TlsPolicy::kRequire), "require-tls");
  EXPECT_FALSE(parseTlsPolicy("require"));
}

TEST(RoutingTable, ExactDomainWinsOverSuffix) {
  RoutingTable table;
  table.domains = {{"example.org", relay("eu")}, {".example.org", kMx}};
  EXPECT_EQ(table.routeFor("", "example.org"), relay("eu"));
  EXPECT_EQ(table.routeFor("", "mail.example.org"), kMx);
}

TEST(RoutingTable, LongerSuffixWinsOverShorter) {
  RoutingTable table;
  table.domains = {{".org", kSandbox}, {".example.org", kMx}, {".eu.example.org", relay("eu")}};
  EXPECT_EQ(table.routeFor("", "a.b.eu.example.org"), relay("eu"));
  EXPECT_EQ(table.routeFor("", "b.example.org"), kMx);
  EXPECT_EQ(table.routeFor("", "example.org"), kSandbox);  // ".example.org" is subdomains only
  EXPECT_EQ(table.routeFor("", "other.org"), kSandbox);
}

TEST(RoutingTable, SuffixKeyDoesNotMatchTheDomainItselfOrAPartialLabel) {
  RoutingTable table;
  table.default_route = relay();
  table.domains = {{".example.org", kMx}};
  EXPECT_EQ(table.routeFor("", "example.org"), relay());
  EXPECT_EQ(table.routeFor("", "badexample.org"), relay());
}

TEST(RoutingTable, RecipientDomainWinsOverSenderDomainOverDefault) {
  RoutingTable table;
  table.default_route = kMx;
  table.domains = {{"gmail.com", relay("google")}};
  table.sender_domains = {{"shop.example", relay("eu")}, {".news.example", kSandbox}};
  EXPECT_EQ(table.routeFor("shop.example", "gmail.com"), relay("google"));
  EXPECT_EQ(table.routeFor("shop.example", "example.net"), relay("eu"));
  EXPECT_EQ(table.routeFor("weekly.news.example", "example.net"), kSandbox);
  EXPECT_EQ(table.routeFor("other.example", "example.net"), kMx);
}

TEST(RoutingTable, TheAutomaticDefaultIsNoRoute) {
  RoutingTable table;
  EXPECT_FALSE(table.routeFor("shop.example", "example.net"));
}

TEST(RoutingTable, MatchingIgnoresCaseAndAFinalDot) {
  RoutingTable table;
  table.domains = {{"example.org", kMx}};
  table.sender_domains = {{".shop.example", relay("eu")}};
  EXPECT_EQ(table.routeFor("", "Example.ORG."), kMx);
  EXPECT_EQ(table.routeFor("EU.Shop.Example", "example.net"), relay("eu"));
}

TEST(RoutingTable, TlsPolicyIsOpportunisticUnlessADomainSaysOtherwise) {
  RoutingTable table;
  table.tls = {{"bank.example", TlsPolicy::kRequire}, {".legacy.example", TlsPolicy::kNone}};
  EXPECT_EQ(table.tlsPolicyFor("bank.example"), TlsPolicy::kRequire);
  EXPECT_EQ(table.tlsPolicyFor("mx.legacy.example"), TlsPolicy::kNone);
  EXPECT_EQ(table.tlsPolicyFor("example.net"), TlsPolicy::kOpportunistic);
}

TEST(RoutingTable, LimitsTakeTheMostSpecificEntryAndTheDefaultsForTheRest) {
  DeliveryConfig defaults;
  defaults.domain_connections = 10;
  defaults.domain_messages_per_minute = 0;
  RoutingTable table;
  table.limits = {{".example.org", DomainLimits{3, 100}},
                  {"gmail.com", DomainLimits{5, std::nullopt}}};
  EXPECT_EQ(table.limitsFor("gmail.com", defaults), (DomainLimits{5, 0}));
  EXPECT_EQ(table.limitsFor("a.example.org", defaults), (DomainLimits{3, 100}));
  EXPECT_EQ(table.limitsFor("example.net", defaults), (DomainLimits{10, 0}));
}

TEST(RoutingTable, NamesTheRelaysItUsesAndWhere) {
  RoutingTable table;
  table.default_route = relay("eu");
  table.domains = {{"example.org", relay("eu")}, {"example.net", relay("us")}, {"x.test", kMx}};
  table.sender_domains = {{"shop.example", relay("eu")}, {"y.test", relay()}};
  EXPECT_THAT(table.relayNames(), ElementsAre("eu", "us"));
  EXPECT_THAT(table.fieldsUsingRelay("eu"),
              ElementsAre("default", "domains.example.org", "sender_domains.shop.example"));
  EXPECT_THAT(table.fieldsUsingRelay("us"), ElementsAre("domains.example.net"));
  EXPECT_TRUE(table.fieldsUsingRelay("asia").empty());
}

TEST(RoutingJson, ReadsTheDocumentOfTheApi) {
  RoutingTable table = parsed(R"({
    "default": "mx",
    "domains": {"Example.org": "relay:eu", ".corp.example": "sandbox"},
    "sender_domains": {"shop.example": "relay"},
    "tls": {"bank.example": "require-tls", "old.example.": "none"},
    "limits": {"gmail.com": {"connections": 5, "messages_per_minute": 600},
               ".yahoo.com": {"connections": 2}}
  })");
  EXPECT_EQ(table.default_route, kMx);
  EXPECT_EQ(table.domains.at("example.org"), relay("eu"));
  EXPECT_EQ(table.domains.at(".corp.example"), kSandbox);
  EXPECT_EQ(table.sender_domains.at("shop.example"), relay());
  EXPECT_EQ(table.tls.at("bank.example"), TlsPolicy::kRequire);
  EXPECT_EQ(table.tls.at("old.example"), TlsPolicy::kNone);
  EXPECT_EQ(table.limits.at("gmail.com"), (DomainLimits{5, 600}));
  EXPECT_EQ(table.limits.at(".yahoo.com"), (DomainLimits{2, std::nullopt}));
}

TEST(RoutingJson, EveryFieldIsOptionalAndANullDefaultIsAutomatic) {
  EXPECT_EQ(parsed("{}").default_route, std::nullopt);
  EXPECT_EQ(parsed(R"({"default": null})").default_route, std::nullopt);
  EXPECT_TRUE(parsed(R"({"domains": {}})").domains.empty());
}

TEST(RoutingJson, RoundTrips) {
  RoutingTable table;
  table.default_route = relay("eu");
  table.domains = {{"example.org", kMx}, {".example.net", kSandbox}};
  table.sender_domains = {{"shop.example", relay("us")}};
  table.tls = {{"bank.example", TlsPolicy::kRequire}};
  table.limits = {{"gmail.com", DomainLimits{5, 600}},
                  {"yahoo.com", DomainLimits{std::nullopt, 0}}};
  RoutingTable again = parsed(routingToJson(table));
  EXPECT_EQ(again.default_route, table.default_route);
  EXPECT_EQ(again.domains, table.domains);
  EXPECT_EQ(again.sender_domains, table.sender_domains);
  EXPECT_EQ(again.tls, table.tls);
  EXPECT_EQ(again.limits, table.limits);
  EXPECT_THAT(routingToJson(RoutingTable{}), HasSubstr(R"("default":null)"));
}

TEST(RoutingJson, ReportsEveryProblemByField) {
  std::vector<mime::FieldError> errors;
  auto table = parseRoutingJson(R"({
    "default": "smtp",
    "domains": {"example.org": "relay:EU", "bad domain": "mx", "ok.example": "mx",
                "-x.example": "mx", ".": "mx", "n.example": 5},
    "sender_domains": [],
    "tls": {"bank.example": "required"},
    "limits": {"gmail.com": {"connections": 0, "messages_per_minute": -1, "speed": 3},
               "yahoo.com": {"connections": "5"}, "aol.com": 7},
    "extra": true
  })",
                                errors);
  EXPECT_FALSE(table);
  EXPECT_THAT(
      fields(errors),
      ::testing::UnorderedElementsAre(
          "extra", "default", "domains.example.org", "domains.bad domain", "domains.-x.example",
          "domains..", "domains.n.example", "sender_domains", "tls.bank.example",
          "limits.gmail.com.connections", "limits.gmail.com.messages_per_minute",
          "limits.gmail.com.speed", "limits.yahoo.com.connections", "limits.aol.com"));
  for (const auto& error : errors) {
    if (error.field == "default") {
      EXPECT_THAT(error.message, HasSubstr("relay:NAME"));
    } else if (error.field == "tls.bank.example") {
      EXPECT_THAT(error.message, HasSubstr("require-tls"));
    } else if (error.field == "limits.gmail.com.speed") {
      EXPECT_EQ(error.message, "unknown field");
    }
  }
}

TEST(RoutingJson, RefusesTheSameDomainTwiceAfterLowercasing) {
  std::vector<mime::FieldError> errors;
  EXPECT_FALSE(
      parseRoutingJson(R"({"domains": {"example.org": "mx", "EXAMPLE.org": "sandbox"}})", errors));
  EXPECT_THAT(fields(errors), ElementsAre("domains.EXAMPLE.org"));  // the field as sent
}

TEST(RoutingJson, RefusesWhatIsNotAnObject) {
  for (const char* body : {"[]", "\"mx\"", "{", ""}) {
    std::vector<mime::FieldError> errors;
    EXPECT_FALSE(parseRoutingJson(body, errors)) << body;
    EXPECT_THAT(fields(errors), ElementsAre("body")) << body;
  }
}

TEST(RoutingFromConfig, ConvertsTheConfigurationTable) {
  RoutingConfig config;
  config.default_route = "relay:eu";
  config.domains = {{"Example.org", "mx"}};
  config.sender_domains = {{".shop.example", "sandbox"}};
  config.tls = {{"bank.example", "require-tls"}};
  config.limits = {{"gmail.com", {{"connections", 5}, {"messages_per_minute", 600}}}};
  auto table = routingFromConfig(config);
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(table->default_route, relay("eu"));
  EXPECT_EQ(table->domains.at("example.org"), kMx);
  EXPECT_EQ(table->sender_domains.at(".shop.example"), kSandbox);
  EXPECT_EQ(table->tls.at("bank.example"), TlsPolicy::kRequire);
  EXPECT_EQ(table->limits.at("gmail.com"), (DomainLimits{5, 600}));
  auto automatic = routingFromConfig(RoutingConfig{});
  ASSERT_TRUE(automatic);
  EXPECT_FALSE(automatic->default_route);
}

TEST(RoutingFromConfig, NamesTheKeysThatAreWrong) {
  RoutingConfig config;
  config.default_route = "smtp";
  config.domains = {{"bad domain", "mx"}, {"example.org", "relay:"}};
  config.tls = {{"bank.example", "required"}};
  config.limits = {{"gmail.com", {{"connections", 0}}}};
  auto table = routingFromConfig(config);
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().code, "config.invalid_value");
  for (const char* key :
       {"routing.default", "routing.domains.bad domain", "routing.domains.example.org",
        "routing.tls.bank.example", "routing.limits.gmail.com.connections"}) {
    EXPECT_THAT(table.error().message, HasSubstr(key));
  }
  EXPECT_THAT(table.error().message, HasSubstr("sandbox, mx, relay or relay:NAME"));
  EXPECT_THAT(table.error().message, HasSubstr("opportunistic, require-tls or none"));
}

TEST(RoutingFromConfig, RefusesEveryMalformedDefaultRoute) {
  for (const char* route : {"MX", "smtp", "relay:", "relay:EU", "relay:a b", "direct"}) {
    RoutingConfig config;
    config.default_route = route;
    auto table = routingFromConfig(config);
    ASSERT_FALSE(table) << route;
    EXPECT_THAT(table.error().message, HasSubstr("routing.default")) << route;
  }
}

class RoutingRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::openStore(db_.path());
    ASSERT_TRUE(store_);
    from_config_.default_route = kMx;
    from_config_.domains = {{"example.org", relay("eu")}};
    repository_.emplace(*store_, from_config_);
  }

  store::testing::TempDatabase db_;
  std::unique_ptr<store::Store> store_;
  RoutingTable from_config_;
  std::optional<RoutingRepository> repository_;
};

TEST_F(RoutingRepositoryTest, ServesTheConfigurationsTableUntilOneIsSaved) {
  auto loaded = repository_->load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->source, "config");
  EXPECT_EQ(loaded->table.default_route, kMx);
  EXPECT_EQ(loaded->table.domains, from_config_.domains);
}

TEST_F(RoutingRepositoryTest, TheSavedTableReplacesTheConfigurationsEntirely) {
  RoutingTable saved;
  saved.sender_domains = {{"shop.example", kSandbox}};
  saved.limits = {{"gmail.com", DomainLimits{5, std::nullopt}}};
  ASSERT_TRUE(repository_->save(saved));
  auto loaded = repository_->load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->source, "api");
  EXPECT_FALSE(loaded->table.default_route);  // not the configuration's mx
  EXPECT_TRUE(loaded->table.domains.empty());
  EXPECT_EQ(loaded->table.sender_domains, saved.sender_domains);
  EXPECT_EQ(loaded->table.limits, saved.limits);

  // A second repository over the same store (a restart) sees it too.
  RoutingRepository restarted(*store_, from_config_);
  auto again = restarted.load();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->source, "api");
}

TEST_F(RoutingRepositoryTest, ResetBringsTheConfigurationBack) {
  ASSERT_TRUE(repository_->save(RoutingTable{}));
  ASSERT_TRUE(repository_->reset());
  auto loaded = repository_->load();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->source, "config");
  EXPECT_EQ(loaded->table.default_route, kMx);
  EXPECT_TRUE(repository_->reset());  // nothing saved: still fine
}

TEST_F(RoutingRepositoryTest, ACorruptSavedTableIsAnErrorNotTheConfiguration) {
  ASSERT_TRUE(store_->putSetting("routes", R"({"default": "carrier-pigeon"})"));
  auto loaded = repository_->load();
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, "settings.corrupt");
  EXPECT_THAT(loaded.error().message, HasSubstr("default"));
}

}  // namespace
}  // namespace outpost::delivery

#include "core/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace outpost {
namespace {

std::string writeFile(const std::string& text) {
  const auto path =
      std::filesystem::temp_directory_path() /
      ("outpost-config-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
       std::to_string(std::rand()) + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

TEST(Config, DefaultsFollowDesign) {
  const Config config;
  EXPECT_EQ(config.data_dir, "./outpost-data");
  EXPECT_EQ(config.http_listen, "127.0.0.1:8025");
  EXPECT_EQ(config.max_message_bytes, 25u * 1024 * 1024);
  EXPECT_EQ(config.max_recipients, 1000u);
  EXPECT_EQ(config.delivery.max_lifetime, std::chrono::hours(24 * 5));
  EXPECT_EQ(config.delivery.timeouts.mail, std::chrono::minutes(5));
  EXPECT_EQ(config.delivery.timeouts.data_init, std::chrono::minutes(2));
  EXPECT_EQ(config.delivery.timeouts.data_block, std::chrono::minutes(3));
  EXPECT_EQ(config.delivery.timeouts.data_term, std::chrono::minutes(10));
}

TEST(Config, ReadsTomlSectionsDurationsAndSchedules) {
  const std::string path = writeFile(R"(
data = "/tmp/outpost-x"
http = "127.0.0.1:9000"
max_message_size = 1048576
[delivery]
retry_schedule = ["30s", "2m", "1h"]
max_lifetime = "2d"
max_connections = 3
[delivery.timeouts]
connect = "5s"
data_term = 60
)");
  Config config;
  auto result = loadConfigFile(path, config);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(config.data_dir, "/tmp/outpost-x");
  EXPECT_EQ(config.http_listen, "127.0.0.1:9000");
  EXPECT_EQ(config.max_message_bytes, 1048576u);
  ASSERT_EQ(config.delivery.retry_schedule.size(), 3u);
  EXPECT_EQ(config.delivery.retry_schedule[1], std::chrono::minutes(2));
  EXPECT_EQ(config.delivery.max_lifetime, std::chrono::hours(48));
  EXPECT_EQ(config.delivery.max_connections, 3u);
  EXPECT_EQ(config.delivery.timeouts.connect, std::chrono::seconds(5));
  EXPECT_EQ(config.delivery.timeouts.data_term, std::chrono::seconds(60));
  std::filesystem::remove(path);
}

TEST(Config, RejectsUnknownKeysAndBadValuesByName) {
  Config config;
  const std::string typo = writeFile("[delivery]\nmax_conections = 3\n");
  auto result = loadConfigFile(typo, config);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("delivery.max_conections"), std::string::npos);
  const std::string bad = writeFile("max_recipients = -4\n");
  result = loadConfigFile(bad, config);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("max_recipients"), std::string::npos);
  std::filesystem::remove(typo);
  std::filesystem::remove(bad);
}

TEST(Config, TheDocumentedExampleFileLoadsAndMatchesTheDefaults) {
  Config config;
  auto result =
      loadConfigFile(std::string(OUTPOST_SOURCE_DIR) + "/docs/outpost.example.toml", config);
  ASSERT_TRUE(result.ok()) << result.error().message;
  const Config defaults;
  EXPECT_EQ(config.data_dir, defaults.data_dir);
  EXPECT_EQ(config.max_message_bytes, defaults.max_message_bytes);
  EXPECT_EQ(config.delivery.retry_schedule, defaults.delivery.retry_schedule);
  EXPECT_EQ(config.delivery.max_lifetime, defaults.delivery.max_lifetime);
  EXPECT_EQ(config.delivery.timeouts.data_term, defaults.delivery.timeouts.data_term);
  EXPECT_EQ(config.delivery.timeouts.connect, defaults.delivery.timeouts.connect);
  EXPECT_EQ(config.delivery.max_total_connections, defaults.delivery.max_total_connections);
  EXPECT_EQ(config.delivery.domain_connections, defaults.delivery.domain_connections);
  EXPECT_EQ(config.delivery.domain_messages_per_minute,
            defaults.delivery.domain_messages_per_minute);
  EXPECT_EQ(config.delivery.backoff_initial, defaults.delivery.backoff_initial);
  EXPECT_EQ(config.delivery.backoff_max, defaults.delivery.backoff_max);
  EXPECT_EQ(config.delivery.mx_port, defaults.delivery.mx_port);
  EXPECT_EQ(config.console.session_idle, defaults.console.session_idle);
  EXPECT_EQ(config.console.session_lifetime, defaults.console.session_lifetime);
  EXPECT_EQ(config.console.login_failures, defaults.console.login_failures);
  EXPECT_EQ(config.console.login_failure_window, defaults.console.login_failure_window);
  EXPECT_EQ(config.console.secure_cookies, defaults.console.secure_cookies);
  EXPECT_EQ(config.submission.listen, defaults.submission.listen);
  EXPECT_EQ(config.submission.tls_listen, defaults.submission.tls_listen);
  EXPECT_EQ(config.submission.command_timeout, defaults.submission.command_timeout);
  EXPECT_EQ(config.submission.auth_failure_window, defaults.submission.auth_failure_window);
  EXPECT_EQ(config.bounce.listen, defaults.bounce.listen);
  EXPECT_EQ(config.bounce.max_report_bytes, defaults.bounce.max_report_bytes);
  EXPECT_EQ(config.dkim.canonicalization, defaults.dkim.canonicalization);
  EXPECT_EQ(config.dkim.expire_after, defaults.dkim.expire_after);
  EXPECT_EQ(config.dkim.check_interval, defaults.dkim.check_interval);
  EXPECT_EQ(config.dkim.key_cache_ttl, defaults.dkim.key_cache_ttl);
  EXPECT_EQ(config.delivery.max_mx_addresses, defaults.delivery.max_mx_addresses);
  EXPECT_EQ(config.dns_server, defaults.dns_server);
  EXPECT_EQ(config.dns_timeout, defaults.dns_timeout);
  // The example shows the routing tables (commented values aside) without routing anything.
  EXPECT_EQ(config.routing.default_route, "");
  EXPECT_TRUE(config.routing.domains.empty());
}

TEST(Config, EnvironmentOverridesTheFile) {
  ::setenv("OUTPOST_DELIVERY_MAX_CONNECTIONS", "11", 1);
  ::setenv("OUTPOST_HTTP", "127.0.0.2:8025", 1);
  Config config;
  ASSERT_TRUE(applyEnvironment(config).ok());
  EXPECT_EQ(config.delivery.max_connections, 11u);
  EXPECT_EQ(config.http_listen, "127.0.0.2:8025");
  ::unsetenv("OUTPOST_DELIVERY_MAX_CONNECTIONS");
  ::unsetenv("OUTPOST_HTTP");
}

TEST(Config, ReadsTheDeliveryAndDnsKeysOfMxDelivery) {
  const std::string path = writeFile(R"(
dns_server = "127.0.0.1:5353,[::1]:53"
dns_timeout = "500ms"
[delivery]
max_total_connections = 50
domain_connections = 4
domain_messages_per_minute = 0
backoff_initial = "30s"
backoff_max = "1h"
mx_port = 2526
max_mx_addresses = 3
helo_name = "out.example.com"
source_address_v4 = "127.0.0.1"
source_address_v6 = "::1"
)");
  Config config;
  auto result = loadConfigFile(path, config);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(config.dns_server, "127.0.0.1:5353,[::1]:53");
  EXPECT_EQ(config.dns_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(config.delivery.max_total_connections, 50u);
  EXPECT_EQ(config.delivery.domain_connections, 4u);
  EXPECT_EQ(config.delivery.domain_messages_per_minute, 0u);
  EXPECT_EQ(config.delivery.backoff_initial, std::chrono::seconds(30));
  EXPECT_EQ(config.delivery.backoff_max, std::chrono::hours(1));
  EXPECT_EQ(config.delivery.mx_port, 2526);
  EXPECT_EQ(config.delivery.max_mx_addresses, 3u);
  EXPECT_EQ(config.delivery.helo_name, "out.example.com");
  EXPECT_EQ(config.delivery.source_address_v4, "127.0.0.1");
  EXPECT_EQ(config.delivery.source_address_v6, "::1");
  std::filesystem::remove(path);
}

TEST(Config, ReadsTheRoutingTables) {
  const std::string path = writeFile(R"(
[routing]
default = "mx"
[routing.domains]
"example.org" = "relay:eu"
".corp.example" = "sandbox"
[routing.sender_domains]
"shop.example" = "relay"
[routing.tls]
"bank.example" = "require-tls"
[routing.limits."gmail.com"]
connections = 5
messages_per_minute = 600
[routing.limits."yahoo.com"]
connections = 2
)");
  Config config;
  auto result = loadConfigFile(path, config);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(config.routing.default_route, "mx");
  EXPECT_EQ(config.routing.domains,
            (std::map<std::string, std::string>{{"example.org", "relay:eu"},
                                                {".corp.example", "sandbox"}}));
  EXPECT_EQ(config.routing.sender_domains.at("shop.example"), "relay");
  EXPECT_EQ(config.routing.tls.at("bank.example"), "require-tls");
  EXPECT_EQ(config.routing.limits.at("gmail.com"),
            (std::map<std::string, long long>{{"connections", 5}, {"messages_per_minute", 600}}));
  EXPECT_EQ(config.routing.limits.at("yahoo.com").at("connections"), 2);
  std::filesystem::remove(path);
}

// Loads `text` and returns the error message ("" when it loaded).
std::string loadError(const std::string& text) {
  const std::string path = writeFile(text);
  Config config;
  auto result = loadConfigFile(path, config);
  std::filesystem::remove(path);
  return result.ok() ? std::string() : result.error().message;
}

TEST(Config, SaysHowToWriteRoutingTablesWhenTheyAreWrong) {
  using ::testing::HasSubstr;
  // Unquoted, example.org is a table "example" holding "org".
  EXPECT_THAT(loadError(R"([routing.domains]
example.org = "mx")"),
              HasSubstr("quote domain names"));
  EXPECT_THAT(loadError(R"([routing.limits.gmail.com]
connections = 5)"),
              HasSubstr("quote domain names"));
  EXPECT_THAT(loadError(R"([routing.domains]
"example.org" = 5)"),
              HasSubstr("expected a string"));
  EXPECT_THAT(loadError(R"([routing.limits."gmail.com"]
speed = 5)"),
              HasSubstr(R"(routing.limits."gmail.com".speed)"));
  EXPECT_THAT(loadError(R"([routing.limits."gmail.com"]
connections = 0)"),
              HasSubstr("at least 1"));
  EXPECT_THAT(loadError(R"([routing]
domains = "mx")"),
              HasSubstr("must be a table"));
}

TEST(Config, KeepsTheDefaultRouteForDeliveryToCheck) {
  // Its syntax is delivery's (routingFromConfig, tested in tests/delivery/routing_test.cpp).
  for (const char* route : {"mx", "relay", "sandbox", "relay:eu", ""}) {
    Config config;
    EXPECT_TRUE(applySetting("routing.default", route, config).ok()) << route;
    EXPECT_EQ(config.routing.default_route, route);
  }
}

TEST(Config, ChecksDnsServers) {
  for (const char* servers : {"127.0.0.1", "127.0.0.1:5353", "[::1]:5353", "[::1]", "::1",
                              "2001:db8::53", "127.0.0.1:53,[::1]:53,192.0.2.1", ""}) {
    Config config;
    EXPECT_TRUE(applySetting("dns_server", servers, config).ok()) << servers;
    EXPECT_EQ(config.dns_server, servers);
  }
  for (const char* servers :
       {"dns.example.com", "127.0.0.1:0", "127.0.0.1:65536", "[::1", "[::1]:", "[::1]5353",
        "127.0.0.1:", ",127.0.0.1", "127.0.0.1,", "127.0.0.1 :53", "[127.0.0.1]:53", "1.2.3:53"}) {
    Config config;
    auto result = applySetting("dns_server", servers, config);
    ASSERT_FALSE(result.ok()) << servers;
    EXPECT_NE(result.error().message.find("IP[:PORT]"), std::string::npos);
  }
}

TEST(Config, ChecksPortsAddressesAndLimits) {
  Config config;
  EXPECT_FALSE(applySetting("delivery.mx_port", "0", config).ok());
  EXPECT_FALSE(applySetting("delivery.mx_port", "65536", config).ok());
  EXPECT_TRUE(applySetting("delivery.mx_port", "2525", config).ok());
  EXPECT_EQ(config.delivery.mx_port, 2525);
  EXPECT_FALSE(applySetting("delivery.source_address_v4", "::1", config).ok());
  EXPECT_FALSE(applySetting("delivery.source_address_v6", "127.0.0.1", config).ok());
  EXPECT_FALSE(applySetting("delivery.domain_connections", "0", config).ok());
  EXPECT_TRUE(applySetting("delivery.domain_messages_per_minute", "0", config).ok());
  EXPECT_FALSE(applySetting("delivery.helo_name", "two words", config).ok());
  EXPECT_FALSE(applySetting("dns_timeout", "0ms", config).ok());
  EXPECT_FALSE(applySetting("dns_timeout", "5sms", config).ok());
  EXPECT_TRUE(applySetting("dns_timeout", "2s", config).ok());
  EXPECT_EQ(config.dns_timeout, std::chrono::seconds(2));
}

TEST(Config, FlagsWithTheirOwnNamesHaveTheirOwnEnvironmentVariables) {
  EXPECT_EQ(configKeyForFlag("default-route"), "routing.default");
  EXPECT_EQ(configKeyForFlag("mx-port"), "delivery.mx_port");
  EXPECT_EQ(configKeyForFlag("dns-server"), "dns_server");
  EXPECT_EQ(configKeyForFlag("log-level"), "log_level");

  ::setenv("OUTPOST_DEFAULT_ROUTE", "mx", 1);
  ::setenv("OUTPOST_MX_PORT", "2526", 1);
  ::setenv("OUTPOST_DNS_SERVER", "127.0.0.1:5353", 1);
  Config config;
  auto applied = applyEnvironment(config);
  ::unsetenv("OUTPOST_DEFAULT_ROUTE");
  ::unsetenv("OUTPOST_MX_PORT");
  ::unsetenv("OUTPOST_DNS_SERVER");
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_EQ(config.routing.default_route, "mx");
  EXPECT_EQ(config.delivery.mx_port, 2526);
  EXPECT_EQ(config.dns_server, "127.0.0.1:5353");

  ::setenv("OUTPOST_MX_PORT", "smtp", 1);
  auto refused = applyEnvironment(config);
  ::unsetenv("OUTPOST_MX_PORT");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("OUTPOST_MX_PORT"), std::string::npos);
}

TEST(Config, CompletesHostnameAndNodeName) {
  Config config;
  completeConfig(config);
  EXPECT_FALSE(config.hostname.empty());
  EXPECT_NE(config.node_name.find(config.hostname), std::string::npos);
}

TEST(Config, SubmissionAndBounceFlagsSetTheirKeys) {
  EXPECT_EQ(configKeyForFlag("trusted-networks"), "submission.trusted_networks");
  EXPECT_EQ(configKeyForFlag("submission"), "submission.listen");
  EXPECT_EQ(configKeyForFlag("submissions"), "submission.tls_listen");
  EXPECT_EQ(configKeyForFlag("bounce-listen"), "bounce.listen");
  EXPECT_EQ(configKeyForFlag("return-domain"), "bounce.return_domain");
  Config config;
  ASSERT_TRUE(applySetting("submission.trusted_networks", "10.0.0.0/8", config).ok());
  EXPECT_EQ(config.submission.trusted_networks, "10.0.0.0/8");
  ASSERT_TRUE(applySetting("submission.listen", "", config).ok());  // "" turns it off
  EXPECT_EQ(config.submission.listen, "");
  ASSERT_TRUE(applySetting("submission.data_timeout", "2m", config).ok());
  EXPECT_EQ(config.submission.data_timeout, std::chrono::minutes(2));
  ASSERT_TRUE(applySetting("bounce.return_domain", "bounces.example.com", config).ok());
  EXPECT_EQ(config.bounce.return_domain, "bounces.example.com");
  auto refused = applySetting("bounce.suppress_hard_bounces", "maybe", config);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("true or false"), std::string::npos);
}

TEST(Config, DkimKeysTakeAFallbackDomainCanonicalizationAndDurationsWhereZeroIsOff) {
  EXPECT_EQ(configKeyForFlag("dkim-fallback-domain"), "dkim.fallback_domain");
  Config config;
  EXPECT_EQ(config.dkim.canonicalization, "relaxed/relaxed");
  EXPECT_EQ(config.dkim.expire_after, std::chrono::seconds(0));
  EXPECT_EQ(config.dkim.check_interval, std::chrono::minutes(15));
  ASSERT_TRUE(applySetting("dkim.fallback_domain", "Mail.Example.COM", config).ok());
  EXPECT_EQ(config.dkim.fallback_domain, "mail.example.com");
  ASSERT_TRUE(applySetting("dkim.canonicalization", "Simple/Relaxed", config).ok());
  EXPECT_EQ(config.dkim.canonicalization, "simple/relaxed");
  ASSERT_TRUE(applySetting("dkim.expire_after", "7d", config).ok());
  EXPECT_EQ(config.dkim.expire_after, std::chrono::hours(7 * 24));
  ASSERT_TRUE(applySetting("dkim.check_interval", "0", config).ok());
  EXPECT_EQ(config.dkim.check_interval, std::chrono::seconds(0));
  auto refused = applySetting("dkim.canonicalization", "relaxed/loose", config);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("simple/simple"), std::string::npos);
  EXPECT_FALSE(applySetting("dkim.key_cache_ttl", "0", config).ok());
  EXPECT_FALSE(applySetting("dkim.expire_after", "soon", config).ok());
}

}  // namespace
}  // namespace outpost

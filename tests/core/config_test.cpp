#include "core/config.h"

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

TEST(Config, CompletesHostnameAndNodeName) {
  Config config;
  completeConfig(config);
  EXPECT_FALSE(config.hostname.empty());
  EXPECT_NE(config.node_name.find(config.hostname), std::string::npos);
}

}  // namespace
}  // namespace outpost

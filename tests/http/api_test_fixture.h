// The fixture of the HTTP API tests: the real Server on 127.0.0.1:0 with a real SQLite store in
// a temporary folder, the real Intake, relay settings and routing repositories, spoken to by a
// plain Beast HTTP client. Delivery does not run, so accepted messages stay queued.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "core/credentials.h"
#include "core/secret_box.h"
#include "dns/memory_zone.h"
#include "http/server.h"
#include "store/sqlite/sqlite_store.h"

namespace outpost::http::test {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace json = boost::json;

struct Reply {
  int status = 0;
  std::string body;
  bhttp::fields headers;
  json::value json() const { return json::parse(body); }
  std::string header(std::string_view name) const { return std::string(headers[name]); }
  std::string error() const { return std::string(json().at("error").as_string()); }
};

struct Call {
  bhttp::verb method = bhttp::verb::get;
  std::string target;
  std::string body;
  std::string key;  // "Bearer …" or ""
  std::vector<std::pair<std::string, std::string>> headers;
};

class HttpClient {
 public:
  explicit HttpClient(int port) : socket_(context_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  }
  Reply send(const Call& call) {
    bhttp::request<bhttp::string_body> request{call.method, call.target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    if (!call.key.empty()) request.set(bhttp::field::authorization, call.key);
    for (const auto& [name, value] : call.headers) request.set(name, value);
    request.body() = call.body;
    request.prepare_payload();
    bhttp::write(socket_, request);
    bhttp::response<bhttp::string_body> response;
    bhttp::read(socket_, buffer_, response);
    return Reply{static_cast<int>(response.result_int()), response.body(), response.base()};
  }

 private:
  asio::io_context context_;
  asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// Lets each request's resolver answer from the fixture's one MemoryZone (requests run one at a
// time in these tests).
class ZoneResolver final : public dns::Resolver {
 public:
  explicit ZoneResolver(dns::MemoryZone& zone) : zone_(zone) {}
  asio::awaitable<Result<dns::Answer<dns::MxRecord>>> lookupMx(std::string name) override {
    return zone_.lookupMx(std::move(name));
  }
  asio::awaitable<Result<dns::Answer<std::string>>> lookupA(std::string name) override {
    return zone_.lookupA(std::move(name));
  }
  asio::awaitable<Result<dns::Answer<std::string>>> lookupAaaa(std::string name) override {
    return zone_.lookupAaaa(std::move(name));
  }
  asio::awaitable<Result<dns::Answer<std::string>>> lookupTxt(std::string name) override {
    return zone_.lookupTxt(std::move(name));
  }
  asio::awaitable<Result<dns::Answer<std::string>>> lookupPtr(std::string address) override {
    return zone_.lookupPtr(std::move(address));
  }
  asio::awaitable<Result<bool>> hasSpfTypeRecords(std::string name) override {
    return zone_.hasSpfTypeRecords(std::move(name));
  }

 private:
  dns::MemoryZone& zone_;
};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/outpost-http-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    config_.hostname = "outpost.test";
    config_.data_dir = dir_;
    auto opened = store::openSqliteStore(store::SqliteOptions{dir_ + "/outpost.db"});
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    auto box = SecretBox::openDataDir(dir_);
    ASSERT_TRUE(box) << box.error().message;
    secrets_.emplace(std::move(*box));
    relay_settings_.emplace(*store_, *secrets_);
    routing_.emplace(*store_, configuredRouting());
    intake_.emplace(*store_, config_, clock_, [] {});
    dkim_keys_.emplace(*store_, *secrets_, clock_);
    dkim_checks_.emplace(*store_, *secrets_, clock_, *dkim_keys_, pool_.get_executor());
    server_.emplace(Dependencies{
        config_, clock_, *store_, *intake_, *relay_settings_, *routing_, pool_.get_executor(),
        [this] { ++wakes_; }, [this] { ++settings_changes_; }, *dkim_keys_, *dkim_checks_,
        [this](const asio::any_io_executor&) -> Result<std::unique_ptr<dns::Resolver>> {
          return std::unique_ptr<dns::Resolver>(std::make_unique<ZoneResolver>(zone_));
        }});
    auto port = server_->start(io_.get_executor(), "127.0.0.1:0");
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
    io_thread_ = std::thread([this] { io_.run(); });

    admin_ = addUser("root@example.com", store::Role::kSuperAdmin);
    admin_key_ = addKey("root-full", admin_, "full");
  }

  void TearDown() override {
    if (server_) server_->stop();
    work_.reset();
    // Returns only when the acceptor and every connection have ended after stop().
    if (io_thread_.joinable()) io_thread_.join();
    pool_.join();
    server_.reset();
    dkim_checks_.reset();
    dkim_keys_.reset();
    intake_.reset();
    routing_.reset();
    relay_settings_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::int64_t addUser(const std::string& email, store::Role role) {
    store::User user;
    user.email = email;
    user.role = role;
    user.password_hash = "unused";
    user.created_at = clock_.now();
    auto created = store_->createUser(user);
    EXPECT_TRUE(created) << created.error().message;
    return created ? created->id : 0;
  }

  std::string addKey(const std::string& name, std::int64_t user_id, const std::string& scope,
                     std::vector<std::string> domains = {}) {
    ApiKeyToken token = generateApiKey();
    store::ApiKey key;
    key.name = name;
    key.user_id = user_id;
    key.scope = scope;
    key.domains = std::move(domains);
    key.prefix = token.prefix;
    key.secret_hash = hashApiKeySecret(token.secret);
    key.created_at = clock_.now();
    auto created = store_->createApiKey(key);
    EXPECT_TRUE(created) << created.error().message;
    return "Bearer " + token.text();
  }

  // The routing of the configuration file, for fixtures that need one.
  virtual delivery::RoutingTable configuredRouting() { return {}; }

  Reply call(const Call& call) { return HttpClient(port_).send(call); }
  Reply get(const std::string& target, const std::string& key) {
    return call({bhttp::verb::get, target, "", key});
  }
  Reply post(const std::string& target, const std::string& body, const std::string& key,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    return call({bhttp::verb::post, target, body, key, std::move(headers)});
  }

  static std::string message(const std::string& to = "alice@example.net",
                             const std::string& subject = "Hello") {
    return json::serialize(json::object{{"from", "Shop <shop@example.com>"},
                                        {"to", json::array{json::value(to)}},
                                        {"subject", subject},
                                        {"text", "Hi there"},
                                        {"tags", json::array{"welcome"}},
                                        {"metadata", json::object{{"customer", 42}}}});
  }

  // Submits a message and returns its id.
  std::string submit(const std::string& key, const std::string& subject = "Hello") {
    Reply reply = post("/api/v1/messages", message("alice@example.net", subject), key);
    EXPECT_EQ(reply.status, 201) << reply.body;
    if (reply.status != 201) return "";
    return std::string(reply.json().at("id").as_string());
  }

  std::string dir_;
  Config config_;
  SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  std::optional<SecretBox> secrets_;
  std::optional<delivery::RelaySettingsRepository> relay_settings_;
  std::optional<delivery::RoutingRepository> routing_;
  std::optional<intake::Intake> intake_;
  // What DKIM validation and test requests find in DNS.
  dns::MemoryZone zone_;
  std::optional<delivery::DkimKeyRepository> dkim_keys_;
  std::optional<delivery::DkimChecks> dkim_checks_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  asio::thread_pool pool_{4};
  std::optional<Server> server_;
  std::thread io_thread_;
  int port_ = 0;
  std::atomic<int> wakes_{0};
  std::atomic<int> settings_changes_{0};
  std::int64_t admin_ = 0;
  std::string admin_key_;
};

}  // namespace outpost::http::test

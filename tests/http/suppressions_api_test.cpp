// End to end through the HTTP API (api_test_fixture.h): the suppression list (list, search,
// pages, add, delete, roles, bad input) and the delivery reports shown with a message.
#include "http/api_test_fixture.h"

namespace outpost::http {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the fixture's names
using ::testing::HasSubstr;

constexpr UnixMillis kT0 = 1'780'000'000'000;

class SuppressionsApi : public ApiTest {
 protected:
  Reply del(const std::string& target, const std::string& key) {
    return call({bhttp::verb::delete_, target, "", key});
  }

  Reply add(const std::string& address, const std::string& key, const std::string& reason = "") {
    json::object body{{"address", address}};
    if (!reason.empty()) body["reason"] = reason;
    return post("/api/v1/suppressions", json::serialize(body), key);
  }

  void addDirectly(const std::string& address, UnixMillis at) {
    auto added = store_->addSuppression({address, "userunknown", "bounce", "01JMSG", at});
    ASSERT_TRUE(added.ok()) << added.error().message;
  }

  static std::vector<std::string> addresses(const Reply& reply) {
    std::vector<std::string> found;
    json::value body = reply.json();
    for (const auto& item : body.at("items").as_array()) {
      found.emplace_back(item.at("address").as_string());
    }
    return found;
  }

  static std::string firstErrorField(const Reply& reply) {
    return std::string(reply.json().at("errors").at(0).at("field").as_string());
  }
};

TEST_F(SuppressionsApi, AddsListsAndDeletesSuppressions) {
  Reply added = add("Gone@Example.org", admin_key_, "asked to stop");
  ASSERT_EQ(added.status, 201) << added.body;
  json::value item = added.json();
  EXPECT_EQ(item.at("address"), "gone@example.org");
  EXPECT_EQ(item.at("reason"), "asked to stop");
  EXPECT_EQ(item.at("source"), "manual");
  EXPECT_EQ(item.at("message_id"), "");
  UnixMillis created_at = 0;
  EXPECT_TRUE(parseRfc3339(std::string(item.at("created_at").as_string()), created_at));

  Reply defaulted = add("other@example.org", admin_key_);
  ASSERT_EQ(defaulted.status, 201) << defaulted.body;
  EXPECT_EQ(defaulted.json().at("reason"), "added by root-full");

  Reply listed = get("/api/v1/suppressions", admin_key_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  json::value page = listed.json();
  EXPECT_EQ(page.at("items").as_array().size(), 2u);
  EXPECT_TRUE(page.at("next_cursor").is_null());
  const auto& first = page.at("items").at(0).as_object();
  for (const char* field : {"address", "reason", "source", "message_id", "created_at"}) {
    EXPECT_TRUE(first.contains(field)) << field;
  }

  // The address in the path is URL-decoded and found whatever its case.
  Reply deleted = del("/api/v1/suppressions/GONE%40example.org", admin_key_);
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_TRUE(deleted.body.empty());
  Reply again = del("/api/v1/suppressions/gone@example.org", admin_key_);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.error(), "not_found");
  EXPECT_EQ(addresses(get("/api/v1/suppressions", admin_key_)),
            (std::vector<std::string>{"other@example.org"}));
}

TEST_F(SuppressionsApi, ListsNewestFirstInPagesAndSearches) {
  addDirectly("a@one.example", kT0);
  addDirectly("b@two.example", kT0 + 1000);
  addDirectly("c@one.example", kT0 + 2000);

  Reply first = get("/api/v1/suppressions?limit=2", admin_key_);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(addresses(first), (std::vector<std::string>{"c@one.example", "b@two.example"}));
  json::value page = first.json();
  const auto& item = page.at("items").at(0);
  EXPECT_EQ(item.at("source"), "bounce");
  EXPECT_EQ(item.at("message_id"), "01JMSG");
  EXPECT_EQ(item.at("created_at"), json::value(formatRfc3339(kT0 + 2000)));
  ASSERT_TRUE(page.at("next_cursor").is_string());
  std::string cursor(page.at("next_cursor").as_string());
  Reply second = get("/api/v1/suppressions?limit=2&cursor=" + cursor, admin_key_);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(addresses(second), (std::vector<std::string>{"a@one.example"}));
  EXPECT_TRUE(second.json().at("next_cursor").is_null());

  EXPECT_EQ(addresses(get("/api/v1/suppressions?q=ONE.example", admin_key_)),
            (std::vector<std::string>{"c@one.example", "a@one.example"}));

  Reply bad_limit = get("/api/v1/suppressions?limit=0", admin_key_);
  EXPECT_EQ(bad_limit.status, 400);
  EXPECT_EQ(firstErrorField(bad_limit), "limit");
  Reply bad_cursor = get("/api/v1/suppressions?cursor=nope!", admin_key_);
  EXPECT_EQ(bad_cursor.status, 400);
  EXPECT_EQ(bad_cursor.error(), "invalid_request");
}

TEST_F(SuppressionsApi, RefusesWhatIsNotAnAddress) {
  for (const std::string& address :
       {std::string("not-an-address"), std::string("Ann <ann@example.org>"),
        std::string("<ann@example.org>"), std::string("")}) {
    Reply reply = add(address, admin_key_);
    EXPECT_EQ(reply.status, 400) << address;
    EXPECT_EQ(reply.error(), "invalid_request");
    EXPECT_EQ(firstErrorField(reply), "address");
  }
  Reply missing = post("/api/v1/suppressions", R"({"reason": "why"})", admin_key_);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(firstErrorField(missing), "address");
  Reply unknown =
      post("/api/v1/suppressions", R"({"address": "a@example.org", "until": 1})", admin_key_);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(firstErrorField(unknown), "until");
  Reply two_lines = add("a@example.org", admin_key_, "one\r\ntwo");
  EXPECT_EQ(two_lines.status, 400);
  EXPECT_EQ(firstErrorField(two_lines), "reason");
  Reply not_json = post("/api/v1/suppressions", "{address", admin_key_);
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(not_json.error(), "invalid_json");
  EXPECT_TRUE(addresses(get("/api/v1/suppressions", admin_key_)).empty());
}

TEST_F(SuppressionsApi, AdminsChangeAuditorsReadUsersNeither) {
  std::string admin =
      addKey("admin-full", addUser("admin@example.com", store::Role::kAdmin), "full");
  std::string auditor =
      addKey("auditor-full", addUser("audit@example.com", store::Role::kAuditor), "full");
  std::string user = addKey("user-full", addUser("user@example.com", store::Role::kUser), "full");
  std::string root_send = addKey("root-send", admin_, "send");

  EXPECT_EQ(add("a@example.org", admin).status, 201);
  EXPECT_EQ(get("/api/v1/suppressions", admin).status, 200);
  EXPECT_EQ(del("/api/v1/suppressions/a@example.org", admin).status, 204);

  addDirectly("b@example.org", kT0);
  Reply audited = get("/api/v1/suppressions", auditor);
  EXPECT_EQ(audited.status, 200);
  EXPECT_EQ(addresses(audited), (std::vector<std::string>{"b@example.org"}));
  for (const std::string& key : {auditor, user, root_send}) {
    EXPECT_EQ(add("c@example.org", key).status, 403);
    Reply refused = del("/api/v1/suppressions/b@example.org", key);
    EXPECT_EQ(refused.status, 403);
    EXPECT_EQ(refused.error(), "forbidden");
  }
  for (const std::string& key : {user, root_send}) {
    EXPECT_EQ(get("/api/v1/suppressions", key).status, 403);
  }
  EXPECT_EQ(get("/api/v1/suppressions", "").status, 401);
  EXPECT_EQ(addresses(get("/api/v1/suppressions", admin_key_)),
            (std::vector<std::string>{"b@example.org"}));
}

TEST_F(SuppressionsApi, MessageDetailShowsItsReportsAndTheirRawText) {
  std::string id = submit(admin_key_);
  auto stored = store_->getMessage(id);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->recipients.size(), 1u);
  store::DeliveryReport report;
  report.recipient_id = stored->recipients[0].id;
  report.received_at = kT0;
  report.kind = "dsn";
  report.action = "failed";
  report.status = "5.1.1";
  report.reason = "userunknown";
  report.hard_bounce = true;
  report.diagnostic_code = "smtp; 550 5.1.1 <alice@example.net>: Recipient address rejected";
  report.remote_mta = "dns; mx.example.net";
  report.reporting_mta = "dns; relay.example.com";
  report.raw = "Reporting-MTA: dns; relay.example.com\r\n\r\nAction: failed\r\n";
  store::ReportEffect effect;
  effect.delivery = store::DeliveryStatus::kFailed;
  effect.event_type = "bounced";
  effect.event_detail = "userunknown: 550 5.1.1";
  auto report_id = store_->recordReport(report, effect);
  ASSERT_TRUE(report_id.ok()) << report_id.error().message;

  Reply detail = get("/api/v1/messages/" + id, admin_key_);
  ASSERT_EQ(detail.status, 200) << detail.body;
  json::value body = detail.json();
  EXPECT_EQ(body.at("delivery_status"), "failed");
  const auto& reports = body.at("reports").as_array();
  ASSERT_EQ(reports.size(), 1u);
  const auto& shown = reports[0];
  EXPECT_EQ(shown.at("id"), json::value(*report_id));
  EXPECT_EQ(shown.at("recipient"), "alice@example.net");
  EXPECT_EQ(shown.at("received_at"), json::value(formatRfc3339(kT0)));
  EXPECT_EQ(shown.at("kind"), "dsn");
  EXPECT_EQ(shown.at("action"), "failed");
  EXPECT_EQ(shown.at("status"), "5.1.1");
  EXPECT_EQ(shown.at("reason"), "userunknown");
  EXPECT_EQ(shown.at("hard_bounce"), true);
  EXPECT_EQ(shown.at("diagnostic_code"), json::value(report.diagnostic_code));
  EXPECT_EQ(shown.at("remote_mta"), "dns; mx.example.net");
  EXPECT_EQ(shown.at("reporting_mta"), "dns; relay.example.com");
  EXPECT_FALSE(shown.as_object().contains("raw"));
  std::string raw_url(shown.at("raw_url").as_string());
  EXPECT_EQ(raw_url, "/api/v1/messages/" + id + "/reports/" + std::to_string(*report_id) + "/raw");

  Reply raw = get(raw_url, admin_key_);
  ASSERT_EQ(raw.status, 200) << raw.body;
  EXPECT_THAT(raw.header("Content-Type"), HasSubstr("text/plain"));
  EXPECT_EQ(raw.body, report.raw);

  std::string base = "/api/v1/messages/" + id + "/reports/";
  EXPECT_EQ(get(base + std::to_string(*report_id + 1) + "/raw", admin_key_).status, 404);
  EXPECT_EQ(get(base + "abc/raw", admin_key_).status, 404);
  EXPECT_EQ(get(base + "0/raw", admin_key_).status, 404);
  // Someone who may not read the message does not learn that it exists.
  std::string stranger =
      addKey("stranger", addUser("stranger@example.com", store::Role::kUser), "full");
  Reply hidden = get(raw_url, stranger);
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(hidden.error(), "not_found");
}

}  // namespace
}  // namespace outpost::http

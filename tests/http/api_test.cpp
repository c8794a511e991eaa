// End to end through the HTTP API (api_test_fixture.h): messages, their views and the
// default relay's settings.
#include "http/api_test_fixture.h"

namespace outpost::http {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the fixture's names
using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(ApiTest, RefusesRequestsWithoutAValidKey) {
  for (const std::string& key :
       {std::string(), std::string("Bearer op_nope_nope"), std::string("Basic dXNlcjpwYXNz")}) {
    Reply reply = post("/api/v1/messages", message(), key);
    EXPECT_EQ(reply.status, 401) << key;
    EXPECT_EQ(reply.error(), "unauthorized");
    EXPECT_THAT(reply.header("WWW-Authenticate"), HasSubstr("Bearer"));
  }
  // Right prefix, wrong secret.
  std::string wrong = admin_key_;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(post("/api/v1/messages", message(), wrong).status, 401);
}

TEST_F(ApiTest, AcceptsAMessageWithItsIdAndLocation) {
  Reply reply = post("/api/v1/messages", message(), admin_key_);
  ASSERT_EQ(reply.status, 201) << reply.body;
  json::value body = reply.json();
  std::string id(body.at("id").as_string());
  EXPECT_FALSE(id.empty());
  EXPECT_THAT(std::string(body.at("message_id").as_string()), HasSubstr("@"));
  EXPECT_EQ(body.at("recipients").at(0).at("address"), "alice@example.net");
  EXPECT_EQ(reply.header("Location"), "/api/v1/messages/" + id);
  EXPECT_EQ(reply.header("Content-Type"), "application/json");
  EXPECT_EQ(reply.header("Cache-Control"), "no-store");
}

TEST_F(ApiTest, ShowsANewMessageWithQueuedRecipientsAwaitingReport) {
  std::string id = submit(admin_key_);
  Reply reply = get("/api/v1/messages/" + id, admin_key_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  json::value body = reply.json();
  EXPECT_EQ(body.at("id"), json::value(id));
  EXPECT_EQ(body.at("subject"), "Hello");
  EXPECT_EQ(body.at("processing_status"), "queued");
  EXPECT_EQ(body.at("delivery_status"), "unknown");
  EXPECT_EQ(body.at("tags"), json::parse(R"(["welcome"])"));
  EXPECT_EQ(body.at("metadata"), json::parse(R"({"customer": 42})"));
  const auto& recipient = body.at("recipients").at(0);
  EXPECT_EQ(recipient.at("address"), "alice@example.net");
  EXPECT_EQ(recipient.at("field"), "to");
  EXPECT_EQ(recipient.at("processing_status"), "queued");
  EXPECT_EQ(recipient.at("delivery_status"), "unknown");
  EXPECT_TRUE(body.at("attempts").as_array().empty());

  Reply raw = get("/api/v1/messages/" + id + "/raw", admin_key_);
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(raw.header("Content-Type"), "message/rfc822");
  EXPECT_THAT(raw.body, HasSubstr("Subject: Hello\r\n"));

  EXPECT_EQ(get("/api/v1/messages/no-such-id", admin_key_).status, 404);
  EXPECT_EQ(get("/api/v1/messages/" + id + "/attempts/1/transcript", admin_key_).status, 404);
}

TEST_F(ApiTest, ReplaysAnIdempotentRequestAndRefusesAnotherBodyUnderTheSameKey) {
  std::vector<std::pair<std::string, std::string>> headers{{"Idempotency-Key", "order-17"}};
  Reply first = post("/api/v1/messages", message(), admin_key_, headers);
  Reply again = post("/api/v1/messages", message(), admin_key_, headers);
  ASSERT_EQ(first.status, 201) << first.body;
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.json().at("id"), first.json().at("id"));
  EXPECT_EQ(again.json(), first.json());

  Reply other = post("/api/v1/messages", message("bob@example.net"), admin_key_, headers);
  EXPECT_EQ(other.status, 409) << other.body;
  EXPECT_EQ(other.error(), "idempotency_conflict");

  Reply list = get("/api/v1/messages", admin_key_);
  EXPECT_EQ(list.json().at("items").as_array().size(), 1u);
}

TEST_F(ApiTest, ListsViewsAndPagesWithACursor) {
  std::set<std::string> ids{submit(admin_key_, "one"), submit(admin_key_, "two"),
                            submit(admin_key_, "three")};
  Reply first = get("/api/v1/messages?view=sent&limit=2", admin_key_);
  ASSERT_EQ(first.status, 200) << first.body;
  const auto& page = first.json();
  ASSERT_EQ(page.at("items").as_array().size(), 2u);
  ASSERT_TRUE(page.at("next_cursor").is_string());
  const auto& item = page.at("items").at(0);
  for (const char* field :
       {"id", "message_id", "created_at", "from", "mail_from", "to", "subject", "processing_status",
        "delivery_status", "status", "server", "has_warning", "attempts", "next_attempt_at",
        "last_error", "size_bytes"}) {
    EXPECT_NE(item.as_object().if_contains(field), nullptr) << field;
  }

  std::string cursor(page.at("next_cursor").as_string());
  Reply second = get("/api/v1/messages?limit=2&cursor=" + cursor, admin_key_);
  ASSERT_EQ(second.status, 200) << second.body;
  ASSERT_EQ(second.json().at("items").as_array().size(), 1u);
  EXPECT_TRUE(second.json().at("next_cursor").is_null());

  std::set<std::string> seen;
  for (const auto* reply : {&first, &second}) {
    json::value body = reply->json();
    for (const auto& listed : body.at("items").as_array()) {
      seen.insert(std::string(listed.at("id").as_string()));
    }
  }
  EXPECT_EQ(seen, ids);

  EXPECT_EQ(get("/api/v1/messages?view=outbox", admin_key_).json().at("items").as_array().size(),
            3u);
  EXPECT_TRUE(
      get("/api/v1/messages?view=failed", admin_key_).json().at("items").as_array().empty());
  EXPECT_TRUE(get("/api/v1/sandbox/messages", admin_key_).json().at("items").as_array().empty());

  Reply bad_view = get("/api/v1/messages?view=archive", admin_key_);
  EXPECT_EQ(bad_view.status, 400);
  EXPECT_EQ(bad_view.json().at("errors").at(0).at("field"), "view");
  EXPECT_EQ(get("/api/v1/messages?limit=501", admin_key_).status, 400);
  EXPECT_EQ(get("/api/v1/messages?limit=0", admin_key_).status, 400);
  EXPECT_EQ(get("/api/v1/messages?since=yesterday", admin_key_).status, 400);
  EXPECT_EQ(get("/api/v1/messages?since=2020-01-01T00:00:00Z", admin_key_).status, 200);
}

TEST_F(ApiTest, SendScopedKeySeesOnlyWhatItSent) {
  std::string mine = addKey("app-one", admin_, "send");
  std::string other = addKey("app-two", admin_, "send");
  std::string id = submit(mine);
  std::string admins = submit(admin_key_);

  auto listed = get("/api/v1/messages", mine).json().at("items").as_array();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].at("id"), json::value(id));
  EXPECT_EQ(get("/api/v1/messages/" + id, mine).status, 200);
  EXPECT_EQ(get("/api/v1/messages/" + admins, mine).status, 404);
  EXPECT_EQ(get("/api/v1/messages/" + id, other).status, 404);
  EXPECT_TRUE(get("/api/v1/messages", other).json().at("items").as_array().empty());
  // A send key reads but does not manage.
  EXPECT_EQ(post("/api/v1/messages/" + id + "/retry", "", mine).status, 403);
  EXPECT_EQ(get("/api/v1/settings/smtp", mine).status, 403);
}

TEST_F(ApiTest, UserRoleSeesOnlyOwnMessagesAndOthersAreNotFound) {
  std::string alice = addKey("alice", addUser("alice@example.com", store::Role::kUser), "full");
  std::string bob = addKey("bob", addUser("bob@example.com", store::Role::kUser), "full");
  std::string id = submit(alice);

  EXPECT_EQ(get("/api/v1/messages/" + id, alice).status, 200);
  Reply hidden = get("/api/v1/messages/" + id, bob);
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(hidden.error(), "not_found");
  EXPECT_EQ(call({bhttp::verb::delete_, "/api/v1/messages/" + id, "", bob}).status, 404);
  EXPECT_TRUE(get("/api/v1/messages", bob).json().at("items").as_array().empty());
  EXPECT_EQ(get("/api/v1/messages/" + id, admin_key_).status, 200);
  EXPECT_EQ(get("/api/v1/settings/smtp", alice).status, 403);
}

TEST_F(ApiTest, AuditorReadsEverythingButMayNotSendOrChange) {
  std::string auditor =
      addKey("auditor", addUser("audit@example.com", store::Role::kAuditor), "full");
  std::string id = submit(admin_key_);

  Reply send = post("/api/v1/messages", message(), auditor);
  EXPECT_EQ(send.status, 403);
  EXPECT_EQ(send.error(), "forbidden");
  EXPECT_EQ(get("/api/v1/messages/" + id, auditor).status, 200);
  EXPECT_EQ(get("/api/v1/messages", auditor).json().at("items").as_array().size(), 1u);
  EXPECT_EQ(call({bhttp::verb::delete_, "/api/v1/messages/" + id, "", auditor}).status, 403);
  EXPECT_EQ(get("/api/v1/settings/smtp", auditor).status, 403);
}

TEST_F(ApiTest, CancelsAQueuedMessageOnceAndDoesNotRetryACancelledOne) {
  std::string id = submit(admin_key_);
  Reply cancelled = call({bhttp::verb::delete_, "/api/v1/messages/" + id, "", admin_key_});
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.json(), json::parse(R"({"id": ")" + id + R"(", "cancelled": 1})"));
  EXPECT_EQ(get("/api/v1/messages/" + id, admin_key_).json().at("processing_status"), "cancelled");

  Reply again = call({bhttp::verb::delete_, "/api/v1/messages/" + id, "", admin_key_});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.error(), "not_cancellable");
  Reply retry = post("/api/v1/messages/" + id + "/retry", "", admin_key_);
  EXPECT_EQ(retry.status, 409);
  EXPECT_EQ(retry.error(), "not_retryable");
}

TEST_F(ApiTest, ListsEveryFieldErrorOfASubmission) {
  Reply reply = post("/api/v1/messages",
                     R"({"from": "shop@example.com", "to": ["ok@example.net", "broken"],
                         "text": "x", "attachments": [{"filename": "a", "content": "%%"}],
                         "sender": "x"})",
                     admin_key_);
  ASSERT_EQ(reply.status, 400) << reply.body;
  json::value body = reply.json();
  EXPECT_EQ(body.at("error"), "invalid_request");
  std::set<std::string> fields;
  for (const auto& error : body.at("errors").as_array()) {
    fields.insert(std::string(error.at("field").as_string()));
    EXPECT_FALSE(error.at("message").as_string().empty());
  }
  EXPECT_EQ(fields, (std::set<std::string>{"to[1]", "attachments[0].content", "sender"}));
}

TEST_F(ApiTest, AnswersMalformedJsonWithItsPositionAndKeepsServing) {
  Reply reply = post("/api/v1/messages", "{\"from\": ", admin_key_);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.error(), "invalid_json");
  EXPECT_THAT(std::string(reply.json().at("message").as_string()), HasSubstr("line 1"));
  EXPECT_EQ(get("/api/v1/health", "").status, 200);
}

TEST_F(ApiTest, AcceptsARawMessageAndServesItBack) {
  std::string body = json::serialize(
      json::object{{"mail_from", "shop@example.com"},
                   {"rcpt_to", json::array{"alice@example.net"}},
                   {"message",
                    "From: shop@example.com\r\nTo: alice@example.net\r\nSubject: Raw one\r\n\r\n"
                    "Body\r\n"}});
  Reply reply = post("/api/v1/messages/raw", body, admin_key_);
  ASSERT_EQ(reply.status, 201) << reply.body;
  std::string id(reply.json().at("id").as_string());
  Reply raw = get("/api/v1/messages/" + id + "/raw", admin_key_);
  EXPECT_THAT(raw.body, HasSubstr("Subject: Raw one\r\n"));
  EXPECT_THAT(raw.body, HasSubstr("Message-ID: "));
}

TEST_F(ApiTest, SettingsNeverShowThePassword) {
  Reply empty = get("/api/v1/settings/smtp", admin_key_);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(empty.json().at("configured"), false);

  Reply saved = call({bhttp::verb::put, "/api/v1/settings/smtp",
                      R"({"host": "smtp.example.com", "port": 587, "tls": "starttls",
                          "username": "mailer", "password": "s3cret-Pa55"})",
                      admin_key_});
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(settings_changes_.load(), 1);  // open relay sessions must close
  EXPECT_EQ(wakes_.load(), 0);
  Reply shown = get("/api/v1/settings/smtp", admin_key_);
  ASSERT_EQ(shown.status, 200);
  EXPECT_THAT(shown.body, Not(HasSubstr("s3cret-Pa55")));
  EXPECT_THAT(saved.body, Not(HasSubstr("s3cret-Pa55")));
  json::value body = shown.json();
  EXPECT_EQ(body.at("configured"), true);
  EXPECT_EQ(body.at("host"), "smtp.example.com");
  EXPECT_EQ(body.at("username"), "mailer");
  EXPECT_EQ(body.at("has_password"), true);
  EXPECT_EQ(body.as_object().if_contains("password"), nullptr);

  // Saving again without the password keeps it.
  Reply kept = call({bhttp::verb::put, "/api/v1/settings/smtp",
                     R"({"host": "smtp2.example.com", "username": "mailer"})", admin_key_});
  ASSERT_EQ(kept.status, 200) << kept.body;
  auto reloaded = relay_settings_->load();
  ASSERT_TRUE(reloaded && reloaded->has_value());
  EXPECT_EQ((*reloaded)->password, "s3cret-Pa55");
}

TEST_F(ApiTest, RefusesSettingsWithABadPortAsAFieldError) {
  Reply reply = call({bhttp::verb::put, "/api/v1/settings/smtp",
                      R"({"host": "smtp.example.com", "port": 0})", admin_key_});
  ASSERT_EQ(reply.status, 400) << reply.body;
  EXPECT_EQ(reply.error(), "invalid_request");
  EXPECT_EQ(reply.json().at("errors").at(0).at("field"), "port");
  EXPECT_EQ(get("/api/v1/settings/smtp", admin_key_).json().at("configured"), false);
}

TEST_F(ApiTest, SettingsAreForSuperAdminsOnly) {
  std::string admin = addKey("admin", addUser("admin@example.com", store::Role::kAdmin), "full");
  Reply reply = get("/api/v1/settings/smtp", admin);
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(reply.error(), "forbidden");
}

TEST_F(ApiTest, SmtpTestNeedsASavedRelay) {
  Reply reply = post("/api/v1/settings/smtp/test", R"({"to": "me@example.net"})", admin_key_);
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(reply.error(), "not_configured");
  EXPECT_EQ(post("/api/v1/settings/smtp/validate", "", admin_key_).status, 409);
}

TEST_F(ApiTest, SendsAnSmtpTestThroughTheRelayRoute) {
  ASSERT_EQ(call({bhttp::verb::put, "/api/v1/settings/smtp",
                  R"({"host": "127.0.0.1", "port": 2525, "tls": "none"})", admin_key_})
                .status,
            200);
  Reply reply = post("/api/v1/settings/smtp/test", R"({"to": "me@example.net"})", admin_key_);
  ASSERT_EQ(reply.status, 201) << reply.body;
  std::string id(reply.json().at("id").as_string());
  auto detail = store_->getMessage(id);
  ASSERT_TRUE(detail);
  EXPECT_EQ(detail->route, "relay");
  EXPECT_EQ(detail->summary.mail_from, "outpost@outpost.test");
}

TEST_F(ApiTest, ValidatesTheRelayAndSaysWhichStepFailed) {
  // A port nobody listens on: the validation answers with the failed connect step.
  int closed_port = 0;
  {
    asio::io_context context;
    asio::ip::tcp::acceptor probe(context, {asio::ip::make_address("127.0.0.1"), 0});
    closed_port = probe.local_endpoint().port();
  }
  std::string settings =
      R"({"host": "127.0.0.1", "port": )" + std::to_string(closed_port) + R"(, "tls": "none"})";
  Reply unsaved = post("/api/v1/settings/smtp/validate", settings, admin_key_);
  ASSERT_EQ(unsaved.status, 200) << unsaved.body;
  json::value report = unsaved.json();
  EXPECT_EQ(report.at("ok"), false);
  EXPECT_FALSE(report.at("verdict").as_string().empty());
  ASSERT_FALSE(report.at("steps").as_array().empty());
  EXPECT_EQ(report.at("steps").at(0).at("name"), "connect");
  EXPECT_EQ(report.at("steps").at(0).at("status"), "error");
  EXPECT_NE(report.at("server").as_object().if_contains("certificate"), nullptr);

  ASSERT_EQ(call({bhttp::verb::put, "/api/v1/settings/smtp", settings, admin_key_}).status, 200);
  Reply saved = post("/api/v1/settings/smtp/validate", "", admin_key_);
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(saved.json().at("ok"), false);
}

TEST_F(ApiTest, KeyLimitedToSenderDomainsMayNotSendFromOthers) {
  std::string limited = addKey("limited", admin_, "send", {"other.example"});
  Reply reply = post("/api/v1/messages", message(), limited);
  EXPECT_EQ(reply.status, 403) << reply.body;
  EXPECT_EQ(reply.error(), "domain_not_allowed");
}

TEST_F(ApiTest, ReportsHealthWithoutAKey) {
  Reply reply = get("/api/v1/health", "");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json(), json::parse(R"({"status": "ok", "store": "ok"})"));
}

TEST_F(ApiTest, AnswersUnknownPathsAndWrongMethodsInJson) {
  Reply missing = get("/api/v1/nothing-here", admin_key_);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.error(), "not_found");
  Reply wrong = call({bhttp::verb::patch, "/api/v1/messages", "", admin_key_});
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("Allow"), "POST, GET");
  EXPECT_EQ(wrong.error(), "method_not_allowed");
}

TEST_F(ApiTest, ServesSeveralRequestsOnOneConnection) {
  HttpClient client(port_);
  EXPECT_EQ(client.send({bhttp::verb::get, "/api/v1/health"}).status, 200);
  EXPECT_EQ(client.send({bhttp::verb::get, "/api/v1/messages", "", admin_key_}).status, 200);
  EXPECT_EQ(client.send({bhttp::verb::get, "/api/v1/health"}).status, 200);
}

TEST_F(ApiTest, AnswersExpectContinueBeforeTheBodyIsSent) {
  asio::io_context context;
  asio::ip::tcp::socket socket(context);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)});
  std::string body = message();
  std::string head =
      "POST /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + admin_key_ +
      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nExpect: 100-continue\r\n\r\n";
  asio::write(socket, asio::buffer(head));
  std::string interim;
  std::size_t length = asio::read_until(socket, asio::dynamic_buffer(interim), "\r\n\r\n");
  EXPECT_THAT(interim.substr(0, length), HasSubstr("HTTP/1.1 100 Continue"));
  interim.erase(0, length);
  asio::write(socket, asio::buffer(body));
  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  bhttp::read(socket, buffer, response);
  EXPECT_EQ(response.result_int(), 201u) << response.body();
}

// Sends raw bytes on a fresh connection and returns the response's status code.
int rawExchange(int port, const std::string& bytes) {
  asio::io_context context;
  asio::ip::tcp::socket socket(context);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  asio::write(socket, asio::buffer(bytes));
  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  bhttp::read(socket, buffer, response);
  return static_cast<int>(response.result_int());
}

TEST_F(ApiTest, AnswersMalformedAndOversizedRequestsAndKeepsServing) {
  EXPECT_EQ(rawExchange(port_, "GARBAGE\r\n\r\n"), 400);
  EXPECT_EQ(rawExchange(port_, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                   std::string(64 * 1024, 'a') + "\r\n\r\n"),
            431);
  EXPECT_EQ(rawExchange(port_, "GET http://[bad/ HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
  EXPECT_EQ(get("/api/v1/health", "").status, 200);
}

TEST_F(ApiTest, RefusesABodyOverTheLimitWith413) {
  std::string huge(config_.max_message_bytes / 3 * 4 + 3 * 1024 * 1024, 'a');
  Reply reply = post("/api/v1/messages", huge, admin_key_);
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.error(), "too_large");
  Reply small_route =
      post("/api/v1/settings/smtp/test", std::string(2 * 1024 * 1024, ' '), admin_key_);
  EXPECT_EQ(small_route.status, 413);
  EXPECT_EQ(get("/api/v1/health", "").status, 200);
}

}  // namespace
}  // namespace outpost::http

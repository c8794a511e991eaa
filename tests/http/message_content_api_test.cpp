// GET /api/v1/messages/{id}/content and /preview (api_test_fixture.h): the decoded parts of a
// stored message, visible to exactly those who may read the message, and the HTML preview
// served only under a sandboxing Content-Security-Policy.
#include <map>

#include "http/api_test_fixture.h"

namespace outpost::http {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the fixture's names
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPolicy =
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'";

class MessageContentApiTest : public ApiTest {
 protected:
  // Submits a raw message and returns its id.
  std::string submitRaw(const std::string& key, const std::string& message) {
    std::string body = json::serialize(json::object{{"mail_from", "shop@example.com"},
                                                    {"rcpt_to", json::array{"alice@example.net"}},
                                                    {"message", message}});
    Reply reply = post("/api/v1/messages/raw", body, key);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.status == 201 ? std::string(reply.json().at("id").as_string()) : "";
  }
};

TEST_F(MessageContentApiTest, ShowsDecodedHeadersTextAndAttachments) {
  std::string id = post("/api/v1/messages",
                        json::serialize(json::object{
                            {"from", "Shop <shop@example.com>"},
                            {"to", json::array{"alice@example.net"}},
                            {"subject", "Grüße"},
                            {"text", "Hi there"},
                            {"html", "<p>Hi <b>there</b></p>"},
                            {"attachments", json::array{json::object{{"filename", "a.txt"},
                                                                     {"content_type", "text/plain"},
                                                                     {"content", "aGVsbG8="}}}}}),
                        admin_key_)
                       .json()
                       .at("id")
                       .as_string()
                       .c_str();
  Reply reply = get("/api/v1/messages/" + id + "/content", admin_key_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  json::value body = reply.json();
  std::map<std::string, std::string> headers;
  for (const auto& header : body.at("headers").as_array()) {
    headers.emplace(header.at("name").as_string(), header.at("value").as_string());
  }
  EXPECT_EQ(headers["Subject"], "Grüße");
  EXPECT_EQ(headers["From"], "Shop <shop@example.com>");
  EXPECT_THAT(std::string(body.at("text").as_string()), HasSubstr("Hi there"));
  EXPECT_EQ(body.at("html"), true);
  ASSERT_EQ(body.at("attachments").as_array().size(), 1u);
  EXPECT_EQ(body.at("attachments").at(0),
            json::parse(R"({"filename": "a.txt", "content_type": "text/plain", "size": 5})"));
}

TEST_F(MessageContentApiTest, AnswersNotFoundToAUserWhoMayNotReadTheMessage) {
  std::string alice = addKey("alice", addUser("alice@example.com", store::Role::kUser), "full");
  std::string bob = addKey("bob", addUser("bob@example.com", store::Role::kUser), "full");
  std::string id = submit(alice);

  EXPECT_EQ(get("/api/v1/messages/" + id + "/content", alice).status, 200);
  Reply content = get("/api/v1/messages/" + id + "/content", bob);
  EXPECT_EQ(content.status, 404);
  EXPECT_EQ(content.error(), "not_found");
  Reply preview = get("/api/v1/messages/" + id + "/preview", bob);
  EXPECT_EQ(preview.status, 404);
  EXPECT_THAT(preview.body, Not(HasSubstr("Hi there")));
  EXPECT_EQ(get("/api/v1/messages/unknown/content", admin_key_).status, 404);
  EXPECT_EQ(get("/api/v1/messages/" + id + "/content", "").status, 401);
}

TEST_F(MessageContentApiTest, ServesTheHtmlWithScriptsOnlyUnderTheSandboxingPolicy) {
  std::string id = submitRaw(admin_key_,
                             "From: shop@example.com\r\n"
                             "To: alice@example.net\r\n"
                             "Subject: =?UTF-8?Q?Caf=C3=A9?=\r\n"
                             "MIME-Version: 1.0\r\n"
                             "Content-Type: text/html; charset=utf-8\r\n"
                             "\r\n"
                             "<p>Hello</p><script>alert(1)</script>"
                             "<img src=\"https://tracker.example/pixel.gif\">\r\n");
  Reply preview = get("/api/v1/messages/" + id + "/preview", admin_key_);
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(preview.header("Content-Security-Policy"), kPolicy);
  EXPECT_EQ(preview.header("X-Frame-Options"), "SAMEORIGIN");
  EXPECT_EQ(preview.header("X-Content-Type-Options"), "nosniff");
  // Not cleaned: the policy and the console's sandboxed iframe keep it inert.
  EXPECT_THAT(preview.body, HasSubstr("<script>alert(1)</script>"));

  Reply content = get("/api/v1/messages/" + id + "/content", admin_key_);
  ASSERT_EQ(content.status, 200);
  EXPECT_EQ(content.json().at("html"), true);
  EXPECT_TRUE(content.json().at("text").is_null());
  bool found = false;
  const json::value body = content.json();
  for (const auto& header : body.at("headers").as_array()) {
    if (header.at("name") == "Subject") {
      EXPECT_EQ(header.at("value"), "Café");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(MessageContentApiTest, PreviewsPlainTextEscapedInsideAPre) {
  std::string id = submitRaw(admin_key_,
                             "From: shop@example.com\r\n"
                             "To: alice@example.net\r\n"
                             "Subject: plain\r\n"
                             "\r\n"
                             "1 < 2 & <script>x</script>\r\n");
  Reply preview = get("/api/v1/messages/" + id + "/preview", admin_key_);
  ASSERT_EQ(preview.status, 200);
  EXPECT_EQ(preview.header("Content-Security-Policy"), kPolicy);
  EXPECT_THAT(preview.body, HasSubstr("<pre"));
  EXPECT_THAT(preview.body, HasSubstr("1 &lt; 2 &amp; &lt;script&gt;x&lt;/script&gt;"));
  EXPECT_THAT(preview.body, Not(HasSubstr("<script>")));
  EXPECT_EQ(get("/api/v1/messages/" + id + "/content", admin_key_).json().at("html"), false);
}

}  // namespace
}  // namespace outpost::http

// End to end through the HTTP API (api_test_fixture.h): the validation of a domain's SPF for the
// saved relay (its include found in the relay's own domain, the fixture's MemoryZone) and the
// check_host() test for a given IP, HELO and sender.
#include "http/api_test_fixture.h"

namespace outpost::http {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the fixture's names
using ::testing::HasSubstr;

constexpr std::string_view kValidate = "/api/v1/domains/example.com/spf/validate";
constexpr std::string_view kTest = "/api/v1/domains/example.com/spf/test";

class SpfApi : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    zone_.addA("smtp.relay-domain.test", "203.0.113.5");
    zone_.addTxt("_spf.relay-domain.test", "v=spf1 ip4:203.0.113.0/24 -all");
    delivery::RelaySettings relay;
    relay.host = "smtp.relay-domain.test";
    ASSERT_TRUE(relay_settings_->save(relay));
  }

  static std::string field(const json::value& value, std::string_view name) {
    return std::string(value.at(name).as_string());
  }

  static std::string firstErrorField(const Reply& reply) {
    return field(reply.json().at("errors").at(0), "field");
  }
};

TEST_F(SpfApi, ValidatesTheRecordForTheSavedRelay) {
  zone_.addTxt("example.com", "v=spf1 include:_spf.relay-domain.test -all");
  Reply reply = post(std::string(kValidate), "", admin_key_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  json::value body = reply.json();
  EXPECT_EQ(field(body, "status"), "ok") << reply.body;
  EXPECT_EQ(field(body, "mail_from_domain"), "example.com");
  const auto& paths = body.at("paths").as_array();
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(field(paths[0], "kind"), "relay");
  EXPECT_EQ(field(paths[0].at("discovery"), "include"), "_spf.relay-domain.test");
  const auto& domain = body.at("domains").at(0);
  EXPECT_EQ(domain.at("pass"), true);
  EXPECT_EQ(field(domain.at("results").at(0).at("check"), "result"), "pass");
  EXPECT_EQ(domain.at("recommendation").at("changed"), false);
}

TEST_F(SpfApi, MissingRecordGetsTheRecordToPublish) {
  Reply reply = post(std::string(kValidate), "{}", admin_key_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  json::value body = reply.json();
  EXPECT_EQ(field(body, "status"), "missing");
  EXPECT_EQ(field(body.at("domains").at(0).at("recommendation"), "record"),
            "v=spf1 include:_spf.relay-domain.test ~all");
  EXPECT_THAT(field(body, "next_step"), HasSubstr("v=spf1 include:_spf.relay-domain.test ~all"));
}

TEST_F(SpfApi, BrokenRecordIsAnError) {
  zone_.addTxt("example.com", "v=spf1 include:_spf.relay-domain.test +all");
  Reply reply = post(std::string(kValidate), "", admin_key_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(field(reply.json(), "status"), "error");
  EXPECT_EQ(field(reply.json().at("domains").at(0).at("analysis").at("findings").at(0), "code"),
            "pass_all");
}

TEST_F(SpfApi, TestsAnAddressHeloAndSender) {
  zone_.addTxt("example.com", "v=spf1 include:_spf.relay-domain.test -all");
  zone_.addTxt("other.example", "v=spf1 ip4:198.51.100.0/24 ~all");
  Reply pass = post(std::string(kTest), R"({"ip": "203.0.113.5"})", admin_key_);
  ASSERT_EQ(pass.status, 200) << pass.body;
  EXPECT_EQ(field(pass.json(), "result"), "pass");
  EXPECT_EQ(field(pass.json(), "sender"), "postmaster@example.com");
  EXPECT_EQ(field(pass.json(), "helo"), "outpost.test");
  EXPECT_FALSE(pass.json().at("lookups").as_array().empty());

  Reply fail =
      post(std::string(kTest), R"({"ip": "192.0.2.1", "helo": "mail.example"})", admin_key_);
  ASSERT_EQ(fail.status, 200) << fail.body;
  EXPECT_EQ(field(fail.json(), "result"), "fail");
  EXPECT_EQ(field(fail.json(), "mechanism"), "-all");

  Reply softfail =
      post(std::string(kTest), R"({"ip": "192.0.2.1", "sender": "bob@other.example"})", admin_key_);
  ASSERT_EQ(softfail.status, 200) << softfail.body;
  EXPECT_EQ(field(softfail.json(), "result"), "softfail");
  EXPECT_EQ(field(softfail.json(), "domain"), "other.example");
}

TEST_F(SpfApi, RejectsBadFields) {
  Reply missing = post(std::string(kTest), "{}", admin_key_);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(firstErrorField(missing), "ip");
  Reply bad_ip = post(std::string(kTest), R"({"ip": "300.1.1.1"})", admin_key_);
  EXPECT_EQ(bad_ip.status, 400);
  EXPECT_EQ(firstErrorField(bad_ip), "ip");
  Reply bad_sender =
      post(std::string(kTest), R"({"ip": "192.0.2.1", "sender": "a@bad domain"})", admin_key_);
  EXPECT_EQ(bad_sender.status, 400);
  EXPECT_EQ(firstErrorField(bad_sender), "sender");
  Reply unknown = post(std::string(kValidate), R"({"selector": "x"})", admin_key_);
  EXPECT_EQ(unknown.status, 400);
  Reply bad_domain = post("/api/v1/domains/bad_domain!/spf/validate", "", admin_key_);
  EXPECT_EQ(bad_domain.status, 400);
}

TEST_F(SpfApi, OnlySuperAdmins) {
  const std::string key =
      addKey("admin", addUser("admin@example.com", store::Role::kAdmin), "full");
  EXPECT_EQ(post(std::string(kValidate), "", key).status, 403);
  EXPECT_EQ(post(std::string(kTest), R"({"ip": "192.0.2.1"})", key).status, 403);
}

}  // namespace
}  // namespace outpost::http

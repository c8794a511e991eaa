// End to end through the HTTP API (api_test_fixture.h): POST /domains/{d}/dmarc/validate finds
// the policy in the fixture's MemoryZone, aligns outpost's setup (its DKIM keys, the configured
// return-path domain) and recommends a record. Super admins only.
#include "http/api_test_fixture.h"

namespace outpost::http {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the fixture's names

class DmarcApi : public ApiTest {
 protected:
  Reply validate(const std::string& domain = "example.com", const std::string& body = "") {
    return post("/api/v1/domains/" + domain + "/dmarc/validate", body, admin_key_);
  }

  void addActiveKey(const std::string& domain) {
    delivery::NewDkimKey request;
    request.domain = domain;
    request.selector = "s1";
    request.algorithm = mailauth::dkim::KeyAlgorithm::kEd25519Sha256;
    request.activate = true;
    auto added = dkim_keys_->add(request);
    ASSERT_TRUE(added) << added.error().message;
  }

  static std::string text(const json::value& value, std::string_view name) {
    return std::string(value.at(name).as_string());
  }

  static std::vector<std::string> codes(const json::value& report) {
    std::vector<std::string> found;
    for (const auto& finding : report.at("recommendation").at("findings").as_array()) {
      found.push_back(text(finding, "code"));
    }
    return found;
  }
};

TEST_F(DmarcApi, NoPolicyIsMissingWithAStartingRecord) {
  Reply reply = validate();
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json::value report = reply.json();
  EXPECT_EQ(text(report, "domain"), "example.com");
  EXPECT_EQ(text(report, "status"), "missing");
  EXPECT_FALSE(report.at("valid").as_bool());
  EXPECT_FALSE(report.at("policy").at("found").as_bool());
  EXPECT_EQ(text(report.at("recommendation"), "record"),
            "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com");
  EXPECT_EQ(text(report.at("recommendation"), "name"), "_dmarc.example.com");
  EXPECT_THAT(text(report, "next_step"), ::testing::HasSubstr("v=DMARC1; p=none"));
  // No key and no return domain: unsigned, MAIL FROM is the From address.
  EXPECT_TRUE(report.at("setup").at("dkim_domain").is_null());
  EXPECT_EQ(text(report.at("setup"), "mail_from_domain"), "example.com");
}

TEST_F(DmarcApi, ValidPolicyWithOwnKeyIsOk) {
  addActiveKey("example.com");
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:agg@example.com");
  Reply reply = validate("Example.COM");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json::value report = reply.json();
  EXPECT_EQ(text(report, "status"), "ok") << reply.body;
  EXPECT_TRUE(report.at("valid").as_bool());
  EXPECT_EQ(text(report.at("policy"), "location"), "domain");
  EXPECT_EQ(text(report.at("policy").at("tags"), "p"), "reject");
  EXPECT_EQ(text(report.at("setup"), "dkim_source"), "own_key");
  EXPECT_TRUE(report.at("alignment").at("dkim").at("strict").as_bool());
  EXPECT_TRUE(report.at("alignment").at("aligned").as_bool());
}

TEST_F(DmarcApi, ReturnDomainAndFallbackKeyShapeTheSetup) {
  addActiveKey("mailer.example.net");
  config_.dkim.fallback_domain = "mailer.example.net";
  config_.bounce.return_domain = "bounces.example.com";
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=quarantine; aspf=s; rua=mailto:a@example.com");
  Reply reply = validate("news.example.com");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json::value report = reply.json();
  EXPECT_EQ(text(report.at("policy"), "location"), "organizational_domain");
  EXPECT_EQ(text(report.at("setup"), "dkim_domain"), "mailer.example.net");
  EXPECT_EQ(text(report.at("setup"), "dkim_source"), "fallback_domain");
  EXPECT_EQ(text(report.at("setup"), "mail_from_source"), "return_domain");
  EXPECT_FALSE(report.at("alignment").at("dkim").at("relaxed").as_bool());
  EXPECT_TRUE(report.at("alignment").at("spf").at("relaxed").as_bool());
  EXPECT_FALSE(report.at("alignment").at("spf").at("aligned").as_bool());
  EXPECT_EQ(text(report, "status"), "error");
  EXPECT_THAT(codes(report), ::testing::Contains("strict_spf_fails"));
  EXPECT_THAT(codes(report), ::testing::Contains("not_aligned"));
}

TEST_F(DmarcApi, BrokenAndDuplicatedRecordsAreErrors) {
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=sometimes");
  Reply broken = validate();
  ASSERT_EQ(broken.status, 200) << broken.body;
  EXPECT_EQ(text(broken.json(), "status"), "error");
  EXPECT_EQ(text(broken.json().at("policy").at("errors").at(0), "tag"), "p");

  zone_.addTxt("_dmarc.example.org", "v=DMARC1; p=none");
  zone_.addTxt("_dmarc.example.org", "v=DMARC1; p=reject");
  Reply two = validate("example.org");
  ASSERT_EQ(two.status, 200) << two.body;
  EXPECT_EQ(text(two.json(), "status"), "error");
  EXPECT_EQ(two.json().at("policy").at("records_found").as_array().size(), 2U);
  EXPECT_THAT(codes(two.json()), ::testing::Contains("several_records"));
}

TEST_F(DmarcApi, TemporaryDnsFailureIsATemporaryError) {
  zone_.failWithServfail("_dmarc.example.com");
  Reply reply = validate();
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(text(reply.json(), "status"), "error");
  EXPECT_TRUE(reply.json().at("temporary").as_bool());
  EXPECT_EQ(text(reply.json().at("policy").at("error"), "code"), "dns.servfail");
}

TEST_F(DmarcApi, RejectsBadDomainsAndBodies) {
  EXPECT_EQ(validate("bad..domain").status, 400);
  EXPECT_EQ(validate("-bad.example").status, 400);
  EXPECT_EQ(validate("example.com", "[").status, 400);
  EXPECT_EQ(validate("example.com", R"({"x": 1})").status, 400);
  EXPECT_EQ(validate("example.com", "{}").status, 200);
}

TEST_F(DmarcApi, OnlySuperAdminsValidate) {
  const std::string admin_key =
      addKey("admin", addUser("admin@example.com", store::Role::kAdmin), "full");
  const std::string send_key = addKey("root-send", admin_, "send");
  for (const std::string& key : {admin_key, send_key}) {
    EXPECT_EQ(post("/api/v1/domains/example.com/dmarc/validate", "", key).status, 403);
  }
  EXPECT_EQ(post("/api/v1/domains/example.com/dmarc/validate", "", "").status, 401);
}

}  // namespace
}  // namespace outpost::http

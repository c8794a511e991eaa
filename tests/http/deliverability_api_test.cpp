// GET /api/v1/deliverability through the HTTP API (api_test_fixture.h): per sending domain,
// SMTP, SPF, DKIM and DMARC in that order, each with a status, a reason and a next step, read
// from the settings and from DNS (the fixture's MemoryZone).
#include "http/api_test_fixture.h"

namespace outpost::http {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the fixture's names
using ::testing::HasSubstr;

class DeliverabilityApi : public ApiTest {
 protected:
  void saveRelay() {
    Reply saved = call({bhttp::verb::put, "/api/v1/settings/smtp",
                        R"({"host": "smtp.relay.example", "port": 587, "tls": "starttls",
                            "username": "outpost", "password": "secret"})",
                        admin_key_});
    ASSERT_EQ(saved.status, 200) << saved.body;
    zone_.addA("smtp.relay.example", "198.51.100.25");
    zone_.addTxt("_spf.relay.example", "v=spf1 ip4:198.51.100.0/24 -all");
  }

  // Generates a key for `domain` and, when `publish`, publishes it and lets validation
  // activate it.
  void addDkimKey(const std::string& domain, bool publish) {
    Reply made =
        post("/api/v1/domains/" + domain + "/dkim/keys", R"({"algorithm": "ed25519"})", admin_key_);
    ASSERT_EQ(made.status, 201) << made.body;
    if (!publish) return;
    json::value key = made.json();
    const json::value& record = key.at("record");
    zone_.addTxt(std::string(record.at("name").as_string()),
                 std::string(record.at("value").as_string()));
    Reply validated = post("/api/v1/domains/" + domain + "/dkim/validate", "", admin_key_);
    ASSERT_EQ(validated.status, 200) << validated.body;
  }

  json::value checklist(const std::string& query = "") {
    Reply reply = get("/api/v1/deliverability" + query, admin_key_);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.status == 200 ? reply.json() : json::value();
  }

  static const json::value& domainEntry(const json::value& list, const std::string& domain) {
    for (const auto& entry : list.at("domains").as_array()) {
      if (entry.at("domain").as_string() == domain) return entry;
    }
    static const json::value missing;
    ADD_FAILURE() << domain << " is not in " << json::serialize(list);
    return missing;
  }

  static std::string status(const json::value& entry, std::size_t index) {
    return std::string(entry.at("checks").at(index).at("status").as_string());
  }
  static std::string text(const json::value& entry, std::size_t index, std::string_view field) {
    return std::string(entry.at("checks").at(index).at(field).as_string());
  }
};

TEST_F(DeliverabilityApi, AWellSetUpDomainIsOkInTheOrderTheProductTeaches) {
  saveRelay();
  zone_.addTxt("example.com", "v=spf1 include:_spf.relay.example -all");
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:dmarc@example.com");
  addDkimKey("example.com", true);

  json::value list = checklist();
  const json::value& entry = domainEntry(list, "example.com");
  ASSERT_EQ(entry.at("checks").as_array().size(), 4u);
  EXPECT_EQ(text(entry, 0, "check"), "smtp");
  EXPECT_EQ(text(entry, 1, "check"), "spf");
  EXPECT_EQ(text(entry, 2, "check"), "dkim");
  EXPECT_EQ(text(entry, 3, "check"), "dmarc");
  EXPECT_EQ(status(entry, 0), "ok") << text(entry, 0, "reason");
  EXPECT_THAT(text(entry, 0, "reason"), HasSubstr("smtp.relay.example:587"));
  EXPECT_EQ(status(entry, 1), "ok") << text(entry, 1, "reason");
  EXPECT_EQ(status(entry, 2), "ok") << text(entry, 2, "reason");
  EXPECT_EQ(status(entry, 3), "ok") << text(entry, 3, "reason");
  EXPECT_EQ(entry.at("status").as_string(), "ok");
  EXPECT_EQ(entry.at("sources").at(0).as_string(), "dkim_key");
  EXPECT_EQ(entry.at("smtp").at("route").as_string(), "relay");
  EXPECT_TRUE(entry.at("smtp").at("automatic").as_bool());
  EXPECT_EQ(entry.at("dkim").at("keys").as_array().size(), 1u);
}

TEST_F(DeliverabilityApi, DkimActiveWhileSpfFailsSaysToFixSpfFirst) {
  saveRelay();
  addDkimKey("shop.example", true);  // signing, but no SPF record at all

  json::value list = checklist();
  const json::value& entry = domainEntry(list, "shop.example");
  EXPECT_EQ(status(entry, 1), "missing") << text(entry, 1, "reason");
  EXPECT_FALSE(text(entry, 1, "next_step").empty());
  EXPECT_EQ(status(entry, 2), "warning");
  EXPECT_THAT(text(entry, 2, "reason"), HasSubstr("fix SPF first"));
  EXPECT_THAT(text(entry, 2, "next_step"), HasSubstr("Fix SPF first"));
  EXPECT_TRUE(entry.at("checks").at(2).at("spf_first").as_bool());  // what the console shows
  EXPECT_FALSE(entry.at("checks").at(1).at("spf_first").as_bool());
  EXPECT_EQ(status(entry, 3), "missing") << text(entry, 3, "reason");
  EXPECT_EQ(entry.at("status").as_string(), "missing");
}

TEST_F(DeliverabilityApi, NoRelayMeansTheSandboxAndAPendingKeyIsNotSigningYet) {
  addDkimKey("example.com", false);

  json::value list = checklist();
  const json::value& entry = domainEntry(list, "example.com");
  EXPECT_EQ(status(entry, 0), "missing");
  EXPECT_THAT(text(entry, 0, "reason"), HasSubstr("sandbox"));
  EXPECT_THAT(text(entry, 0, "next_step"), HasSubstr("SMTP"));
  EXPECT_EQ(status(entry, 2), "missing");
  EXPECT_THAT(text(entry, 2, "next_step"), HasSubstr("._domainkey.example.com"));
}

TEST_F(DeliverabilityApi, AnActiveKeyWhoseRecordIsGoneIsAnError) {
  saveRelay();
  zone_.addTxt("example.com", "v=spf1 include:_spf.relay.example -all");
  addDkimKey("example.com", true);
  // The key's name stops answering after activation.
  Reply keys = get("/api/v1/domains/example.com/dkim/keys", admin_key_);
  ASSERT_EQ(keys.status, 200) << keys.body;
  std::string name(keys.json().at("items").at(0).at("record").at("name").as_string());
  zone_.failWithServfail(name);

  json::value list = checklist("?domain=example.com");
  const json::value& entry = domainEntry(list, "example.com");
  EXPECT_EQ(entry.at("sources").at(0).as_string(), "requested");
  EXPECT_EQ(status(entry, 2), "error");
  EXPECT_TRUE(entry.at("checks").at(2).at("temporary").as_bool());
  EXPECT_THAT(text(entry, 2, "next_step"), HasSubstr(name));
}

TEST_F(DeliverabilityApi, ChecksOnlyTheAskedDomainsAndRefusesBadOnes) {
  json::value list = checklist("?domain=Other.Example");
  ASSERT_EQ(list.at("domains").as_array().size(), 1u);
  EXPECT_EQ(list.at("domains").at(0).at("domain").as_string(), "other.example");

  Reply bad = get("/api/v1/deliverability?domain=not..valid", admin_key_);
  EXPECT_EQ(bad.status, 400) << bad.body;
  Reply unknown = get("/api/v1/deliverability?site=example.com", admin_key_);
  EXPECT_EQ(unknown.status, 400) << unknown.body;
}

TEST_F(DeliverabilityApi, EveryRoleReadsItButNotSendOnlyKeys) {
  std::string auditor =
      addKey("audit", addUser("audit@example.com", store::Role::kAuditor), "full");
  EXPECT_EQ(get("/api/v1/deliverability", auditor).status, 200);
  std::string sender = addKey("send", admin_, "send");
  EXPECT_EQ(get("/api/v1/deliverability", sender).status, 403);
  EXPECT_EQ(get("/api/v1/deliverability", "").status, 401);
}

}  // namespace
}  // namespace outpost::http

// End to end through the HTTP API (api_test_fixture.h): the DKIM keys of a domain (list,
// generate, import, activate, delete), their validation against DNS (the fixture's MemoryZone)
// and the sign-and-verify test. Private keys never come back.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "http/api_test_fixture.h"
#include "mailauth/dkim/key_material.h"

namespace outpost::http {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the fixture's names
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kKeys = "/api/v1/domains/example.com/dkim/keys";

class DkimApi : public ApiTest {
 protected:
  Reply del(const std::string& target, const std::string& key) {
    return call({bhttp::verb::delete_, target, "", key});
  }

  Reply generate(const json::object& body, const std::string& key = "") {
    return post(std::string(kKeys), json::serialize(body), key.empty() ? admin_key_ : key);
  }

  Reply validate(const std::string& body = "") {
    return post("/api/v1/domains/example.com/dkim/validate", body, admin_key_);
  }

  // Publishes a key's record at its name, as a DNS operator would.
  void publish(const json::value& key) {
    zone_.addTxt(std::string(key.at("record").at("name").as_string()),
                 std::string(key.at("record").at("value").as_string()));
  }

  static std::string field(const json::value& value, std::string_view name) {
    return std::string(value.at(name).as_string());
  }

  static std::string firstErrorField(const Reply& reply) {
    return field(reply.json().at("errors").at(0), "field");
  }

  static std::vector<std::string> codes(const json::value& check) {
    std::vector<std::string> found;
    for (const auto& finding : check.at("findings").as_array()) {
      found.push_back(field(finding, "code"));
    }
    return found;
  }
};

TEST_F(DkimApi, GeneratesListsActivatesAndDeletesKeysWithoutPrivateKeys) {
  Reply made = generate({{"algorithm", "ed25519"}, {"selector", "Ed1"}});
  ASSERT_EQ(made.status, 201) << made.body;
  json::value key = made.json();
  EXPECT_EQ(field(key, "domain"), "example.com");
  EXPECT_EQ(field(key, "selector"), "ed1");
  EXPECT_EQ(field(key, "algorithm"), "ed25519-sha256");
  EXPECT_EQ(key.at("key_bits").as_int64(), 256);
  EXPECT_EQ(field(key, "state"), "pending");
  EXPECT_TRUE(key.at("activated_at").is_null());
  EXPECT_TRUE(key.at("validated_at").is_null());
  EXPECT_EQ(field(key.at("record"), "name"), "ed1._domainkey.example.com");
  EXPECT_THAT(field(key.at("record"), "value"), HasSubstr("v=DKIM1; k=ed25519; p="));

  Reply rsa = generate({});  // the defaults: rsa-2048, op<year><month>r
  ASSERT_EQ(rsa.status, 201) << rsa.body;
  json::value rsa_key = rsa.json();
  EXPECT_EQ(field(rsa_key, "algorithm"), "rsa-sha256");
  EXPECT_EQ(rsa_key.at("key_bits").as_int64(), 2048);
  EXPECT_THAT(field(rsa_key, "selector"), ::testing::MatchesRegex("op[0-9]{6}r"));
  // A 2048-bit record is longer than one character-string may be.
  const auto& strings = rsa_key.at("record").at("strings").as_array();
  ASSERT_GE(strings.size(), 2u);
  std::string joined;
  for (const auto& part : strings) {
    EXPECT_LE(part.as_string().size(), 255u);
    joined += part.as_string();
  }
  EXPECT_EQ(joined, field(rsa_key.at("record"), "value"));

  Reply listed = get(std::string(kKeys), admin_key_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.json().at("items").as_array().size(), 2u);
  EXPECT_THAT(listed.body, Not(HasSubstr("PRIVATE")));
  EXPECT_THAT(made.body + rsa.body, Not(HasSubstr("PRIVATE")));

  Reply activated = post(std::string(kKeys) + "/ed1/activate", "", admin_key_);
  ASSERT_EQ(activated.status, 200) << activated.body;
  EXPECT_EQ(field(activated.json(), "state"), "active");
  EXPECT_FALSE(activated.json().at("activated_at").is_null());
  EXPECT_EQ(post(std::string(kKeys) + "/nope/activate", "", admin_key_).status, 404);

  EXPECT_EQ(del(std::string(kKeys) + "/ed1", admin_key_).status, 204);
  Reply again = del(std::string(kKeys) + "/ed1", admin_key_);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.error(), "not_found");
  EXPECT_EQ(get(std::string(kKeys), admin_key_).json().at("items").as_array().size(), 1u);
  // Another domain's list is its own.
  EXPECT_EQ(
      get("/api/v1/domains/example.org/dkim/keys", admin_key_).json().at("items").as_array().size(),
      0u);
}

TEST_F(DkimApi, ImportsAPemKeyAndActivatesItOnRequest) {
  auto material = mailauth::dkim::generateKey(mailauth::dkim::KeyAlgorithm::kEd25519Sha256);
  ASSERT_TRUE(material) << material.error().message;
  Reply imported = generate(
      {{"selector", "imp"}, {"private_key_pem", material->private_pem}, {"activate", true}});
  ASSERT_EQ(imported.status, 201) << imported.body;
  json::value key = imported.json();
  EXPECT_EQ(field(key, "state"), "active");
  EXPECT_EQ(field(key.at("record"), "value"), material->txt_record);
  EXPECT_THAT(imported.body, Not(HasSubstr("PRIVATE")));

  Reply garbage = generate({{"selector", "bad"}, {"private_key_pem", "not a key"}});
  EXPECT_EQ(garbage.status, 400) << garbage.body;
  EXPECT_EQ(firstErrorField(garbage), "private_key_pem");
}

TEST_F(DkimApi, RefusesBadRequestsWithTheirFields) {
  Reply algorithm = generate({{"algorithm", "rsa-1024"}});
  EXPECT_EQ(algorithm.status, 400) << algorithm.body;
  EXPECT_EQ(firstErrorField(algorithm), "algorithm");
  Reply selector = generate({{"selector", "bad selector!"}});
  EXPECT_EQ(selector.status, 400) << selector.body;
  EXPECT_EQ(firstErrorField(selector), "selector");
  Reply unknown = generate({{"bits", 2048}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(firstErrorField(unknown), "bits");
  Reply domain = get("/api/v1/domains/exa%20mple.com/dkim/keys", admin_key_);
  EXPECT_EQ(domain.status, 400);
  EXPECT_EQ(firstErrorField(domain), "domain");

  ASSERT_EQ(generate({{"selector", "s1"}, {"algorithm", "ed25519"}}).status, 201);
  Reply taken = generate({{"selector", "S1"}, {"algorithm", "ed25519"}});
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_EQ(firstErrorField(taken), "selector");
}

TEST_F(DkimApi, OnlySuperAdminsManageKeys) {
  const std::string admin_key =
      addKey("admin", addUser("admin@example.com", store::Role::kAdmin), "full");
  const std::string send_key = addKey("root-send", admin_, "send");
  for (const std::string& key : {admin_key, send_key}) {
    EXPECT_EQ(get(std::string(kKeys), key).status, 403);
    EXPECT_EQ(generate({{"algorithm", "ed25519"}}, key).status, 403);
    EXPECT_EQ(post("/api/v1/domains/example.com/dkim/validate", "", key).status, 403);
    EXPECT_EQ(post("/api/v1/domains/example.com/dkim/test", "", key).status, 403);
    EXPECT_EQ(del(std::string(kKeys) + "/x", key).status, 403);
  }
  EXPECT_EQ(get(std::string(kKeys), "").status, 401);
}

TEST_F(DkimApi, ValidatingAPublishedRecordActivatesThePendingKey) {
  Reply made = generate({{"selector", "good"}, {"algorithm", "ed25519"}});
  ASSERT_EQ(made.status, 201);
  publish(made.json());
  Reply validated = validate();
  ASSERT_EQ(validated.status, 200) << validated.body;
  json::value answer = validated.json();
  EXPECT_TRUE(answer.at("ok").as_bool());
  const json::value& check = answer.at("keys").at(0);
  EXPECT_EQ(field(check, "status"), "ok");
  EXPECT_TRUE(check.at("valid").as_bool());
  EXPECT_TRUE(check.at("activated").as_bool());
  EXPECT_EQ(field(check, "state_before"), "pending");
  EXPECT_EQ(field(check, "state"), "active");
  EXPECT_EQ(check.at("records_found").as_array().size(), 1u);

  json::value listed = get(std::string(kKeys), admin_key_).json().at("items").at(0);
  EXPECT_EQ(field(listed, "state"), "active");
  EXPECT_FALSE(listed.at("validated_at").is_null());
  EXPECT_EQ(field(listed, "last_validation"), "ok");
}

TEST_F(DkimApi, ValidationSaysWhatIsWrongAndLeavesTheKeyPending) {
  ASSERT_EQ(generate({{"selector", "wrong"}, {"algorithm", "ed25519"}}).status, 201);
  ASSERT_EQ(generate({{"selector", "absent"}, {"algorithm", "ed25519"}}).status, 201);
  auto other = mailauth::dkim::generateKey(mailauth::dkim::KeyAlgorithm::kEd25519Sha256);
  ASSERT_TRUE(other);
  zone_.addTxt("wrong._domainkey.example.com", other->txt_record);

  Reply one = validate(R"({"selector": "WRONG"})");
  ASSERT_EQ(one.status, 200) << one.body;
  ASSERT_EQ(one.json().at("keys").as_array().size(), 1u);
  const json::value wrong = one.json().at("keys").at(0);
  EXPECT_FALSE(one.json().at("ok").as_bool());
  EXPECT_EQ(field(wrong, "status"), "problem");
  EXPECT_THAT(codes(wrong), ::testing::Contains("different_key"));
  EXPECT_FALSE(wrong.at("activated").as_bool());
  EXPECT_EQ(field(wrong, "state"), "pending");

  Reply both = validate();
  ASSERT_EQ(both.status, 200) << both.body;
  EXPECT_EQ(both.json().at("keys").as_array().size(), 2u);
  const json::value both_answer = both.json();
  for (const auto& check : both_answer.at("keys").as_array()) {
    if (field(check, "selector") == "absent") {
      EXPECT_EQ(field(check, "status"), "missing");
      EXPECT_THAT(codes(check), ::testing::Contains("nxdomain"));
    }
  }
  const json::value listed = get(std::string(kKeys), admin_key_).json();
  for (const auto& key : listed.at("items").as_array()) {
    EXPECT_EQ(field(key, "state"), "pending");
    EXPECT_TRUE(key.at("validated_at").is_null());
    const std::string expected =
        field(key, "selector") == "wrong" ? "problem: different_key" : "missing: nxdomain";
    EXPECT_THAT(field(key, "last_validation"), ::testing::StartsWith(expected));
  }

  Reply unknown = validate(R"({"selector": "nope"})");
  EXPECT_EQ(unknown.status, 404);
  Reply none = post("/api/v1/domains/example.org/dkim/validate", "", admin_key_);
  EXPECT_EQ(none.status, 409);
  EXPECT_EQ(none.error(), "no_key");
}

TEST_F(DkimApi, TestSignsAndVerifiesThroughTheRecordInDns) {
  Reply made = generate({{"selector", "sel"}, {"algorithm", "ed25519"}, {"activate", true}});
  ASSERT_EQ(made.status, 201);
  publish(made.json());
  Reply tested = post("/api/v1/domains/example.com/dkim/test", "", admin_key_);
  ASSERT_EQ(tested.status, 200) << tested.body;
  json::value answer = tested.json();
  EXPECT_EQ(field(answer, "result"), "pass") << tested.body;
  ASSERT_EQ(answer.at("signature_headers").as_array().size(), 1u);
  const std::string header(answer.at("signature_headers").at(0).as_string());
  EXPECT_THAT(header, ::testing::StartsWith("DKIM-Signature:"));
  EXPECT_THAT(header, HasSubstr("s=sel"));
  const json::value& verdict = answer.at("verdicts").at(0);
  EXPECT_EQ(field(verdict, "result"), "pass");
  EXPECT_EQ(field(verdict, "selector"), "sel");
  EXPECT_EQ(field(verdict, "domain"), "example.com");
  EXPECT_EQ(field(answer.at("keys").at(0), "state"), "active");
  EXPECT_THAT(field(answer, "message"), HasSubstr("From: dkim-test@example.com"));
}

TEST_F(DkimApi, TestSignsWithAPendingKeyWhenNoneIsActiveAndSaysSo) {
  EXPECT_EQ(post("/api/v1/domains/example.com/dkim/test", "", admin_key_).error(), "no_key");
  Reply made = generate({{"selector", "new"}, {"algorithm", "ed25519"}});
  ASSERT_EQ(made.status, 201);
  // Not published yet: the verifier finds no key.
  Reply unpublished = post("/api/v1/domains/example.com/dkim/test", "", admin_key_);
  ASSERT_EQ(unpublished.status, 200) << unpublished.body;
  EXPECT_EQ(field(unpublished.json(), "result"), "permerror");
  EXPECT_EQ(field(unpublished.json().at("verdicts").at(0), "code"), "no_key");
  EXPECT_THAT(field(unpublished.json(), "note"), HasSubstr("pending"));
  EXPECT_EQ(field(unpublished.json().at("keys").at(0), "state"), "pending");
  publish(made.json());
  Reply tested = post("/api/v1/domains/example.com/dkim/test", "", admin_key_);
  EXPECT_EQ(field(tested.json(), "result"), "pass") << tested.body;
}

}  // namespace
}  // namespace outpost::http

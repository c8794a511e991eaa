// Key record parsing and formatting against RFC 6376 / RFC 8463 example records (shared test
// vectors from dkimpy and go-msgauth) and broken records.
#include "mailauth/dkim/key_record.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace outpost::mailauth::dkim {
namespace {

std::string vector(const std::string& name) {
  std::ifstream in(std::string(OUTPOST_DKIM_VECTORS_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  std::string out = text.str();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// RFC 8463 Appendix A.2.
constexpr char kBrisbane[] = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
// RFC 6376 Appendix C, bare PKCS#1 form as published for the newengland selector.
constexpr char kNewEngland[] =
    "v=DKIM1; p=MIGJAoGBALVI635dLK4cJJAH3Lx6upo3X/Lm1tQz3mezcWTA3BUBnyIsdnRf57aD5BtNmhPrYYDlWlzw3U"
    "gnKisIxktkk5+iMQMlFtAS10JB8L3YadXNJY+JBcbeSi5TgJe4WFzNgW95FWDAuSTRXSWZfA/8xjflbTLDx0euFZOM7C4"
    "T0GwLAgMBAAE=";

TEST(KeyRecord, ParsesTheRfc8463RsaRecord) {
  auto record = parseKeyRecord(vector("dkimpy/test.txt"));
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->type, KeyType::kRsa);
  EXPECT_EQ(record->key_bits, 1024);
  EXPECT_FALSE(record->testing);
  EXPECT_FALSE(record->revoked());
  EXPECT_TRUE(record->allowsHash("sha256"));
  EXPECT_TRUE(record->allowsEmail());
  ASSERT_NE(record->public_key, nullptr);
}

TEST(KeyRecord, KeyTypeDefaultsToRsa) {
  auto record = parseKeyRecord(vector("dkimpy/test2.txt"));
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->type, KeyType::kRsa);
  EXPECT_EQ(record->key_bits, 1024);
}

TEST(KeyRecord, ParsesTheRfc8463Ed25519Record) {
  auto record = parseKeyRecord(kBrisbane);
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->type, KeyType::kEd25519);
  EXPECT_EQ(record->key_bits, 256);
  auto again = formatKeyRecord(*record->public_key);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, kBrisbane);
}

TEST(KeyRecord, AcceptsEd25519RecordWithoutVersion) {
  auto record = parseKeyRecord(vector("dkimpy/ed25519test.dns"));
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->type, KeyType::kEd25519);
}

TEST(KeyRecord, AcceptsBarePkcs1RsaPublicKey) {
  auto record = parseKeyRecord(kNewEngland);
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->type, KeyType::kRsa);
  EXPECT_EQ(record->key_bits, 1024);
  // Formatting writes the standard SubjectPublicKeyInfo form of the same key.
  auto formatted = formatKeyRecord(*record->public_key);
  ASSERT_TRUE(formatted.ok());
  auto reparsed = parseKeyRecord(*formatted);
  ASSERT_TRUE(reparsed.ok()) << reparsed.error().message;
  EXPECT_TRUE(samePublicKey(*reparsed->public_key, *record->public_key));
}

TEST(KeyRecord, ReadsFlagsHashesServicesAndNotes) {
  std::string text = std::string("v=DKIM1; h=sha1:sha256; s=email; t=y:s:x; n=ask bob;") +
                     " k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
  auto record = parseKeyRecord(text);
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_TRUE(record->testing);
  EXPECT_TRUE(record->strict_identity);
  EXPECT_EQ(record->notes, "ask bob");
  EXPECT_TRUE(record->allowsHash("sha256"));
  EXPECT_FALSE(record->allowsHash("sha512"));
  EXPECT_TRUE(record->allowsEmail());
}

TEST(KeyRecord, ServiceTlsrptDoesNotAllowEmail) {
  auto record = parseKeyRecord(vector("dkimpy/test_tlsrpt.txt"));
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_FALSE(record->allowsEmail());
}

TEST(KeyRecord, IgnoresUnknownTagsAndWhitespaceInBase64) {
  auto record = parseKeyRecord(
      " v = DKIM1 ;x_future=1;k=ed25519;\r\n\tp=11qYAYKxCrfVS/7TyWQH Og7hcvPapiMl\r\n "
      "rwIaaPcHURo= ;");
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->public_key_base64, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
}

TEST(KeyRecord, EmptyPublicKeyIsRevoked) {
  auto record = parseKeyRecord("v=DKIM1; k=rsa; p=");
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_TRUE(record->revoked());
  EXPECT_EQ(record->public_key, nullptr);
}

TEST(KeyRecord, RefusesVersionThatIsNotDkim1) {
  auto record = parseKeyRecord(vector("dkimpy/badversion.txt"));
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.error().code, kKeySyntax);
  EXPECT_NE(record.error().message.find("v=DKIM1"), std::string::npos);
}

TEST(KeyRecord, RefusesVersionThatIsNotFirst) {
  auto record =
      parseKeyRecord("k=ed25519; v=DKIM1; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.error().message,
            "v=DKIM1 must be the first tag of the record: move it to the front");
}

TEST(KeyRecord, RefusesUnknownKeyType) {
  auto record = parseKeyRecord(vector("dkimpy/badk.txt"));
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.error().code, kKeyType);
  EXPECT_NE(record.error().message.find("k=ed25519-sha256"), std::string::npos);
}

TEST(KeyRecord, RefusesTruncatedRsaKey) {
  auto record = parseKeyRecord(vector("dkimpy/test_bad.txt"));
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.error().code, kKeyData);
}

TEST(KeyRecord, RefusesBase64CutOffMidway) {
  auto record = parseKeyRecord("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUR");
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.error().code, kKeyData);
  EXPECT_NE(record.error().message.find("cut off"), std::string::npos);
}

TEST(KeyRecord, RefusesRsaKeyInEd25519Record) {
  std::string text = vector("dkimpy/test.txt");
  text.replace(text.find("k=rsa"), 5, "k=ed25519");
  auto record = parseKeyRecord(text);
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.error().code, kKeyData);
  EXPECT_NE(record.error().message.find("32-byte"), std::string::npos);
}

TEST(KeyRecord, RefusesMissingPublicKeyDuplicateTagsAndGarbage) {
  EXPECT_EQ(parseKeyRecord("v=DKIM1; k=rsa").error().code, kKeySyntax);
  EXPECT_EQ(parseKeyRecord("v=DKIM1; p=; p=").error().code, kKeySyntax);
  EXPECT_EQ(parseKeyRecord("hello world").error().code, kKeySyntax);
  EXPECT_EQ(parseKeyRecord("v=DKIM1; 1k=rsa; p=").error().code, kKeySyntax);
  EXPECT_EQ(parseKeyRecord("v=DKIM1; k=rsa; p=ab\xc3\xa9").error().code, kKeySyntax);
  EXPECT_EQ(parseKeyRecord("v=DKIM1; k=rsa; p=MIG*").error().code, kKeyData);
}

TEST(KeyRecord, SplitsTxtStringsAt255Octets) {
  std::string record(600, 'a');
  auto strings = splitTxtStrings(record);
  ASSERT_EQ(strings.size(), 3u);
  EXPECT_EQ(strings[0].size(), 255u);
  EXPECT_EQ(strings[1].size(), 255u);
  EXPECT_EQ(strings[2].size(), 90u);
  EXPECT_EQ(splitTxtStrings("").size(), 1u);
  EXPECT_EQ(splitTxtStrings(std::string(255, 'x')).size(), 1u);
}

TEST(KeyRecord, ZoneFileFormQuotesEachStringAndEscapes) {
  EXPECT_EQ(zoneFileTxt(kBrisbane), std::string("\"") + kBrisbane + "\"");
  EXPECT_EQ(zoneFileTxt("n=say \"hi\"\\"), "\"n=say \\\"hi\\\"\\\\\"");
  std::string record = std::string(255, 'a') + "b";
  EXPECT_EQ(zoneFileTxt(record), "\"" + std::string(255, 'a') + "\" \"b\"");
}

}  // namespace
}  // namespace outpost::mailauth::dkim

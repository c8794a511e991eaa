// DMARC record parsing: the mail-auth parse cases (RFC 7489 Appendix B.2 and more) from
// ../shared/testdata/dmarc/record-parse.json, then every tag error and the §6.6.3 p= rule.
#include "mailauth/dmarc/record.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

namespace outpost::mailauth::dmarc {
namespace {

boost::json::value loadCases() {
  std::ifstream in(std::string(OUTPOST_DMARC_DATA_DIR) + "/record-parse.json");
  std::stringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str());
}

void expectUris(const std::vector<ReportUri>& actual, const boost::json::array& expected,
                const std::string& record) {
  ASSERT_EQ(actual.size(), expected.size()) << record;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const auto& want = expected[i].as_object();
    const std::string address(want.at("address").as_string());
    // mail-auth drops "%20" from "user%20@example.com" (its own choice, the data's notes say);
    // outpost percent-decodes the URI as RFC 3986 says.
    if (actual[i].uri.find('%') != std::string::npos) {
      EXPECT_EQ(actual[i].address, "user @example.com") << record;
    } else {
      EXPECT_EQ(actual[i].address, address) << record;
    }
    EXPECT_EQ(actual[i].max_size_bytes, want.at("max_size_bytes").to_number<std::uint64_t>())
        << record;
  }
}

TEST(DmarcRecord, ParsesEveryMailAuthCaseWithDefaults) {
  const auto data = loadCases();
  const auto& cases = data.at("cases").as_array();
  ASSERT_GE(cases.size(), 6U);
  for (const auto& item : cases) {
    const std::string text(item.at("record").as_string());
    const auto& expected = item.at("expected").as_object();
    const ParsedRecord parsed = parseRecord(text);
    EXPECT_TRUE(parsed.usable) << text;
    EXPECT_TRUE(parsed.errors.empty()) << text << ": " << parsed.errors.front().message;
    const DmarcRecord& record = parsed.record;
    EXPECT_EQ(dispositionName(record.p), expected.at("p").as_string()) << text;
    EXPECT_EQ(dispositionName(record.sp), expected.at("sp").as_string()) << text;
    EXPECT_EQ(alignmentModeTag(record.adkim), expected.at("adkim").as_string()) << text;
    EXPECT_EQ(alignmentModeTag(record.aspf), expected.at("aspf").as_string()) << text;
    EXPECT_EQ(record.pct, expected.at("pct").as_int64()) << text;
    EXPECT_EQ(record.fo, expected.at("fo").as_string()) << text;
    EXPECT_EQ(record.rf, expected.at("rf").as_string()) << text;
    EXPECT_EQ(record.ri, expected.at("ri").as_int64()) << text;
    expectUris(record.rua, expected.at("rua").as_array(), text);
    expectUris(record.ruf, expected.at("ruf").as_array(), text);
  }
}

TEST(DmarcRecord, ListsDmarcbisTagsAsUnknownAndIgnoresThem) {
  const auto data = loadCases();
  for (const auto& item : data.at("cases").as_array()) {
    const std::string text(item.at("record").as_string());
    const ParsedRecord parsed = parseRecord(text);
    for (const char* tag : {"np", "psd", "t"}) {
      const bool written = text.find(std::string("; ") + tag + "=") != std::string::npos;
      const auto& unknown = parsed.record.unknown_tags;
      EXPECT_EQ(std::find(unknown.begin(), unknown.end(), tag) != unknown.end(), written)
          << text << " " << tag;
    }
  }
  EXPECT_EQ(parseRecord("v=DMARC1; p=none; ignore_me=true").record.unknown_tags,
            std::vector<std::string>{"ignore_me"});
}

TEST(DmarcRecord, RecognizesDmarcRecordsByTheirFirstTag) {
  EXPECT_TRUE(isDmarcRecord("v=DMARC1; p=none"));
  EXPECT_TRUE(isDmarcRecord("  V = DMARC1 ;p=none"));
  EXPECT_TRUE(isDmarcRecord("v=DMARC1"));
  EXPECT_FALSE(isDmarcRecord("v=dmarc1; p=none"));  // the version is case-sensitive (§6.4)
  EXPECT_FALSE(isDmarcRecord("p=none; v=DMARC1"));
  EXPECT_FALSE(isDmarcRecord("v=spf1 -all"));
  EXPECT_FALSE(isDmarcRecord("v=DMARC2; p=none"));
  EXPECT_FALSE(isDmarcRecord(""));
}

TEST(DmarcRecord, MissingPWithValidRuaActsAsPNone) {
  const auto parsed = parseRecord("v=DMARC1; rua=mailto:reports@example.com");
  EXPECT_TRUE(parsed.usable);
  EXPECT_TRUE(parsed.record.p_assumed);
  EXPECT_EQ(parsed.record.p, Disposition::kNone);
  ASSERT_EQ(parsed.errors.size(), 1U);
  EXPECT_EQ(parsed.errors[0].tag, "p");
}

TEST(DmarcRecord, InvalidPWithValidRuaActsAsPNone) {
  const auto parsed = parseRecord("v=DMARC1; p=block; rua=mailto:reports@example.com");
  EXPECT_TRUE(parsed.usable);
  EXPECT_TRUE(parsed.record.p_assumed);
  EXPECT_EQ(parsed.record.sp, Disposition::kNone);
  ASSERT_EQ(parsed.errors.size(), 1U);
  EXPECT_EQ(parsed.errors[0].tag, "p");
}

TEST(DmarcRecord, MissingPWithoutRuaIsNotApplied) {
  const auto parsed = parseRecord("v=DMARC1; sp=reject");
  EXPECT_FALSE(parsed.usable);
  EXPECT_FALSE(parsed.record.p_assumed);
}

TEST(DmarcRecord, InvalidSpIsLikeInvalidP) {
  EXPECT_FALSE(parseRecord("v=DMARC1; p=reject; sp=strong").usable);
  const auto with_rua = parseRecord("v=DMARC1; p=reject; sp=strong; rua=mailto:a@example.com");
  EXPECT_TRUE(with_rua.usable);
  EXPECT_TRUE(with_rua.record.p_assumed);
  EXPECT_EQ(with_rua.record.p, Disposition::kNone);
}

TEST(DmarcRecord, RequiresVersionFirst) {
  const auto parsed = parseRecord("p=reject; v=DMARC1");
  EXPECT_FALSE(parsed.usable);
  ASSERT_FALSE(parsed.errors.empty());
  EXPECT_EQ(parsed.errors[0].tag, "v");
  EXPECT_FALSE(parseRecord("").usable);
  EXPECT_FALSE(parseRecord("v=DMARC1; v=DMARC1; p=none").errors.empty());
}

struct BadTag {
  const char* record;
  const char* tag;
};

class DmarcRecordTagErrors : public ::testing::TestWithParam<BadTag> {};

TEST_P(DmarcRecordTagErrors, ReportsTheTagAndKeepsTheDefault) {
  const auto parsed = parseRecord(GetParam().record);
  ASSERT_EQ(parsed.errors.size(), 1U) << GetParam().record;
  EXPECT_EQ(parsed.errors[0].tag, GetParam().tag);
  EXPECT_FALSE(parsed.errors[0].message.empty());
  EXPECT_TRUE(parsed.usable) << GetParam().record;
  EXPECT_EQ(parsed.record.pct, 100);
  EXPECT_EQ(parsed.record.adkim, AlignmentMode::kRelaxed);
  EXPECT_EQ(parsed.record.aspf, AlignmentMode::kRelaxed);
  EXPECT_EQ(parsed.record.fo, "0");
  EXPECT_EQ(parsed.record.rf, "afrf");
  EXPECT_EQ(parsed.record.ri, 86400U);
  EXPECT_TRUE(parsed.record.rua.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Tags, DmarcRecordTagErrors,
    ::testing::Values(
        BadTag{"v=DMARC1; p=none; pct=101", "pct"}, BadTag{"v=DMARC1; p=none; pct=-1", "pct"},
        BadTag{"v=DMARC1; p=none; pct=fifty", "pct"}, BadTag{"v=DMARC1; p=none; adkim=x", "adkim"},
        BadTag{"v=DMARC1; p=none; aspf=relaxed", "aspf"}, BadTag{"v=DMARC1; p=none; fo=2", "fo"},
        BadTag{"v=DMARC1; p=none; fo=1:x", "fo"}, BadTag{"v=DMARC1; p=none; rf=iodef", "rf"},
        BadTag{"v=DMARC1; p=none; ri=soon", "ri"}, BadTag{"v=DMARC1; p=none; ri=99999999999", "ri"},
        BadTag{"v=DMARC1; p=none; rua=reports@example.com", "rua"},
        BadTag{"v=DMARC1; p=none; rua=mailto:reports", "rua"},
        BadTag{"v=DMARC1; p=none; rua=mailto:a@example.com!10x", "rua"},
        BadTag{"v=DMARC1; p=none; rua=mailto:a@example.com!", "rua"},
        BadTag{"v=DMARC1; p=none; rua=mailto:a@example.com!99999999999999999999t", "rua"},
        BadTag{"v=DMARC1; p=none; junk", "junk"}, BadTag{"v=DMARC1; p=none; p=reject", "p"}));

TEST(DmarcRecord, KeepsTheValidUrisOfAList) {
  const auto parsed =
      parseRecord("v=DMARC1; p=none; rua=mailto:a@example.com, bogus, https://r.example/x!1m");
  ASSERT_EQ(parsed.record.rua.size(), 2U);
  EXPECT_EQ(parsed.record.rua[0].domain(), "example.com");
  EXPECT_EQ(parsed.record.rua[1].scheme, "https");
  EXPECT_EQ(parsed.record.rua[1].max_size_bytes, 1048576U);
  ASSERT_EQ(parsed.errors.size(), 1U);
  EXPECT_EQ(parsed.errors[0].tag, "rua");
}

TEST(DmarcRecord, FirstOfARepeatedTagWins) {
  EXPECT_EQ(parseRecord("v=DMARC1; p=none; p=reject").record.p, Disposition::kNone);
}

TEST(DmarcRecord, KeywordsAreCaseInsensitive) {
  const auto parsed = parseRecord("v=DMARC1; P=Reject; SP=NONE; ADKIM=S; Aspf=S; FO=D:S");
  EXPECT_TRUE(parsed.errors.empty());
  EXPECT_EQ(parsed.record.p, Disposition::kReject);
  EXPECT_EQ(parsed.record.sp, Disposition::kNone);
  EXPECT_EQ(parsed.record.adkim, AlignmentMode::kStrict);
  EXPECT_EQ(parsed.record.aspf, AlignmentMode::kStrict);
  EXPECT_EQ(parsed.record.fo, "d:s");
}

TEST(DmarcRecord, FormatsWithDefaultsLeftOut) {
  const auto parsed = parseRecord(
      "v=DMARC1; p=quarantine; pct=25; adkim=r; rua=mailto:a@example.com!10m,mailto:b@x.example; "
      "ri=86400; sp=reject; fo=1");
  EXPECT_EQ(formatRecord(parsed.record),
            "v=DMARC1; p=quarantine; sp=reject; pct=25; "
            "rua=mailto:a@example.com!10m,mailto:b@x.example; fo=1");
  EXPECT_EQ(formatRecord(parseRecord(formatRecord(parsed.record)).record),
            formatRecord(parsed.record));
}

}  // namespace
}  // namespace outpost::mailauth::dmarc

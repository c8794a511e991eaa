// SPF record syntax (RFC 7208 §4.5, §12): what parses, into which terms, and what is refused
// with which message.
#include "mailauth/spf/record.h"

#include <gtest/gtest.h>

namespace outpost::mailauth::spf {
namespace {

TEST(SpfRecord, TellsAnSpfRecordFromOtherTxt) {
  EXPECT_TRUE(isSpfRecord("v=spf1"));
  EXPECT_TRUE(isSpfRecord("v=spf1 -all"));
  EXPECT_TRUE(isSpfRecord("V=SPF1 -all"));
  EXPECT_FALSE(isSpfRecord("v=spf10"));
  EXPECT_FALSE(isSpfRecord("v=spf1-all"));
  EXPECT_FALSE(isSpfRecord("google-site-verification=abc"));
  EXPECT_FALSE(isSpfRecord(" v=spf1 -all"));
}

TEST(SpfRecord, ParsesEveryMechanismWithQualifiersAndPrefixLengths) {
  auto record = parseRecord(
      "v=spf1 ip4:192.0.2.0/24 -ip6:2001:db8::/32 ~a a:mail.example.com/28//64 ?mx//48 "
      "mx:example.org ptr ptr:example.net exists:%{i}.bl.example.com include:_spf.example.net "
      "-all");
  ASSERT_TRUE(record) << record.error().message;
  ASSERT_EQ(record->mechanisms.size(), 11U);
  const auto& ip4 = record->mechanisms[0];
  EXPECT_EQ(ip4.kind, MechanismKind::kIp4);
  EXPECT_EQ(ip4.qualifier, Qualifier::kPass);
  EXPECT_EQ(ip4.network, "192.0.2.0");
  EXPECT_EQ(ip4.cidr4, 24);
  const auto& ip6 = record->mechanisms[1];
  EXPECT_EQ(ip6.qualifier, Qualifier::kFail);
  EXPECT_EQ(ip6.network, "2001:db8::");
  EXPECT_EQ(ip6.cidr6, 32);
  EXPECT_EQ(record->mechanisms[2].qualifier, Qualifier::kSoftfail);
  EXPECT_TRUE(record->mechanisms[2].domain_spec.empty());
  const auto& a = record->mechanisms[3];
  EXPECT_EQ(a.domain_spec, "mail.example.com");
  EXPECT_EQ(a.cidr4, 28);
  EXPECT_EQ(a.cidr6, 64);
  const auto& mx = record->mechanisms[4];
  EXPECT_EQ(mx.qualifier, Qualifier::kNeutral);
  EXPECT_FALSE(mx.cidr4.has_value());
  EXPECT_EQ(mx.cidr6, 48);
  EXPECT_EQ(record->mechanisms[8].kind, MechanismKind::kExists);
  EXPECT_EQ(record->mechanisms[8].domain_spec, "%{i}.bl.example.com");
  EXPECT_EQ(record->mechanisms[9].text, "include:_spf.example.net");
  EXPECT_TRUE(record->mechanisms[9].queriesDns());
  EXPECT_FALSE(record->mechanisms[10].queriesDns());
}

TEST(SpfRecord, KeepsRedirectExpAndUnknownModifiers) {
  auto record = parseRecord("v=spf1 mx redirect=_spf.example.com exp=explain.%{d} moo=cow");
  ASSERT_TRUE(record) << record.error().message;
  ASSERT_TRUE(record->redirect);
  EXPECT_EQ(record->redirect->value, "_spf.example.com");
  ASSERT_TRUE(record->exp);
  EXPECT_EQ(record->exp->value, "explain.%{d}");
  ASSERT_EQ(record->unknown_modifiers.size(), 1U);
  EXPECT_EQ(record->unknown_modifiers[0].name, "moo");
}

TEST(SpfRecord, AllowsExtraSpacesBetweenAndAfterTerms) {
  auto record = parseRecord("v=spf1  a   -all  ");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->mechanisms.size(), 2U);
}

TEST(SpfRecord, ADomainMayHoldColonsAndSlashes) {
  auto record = parseRecord("v=spf1 a:foo:bar/baz.example.com");
  ASSERT_TRUE(record) << record.error().message;
  EXPECT_EQ(record->mechanisms[0].domain_spec, "foo:bar/baz.example.com");
  EXPECT_FALSE(record->mechanisms[0].cidr4.has_value());
}

struct Refusal {
  const char* record;
  const char* message_part;
};

class SpfRecordRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(SpfRecordRefusal, NamesTheTermAndWhatIsWrong) {
  auto record = parseRecord(GetParam().record);
  ASSERT_FALSE(record) << GetParam().record;
  EXPECT_EQ(record.error().code, "spf.syntax");
  EXPECT_FALSE(record.error().temporary);
  EXPECT_NE(record.error().message.find(GetParam().message_part), std::string::npos)
      << record.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    BadRecords, SpfRecordRefusal,
    ::testing::Values(Refusal{"v=spf1 foo -all", "unknown mechanism \"foo\""},
                      Refusal{"v=spf1 include -all", "\"include\""},
                      Refusal{"v=spf1 a: -all", "the domain is empty"},
                      Refusal{"v=spf1 ip4:192.0.2.0/33", "0 to 32"},
                      Refusal{"v=spf1 ip4:192.0.2.0/024", "0 to 32"},
                      Refusal{"v=spf1 ip6:2001:db8::/129", "0 to 128"},
                      Refusal{"v=spf1 ip4:1.2.3", "not an IPv4 address"},
                      Refusal{"v=spf1 ip6:192.0.2.1", "not an IPv6 address"},
                      Refusal{"v=spf1 a:example.123", "top-level label"},
                      Refusal{"v=spf1 a:museum", "top-level label"},
                      Refusal{"v=spf1 all:example.com", "takes no argument"},
                      Refusal{"v=spf1 redirect=a.example.com redirect=b.example.com",
                              "appears twice"},
                      Refusal{"v=spf1 -all exp=", "the domain is empty"},
                      Refusal{"v=spf1 a:%{x}.example.com", "unknown macro letter"},
                      Refusal{"v=spf1 a:%{d0}.example.com", "nonzero"},
                      Refusal{"v=spf1 a:%.example.com", "'%' must be followed"},
                      Refusal{"v=spf1 a:example.com\tmx", "not visible ASCII"},
                      Refusal{"v=spf1 \x80"
                              "a -all",
                              "not visible ASCII"},
                      Refusal{"spf1 -all", "v=spf1"}));

}  // namespace
}  // namespace outpost::mailauth::spf

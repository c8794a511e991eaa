#include "mailauth/spf/advice.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dns/memory_zone.h"
#include "support/run_async.h"

namespace outpost::mailauth::spf {
namespace {

namespace asio = boost::asio;

Analysis analyzeIn(dns::MemoryZone& zone, const std::string& domain) {
  return test::runAsync(
      [&](auto) -> asio::awaitable<Analysis> { co_return co_await analyze(zone, domain); });
}

Recommendation recommendIn(dns::MemoryZone& zone, const Analysis& analysis,
                           const std::vector<SendingSource>& sources) {
  return test::runAsync([&](auto) -> asio::awaitable<Recommendation> {
    co_return co_await recommend(zone, analysis, sources);
  });
}

RelayDiscovery discoverIn(dns::MemoryZone& zone, const std::string& host) {
  return test::runAsync([&](auto) -> asio::awaitable<RelayDiscovery> {
    co_return co_await discoverRelay(zone, host);
  });
}

bool hasFinding(const Analysis& analysis, const std::string& code) {
  return std::any_of(analysis.findings.begin(), analysis.findings.end(),
                     [&](const Finding& finding) { return finding.code == code; });
}

Severity severityOf(const Analysis& analysis, const std::string& code) {
  for (const auto& finding : analysis.findings) {
    if (finding.code == code) return finding.severity;
  }
  ADD_FAILURE() << "no finding " << code;
  return Severity::kInfo;
}

TEST(SpfAdvice, GoodRecordHasNoWarnings) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all");
  zone.addTxt("_spf.example.net", "v=spf1 ip4:198.51.100.0/24 -all");
  auto analysis = analyzeIn(zone, "example.com");
  ASSERT_TRUE(analysis.parsed.has_value());
  EXPECT_EQ(analysis.dns_terms, 1);
  EXPECT_EQ(analysis.void_lookups, 0);
  EXPECT_TRUE(analysis.findings.empty()) << analysis.findings.front().code;
  ASSERT_EQ(analysis.tree.size(), 2u);
  EXPECT_EQ(analysis.tree[1].domain, "_spf.example.net");
  EXPECT_EQ(analysis.tree[1].via, "include");
}

TEST(SpfAdvice, NoRecordIsAnError) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "google-site-verification=abc");
  auto analysis = analyzeIn(zone, "example.com");
  EXPECT_TRUE(analysis.records.empty());
  EXPECT_EQ(severityOf(analysis, "no_record"), Severity::kError);
  auto nxdomain = analyzeIn(zone, "missing.example");
  EXPECT_TRUE(hasFinding(nxdomain, "no_record"));
}

TEST(SpfAdvice, SeveralRecordsAreAnError) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 ip4:192.0.2.1 -all");
  zone.addTxt("example.com", "v=spf1 include:_spf.example.net ~all");
  zone.addTxt("_spf.example.net", "v=spf1 ip4:198.51.100.0/24 -all");
  auto analysis = analyzeIn(zone, "example.com");
  EXPECT_EQ(analysis.records.size(), 2u);
  EXPECT_FALSE(analysis.parsed.has_value());
  EXPECT_EQ(severityOf(analysis, "several_records"), Severity::kError);
  // The recommendation merges them: one all, both sets of terms.
  auto recommendation = recommendIn(zone, analysis, {});
  EXPECT_EQ(recommendation.record, "v=spf1 ip4:192.0.2.1 include:_spf.example.net -all");
  EXPECT_TRUE(recommendation.changed);
}

TEST(SpfAdvice, SyntaxErrorNamesTheTerm) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 ip4:192.0.2.300 -all");
  auto analysis = analyzeIn(zone, "example.com");
  EXPECT_FALSE(analysis.syntax_error.empty());
  EXPECT_EQ(severityOf(analysis, "syntax"), Severity::kError);
  // What parses is kept, the bad term dropped.
  auto recommendation = recommendIn(zone, analysis, {});
  EXPECT_EQ(recommendation.record, "v=spf1 -all");
  ASSERT_EQ(recommendation.removed.size(), 1u);
  EXPECT_EQ(recommendation.removed[0], "ip4:192.0.2.300");
}

TEST(SpfAdvice, FlagsAllQualifiersPtrAndMissingAll) {
  dns::MemoryZone zone;
  zone.addTxt("plus.example", "v=spf1 +all");
  zone.addTxt("neutral.example", "v=spf1 ?all");
  zone.addTxt("open.example", "v=spf1 ip4:192.0.2.1");
  zone.addTxt("ptr.example", "v=spf1 ptr -all");
  EXPECT_EQ(severityOf(analyzeIn(zone, "plus.example"), "pass_all"), Severity::kError);
  EXPECT_EQ(severityOf(analyzeIn(zone, "neutral.example"), "neutral_all"), Severity::kWarning);
  EXPECT_EQ(severityOf(analyzeIn(zone, "open.example"), "no_all"), Severity::kWarning);
  auto ptr = analyzeIn(zone, "ptr.example");
  EXPECT_EQ(severityOf(ptr, "ptr"), Severity::kWarning);
  EXPECT_EQ(ptr.dns_terms, 1);
}

TEST(SpfAdvice, CountsLookupsThroughNestedIncludesAndRedirects) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 a mx include:one.example redirect=tail.example");
  zone.addA("example.com", "192.0.2.1");
  zone.addMx("example.com", 10, "mx.example.com");
  zone.addTxt("one.example", "v=spf1 include:two.example include:three.example -all");
  zone.addTxt("two.example", "v=spf1 a:host.two.example exists:%{i}.rbl.example -all");
  zone.addA("host.two.example", "192.0.2.2");
  zone.addTxt("three.example", "v=spf1 ip4:192.0.2.3 -all");
  zone.addTxt("tail.example", "v=spf1 mx:tail.example -all");
  zone.addMx("tail.example", 10, "mx.tail.example");
  auto analysis = analyzeIn(zone, "example.com");
  // example.com: a, mx, include, redirect = 4; one: 2 includes; two: a, exists; tail: mx.
  EXPECT_EQ(analysis.dns_terms, 9);
  EXPECT_EQ(analysis.void_lookups, 0);
  EXPECT_TRUE(hasFinding(analysis, "macros"));
  EXPECT_TRUE(hasFinding(analysis, "lookups_near_limit"));
  EXPECT_FALSE(hasFinding(analysis, "too_many_lookups"));
  EXPECT_EQ(analysis.tree.size(), 5u);
}

TEST(SpfAdvice, TooManyLookupsIsAnError) {
  dns::MemoryZone zone;
  std::string record = "v=spf1";
  for (int i = 0; i < 6; ++i) {
    const std::string name = "i" + std::to_string(i) + ".example";
    record += " include:" + name;
    zone.addTxt(name, "v=spf1 a:" + name + " -all");
    zone.addA(name, "192.0.2." + std::to_string(10 + i));
  }
  zone.addTxt("example.com", record + " -all");
  auto analysis = analyzeIn(zone, "example.com");
  EXPECT_EQ(analysis.dns_terms, 12);
  EXPECT_EQ(severityOf(analysis, "too_many_lookups"), Severity::kError);
}

TEST(SpfAdvice, IncludeOfDomainWithoutSpfAndVoidLookups) {
  dns::MemoryZone zone;
  zone.addTxt("example.com",
              "v=spf1 include:nospf.example include:gone.example a:none.example "
              "-all");
  zone.addTxt("nospf.example", "some other text");
  auto analysis = analyzeIn(zone, "example.com");
  EXPECT_EQ(severityOf(analysis, "include_none"), Severity::kError);
  // gone.example (NXDOMAIN) and none.example (no address) are void; nospf.example answered.
  EXPECT_EQ(analysis.void_lookups, 2);
}

TEST(SpfAdvice, IncludeLoopIsAnError) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 include:loop.example -all");
  zone.addTxt("loop.example", "v=spf1 include:example.com -all");
  auto analysis = analyzeIn(zone, "example.com");
  EXPECT_TRUE(hasFinding(analysis, "include_loop"));
}

TEST(SpfAdvice, ObsoleteSpfTypeAndLongRecord) {
  dns::MemoryZone zone;
  std::string record = "v=spf1";
  for (int i = 0; i < 40; ++i) record += " ip4:198.51.100." + std::to_string(i);
  record += " -all";
  ASSERT_GT(record.size(), 512u);
  zone.addTxt("example.com", record);
  zone.addSpfType("example.com");
  auto analysis = analyzeIn(zone, "example.com");
  EXPECT_TRUE(analysis.spf_rr_type);
  EXPECT_EQ(severityOf(analysis, "spf_rr_type"), Severity::kWarning);
  EXPECT_EQ(severityOf(analysis, "record_too_long"), Severity::kWarning);
  auto recommendation = recommendIn(zone, analysis, {});
  EXPECT_EQ(recommendation.strings.size(), (record.size() + 254) / 255);
}

TEST(SpfAdvice, RecommendationKeepsTermsAndAddsWhatIsMissing) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 mx include:_spf.mail.example ?all");
  zone.addMx("example.com", 10, "mx.example.com");
  zone.addA("mx.example.com", "192.0.2.1");
  zone.addTxt("_spf.mail.example", "v=spf1 ip4:198.51.100.0/24 -all");
  zone.addTxt("_spf.relay.example", "v=spf1 ip4:203.0.113.0/24 -all");
  auto analysis = analyzeIn(zone, "example.com");
  SendingSource relay{"relay smtp.relay.example",
                      {"203.0.113.5"},
                      {"include:_spf.relay.example"},
                      {"ip4:203.0.113.5"}};
  SendingSource already{"direct MX delivery", {"198.51.100.7"}, {"ip4:198.51.100.7"}, {}};
  auto recommendation = recommendIn(zone, analysis, {relay, already});
  EXPECT_EQ(recommendation.record,
            "v=spf1 mx include:_spf.mail.example include:_spf.relay.example ~all");
  EXPECT_EQ(recommendation.added, std::vector<std::string>{"include:_spf.relay.example"});
  EXPECT_EQ(recommendation.removed, std::vector<std::string>{"?all"});
  EXPECT_EQ(recommendation.dns_terms, 3);
  EXPECT_TRUE(recommendation.changed);
}

TEST(SpfAdvice, RecommendationNeverKeepsPlusAllAndKeepsDash) {
  dns::MemoryZone zone;
  zone.addTxt("plus.example", "v=spf1 ip4:192.0.2.1 +all");
  zone.addTxt("dash.example", "v=spf1 ip4:192.0.2.1 -all");
  SendingSource direct{"direct MX delivery", {"192.0.2.9"}, {"ip4:192.0.2.9"}, {}};
  auto plus = recommendIn(zone, analyzeIn(zone, "plus.example"), {direct});
  EXPECT_EQ(plus.record, "v=spf1 ip4:192.0.2.1 ip4:192.0.2.9 ~all");
  auto dash = recommendIn(zone, analyzeIn(zone, "dash.example"), {direct});
  EXPECT_EQ(dash.record, "v=spf1 ip4:192.0.2.1 ip4:192.0.2.9 -all");
  // A path that already passes adds nothing: the record stays as published.
  SendingSource covered{"relay", {"192.0.2.1"}, {"ip4:192.0.2.1"}, {}};
  auto same = recommendIn(zone, analyzeIn(zone, "dash.example"), {covered});
  EXPECT_EQ(same.record, "v=spf1 ip4:192.0.2.1 -all");
  EXPECT_FALSE(same.changed);
}

TEST(SpfAdvice, RecommendationForNoRecordEndsWithSoftfail) {
  dns::MemoryZone zone;
  SendingSource direct{"direct MX delivery", {"192.0.2.9", "2001:db8::9"}, {}, {}};
  direct.terms = addressTerms(direct.addresses);
  auto recommendation = recommendIn(zone, analyzeIn(zone, "new.example"), {direct});
  EXPECT_EQ(recommendation.record, "v=spf1 ip4:192.0.2.9 ip6:2001:db8::9 ~all");
}

TEST(SpfAdvice, RecommendationStaysUnderTheLookupLimit) {
  dns::MemoryZone zone;
  std::string record = "v=spf1";
  for (int i = 0; i < 9; ++i) {
    const std::string name = "i" + std::to_string(i) + ".example";
    record += " include:" + name;
    zone.addTxt(name, "v=spf1 ip4:192.0.2." + std::to_string(10 + i) + " -all");
  }
  zone.addTxt("example.com", record + " -all");
  // The relay's include costs 2 (it includes another name): 9 + 2 > 10, so its address goes in.
  zone.addTxt("_spf.relay.example", "v=spf1 include:_net.relay.example -all");
  zone.addTxt("_net.relay.example", "v=spf1 ip4:203.0.113.0/24 -all");
  auto analysis = analyzeIn(zone, "example.com");
  ASSERT_EQ(analysis.dns_terms, 9);
  SendingSource relay{
      "relay", {"203.0.113.5"}, {"include:_spf.relay.example"}, {"ip4:203.0.113.5"}};
  auto recommendation = recommendIn(zone, analysis, {relay});
  EXPECT_EQ(recommendation.added, std::vector<std::string>{"ip4:203.0.113.5"});
  EXPECT_LE(recommendation.dns_terms, 10);
}

TEST(SpfAdvice, RelayDomainsWalkUpToTheOrganizationalDomain) {
  EXPECT_EQ(relayDomains("smtp.eu.mailgun.org", "mailgun.org"),
            (std::vector<std::string>{"eu.mailgun.org", "mailgun.org"}));
  EXPECT_EQ(relayDomains("smtp.eu.relay.test"),
            (std::vector<std::string>{"eu.relay.test", "relay.test"}));
  EXPECT_EQ(relayDomains("relay.test"), (std::vector<std::string>{"relay.test"}));
  EXPECT_EQ(relayDomains("mail.example.co.uk", "example.co.uk"),
            (std::vector<std::string>{"example.co.uk"}));
}

TEST(SpfAdvice, RelayDiscoveryFindsTheIncludeOfTheRelaysDomain) {
  dns::MemoryZone zone;
  zone.addA("smtp.relay-domain.test", "203.0.113.5");
  zone.addAaaa("smtp.relay-domain.test", "2001:db8:5::5");
  // The domain's own record passes by including _spf: the _spf name is cheaper and wins.
  zone.addTxt("relay-domain.test", "v=spf1 include:_spf.relay-domain.test -all");
  zone.addTxt("_spf.relay-domain.test", "v=spf1 ip4:203.0.113.0/24 ip6:2001:db8:5::/48 -all");
  auto discovery = discoverIn(zone, "smtp.relay-domain.test");
  EXPECT_TRUE(discovery.error.empty());
  EXPECT_EQ(discovery.addresses.size(), 2u);
  EXPECT_EQ(discovery.include, "_spf.relay-domain.test");
  EXPECT_EQ(discovery.terms, std::vector<std::string>{"include:_spf.relay-domain.test"});
  EXPECT_EQ(discovery.address_terms,
            (std::vector<std::string>{"ip4:203.0.113.5", "ip6:2001:db8:5::5"}));
}

TEST(SpfAdvice, RelayDiscoveryFallsBackToAddresses) {
  dns::MemoryZone zone;
  zone.addA("smtp.other.test", "198.51.100.20");
  // A record that does not cover the address, and one that passes only by +all: neither counts.
  zone.addTxt("_spf.other.test", "v=spf1 ip4:192.0.2.0/24 -all");
  zone.addTxt("other.test", "v=spf1 +all");
  auto discovery = discoverIn(zone, "smtp.other.test");
  EXPECT_TRUE(discovery.include.empty());
  EXPECT_EQ(discovery.terms, std::vector<std::string>{"ip4:198.51.100.20"});
  EXPECT_FALSE(discovery.candidates.empty());
  auto unresolved = discoverIn(zone, "nowhere.other.test");
  EXPECT_FALSE(unresolved.error.empty());
  EXPECT_TRUE(unresolved.terms.empty());
}

}  // namespace
}  // namespace outpost::mailauth::spf

// check_host() (RFC 7208 §4–§6) through an in-memory zone: results, the reason and code a person
// and a program read, the limits, and the lookups it reports.
#include "mailauth/spf/evaluator.h"

#include <gtest/gtest.h>

#include "dns/lookup_runner.h"
#include "dns/memory_zone.h"
#include "support/run_async.h"

namespace outpost::mailauth::spf {
namespace {

CheckHostResult check(dns::MemoryZone& zone, const std::string& ip, const std::string& domain,
                      std::string sender = {}) {
  CheckHostInput input;
  input.ip = ip;
  input.domain = domain;
  input.sender = sender.empty() ? "alice@" + domain : std::move(sender);
  input.helo = "mail.client.example";
  input.now_seconds = 1700000000;
  return test::runAsync([&](auto) -> boost::asio::awaitable<CheckHostResult> {
    co_return co_await checkHost(zone, input);
  });
}

TEST(SpfEvaluator, PassesAnAddressInAnIncludedRecord) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 include:_spf.relay.example -all");
  zone.addTxt("_spf.relay.example", "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8:5::/48 -all");
  auto result = check(zone, "198.51.100.7", "example.com");
  EXPECT_EQ(result.result, SpfResult::kPass);
  EXPECT_EQ(result.code, "matched");
  EXPECT_EQ(result.mechanism, "include:_spf.relay.example");
  EXPECT_EQ(result.mechanism_domain, "example.com");
  EXPECT_EQ(result.record, "v=spf1 include:_spf.relay.example -all");
  EXPECT_EQ(result.dns_terms, 1);
  ASSERT_EQ(result.lookups.size(), 2U);
  EXPECT_EQ(result.lookups[1].name, "_spf.relay.example");
  EXPECT_EQ(result.lookups[1].depth, 1);
  EXPECT_EQ(check(zone, "2001:db8:5::25", "example.com").result, SpfResult::kPass);
  EXPECT_EQ(check(zone, "::ffff:198.51.100.9", "example.com").result, SpfResult::kPass);
}

TEST(SpfEvaluator, FailsWithTheDomainsExplanation) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 a -all exp=why.%{d}");
  zone.addA("example.com", "192.0.2.10");
  zone.addTxt("why.example.com", "%{i} may not send for %{d} (asked by %{r})");
  auto result = check(zone, "203.0.113.5", "example.com");
  EXPECT_EQ(result.result, SpfResult::kFail);
  EXPECT_EQ(result.mechanism, "-all");
  EXPECT_EQ(result.explanation, "203.0.113.5 may not send for example.com (asked by unknown)");
  EXPECT_NE(result.reason.find("-all"), std::string::npos) << result.reason;
}

TEST(SpfEvaluator, GivesADefaultExplanationWhenExpCannotBeHad) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 -all exp=missing.example.com");
  auto result = check(zone, "203.0.113.5", "example.com");
  EXPECT_EQ(result.result, SpfResult::kFail);
  EXPECT_NE(result.explanation.find("does not allow 203.0.113.5"), std::string::npos)
      << result.explanation;
}

TEST(SpfEvaluator, EveryQualifierGivesItsResult) {
  dns::MemoryZone zone;
  zone.addTxt("soft.example", "v=spf1 ~all");
  zone.addTxt("neutral.example", "v=spf1 ?all");
  zone.addTxt("open.example", "v=spf1 +all");
  zone.addTxt("empty.example", "v=spf1");
  EXPECT_EQ(check(zone, "192.0.2.1", "soft.example").result, SpfResult::kSoftfail);
  EXPECT_EQ(check(zone, "192.0.2.1", "neutral.example").result, SpfResult::kNeutral);
  EXPECT_EQ(check(zone, "192.0.2.1", "open.example").result, SpfResult::kPass);
  auto empty = check(zone, "192.0.2.1", "empty.example");
  EXPECT_EQ(empty.result, SpfResult::kNeutral);
  EXPECT_EQ(empty.code, "default");
}

TEST(SpfEvaluator, NoneWithoutARecordAndPermerrorWithTwo) {
  dns::MemoryZone zone;
  zone.addTxt("plain.example", "google-site-verification=abc");
  zone.addTxt("twice.example", "v=spf1 -all");
  zone.addTxt("twice.example", "v=spf1 +all");
  auto plain = check(zone, "192.0.2.1", "plain.example");
  EXPECT_EQ(plain.result, SpfResult::kNone);
  EXPECT_EQ(plain.code, "no_record");
  EXPECT_EQ(check(zone, "192.0.2.1", "nowhere.example").result, SpfResult::kNone);
  auto twice = check(zone, "192.0.2.1", "twice.example");
  EXPECT_EQ(twice.result, SpfResult::kPermerror);
  EXPECT_EQ(twice.code, "multiple_records");
}

TEST(SpfEvaluator, IncludeOfADomainWithoutSpfIsPermerror) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 include:nospf.example -all");
  zone.addA("nospf.example", "192.0.2.1");
  auto result = check(zone, "192.0.2.1", "example.com");
  EXPECT_EQ(result.result, SpfResult::kPermerror);
  EXPECT_EQ(result.code, "include_none");
}

TEST(SpfEvaluator, StopsAfterTenDnsQueryingTerms) {
  dns::MemoryZone zone;
  std::string record = "v=spf1";
  for (int i = 0; i < 11; ++i) {
    std::string name = "n" + std::to_string(i) + ".example.com";
    zone.addA(name, "198.51.100." + std::to_string(i + 1));
    record += " a:" + name;
  }
  zone.addTxt("example.com", record + " -all");
  EXPECT_EQ(check(zone, "198.51.100.10", "example.com").result, SpfResult::kPass);
  auto over = check(zone, "198.51.100.11", "example.com");
  EXPECT_EQ(over.result, SpfResult::kPermerror);
  EXPECT_EQ(over.code, "too_many_lookups");
  EXPECT_EQ(over.dns_terms, 11);
}

TEST(SpfEvaluator, StopsAfterTwoVoidLookups) {
  dns::MemoryZone zone;
  zone.addTxt("example.com",
              "v=spf1 a:void1.example.com mx:void2.example.com "
              "exists:void3.example.com -all");
  zone.addTxt("void2.example.com", "not an mx");
  auto result = check(zone, "192.0.2.1", "example.com");
  EXPECT_EQ(result.result, SpfResult::kPermerror);
  EXPECT_EQ(result.code, "too_many_void");
  EXPECT_EQ(result.void_lookups, 3);
}

TEST(SpfEvaluator, MxWithMoreThanTenNamesIsPermerror) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 mx -all");
  for (int i = 0; i < 11; ++i) zone.addMx("example.com", 10, "mx" + std::to_string(i) + ".example");
  auto result = check(zone, "192.0.2.1", "example.com");
  EXPECT_EQ(result.result, SpfResult::kPermerror);
  EXPECT_EQ(result.code, "too_many_mx");
}

TEST(SpfEvaluator, MxAndAHonourPrefixLengths) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 mx/24 a:host.example.com//64 -all");
  zone.addMx("example.com", 10, "mx.example.com");
  zone.addA("mx.example.com", "192.0.2.10");
  zone.addAaaa("host.example.com", "2001:db8:1:2::1");
  EXPECT_EQ(check(zone, "192.0.2.200", "example.com").result, SpfResult::kPass);
  EXPECT_EQ(check(zone, "192.0.3.1", "example.com").result, SpfResult::kFail);
  EXPECT_EQ(check(zone, "2001:db8:1:2::ffff", "example.com").result, SpfResult::kPass);
  EXPECT_EQ(check(zone, "2001:db8:1:3::1", "example.com").result, SpfResult::kFail);
}

TEST(SpfEvaluator, PtrMatchesOnlyValidatedNames) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 ptr -all");
  zone.addPtr("192.0.2.5", "mail.example.com");
  zone.addA("mail.example.com", "192.0.2.5");
  zone.addPtr("192.0.2.6", "forged.example.com");  // its A record does not point back
  zone.addA("forged.example.com", "192.0.2.99");
  EXPECT_EQ(check(zone, "192.0.2.5", "example.com").result, SpfResult::kPass);
  EXPECT_EQ(check(zone, "192.0.2.6", "example.com").result, SpfResult::kFail);
}

TEST(SpfEvaluator, ExistsWithMacrosQueriesTheExpandedName) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 exists:%{ir}.%{l1r-}.allow.example.com -all");
  zone.addA("5.2.0.192.bob.allow.example.com", "127.0.0.2");
  EXPECT_EQ(check(zone, "192.0.2.5", "example.com", "bob@example.com").result, SpfResult::kPass);
  EXPECT_EQ(check(zone, "192.0.2.5", "example.com", "eve@example.com").result, SpfResult::kFail);
}

TEST(SpfEvaluator, RedirectUsesTheTargetsRecordAndItsExplanation) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 redirect=_spf.example.net exp=mine.example.com");
  zone.addTxt("_spf.example.net", "v=spf1 ip4:192.0.2.0/24 -all exp=theirs.example.net");
  zone.addTxt("mine.example.com", "mine");
  zone.addTxt("theirs.example.net", "theirs for %{d}");
  EXPECT_EQ(check(zone, "192.0.2.1", "example.com").result, SpfResult::kPass);
  auto fail = check(zone, "198.51.100.1", "example.com");
  EXPECT_EQ(fail.result, SpfResult::kFail);
  EXPECT_EQ(fail.explanation, "theirs for _spf.example.net");
  EXPECT_EQ(fail.mechanism_domain, "_spf.example.net");
}

TEST(SpfEvaluator, DnsFailuresAreTemperrorsWithTheLookupInTheReason) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 a:broken.example.net -all");
  zone.failWithServfail("broken.example.net");
  zone.failWithTimeout("slow.example.org");
  auto broken = check(zone, "192.0.2.1", "example.com");
  EXPECT_EQ(broken.result, SpfResult::kTemperror);
  EXPECT_EQ(broken.code, "dns");
  EXPECT_NE(broken.reason.find("broken.example.net"), std::string::npos) << broken.reason;
  EXPECT_EQ(check(zone, "192.0.2.1", "slow.example.org").result, SpfResult::kTemperror);
}

TEST(SpfEvaluator, MalformedDomainsAndAddressesAreRefused) {
  dns::MemoryZone zone;
  EXPECT_EQ(check(zone, "192.0.2.1", "localhost").code, "invalid_domain");
  EXPECT_EQ(check(zone, "192.0.2.1", "a..example.com").code, "invalid_domain");
  auto bad_ip = check(zone, "not-an-ip", "example.com");
  EXPECT_EQ(bad_ip.result, SpfResult::kPermerror);
  EXPECT_EQ(bad_ip.code, "invalid_ip");
}

TEST(SpfEvaluator, FindsTheOneRecord) {
  dns::MemoryZone zone;
  zone.addTxt("example.com", "v=spf1 mx -all");
  zone.addTxt("example.com", "other");
  zone.addTxt("twice.example", "v=spf1 -all");
  zone.addTxt("twice.example", "v=spf1 ~all");
  auto run = [&](const std::string& domain) { return dns::testing::run(findRecord(zone, domain)); };
  EXPECT_EQ(*run("example.com"), "v=spf1 mx -all");
  EXPECT_EQ(run("twice.example").error().code, "spf.multiple");
  EXPECT_EQ(run("missing.example").error().code, "spf.none");
}

}  // namespace
}  // namespace outpost::mailauth::spf

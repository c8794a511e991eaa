// DMARC policy discovery (RFC 7489 §6.6.3) against the dns module's MemoryZone: at the From
// domain, at the organizational domain, none, several records, non-DMARC TXT, DNS failures.
#include "mailauth/dmarc/policy.h"

#include <gtest/gtest.h>

#include "dns/memory_zone.h"
#include "support/run_async.h"

namespace outpost::mailauth::dmarc {
namespace {

namespace asio = boost::asio;

class DmarcPolicy : public ::testing::Test {
 protected:
  PolicyDiscovery discover(const std::string& domain) {
    return test::runAsync([&](auto) -> asio::awaitable<PolicyDiscovery> {
      co_return co_await discoverPolicy(zone_, domain, suffixes_);
    });
  }
  dns::MemoryZone zone_;
  // A small list, so the tests do not depend on the system's.
  const PublicSuffixList suffixes_{"com\nco.uk\n"};
};

TEST_F(DmarcPolicy, FindsTheRecordAtTheFromDomain) {
  zone_.addTxt("_dmarc.news.example.com", "v=DMARC1; p=reject");
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=none");
  const auto found = discover("News.Example.com");
  EXPECT_EQ(found.domain, "news.example.com");
  EXPECT_EQ(found.organizational_domain, "example.com");
  ASSERT_TRUE(found.location.has_value());
  EXPECT_EQ(*found.location, PolicyLocation::kDomain);
  EXPECT_EQ(found.name, "_dmarc.news.example.com");
  ASSERT_TRUE(found.applies());
  EXPECT_EQ(found.parsed->record.p, Disposition::kReject);
  EXPECT_EQ(found.names_queried, std::vector<std::string>{"_dmarc.news.example.com"});
}

TEST_F(DmarcPolicy, FallsBackToTheOrganizationalDomain) {
  zone_.addTxt("_dmarc.example.co.uk", "v=DMARC1; p=quarantine; sp=reject");
  const auto found = discover("a.b.example.co.uk");
  ASSERT_TRUE(found.location.has_value());
  EXPECT_EQ(*found.location, PolicyLocation::kOrganizationalDomain);
  EXPECT_EQ(found.name, "_dmarc.example.co.uk");
  EXPECT_EQ(found.names_queried,
            (std::vector<std::string>{"_dmarc.a.b.example.co.uk", "_dmarc.example.co.uk"}));
  ASSERT_TRUE(found.applies());
  EXPECT_EQ(found.parsed->record.sp, Disposition::kReject);
}

TEST_F(DmarcPolicy, FallsBackWhenTheFromDomainHasOnlyOtherTxt) {
  zone_.addTxt("_dmarc.news.example.com", "v=spf1 -all");
  zone_.addTxt("_dmarc.news.example.com", "google-site-verification=abc");
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=none");
  const auto found = discover("news.example.com");
  EXPECT_EQ(found.location, PolicyLocation::kOrganizationalDomain);
  EXPECT_EQ(found.ignored_txt.size(), 2U);
  EXPECT_TRUE(found.applies());
}

TEST_F(DmarcPolicy, IgnoresNonDmarcTxtBesideTheRecord) {
  zone_.addTxt("_dmarc.example.com", "hello");
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=reject");
  zone_.addTxt("_dmarc.example.com", "p=none; v=DMARC1");  // v= not first: not a DMARC record
  const auto found = discover("example.com");
  EXPECT_EQ(found.records, std::vector<std::string>{"v=DMARC1; p=reject"});
  EXPECT_EQ(found.ignored_txt.size(), 2U);
  EXPECT_TRUE(found.applies());
}

TEST_F(DmarcPolicy, NoRecordAnywhereIsNone) {
  zone_.addA("example.com", "192.0.2.1");
  const auto found = discover("mail.example.com");
  EXPECT_TRUE(found.none());
  EXPECT_FALSE(found.applies());
  EXPECT_FALSE(found.location.has_value());
  EXPECT_EQ(found.names_queried.size(), 2U);
}

TEST_F(DmarcPolicy, OrganizationalDomainIsAskedOnlyOnce) {
  const auto found = discover("example.com");
  EXPECT_TRUE(found.none());
  EXPECT_EQ(found.names_queried, std::vector<std::string>{"_dmarc.example.com"});
}

TEST_F(DmarcPolicy, SeveralRecordsMeanNoPolicyAndNoFallback) {
  zone_.addTxt("_dmarc.news.example.com", "v=DMARC1; p=none");
  zone_.addTxt("_dmarc.news.example.com", "v=DMARC1; p=reject");
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=quarantine");
  const auto found = discover("news.example.com");
  EXPECT_TRUE(found.several());
  EXPECT_FALSE(found.applies());
  EXPECT_FALSE(found.parsed.has_value());
  EXPECT_EQ(found.location, PolicyLocation::kDomain);
  EXPECT_EQ(found.names_queried.size(), 1U);
}

TEST_F(DmarcPolicy, TemporaryDnsFailureIsKeptWithItsCode) {
  zone_.failWithServfail("_dmarc.example.com");
  const auto found = discover("example.com");
  ASSERT_TRUE(found.error.has_value());
  EXPECT_EQ(found.error->code, dns::kServfail);
  EXPECT_TRUE(found.error->temporary);
  EXPECT_NE(found.error->message.find("_dmarc.example.com"), std::string::npos);
  EXPECT_FALSE(found.none());
  EXPECT_FALSE(found.applies());
}

TEST_F(DmarcPolicy, TimeoutAtTheOrganizationalDomainIsATemporaryError) {
  zone_.failWithTimeout("_dmarc.example.com");
  const auto found = discover("news.example.com");
  ASSERT_TRUE(found.error.has_value());
  EXPECT_EQ(found.error->code, dns::kTimeout);
  EXPECT_TRUE(found.error->temporary);
  EXPECT_EQ(found.name, "_dmarc.example.com");
}

TEST_F(DmarcPolicy, BrokenRecordIsFoundButNotApplied) {
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=maybe");
  const auto found = discover("example.com");
  ASSERT_TRUE(found.parsed.has_value());
  EXPECT_FALSE(found.applies());
  EXPECT_FALSE(found.parsed->errors.empty());
}

TEST_F(DmarcPolicy, PublicSuffixFromDomainHasNoFallback) {
  const auto found = discover("co.uk");
  EXPECT_EQ(found.organizational_domain, "");
  EXPECT_EQ(found.names_queried, std::vector<std::string>{"_dmarc.co.uk"});
}

}  // namespace
}  // namespace outpost::mailauth::dmarc

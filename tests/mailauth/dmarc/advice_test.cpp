// DMARC advice: the record to publish (p=none with rua first, the existing rua kept), the
// steps to quarantine and reject, and the warnings: p=none, pct, sp, rua, §7.1 external
// destinations through DNS, strict alignment outpost's setup fails.
#include "mailauth/dmarc/advice.h"

#include <gtest/gtest.h>

#include "dns/memory_zone.h"
#include "support/run_async.h"

namespace outpost::mailauth::dmarc {
namespace {

namespace asio = boost::asio;

class DmarcAdvice : public ::testing::Test {
 protected:
  Advice advise(const std::string& from, const std::string& dkim_domain,
                const std::string& mail_from) {
    policy_ = test::runAsync([&](auto) -> asio::awaitable<PolicyDiscovery> {
      co_return co_await discoverPolicy(zone_, from, suffixes_);
    });
    auto adkim = AlignmentMode::kRelaxed;
    auto aspf = AlignmentMode::kRelaxed;
    if (policy_.parsed) {
      adkim = policy_.parsed->record.adkim;
      aspf = policy_.parsed->record.aspf;
    }
    const auto alignment = alignSetup(from, dkim_domain, mail_from, adkim, aspf, suffixes_);
    const auto destinations =
        test::runAsync([&](auto) -> asio::awaitable<std::vector<ReportDestination>> {
          co_return co_await checkReportDestinations(zone_, policy_, suffixes_);
        });
    SenderFacts sender;
    sender.dkim_signs = !dkim_domain.empty();
    return recommend(policy_, alignment, sender, destinations);
  }
  Advice advise() { return advise("example.com", "example.com", "example.com"); }

  dns::MemoryZone zone_;
  const PublicSuffixList suffixes_{"com\nnet\n"};
  PolicyDiscovery policy_;
};

TEST_F(DmarcAdvice, NoPolicyStartsWithPNoneAndReportsToTheOrganizationalDomain) {
  const auto advice = advise("news.example.com", "news.example.com", "news.example.com");
  EXPECT_TRUE(advice.has("no_policy"));
  EXPECT_EQ(advice.name, "_dmarc.example.com");
  EXPECT_EQ(advice.record, "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com");
  EXPECT_TRUE(advice.change);
  ASSERT_GE(advice.steps.size(), 5U);
  EXPECT_EQ(advice.steps[0].record, advice.record);
  EXPECT_EQ(advice.steps[0].condition, "now");
  EXPECT_EQ(advice.steps[2].record,
            "v=DMARC1; p=quarantine; pct=25; rua=mailto:dmarc-reports@example.com");
  EXPECT_EQ(advice.steps[3].record, "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@example.com");
  EXPECT_EQ(advice.steps.back().record, "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com");
  for (const auto& step : advice.steps) EXPECT_FALSE(step.condition.empty());
}

TEST_F(DmarcAdvice, KeepsTheExistingRuaAndRecordWhenFine) {
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=none; rua=mailto:agg@example.com");
  const auto advice = advise();
  EXPECT_EQ(advice.record, "v=DMARC1; p=none; rua=mailto:agg@example.com");
  EXPECT_FALSE(advice.change);
  EXPECT_TRUE(advice.has("policy_none"));
  EXPECT_EQ(advice.worst(), "ok");
  EXPECT_EQ(advice.steps.front().step, "Read the aggregate reports sent to the rua address.");
}

TEST_F(DmarcAdvice, RejectAtFullStrengthHasNoStepsLeft) {
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:agg@example.com");
  const auto advice = advise();
  EXPECT_TRUE(advice.steps.empty());
  EXPECT_EQ(advice.worst(), "ok");
}

TEST_F(DmarcAdvice, PartialQuarantineStepsToFullThenReject) {
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=quarantine; pct=50; rua=mailto:a@example.com");
  const auto advice = advise();
  EXPECT_TRUE(advice.has("pct_partial"));
  ASSERT_EQ(advice.steps.size(), 2U);
  EXPECT_EQ(advice.steps[0].record, "v=DMARC1; p=quarantine; rua=mailto:a@example.com");
  EXPECT_EQ(advice.steps[1].record, "v=DMARC1; p=reject; rua=mailto:a@example.com");
}

TEST_F(DmarcAdvice, WarnsAboutWeakerSpAndMissingRua) {
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=reject; sp=none");
  const auto advice = advise();
  EXPECT_TRUE(advice.has("sp_weaker"));
  EXPECT_TRUE(advice.has("no_rua"));
  EXPECT_EQ(advice.record, "v=DMARC1; p=reject; sp=none; rua=mailto:dmarc-reports@example.com");
  EXPECT_EQ(advice.worst(), "warning");
}

TEST_F(DmarcAdvice, ExternalRuaNeedsTheAuthorizationRecord) {
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=none; rua=mailto:r@reports.example.net");
  const auto unauthorized = advise();
  EXPECT_TRUE(unauthorized.has("rua_unauthorized"));
  zone_.addTxt("example.com._report._dmarc.reports.example.net", "v=DMARC1");
  const auto authorized = advise();
  EXPECT_FALSE(authorized.has("rua_unauthorized"));
  EXPECT_EQ(authorized.worst(), "ok");
}

TEST_F(DmarcAdvice, ExternalRuaLookupFailureIsUnchecked) {
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=none; rua=mailto:r@reports.example.net");
  zone_.failWithServfail("example.com._report._dmarc.reports.example.net");
  EXPECT_TRUE(advise().has("rua_unchecked"));
}

TEST_F(DmarcAdvice, StrictDkimThatOutpostFailsIsRelaxedInTheRecommendation) {
  zone_.addTxt("_dmarc.example.com",
               "v=DMARC1; p=quarantine; adkim=s; aspf=s; rua=mailto:a@example.com");
  const auto advice = advise("example.com", "mail.example.com", "bounces.example.com");
  EXPECT_TRUE(advice.has("strict_dkim_fails"));
  EXPECT_TRUE(advice.has("strict_spf_fails"));
  EXPECT_TRUE(advice.has("not_aligned"));
  EXPECT_EQ(advice.worst(), "error");
  EXPECT_EQ(advice.record, "v=DMARC1; p=quarantine; rua=mailto:a@example.com");
  EXPECT_TRUE(advice.change);
}

TEST_F(DmarcAdvice, UnsignedMailAlignedOnlyBySpfIsAWarning) {
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=none; rua=mailto:a@example.com");
  const auto advice = advise("example.com", "", "example.com");
  EXPECT_TRUE(advice.has("no_dkim"));
  EXPECT_TRUE(advice.has("spf_only"));
  EXPECT_TRUE(advice.has("spf_unverified"));
  EXPECT_EQ(advice.worst(), "warning");
}

TEST_F(DmarcAdvice, NothingAlignsPutsTheFixFirst) {
  const auto advice = advise("example.com", "sender.example.net", "bounce.example.net");
  EXPECT_TRUE(advice.has("not_aligned"));
  ASSERT_FALSE(advice.steps.empty());
  EXPECT_NE(advice.steps.front().step.find("add a DKIM key for example.com"), std::string::npos);
}

TEST_F(DmarcAdvice, SeveralRecordsAreAnErrorAndOneIsRecommended) {
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=none; rua=mailto:a@example.com");
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=reject");
  const auto advice = advise();
  EXPECT_TRUE(advice.has("several_records"));
  EXPECT_EQ(advice.record, "v=DMARC1; p=none; rua=mailto:a@example.com");
  EXPECT_TRUE(advice.change);
}

TEST_F(DmarcAdvice, SyntaxErrorsAndAssumedP) {
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; pct=200; rua=mailto:a@example.com");
  const auto advice = advise();
  EXPECT_TRUE(advice.has("syntax"));
  EXPECT_TRUE(advice.has("p_assumed"));
  EXPECT_EQ(advice.record, "v=DMARC1; p=none; rua=mailto:a@example.com");
}

TEST_F(DmarcAdvice, PolicyOfTheOrganizationalDomainUsesSp) {
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=reject; sp=none; rua=mailto:a@example.com");
  const auto advice = advise("news.example.com", "news.example.com", "news.example.com");
  EXPECT_TRUE(advice.has("org_domain_policy"));
  EXPECT_TRUE(advice.has("policy_none"));
  EXPECT_EQ(advice.name, "_dmarc.example.com");
}

TEST_F(DmarcAdvice, DnsFailureIsAnError) {
  zone_.failWithTimeout("_dmarc.example.com");
  const auto advice = advise();
  EXPECT_TRUE(advice.has("dns_temporary"));
  EXPECT_EQ(advice.worst(), "error");
}

TEST_F(DmarcAdvice, DmarcbisTagsAreNoted) {
  zone_.addTxt("_dmarc.example.com", "v=DMARC1; p=reject; np=reject; rua=mailto:a@example.com");
  const auto advice = advise();
  EXPECT_TRUE(advice.has("unknown_tags"));
  EXPECT_EQ(advice.worst(), "ok");
  // The recommendation keeps RFC 7489 tags only.
  EXPECT_EQ(advice.record, "v=DMARC1; p=reject; rua=mailto:a@example.com");
}

}  // namespace
}  // namespace outpost::mailauth::dmarc

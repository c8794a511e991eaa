// Identifier alignment (RFC 7489 §3.1) as tables: the RFC's examples, relaxed and strict,
// subdomains, and Public Suffix List edges (private section, names that are suffixes).
#include "mailauth/dmarc/alignment.h"

#include <gtest/gtest.h>

namespace outpost::mailauth::dmarc {
namespace {

struct Row {
  const char* from_domain;
  const char* domain;
  bool relaxed;
  bool strict;
};

class DmarcAlignment : public ::testing::TestWithParam<Row> {
 protected:
  void SetUp() override {
    if (!PublicSuffixList::system().loadError().empty()) {
      GTEST_SKIP() << PublicSuffixList::system().loadError();
    }
  }
};

TEST_P(DmarcAlignment, RelaxedMeansSameOrganizationalDomainStrictMeansSameName) {
  const Row& row = GetParam();
  const auto& suffixes = PublicSuffixList::system();
  EXPECT_EQ(relaxedlyAligned(row.from_domain, row.domain, suffixes), row.relaxed)
      << row.from_domain << " / " << row.domain;
  EXPECT_EQ(strictlyAligned(row.from_domain, row.domain), row.strict)
      << row.from_domain << " / " << row.domain;
  for (const auto mechanism : {Mechanism::kDkim, Mechanism::kSpf}) {
    const auto relaxed =
        alignIdentifier(mechanism, row.from_domain, row.domain, AlignmentMode::kRelaxed, suffixes);
    const auto strict =
        alignIdentifier(mechanism, row.from_domain, row.domain, AlignmentMode::kStrict, suffixes);
    EXPECT_EQ(relaxed.aligned, row.relaxed);
    EXPECT_EQ(strict.aligned, row.strict);
    EXPECT_FALSE(relaxed.sentence.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rfc7489Examples, DmarcAlignment,
    ::testing::Values(
        // §3.1.1: d=example.com, From alerts.example.com: relaxed only.
        Row{"alerts.example.com", "example.com", true, false},
        // Appendix B.1.1 (SPF) and B.1.2 (DKIM): the same name aligns in both modes.
        Row{"example.com", "example.com", true, true},
        // B.1.1/B.1.2: a parent or a child of the From domain: relaxed only.
        Row{"example.com", "child.example.com", true, false},
        Row{"child.example.com", "example.com", true, false},
        Row{"a.example.com", "b.example.com", true, false},
        // B.1.3: another organizational domain: no alignment.
        Row{"example.com", "example.net", false, false},
        Row{"example.com", "example.com.evil.example", false, false}));

INSTANTIATE_TEST_SUITE_P(CaseAndDots, DmarcAlignment,
                         ::testing::Values(Row{"Example.COM", "example.com.", true, true},
                                           Row{"MAIL.example.com", "example.COM", true, false}));

INSTANTIATE_TEST_SUITE_P(
    PublicSuffixEdges, DmarcAlignment,
    ::testing::Values(
        // Under a two-label public suffix the organizational domain has three labels.
        Row{"news.example.co.uk", "bounce.example.co.uk", true, false},
        Row{"example.co.uk", "other.co.uk", false, false},
        // Private section: each blog is its own organization.
        Row{"alice.blogspot.com", "bob.blogspot.com", false, false},
        Row{"www.alice.blogspot.com", "alice.blogspot.com", true, false},
        // A wildcard rule (*.ck) and its exception (!www.ck).
        Row{"a.b.test.ck", "c.b.test.ck", true, false}, Row{"a.test.ck", "b.test.ck", false, false},
        Row{"x.www.ck", "www.ck", true, false},
        // A name that is a public suffix aligns only with itself.
        Row{"co.uk", "co.uk", true, true}, Row{"co.uk", "example.co.uk", false, false},
        Row{"example.com", "", false, false}));

TEST(DmarcSetupAlignment, OwnKeyAndFromDomainReturnPathAlignInBothModes) {
  const auto& suffixes = PublicSuffixList::system();
  const auto setup = alignSetup("example.com", "example.com", "example.com", AlignmentMode::kStrict,
                                AlignmentMode::kStrict, suffixes);
  EXPECT_TRUE(setup.dkim.aligned);
  EXPECT_TRUE(setup.spf.aligned);
  EXPECT_TRUE(setup.aligned());
}

TEST(DmarcSetupAlignment, VerpReturnDomainAlignsOnlyRelaxed) {
  const auto& suffixes = PublicSuffixList::system();
  const auto relaxed = alignSetup("example.com", "", "bounces.example.com", AlignmentMode::kRelaxed,
                                  AlignmentMode::kRelaxed, suffixes);
  EXPECT_FALSE(relaxed.dkim.aligned);
  EXPECT_TRUE(relaxed.spf.aligned);
  EXPECT_NE(relaxed.dkim.sentence.find("No DKIM signature"), std::string::npos);
  const auto strict = alignSetup("example.com", "", "bounces.example.com", AlignmentMode::kRelaxed,
                                 AlignmentMode::kStrict, suffixes);
  EXPECT_FALSE(strict.aligned());
  EXPECT_TRUE(strict.spf.relaxed);
  EXPECT_NE(strict.spf.sentence.find("which the policy asks for"), std::string::npos);
}

TEST(DmarcSetupAlignment, FallbackSigningDomainElsewhereDoesNotAlign) {
  const auto& suffixes = PublicSuffixList::system();
  const auto setup =
      alignSetup("customer.example", "outpost-mail.example", "bounce.outpost.example",
                 AlignmentMode::kRelaxed, AlignmentMode::kRelaxed, suffixes);
  EXPECT_FALSE(setup.aligned());
  EXPECT_NE(setup.dkim.sentence.find("different organizational domains"), std::string::npos);
}

}  // namespace
}  // namespace outpost::mailauth::dmarc

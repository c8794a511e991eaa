// The Public Suffix List: the list's own test cases (publicsuffix/list tests/test_psl.txt,
// checkPublicSuffix) against Debian's list, the private section, and the algorithm's edges
// (wildcards, exceptions, the default rule) against a small list given as text.
#include "mailauth/dmarc/public_suffix.h"

#include <gtest/gtest.h>

namespace outpost::mailauth::dmarc {
namespace {

struct Case {
  const char* name;
  const char* organizational;  // nullptr: the name is a public suffix (or not a name)
};

void expectCases(const PublicSuffixList& list, std::initializer_list<Case> cases) {
  for (const auto& item : cases) {
    const auto found = list.organizationalDomain(item.name);
    if (item.organizational == nullptr) {
      EXPECT_FALSE(found.has_value()) << item.name << " gave " << found.value_or("");
    } else {
      EXPECT_EQ(found.value_or("(none)"), item.organizational) << item.name;
    }
  }
}

class SystemPublicSuffixList : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!PublicSuffixList::system().loadError().empty()) {
      GTEST_SKIP() << PublicSuffixList::system().loadError();
    }
  }
  const PublicSuffixList& list() { return PublicSuffixList::system(); }
};

TEST_F(SystemPublicSuffixList, LoadsBothSections) {
  EXPECT_GT(list().ruleCount(), 5000U);
  EXPECT_EQ(list().publicSuffix("example.co.uk").section, PublicSuffixList::Section::kIcann);
  EXPECT_EQ(list().publicSuffix("x.blogspot.com").section, PublicSuffixList::Section::kPrivate);
  EXPECT_EQ(&PublicSuffixList::system(), &list());  // loaded once
}

TEST_F(SystemPublicSuffixList, MixedCaseAndDots) {
  expectCases(list(), {{"COM", nullptr},
                       {"example.COM", "example.com"},
                       {"WwW.example.COM", "example.com"},
                       {"example.com.", "example.com"},
                       {".com", nullptr},
                       {".example", nullptr},
                       {".example.com", nullptr},
                       {".example.example", nullptr},
                       {"", nullptr}});
}

TEST_F(SystemPublicSuffixList, UnlistedTldUsesTheDefaultRule) {
  expectCases(list(), {{"example", nullptr},
                       {"example.example", "example.example"},
                       {"b.example.example", "example.example"},
                       {"a.b.example.example", "example.example"}});
  EXPECT_EQ(list().publicSuffix("a.b.example").rule, "*");
}

TEST_F(SystemPublicSuffixList, TldsWithOneAndTwoLevelRules) {
  expectCases(list(), {{"biz", nullptr},
                       {"domain.biz", "domain.biz"},
                       {"b.domain.biz", "domain.biz"},
                       {"a.b.domain.biz", "domain.biz"},
                       {"com", nullptr},
                       {"example.com", "example.com"},
                       {"b.example.com", "example.com"},
                       {"a.b.example.com", "example.com"},
                       {"uk.com", nullptr},
                       {"example.uk.com", "example.uk.com"},
                       {"b.example.uk.com", "example.uk.com"},
                       {"test.ac", "test.ac"},
                       {"example.co.uk", "example.co.uk"},
                       {"a.b.example.co.uk", "example.co.uk"},
                       {"co.uk", nullptr}});
}

TEST_F(SystemPublicSuffixList, WildcardOnlyTld) {
  expectCases(list(),
              {{"mm", nullptr}, {"c.mm", nullptr}, {"b.c.mm", "b.c.mm"}, {"a.b.c.mm", "b.c.mm"}});
}

TEST_F(SystemPublicSuffixList, JapaneseRulesWithWildcardsAndExceptions) {
  expectCases(list(), {{"jp", nullptr},
                       {"test.jp", "test.jp"},
                       {"www.test.jp", "test.jp"},
                       {"ac.jp", nullptr},
                       {"test.ac.jp", "test.ac.jp"},
                       {"www.test.ac.jp", "test.ac.jp"},
                       {"kyoto.jp", nullptr},
                       {"test.kyoto.jp", "test.kyoto.jp"},
                       {"ide.kyoto.jp", nullptr},
                       {"b.ide.kyoto.jp", "b.ide.kyoto.jp"},
                       {"a.b.ide.kyoto.jp", "b.ide.kyoto.jp"},
                       {"c.kobe.jp", nullptr},
                       {"b.c.kobe.jp", "b.c.kobe.jp"},
                       {"a.b.c.kobe.jp", "b.c.kobe.jp"},
                       {"city.kobe.jp", "city.kobe.jp"},
                       {"www.city.kobe.jp", "city.kobe.jp"}});
}

TEST_F(SystemPublicSuffixList, WildcardWithException) {
  expectCases(list(), {{"ck", nullptr},
                       {"test.ck", nullptr},
                       {"b.test.ck", "b.test.ck"},
                       {"a.b.test.ck", "b.test.ck"},
                       {"www.ck", "www.ck"},
                       {"www.www.ck", "www.ck"}});
  EXPECT_EQ(list().publicSuffix("www.ck").rule, "!www.ck");
  EXPECT_EQ(list().publicSuffix("a.b.test.ck").rule, "*.ck");
}

TEST_F(SystemPublicSuffixList, UsK12) {
  expectCases(list(), {{"us", nullptr},
                       {"test.us", "test.us"},
                       {"www.test.us", "test.us"},
                       {"ak.us", nullptr},
                       {"test.ak.us", "test.ak.us"},
                       {"www.test.ak.us", "test.ak.us"},
                       {"k12.ak.us", nullptr},
                       {"test.k12.ak.us", "test.k12.ak.us"},
                       {"www.test.k12.ak.us", "test.k12.ak.us"}});
}

TEST_F(SystemPublicSuffixList, IdnRulesMatchUtf8AndALabels) {
  expectCases(list(), {{"食狮.com.cn", "食狮.com.cn"},
                       {"食狮.公司.cn", "食狮.公司.cn"},
                       {"www.食狮.公司.cn", "食狮.公司.cn"},
                       {"shishi.公司.cn", "shishi.公司.cn"},
                       {"公司.cn", nullptr},
                       {"xn--85x722f.com.cn", "xn--85x722f.com.cn"},
                       {"xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"},
                       {"www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"},
                       {"shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn"},
                       {"xn--55qx5d.cn", nullptr}});
}

TEST_F(SystemPublicSuffixList, PrivateSectionMakesEachUserAnOrganization) {
  expectCases(list(), {{"blogspot.com", nullptr},
                       {"example.blogspot.com", "example.blogspot.com"},
                       {"www.example.blogspot.com", "example.blogspot.com"},
                       {"github.io", nullptr},
                       {"someone.github.io", "someone.github.io"}});
}

TEST(PublicSuffixList, WithoutThePrivateSectionItsSuffixesAreOrdinaryNames) {
  const std::string text =
      "// ===BEGIN ICANN DOMAINS===\ncom\n// ===END ICANN DOMAINS===\n"
      "// ===BEGIN PRIVATE DOMAINS===\nblogspot.com\n// ===END PRIVATE DOMAINS===\n";
  const PublicSuffixList all(text);
  const PublicSuffixList icann(text, /*include_private=*/false);
  EXPECT_EQ(all.organizationalDomain("a.example.blogspot.com"), "example.blogspot.com");
  EXPECT_EQ(icann.organizationalDomain("a.example.blogspot.com"), "blogspot.com");
  EXPECT_EQ(all.ruleCount(), 2U);
  EXPECT_EQ(icann.ruleCount(), 1U);
}

TEST(PublicSuffixList, ExceptionBeatsALongerRuleAndWildcards) {
  const PublicSuffixList list("// comment\nuk\n*.sch.uk\n!exc.sch.uk\n  \nfoo.bar  trailing\n");
  expectCases(list, {{"sch.uk", "sch.uk"},
                     {"school.sch.uk", nullptr},
                     {"a.school.sch.uk", "a.school.sch.uk"},
                     {"exc.sch.uk", "exc.sch.uk"},
                     {"www.exc.sch.uk", "exc.sch.uk"},
                     {"x.foo.bar", "x.foo.bar"},
                     {"foo.bar", nullptr}});
}

TEST(PublicSuffixList, EmptyListTreatsTheLastLabelAsTheSuffix) {
  const PublicSuffixList list("");
  EXPECT_EQ(list.organizationalDomain("a.b.example.co.uk"), "co.uk");
  EXPECT_EQ(list.publicSuffix("a.b.example.co.uk").suffix, "uk");
  EXPECT_FALSE(list.publicSuffix("x.uk").section.has_value());
}

TEST(PublicSuffixList, PunycodeFollowsRfc3492) {
  EXPECT_EQ(toAsciiName("食狮.公司.cn"), "xn--85x722f.xn--55qx5d.cn");
  EXPECT_EQ(toAsciiName("bücher.example"), "xn--bcher-kva.example");
  EXPECT_EQ(toAsciiName("example.com"), "example.com");
  EXPECT_EQ(toAsciiName("\xff.com"), "");
}

}  // namespace
}  // namespace outpost::mailauth::dmarc

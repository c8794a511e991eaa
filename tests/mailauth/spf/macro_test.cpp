// The SPF macro language (RFC 7208 §7), with the examples of §7.4.
#include "mailauth/spf/macro.h"

#include <gtest/gtest.h>

namespace outpost::mailauth::spf {
namespace {

// §7.4: "strong-bad@email.example.com" from 192.0.2.3 (or 2001:db8::cb01).
MacroContext rfcExample(std::string ip = "192.0.2.3") {
  MacroContext context;
  context.sender = "strong-bad@email.example.com";
  context.local_part = "strong-bad";
  context.sender_domain = "email.example.com";
  context.domain = "email.example.com";
  context.ip = std::move(ip);
  context.helo = "mx.example.org";
  context.receiver = "mx.example.net";
  context.now_seconds = 1700000000;
  return context;
}

std::string expand(std::string_view text, const MacroContext& context, bool explanation = false) {
  auto out = expandMacros(text, context, explanation);
  return out ? *out : "ERROR: " + out.error().message;
}

TEST(SpfMacro, ExpandsTheRfcExamples) {
  MacroContext context = rfcExample();
  EXPECT_EQ(expand("%{s}", context), "strong-bad@email.example.com");
  EXPECT_EQ(expand("%{o}", context), "email.example.com");
  EXPECT_EQ(expand("%{d}", context), "email.example.com");
  EXPECT_EQ(expand("%{d4}", context), "email.example.com");
  EXPECT_EQ(expand("%{d3}", context), "email.example.com");
  EXPECT_EQ(expand("%{d2}", context), "example.com");
  EXPECT_EQ(expand("%{d1}", context), "com");
  EXPECT_EQ(expand("%{dr}", context), "com.example.email");
  EXPECT_EQ(expand("%{d2r}", context), "example.email");
  EXPECT_EQ(expand("%{l}", context), "strong-bad");
  EXPECT_EQ(expand("%{l-}", context), "strong.bad");
  EXPECT_EQ(expand("%{lr}", context), "strong-bad");
  EXPECT_EQ(expand("%{lr-}", context), "bad.strong");
  EXPECT_EQ(expand("%{l1r-}", context), "strong");
  EXPECT_EQ(expand("%{ir}.%{v}._spf.%{d2}", context), "3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(expand("%{lr-}.lp._spf.%{d2}", context), "bad.strong.lp._spf.example.com");
  EXPECT_EQ(expand("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", context),
            "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(expand("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", context),
            "3.2.0.192.in-addr.strong.lp._spf.example.com");
  EXPECT_EQ(expand("%{d2}.trusted-domains.example.net", context),
            "example.com.trusted-domains.example.net");
}

TEST(SpfMacro, ExpandsIpv6AsNibbles) {
  MacroContext context = rfcExample("2001:db8::cb01");
  EXPECT_EQ(expand("%{ir}.%{v}._spf.%{d2}", context),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
  EXPECT_EQ(expand("%{c}", context, true), "2001:db8::cb01");
}

TEST(SpfMacro, EscapesAndUrlEncodesUpperCaseLetters) {
  MacroContext context = rfcExample();
  EXPECT_EQ(expand("%%%_%-", context), "% %20");
  context.local_part = "a b/c";
  EXPECT_EQ(expand("%{L}", context), "a%20b%2Fc");
  EXPECT_EQ(expand("%{l}", context), "a b/c");
}

TEST(SpfMacro, ExplanationLettersOnlyInExplanations) {
  MacroContext context = rfcExample();
  EXPECT_FALSE(checkMacroString("%{r}.example.com", false));
  EXPECT_FALSE(checkMacroString("%{t}", false));
  EXPECT_TRUE(checkMacroString("%{r} %{t} %{c}", true));
  EXPECT_EQ(expand("%{r} at %{t} from %{c}", context, true),
            "mx.example.net at 1700000000 from 192.0.2.3");
}

TEST(SpfMacro, SplitsOnEveryGivenDelimiter) {
  MacroContext context = rfcExample();
  context.local_part = "a+b=c_d";
  EXPECT_EQ(expand("%{l+=_}", context), "a.b.c.d");
  EXPECT_EQ(expand("%{l2r+=_}", context), "b.a");
}

TEST(SpfMacro, RefusesBrokenMacros) {
  EXPECT_FALSE(checkMacroString("%{", false));
  EXPECT_FALSE(checkMacroString("%{d", false));
  EXPECT_FALSE(checkMacroString("%{q}", false));
  EXPECT_FALSE(checkMacroString("%{d0}", false));
  EXPECT_FALSE(checkMacroString("%{d2!}", false));
  EXPECT_FALSE(checkMacroString("%x", false));
  EXPECT_FALSE(checkMacroString("50%", false));
  EXPECT_EQ(expandMacros("%{q}", rfcExample(), false).error().code, "spf.macro");
}

TEST(SpfMacro, KnowsWhenTheValidatedDomainIsNeeded) {
  EXPECT_TRUE(needsValidatedDomain("%{p}.example.com"));
  EXPECT_TRUE(needsValidatedDomain("%{P2}"));
  EXPECT_FALSE(needsValidatedDomain("%{d}.example.com"));
}

}  // namespace
}  // namespace outpost::mailauth::spf

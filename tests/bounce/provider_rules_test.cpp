// Provider rules: documented codes of named providers, recognised by host name only (the
// recipient's domain, the remote MTA or the reporting MTA), never by anything else.
#include "bounce/provider_rules.h"

#include <gtest/gtest.h>

#include "bounce/classifier.h"

namespace outpost::bounce::detail {
namespace {

ProviderFact fact(const std::string& recipient, const std::string& remote_mta,
                  const std::string& diagnostic) {
  ProviderFact f;
  f.recipient = recipient;
  f.remote_mta = remote_mta;
  f.diagnostic = diagnostic;
  f.reply_code = findReplyCode(diagnostic);
  f.status = findEnhancedStatus(diagnostic);
  return f;
}

TEST(ProviderRules, RecognisesAProviderByRecipientDomainOrRemoteHost) {
  EXPECT_EQ(providerOf(fact("user@cox.net", "", "")), "cox");
  EXPECT_EQ(providerOf(fact("user@example.org", "mta6.am0.yahoodns.net.", "")), "yahooinc");
  EXPECT_EQ(providerOf(fact("user@example.org", "eu-smtp-1.mimecast.com [192.0.2.1]", "")),
            "mimecast");
  EXPECT_EQ(providerOf(fact("user@example.org", "mx.example.org", "")), "");
  // A host name only ends with the provider's suffix at a label boundary.
  EXPECT_EQ(providerOf(fact("user@notcox.net", "", "")), "");
}

TEST(ProviderRules, CoxAupCodeWinsOverTheReplyText) {
  const auto f = fact("user@cox.net", "cxr.mx.a.cloudfilter.net",
                      "550 5.1.0 <a@example.com> sender rejected. AUP#CDRBL");
  EXPECT_EQ(providerReason(f), "blocked");
}

TEST(ProviderRules, SpectrumCodesAreReadAsRanges) {
  auto f = fact("user@charter.net", "", "550 5.1.0 <a@example.com> sender rejected. AUP#In-1310");
  EXPECT_EQ(providerReason(f), "toomanyconn");
  f = fact("user@charter.net", "", "550 5.1.0 rejected. AUP#O-1400");
  EXPECT_EQ(providerReason(f), "speeding");
  f = fact("user@charter.net", "", "550 rejected without a code");
  EXPECT_EQ(providerReason(f), "");
}

TEST(ProviderRules, LaPosteLabelsEndWithTheirCode) {
  const auto f = fact("user@example.net", "smtpz4.laposte.net",
                      "554 5.7.1 <client[192.0.2.1]:49309>: Client host rejected: LPN000_630");
  EXPECT_EQ(providerReason(f), "policyviolation");
}

TEST(ProviderRules, GoDaddyIbCodes) {
  const auto f = fact("user@example.com", "smtp.secureserver.net",
                      "550 5.1.1 <user@example.com> - has sent to too many recipients this "
                      "hour. IB607 <http://x.co/rlbounce>");
  EXPECT_EQ(providerReason(f), "speeding");
}

TEST(ProviderRules, MimecastNeedsTheDocumentedReplyCode) {
  auto f = fact("user@example.com", "us-smtp-inbound-1.mimecast.com",
                "554 Host network not allowed - https://community.mimecast.com/docs");
  EXPECT_EQ(providerReason(f), "policyviolation");
  f = fact("user@example.com", "us-smtp-inbound-1.mimecast.com",
           "550 Host network not allowed - https://community.mimecast.com/docs");
  EXPECT_EQ(providerReason(f), "");
}

TEST(ProviderRules, DocomoUnknownUserDependsOnTheCommand) {
  auto f = fact("user@docomo.ne.jp", "mfsmax.docomo.ne.jp", "550 Unknown user user@docomo.ne.jp");
  f.status = "5.0.0";
  f.command = "RCPT";
  EXPECT_EQ(providerReason(f), "userunknown");
  f.command = "DATA";
  EXPECT_EQ(providerReason(f), "rejected");
}

TEST(ProviderRules, ClassifierAppliesProviderRulesFirst) {
  ClassifierInput input;
  input.recipient = "user@charter.net";
  input.status = "5.1.0";
  input.diagnostic = "550 5.1.0 <a@example.com> sender rejected. AUP#In-1310";
  input.reply_code = "550";
  input.diagnostic_type = "SMTP";
  input.action = "failed";
  const auto result = classify(input);
  EXPECT_EQ(result.reason, "toomanyconn");
  EXPECT_FALSE(result.hard_bounce);
}

}  // namespace
}  // namespace outpost::bounce::detail

// explainReply / explainError give a description and a hint a person can act on.
#include "smtp/status_description.h"

#include <gtest/gtest.h>

namespace outpost::smtp {
namespace {

bool mentions(const std::string& text, const std::string& word) {
  return text.find(word) != std::string::npos;
}

TEST(ExplainReply, NamesAMissingMailbox) {
  auto e = explainReply(550, "5.1.1", "User unknown");
  EXPECT_TRUE(mentions(e.description, "does not exist")) << e.description;
  EXPECT_FALSE(e.hint.empty());
}

TEST(ExplainReply, NamesAFullMailboxFromTheEnhancedCodeOrTheWording) {
  EXPECT_TRUE(mentions(explainReply(452, "4.2.2", "").description, "full"));
  EXPECT_TRUE(mentions(explainReply(552, "", "Mailbox full").description, "full"));
}

TEST(ExplainReply, RecognizesGreylisting) {
  auto e = explainReply(450, "4.2.0", "Greylisted, see http://postgrey.schweikert.ch/");
  EXPECT_TRUE(mentions(e.description, "greylisting")) << e.description;
  EXPECT_TRUE(mentions(e.hint, "retries"));
}

TEST(ExplainReply, ExplainsAuthenticationFailure) {
  EXPECT_TRUE(mentions(explainReply(535, "5.7.8", "").hint, "password"));
  EXPECT_TRUE(mentions(explainReply(535, "", "").hint, "password"));
}

TEST(ExplainReply, ExplainsRelayingDeniedAndAuthenticationChecks) {
  EXPECT_TRUE(mentions(explainReply(554, "5.7.1", "Relay access denied").description, "relaying"));
  EXPECT_TRUE(mentions(explainReply(550, "5.7.26", "Unauthenticated email").description, "DKIM"));
  EXPECT_TRUE(mentions(explainReply(550, "5.7.1", "SPF fail").description, "SPF"));
}

TEST(ExplainReply, FallsBackToTheBasicCode) {
  EXPECT_TRUE(mentions(explainReply(421, "", "").description, "closing"));
  EXPECT_TRUE(mentions(explainReply(552, "", "").description, "size"));
  EXPECT_FALSE(explainReply(599, "", "").description.empty());
}

TEST(ExplainError, CoversTheSessionErrorCodes) {
  for (const char* code :
       {"net.resolve", "net.refused", "net.unreachable", "net.connect", "smtp.timeout",
        "smtp.connection_lost", "smtp.connection_lost_after_data", "smtp.protocol", "tls.handshake",
        "tls.verify", "smtp.starttls_unavailable", "smtp.auth", "smtp.auth_unavailable",
        "smtp.reply"}) {
    auto e = explainError(code, "");
    EXPECT_FALSE(e.description.empty()) << code;
    EXPECT_FALSE(e.hint.empty()) << code;
  }
}

TEST(ExplainError, RefinesCertificateProblems) {
  EXPECT_TRUE(mentions(
      explainError("tls.verify", "the relay's certificate expired on 2025-01-02").description,
      "expired"));
  EXPECT_TRUE(mentions(
      explainError("tls.verify", "the certificate is for mx.other.net, not relay.example.com")
          .description,
      "another host"));
}

}  // namespace
}  // namespace outpost::smtp

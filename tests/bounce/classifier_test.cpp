// Classifier specifications: status codes first where they are specific (RFC 3463), phrases
// where they are not, and sisimai's hard/soft verdicts.
#include "bounce/classifier.h"

#include <gtest/gtest.h>

namespace outpost::bounce {
namespace {

Classification run(const std::string& status, const std::string& text,
                   const std::string& command = "RCPT") {
  ClassifierInput input;
  input.status = status;
  input.reply_code = findReplyCode(text);
  input.diagnostic = text;
  input.diagnostic_type = "SMTP";
  input.action = "failed";
  input.command = command;
  return classify(input);
}

TEST(Classifier, UnknownMailboxIsAHardUserUnknown) {
  const auto c = run("5.1.1", "550 5.1.1 <a@example.org>: User unknown");
  EXPECT_EQ(c.reason, "userunknown");
  EXPECT_TRUE(c.hard_bounce);
}

TEST(Classifier, MailboxFullIsSoft) {
  const auto c = run("5.2.2", "552 5.2.2 Mailbox full");
  EXPECT_EQ(c.reason, "mailboxfull");
  EXPECT_FALSE(c.hard_bounce);
}

TEST(Classifier, PhraseDecidesWhenTheStatusIsVague) {
  EXPECT_EQ(run("5.0.0", "550 Requested action not taken: mailbox unavailable").reason,
            "userunknown");
  EXPECT_EQ(run("", "Host or domain name not found. Name service error").reason, "hostunknown");
  EXPECT_EQ(run("5.7.1",
                "554 5.7.1 Service unavailable; Client host blocked using "
                "zen.spamhaus.org")
                .reason,
            "blocked");
  EXPECT_EQ(run("", "550 Message rejected as spam by Content Filtering", "DATA").reason,
            "spamdetected");
}

TEST(Classifier, StatusCodeAloneNamesTheReason) {
  EXPECT_EQ(run("5.1.2", "").reason, "hostunknown");
  EXPECT_EQ(run("5.3.4", "").reason, "mesgtoobig");
  EXPECT_EQ(run("5.7.26", "").reason, "authfailure");
  EXPECT_EQ(reasonOfStatus("4.4.7"), "expired");
  EXPECT_EQ(reasonOfStatus("9.9.9"), "");
}

TEST(Classifier, SuccessStatusIsDelivered) {
  const auto c = run("2.1.5", "250 2.1.5 OK");
  EXPECT_EQ(c.reason, "delivered");
  EXPECT_FALSE(c.hard_bounce);
}

TEST(Classifier, MissingStatusGetsAPseudoCodeOfTheRightClass) {
  const auto permanent = run("", "550 Unknown user");
  EXPECT_EQ(permanent.status.substr(0, 4), "5.0.");
  ClassifierInput delayed;
  delayed.action = "delayed";
  delayed.diagnostic = "451 Connection timed out";
  delayed.reply_code = "451";
  EXPECT_EQ(classify(delayed).status.substr(0, 2), "4.");
}

TEST(Classifier, NotAcceptIsHardOnlyWhenPermanent) {
  EXPECT_TRUE(isHardBounce("notaccept", "5.3.2"));
  EXPECT_FALSE(isHardBounce("notaccept", "4.3.2"));
  EXPECT_TRUE(isHardBounce("hostunknown", "4.0.0"));
  EXPECT_FALSE(isHardBounce("blocked", "5.7.1"));
}

TEST(Classifier, FindsCodesInText) {
  EXPECT_EQ(findEnhancedStatus("host 192.0.2.153 said: 550 5.1.1 no"), "5.1.1");
  EXPECT_EQ(findEnhancedStatus("192.0.2.153"), "");
  EXPECT_EQ(findReplyCode("Remote host said: 550 5.1.1 <a@b>"), "550");
  EXPECT_EQ(findReplyCode("id 5501234"), "");
}

}  // namespace
}  // namespace outpost::bounce

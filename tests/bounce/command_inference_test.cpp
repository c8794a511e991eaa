// Which SMTP command a reply answered, as bounce texts name it (in capitals, in the order of a
// session), and why it matters: a "user unknown" after DATA is a content filter's doing.
#include <gtest/gtest.h>

#include "bounce/classifier.h"
#include "bounce/text_bounce.h"

namespace outpost::bounce {
namespace {

TEST(CommandInference, NamesTheLatestSessionStageMentioned) {
  EXPECT_EQ(detail::smtpCommandIn("550 5.1.1 unknown (in reply to RCPT TO command)"), "RCPT");
  EXPECT_EQ(detail::smtpCommandIn("RCPT TO ok, then 550 after end of DATA"), "DATA");
  EXPECT_EQ(detail::smtpCommandIn(">>> MAIL From:<a@example.org>\n<<< 550 denied"), "MAIL");
  EXPECT_EQ(detail::smtpCommandIn("454 TLS not available after STARTTLS"), "STARTTLS");
}

TEST(CommandInference, IgnoresCommandWordsInsideNamesAndProse) {
  EXPECT_EQ(detail::smtpCommandIn("550 DATABASE@EXAMPLE.JP unknown"), "");
  EXPECT_EQ(detail::smtpCommandIn("550 the data was refused"), "");
  EXPECT_EQ(detail::smtpCommandIn(""), "");
}

ClassifierInput unknownUser(const std::string& command) {
  ClassifierInput input;
  input.status = "5.0.0";
  input.reply_code = "550";
  input.diagnostic = "550 user unknown";
  input.diagnostic_type = "SMTP";
  input.action = "failed";
  input.command = command;
  return input;
}

TEST(CommandInference, UserUnknownTextIsFilteredUnlessItAnsweredRcpt) {
  EXPECT_EQ(classify(unknownUser("RCPT")).reason, "userunknown");
  EXPECT_EQ(classify(unknownUser("DATA")).reason, "filtered");
  EXPECT_EQ(classify(unknownUser("")).reason, "filtered");
  EXPECT_FALSE(classify(unknownUser("")).hard_bounce);
}

TEST(CommandInference, UnambiguousMissingMailboxTextNeedsNoCommand) {
  auto input = unknownUser("");
  input.diagnostic = "554 mail.local: unknown user: kijitora";
  EXPECT_EQ(classify(input).reason, "userunknown");
}

}  // namespace
}  // namespace outpost::bounce

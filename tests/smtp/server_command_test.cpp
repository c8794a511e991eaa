// Command lines and MAIL/RCPT paths as the submission server reads them, including the address
// tricks that would make it an open relay.
#include "smtp/server_command.h"

#include <gtest/gtest.h>

namespace outpost::smtp {
namespace {

TEST(ServerCommand, SplitsVerbAndArgumentAndUppercasesTheVerb) {
  auto command = parseCommandLine("ehlo  client.example");
  ASSERT_TRUE(command.has_value());
  EXPECT_EQ(command->verb, "EHLO");
  EXPECT_EQ(command->argument, "client.example");
  auto data = parseCommandLine("DATA");
  ASSERT_TRUE(data.has_value());
  EXPECT_EQ(data->argument, "");
}

TEST(ServerCommand, RefusesLinesThatAreNoCommand) {
  EXPECT_FALSE(parseCommandLine("").has_value());
  EXPECT_FALSE(parseCommandLine(" MAIL FROM:<a@b>").has_value());
  EXPECT_FALSE(parseCommandLine("MA1L FROM:<a@b>").has_value());
  EXPECT_FALSE(parseCommandLine(std::string(17, 'A')).has_value());
}

TEST(ServerCommand, ReadsMailFromWithItsParameters) {
  auto mail = parseMailArgument("FROM:<app@example.com> SIZE=1234 BODY=8BITMIME smtputf8");
  ASSERT_TRUE(mail.ok()) << mail.error().message;
  EXPECT_EQ(mail->address, "app@example.com");
  EXPECT_EQ(mail->parameters.at("SIZE"), "1234");
  EXPECT_EQ(mail->parameters.at("BODY"), "8BITMIME");
  EXPECT_EQ(mail->parameters.at("SMTPUTF8"), "");
}

TEST(ServerCommand, AcceptsTheNullReversePathAndASpaceAfterTheColon) {
  auto null_path = parseMailArgument("FROM:<>");
  ASSERT_TRUE(null_path.ok());
  EXPECT_EQ(null_path->address, "");
  auto spaced = parseMailArgument("from: <a@b.example>");
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(spaced->address, "a@b.example");
}

TEST(ServerCommand, ReadsRcptToWithDsnParameters) {
  auto rcpt =
      parseRcptArgument("TO:<ann@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;ann@example.org");
  ASSERT_TRUE(rcpt.ok()) << rcpt.error().message;
  EXPECT_EQ(rcpt->address, "ann@example.org");
  EXPECT_EQ(rcpt->parameters.at("NOTIFY"), "SUCCESS,FAILURE");
  EXPECT_EQ(rcpt->parameters.at("ORCPT"), "rfc822;ann@example.org");
}

TEST(ServerCommand, AcceptsAQuotedLocalPartWithoutTricks) {
  auto rcpt = parseRcptArgument("TO:<\"john smith\"@example.org>");
  ASSERT_TRUE(rcpt.ok()) << rcpt.error().message;
  EXPECT_EQ(rcpt->address, "\"john smith\"@example.org");
}

class RelayTrick : public ::testing::TestWithParam<const char*> {};

TEST_P(RelayTrick, IsRefusedWithA553) {
  auto rcpt = parseRcptArgument(GetParam());
  ASSERT_FALSE(rcpt.ok());
  EXPECT_EQ(rcpt.error().message.substr(0, 4), "553 ");
}

INSTANTIATE_TEST_SUITE_P(ServerCommand, RelayTrick,
                         ::testing::Values("TO:<@relay.example:victim@target.example>",
                                           "TO:<@a.example,@b.example:victim@target.example>",
                                           "TO:<victim%target.example@us.example>",
                                           "TO:<target.example!victim@us.example>",
                                           "TO:<\"victim@target.example\"@us.example>",
                                           "TO:<no-domain>", "TO:<@>", "TO:<user@>"));

TEST(ServerCommand, RefusesMalformedPathsWithA501) {
  for (const char* argument :
       {"<a@b.example>", "TO:a@b.example", "TO:<a@b.example", "TO:<>", "TO:<a@b.example> =x",
        "TO:<a@b.example> NOTIFY=NEVER NOTIFY=NEVER"}) {
    auto rcpt = parseRcptArgument(argument);
    ASSERT_FALSE(rcpt.ok()) << argument;
    EXPECT_EQ(rcpt.error().message.substr(0, 4), "501 ") << argument;
  }
}

TEST(ServerCommand, DecodesXtextAndRefusesMalformedEscapes) {
  EXPECT_EQ(decodeXtext("rfc822;user+2Btag@example.org"), "rfc822;user+tag@example.org");
  EXPECT_EQ(decodeXtext("a+3Db"), "a=b");
  EXPECT_EQ(decodeXtext(""), "");
  EXPECT_FALSE(decodeXtext("a+2"));   // cut short
  EXPECT_FALSE(decodeXtext("a+2b"));  // lower-case hex is not xtext
  EXPECT_FALSE(decodeXtext("a b"));   // a space must be encoded
  EXPECT_FALSE(decodeXtext("a=b"));   // so must '='
  EXPECT_FALSE(decodeXtext("\x80"));  // and every octet beyond '~'
}

}  // namespace
}  // namespace outpost::smtp

// The submission server's protocol without sockets: each test plays a client's bytes and checks
// the replies and actions a real client would get.
#include "smtp/server_protocol.h"

#include <gtest/gtest.h>

namespace outpost::smtp {
namespace {

using Kind = ServerAction::Kind;

ServerPolicy policy() {
  ServerPolicy result;
  result.hostname = "mx.outpost.test";
  result.max_message_bytes = 1000;
  result.max_recipients = 2;
  result.max_errors = 5;
  result.starttls_available = true;
  return result;
}

// Replies concatenated, and the kinds of the actions.
std::string replies(const std::vector<ServerAction>& actions) {
  std::string text;
  for (const auto& action : actions) text += action.reply;
  return text;
}

// "AGFwcABzZWNyZXQ=" is base64 of "\0app\0secret".
constexpr const char* kPlainAppSecret = "AGFwcABzZWNyZXQ=";

class ServerProtocolTest : public ::testing::Test {
 protected:
  // An implicit-TLS session, authenticated as "app".
  ServerProtocol authenticatedSession() {
    ServerProtocol session(policy(), /*tls_active=*/true, /*trusted_client=*/false);
    session.receive("EHLO client.test\r\n");
    auto actions = session.receive(std::string("AUTH PLAIN ") + kPlainAppSecret + "\r\n");
    EXPECT_EQ(actions.back().kind, Kind::kAuthenticate);
    EXPECT_EQ(actions.back().username, "app");
    EXPECT_EQ(actions.back().password, "secret");
    EXPECT_NE(replies(session.authenticated(true)).find("235 2.7.0"), std::string::npos);
    return session;
  }
};

TEST_F(ServerProtocolTest, GreetsAndAnnouncesExtensionsButNoAuthBeforeTls) {
  ServerProtocol session(policy(), false, false);
  EXPECT_EQ(session.greeting(), "220 mx.outpost.test ESMTP outpost\r\n");
  const std::string ehlo = replies(session.receive("EHLO client.test\r\n"));
  for (const char* keyword : {"PIPELINING", "SIZE 1000", "8BITMIME", "SMTPUTF8",
                              "ENHANCEDSTATUSCODES", "DSN", "CHUNKING", "STARTTLS"}) {
    EXPECT_NE(ehlo.find(keyword), std::string::npos) << keyword;
  }
  EXPECT_EQ(ehlo.find("AUTH"), std::string::npos);
  EXPECT_EQ(replies(session.receive("AUTH PLAIN AGFwcABzZWNyZXQ=\r\n")).substr(0, 10),
            "538 5.7.11");
}

TEST_F(ServerProtocolTest, RefusesMailWithoutAuthenticationSoItIsNoOpenRelay) {
  ServerProtocol session(policy(), false, false);
  session.receive("EHLO client.test\r\n");
  EXPECT_EQ(replies(session.receive("MAIL FROM:<a@b.example>\r\n")).substr(0, 9), "530 5.7.0");
  ServerProtocol over_tls(policy(), true, false);
  over_tls.receive("EHLO client.test\r\n");
  EXPECT_EQ(replies(over_tls.receive("MAIL FROM:<a@b.example>\r\n")),
            "530 5.7.0 Authentication required\r\n");
}

TEST_F(ServerProtocolTest, TrustedClientsMaySubmitWithoutAuth) {
  ServerProtocol session(policy(), false, /*trusted_client=*/true);
  session.receive("EHLO client.test\r\n");
  EXPECT_EQ(replies(session.receive("MAIL FROM:<a@b.example>\r\n")), "250 2.1.0 Ok\r\n");
}

TEST_F(ServerProtocolTest, AcceptsAPipelinedTransactionAndStoresItAfterTheDot) {
  auto session = authenticatedSession();
  auto actions = session.receive(
      "MAIL FROM:<app@example.com> SIZE=100 BODY=8BITMIME\r\n"
      "RCPT TO:<ann@example.org> NOTIFY=SUCCESS,FAILURE\r\nDATA\r\n"
      "Subject: hi\r\n\r\n..dot\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(replies(actions),
            "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
  ASSERT_EQ(actions.back().kind, Kind::kStore);
  const auto& transaction = session.transaction();
  EXPECT_EQ(transaction.mail_from, "app@example.com");
  EXPECT_EQ(transaction.mail_parameters.at("BODY"), "8BITMIME");
  ASSERT_EQ(transaction.recipients.size(), 1u);
  EXPECT_EQ(transaction.recipients[0].parameters.at("NOTIFY"), "SUCCESS,FAILURE");
  EXPECT_EQ(transaction.message, "Subject: hi\r\n\r\n.dot\r\n");
  // The reply comes only with the store's answer, and the pipelined QUIT after it.
  auto after = session.stored("250 2.0.0 Ok: queued as 01ABC");
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].reply, "250 2.0.0 Ok: queued as 01ABC\r\n");
  EXPECT_EQ(after[1].kind, Kind::kClose);
  EXPECT_EQ(after[1].reply, "221 2.0.0 Bye\r\n");
}

TEST_F(ServerProtocolTest, DropsCommandsPipelinedAfterStartTls) {
  ServerProtocol session(policy(), false, false);
  session.receive("EHLO client.test\r\n");
  auto actions = session.receive("STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\n");
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kStartTls);
  EXPECT_EQ(actions[0].reply, "220 2.0.0 Ready to start TLS\r\n");
  session.tlsStarted();
  // The injected MAIL is gone; the client must greet again (RFC 3207 §4.2).
  EXPECT_EQ(replies(session.receive("MAIL FROM:<a@b.example>\r\n")), "503 5.5.1 EHLO first\r\n");
  EXPECT_NE(replies(session.receive("EHLO client.test\r\n")).find("AUTH PLAIN LOGIN"),
            std::string::npos);
}

TEST_F(ServerProtocolTest, AuthLoginAsksForTheUserThenThePassword) {
  ServerProtocol session(policy(), true, false);
  session.receive("EHLO client.test\r\n");
  EXPECT_EQ(replies(session.receive("AUTH LOGIN\r\n")), "334 VXNlcm5hbWU6\r\n");
  EXPECT_EQ(replies(session.receive("YXBw\r\n")), "334 UGFzc3dvcmQ6\r\n");  // "app"
  auto actions = session.receive("c2VjcmV0\r\n");                           // "secret"
  ASSERT_EQ(actions.back().kind, Kind::kAuthenticate);
  EXPECT_EQ(actions.back().username, "app");
  EXPECT_EQ(actions.back().password, "secret");
  EXPECT_EQ(replies(session.authenticated(false)),
            "535 5.7.8 Authentication credentials invalid\r\n");
  EXPECT_FALSE(session.authenticatedUser());
}

TEST_F(ServerProtocolTest, RefusesMalformedAuthResponses) {
  ServerProtocol session(policy(), true, false);
  session.receive("EHLO client.test\r\n");
  EXPECT_EQ(replies(session.receive("AUTH PLAIN not-base64!\r\n")).substr(0, 9), "501 5.5.2");
  EXPECT_EQ(replies(session.receive("AUTH PLAIN\r\n")), "334 \r\n");
  EXPECT_EQ(replies(session.receive("*\r\n")), "501 5.7.0 Authentication cancelled\r\n");
  EXPECT_EQ(replies(session.receive("AUTH CRAM-MD5\r\n")).substr(0, 9), "504 5.5.4");
}

TEST_F(ServerProtocolTest, EnforcesSizeRecipientsAndParameters) {
  auto session = authenticatedSession();
  EXPECT_EQ(replies(session.receive("MAIL FROM:<a@b.example> SIZE=5000\r\n")).substr(0, 9),
            "552 5.3.4");
  EXPECT_EQ(replies(session.receive("MAIL FROM:<a@b.example> BODY=BINARYMIME\r\n")).substr(0, 9),
            "555 5.5.4");
  session.receive("MAIL FROM:<a@b.example>\r\n");
  EXPECT_EQ(replies(session.receive("RCPT TO:<x@b.example> NOTIFY=SOMETIMES\r\n")).substr(0, 9),
            "501 5.5.4");
  session.receive("RCPT TO:<one@b.example>\r\nRCPT TO:<two@b.example>\r\n");
  EXPECT_EQ(replies(session.receive("RCPT TO:<three@b.example>\r\n")).substr(0, 9), "452 4.5.3");
}

TEST_F(ServerProtocolTest, RefusesASmuggledEndOfDataAndStaysInStep) {
  auto session = authenticatedSession();
  session.receive("MAIL FROM:<a@b.example>\r\nRCPT TO:<one@b.example>\r\nDATA\r\n");
  auto actions = session.receive(
      "hello\n.\nMAIL FROM:<evil@b.example>\r\nRCPT TO:<victim@b.example>\r\nDATA\r\n"
      "forged\r\n.\r\nNOOP\r\n");
  EXPECT_EQ(replies(actions).substr(0, 10), "550 5.6.11");
  EXPECT_NE(replies(actions).find("250 2.0.0 Ok\r\n"), std::string::npos);  // the NOOP
  for (const auto& action : actions) EXPECT_NE(action.kind, Kind::kStore);
}

TEST_F(ServerProtocolTest, RefusesBareLineFeedsAndOverlongCommandLines) {
  ServerProtocol session(policy(), true, false);
  EXPECT_EQ(replies(session.receive("EHLO client.test\n")).substr(0, 9), "500 5.5.2");
  EXPECT_EQ(replies(session.receive(std::string(1200, 'A') + "\r\n")),
            "500 5.5.2 Line too long: at most 1000 octets\r\n");
  EXPECT_EQ(replies(session.receive("NOOP\r\n")), "250 2.0.0 Ok\r\n");
}

TEST_F(ServerProtocolTest, ClosesAfterTooManyErrors) {
  ServerProtocol session(policy(), true, false);
  std::vector<ServerAction> actions;
  for (int i = 0; i < 6; ++i) actions = session.receive("BOGUS\r\n");
  ASSERT_EQ(actions.back().kind, Kind::kClose);
  EXPECT_EQ(actions.back().reply.substr(0, 9), "421 4.7.0");
  EXPECT_TRUE(session.receive("NOOP\r\n").empty());
}

TEST_F(ServerProtocolTest, ChunkingCarriesBinaryChunksUntilLast) {
  auto session = authenticatedSession();
  session.receive("MAIL FROM:<a@b.example>\r\nRCPT TO:<one@b.example>\r\n");
  // The chunk may hold anything, even what looks like an end of data.
  EXPECT_EQ(replies(session.receive("BDAT 9\r\nab\r\n.\r\ncd")),
            "250 2.0.0 Ok: 9 octets received\r\n");
  auto last = session.receive("BDAT 3 LAST\r\nxyz");
  ASSERT_EQ(last.back().kind, Kind::kStore);
  EXPECT_EQ(session.transaction().message, "ab\r\n.\r\ncdxyz");
}

TEST_F(ServerProtocolTest, ChunksBeyondTheLimitAreReadAndRefused) {
  auto session = authenticatedSession();
  session.receive("MAIL FROM:<a@b.example>\r\nRCPT TO:<one@b.example>\r\n");
  auto actions = session.receive("BDAT 1200 LAST\r\n" + std::string(1200, 'x') + "NOOP\r\n");
  EXPECT_EQ(replies(actions).substr(0, 9), "552 5.3.4");
  EXPECT_NE(replies(actions).find("250 2.0.0 Ok\r\n"), std::string::npos);  // in step: the NOOP
}

TEST_F(ServerProtocolTest, TheBounceListenerOffersNoAuthAndChecksEachRecipient) {
  ServerPolicy bounce = policy();
  bounce.offer_auth = false;
  bounce.require_auth = false;
  bounce.starttls_available = false;
  bounce.check_recipient = [](const PathArgument& recipient) {
    return recipient.address == "bounces+1-abc@return.test"
               ? std::string()
               : "550 5.1.1 <" + recipient.address + ">: not a bounce address";
  };
  ServerProtocol session(bounce, /*tls_active=*/true, /*trusted_client=*/false);
  const std::string ehlo = replies(session.receive("EHLO mta.example\r\n"));
  EXPECT_EQ(ehlo.find("AUTH"), std::string::npos);
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos);
  EXPECT_EQ(replies(session.receive("AUTH PLAIN AGFwcABzZWNyZXQ=\r\n")).substr(0, 9), "502 5.5.1");
  EXPECT_EQ(replies(session.receive("MAIL FROM:<>\r\n")), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(replies(session.receive("RCPT TO:<someone@return.test>\r\n")),
            "550 5.1.1 <someone@return.test>: not a bounce address\r\n");
  EXPECT_EQ(replies(session.receive("RCPT TO:<bounces+1-abc@return.test>\r\n")),
            "250 2.1.5 Ok\r\n");
  ASSERT_EQ(session.transaction().recipients.size(), 1U);
}

TEST_F(ServerProtocolTest, TheSenderCheckRefusesMailWithItsOwnReply) {
  ServerPolicy checked = policy();
  checked.check_sender = [](const std::string& reverse_path) {
    return reverse_path.ends_with("@allowed.example")
               ? std::string()
               : std::string("550 5.7.1 may not send from ") + reverse_path;
  };
  ServerProtocol session(checked, false, /*trusted_client=*/true);
  session.receive("EHLO client.test\r\n");
  EXPECT_EQ(replies(session.receive("MAIL FROM:<a@other.example>\r\n")),
            "550 5.7.1 may not send from a@other.example\r\n");
  EXPECT_EQ(replies(session.receive("RCPT TO:<x@y.example>\r\n")).substr(0, 9), "503 5.5.1");
  EXPECT_EQ(replies(session.receive("MAIL FROM:<a@allowed.example>\r\n")), "250 2.1.0 Ok\r\n");
}

TEST_F(ServerProtocolTest, DsnParametersMustBeValidXtext) {
  ServerProtocol session = authenticatedSession();
  EXPECT_EQ(replies(session.receive("MAIL FROM:<a@b.example> ENVID=bad+zz\r\n")).substr(0, 9),
            "501 5.5.4");
  EXPECT_EQ(replies(session.receive("MAIL FROM:<a@b.example> RET=HDRS ENVID=ab+2Bcd\r\n")),
            "250 2.1.0 Ok\r\n");
  EXPECT_EQ(replies(session.receive("RCPT TO:<c@d.example> ORCPT=rfc822;c+40d.example+\r\n"))
                .substr(0, 9),
            "501 5.5.4");
  EXPECT_EQ(replies(session.receive(
                "RCPT TO:<c@d.example> NOTIFY=success,delay ORCPT=rfc822;c+2Bx@d.example\r\n")),
            "250 2.1.5 Ok\r\n");
  const auto& recipient = session.transaction().recipients.at(0);
  EXPECT_EQ(recipient.parameters.at("NOTIFY"), "SUCCESS,DELAY");
  EXPECT_EQ(recipient.parameters.at("ORCPT"), "rfc822;c+2Bx@d.example");
  EXPECT_TRUE(session.receivingMessage() == false);
  session.receive("DATA\r\n");
  EXPECT_TRUE(session.receivingMessage());
}

}  // namespace
}  // namespace outpost::smtp

// Asking for delivery status notifications (RFC 3461): the parameters go to a peer that offers
// DSN (Postfix's smtp-sink does) and never to one that does not (aiosmtpd would refuse them).
#include <gtest/gtest.h>

#include "smtp/client.h"
#include "smtp_test_helpers.h"
#include "support/peers.h"
#include "support/temp_dir.h"

namespace outpost::smtp {
namespace {

using namespace outpost::smtp::testing;

DsnRequest request() {
  DsnRequest dsn;
  dsn.envelope_id = "01m8kj44em7dxrqv8m692pt5t7 +=";
  return dsn;
}

TEST(Xtext, EncodesPlusEqualsSpaceAndControlOctets) {
  EXPECT_EQ(encodeXtext("ann@example.org"), "ann@example.org");
  EXPECT_EQ(encodeXtext("a+b=c d"), "a+2Bb+3Dc+20d");
  EXPECT_EQ(encodeXtext(std::string("\x01\x7f\xc3\xa9", 4)), "+01+7F+C3+A9");
}

TEST(SmtpClientDsn, AsksAPeerThatOffersDsnForNotifications) {
  auto sink = test::startSmtpSink();
  std::string transcript;
  TransactionOutcome outcome;
  auto opened = withSession(
      plainOptions(sink.port), [&](ClientSession& session) -> boost::asio::awaitable<void> {
        Envelope env = envelope("app@example.com", {"ann@example.org", "bob+tag@example.org"});
        env.dsn = request();
        outcome = co_await session.send(env, "Subject: dsn\r\n\r\nbody\r\n");
        transcript = session.takeTranscript();
      });
  ASSERT_TRUE(opened.ok()) << opened.failure.error.message;
  EXPECT_TRUE(opened.info.extensions.count("DSN"));
  ASSERT_TRUE(outcome.data_reply.has_value());
  EXPECT_EQ(outcome.data_reply->code, 250);
  EXPECT_TRUE(
      contains(transcript,
               "C: MAIL FROM:<app@example.com> RET=HDRS ENVID=01m8kj44em7dxrqv8m692pt5t7+20+2B+3D"))
      << transcript;
  EXPECT_TRUE(contains(transcript,
                       "C: RCPT TO:<ann@example.org> NOTIFY=SUCCESS,FAILURE,DELAY "
                       "ORCPT=rfc822;ann@example.org"))
      << transcript;
  EXPECT_TRUE(contains(transcript, "ORCPT=rfc822;bob+2Btag@example.org")) << transcript;
}

TEST(SmtpClientDsn, SendsNoDsnParametersToAPeerWithoutDsn) {
  test::TempDir dir;
  const std::string output = dir.file("received.jsonl");
  auto relay = test::startPythonPeer("relay_peer.py", {"--output", output});
  std::string transcript;
  TransactionOutcome outcome;
  auto opened = withSession(
      plainOptions(relay.port), [&](ClientSession& session) -> boost::asio::awaitable<void> {
        Envelope env = envelope("app@example.com", {"ann@example.org"});
        env.dsn = request();
        outcome = co_await session.send(env, "Subject: no dsn\r\n\r\nbody\r\n");
        transcript = session.takeTranscript();
      });
  ASSERT_TRUE(opened.ok()) << opened.failure.error.message;
  EXPECT_FALSE(opened.info.extensions.count("DSN"));
  ASSERT_TRUE(outcome.data_reply.has_value());
  EXPECT_EQ(outcome.data_reply->code, 250);
  EXPECT_FALSE(contains(transcript, "NOTIFY=")) << transcript;
  EXPECT_FALSE(contains(transcript, "RET=")) << transcript;
  ASSERT_EQ(test::readReceived(output).size(), 1u);
}

}  // namespace
}  // namespace outpost::smtp

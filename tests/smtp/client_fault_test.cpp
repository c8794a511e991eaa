// The SMTP client against the scripted fault peer: every refusal, disconnect, silence and bad
// certificate ends in the expected Reply or SessionError (code, temporary/permanent, step),
// never in a hang. Deadlines are 1-2 s so that the silent peers cost little.
#include <gtest/gtest.h>

#include "smtp_test_helpers.h"
#include "support/peers.h"
#include "support/temp_dir.h"
#include "support/test_certificates.h"

namespace outpost::smtp {
namespace {

using namespace outpost::smtp::testing;
using outpost::test::startPythonPeer;

const std::string kBody = "Subject: test\r\n\r\nHello.\r\n";

Sent sendThrough(const std::vector<std::string>& peer_args, int timeout_seconds = 10,
                 std::vector<std::string> to = {"b@example.net"}) {
  auto peer = startPythonPeer("fault_peer.py", peer_args);
  return sendOne(plainOptions(peer.port, timeout_seconds), envelope("a@example.com", to), kBody);
}

void expectSessionError(const std::optional<SessionError>& error, const std::string& code,
                        const std::string& step, bool temporary) {
  ASSERT_TRUE(error) << "expected " << code;
  EXPECT_EQ(error->error.code, code) << error->error.message;
  EXPECT_EQ(error->step, step) << error->error.message;
  EXPECT_EQ(error->error.temporary, temporary) << error->error.message;
  EXPECT_FALSE(error->error.message.empty());
}

TEST(SmtpClientFaults, PermanentGreetingRefusalFailsOpen) {
  auto sent = sendThrough({"--greeting", "554 5.3.2 fault.test no service for you"});
  ASSERT_FALSE(sent.opened.ok());
  expectSessionError(sent.opened.failure, "smtp.reply", "greeting", false);
  ASSERT_TRUE(sent.opened.failure.reply);
  EXPECT_EQ(sent.opened.failure.reply->code, 554);
  EXPECT_TRUE(contains(sent.opened.failure.transcript, "S: 554 5.3.2"))
      << sent.opened.failure.transcript;
}

TEST(SmtpClientFaults, TemporaryGreetingRefusalIsTemporary) {
  auto sent = sendThrough({"--greeting", "421 4.3.2 too busy"});
  ASSERT_FALSE(sent.opened.ok());
  expectSessionError(sent.opened.failure, "smtp.reply", "greeting", true);
}

TEST(SmtpClientFaults, MailRefusalIsReportedAsTheMailReply) {
  auto sent = sendThrough({"--mail-reply", "451 4.3.0 try again later"});
  ASSERT_TRUE(sent.opened.ok());
  ASSERT_TRUE(sent.outcome.mail_reply);
  EXPECT_EQ(sent.outcome.mail_reply->code, 451);
  EXPECT_EQ(sent.outcome.mail_reply->enhanced_code, "4.3.0");
  EXPECT_FALSE(sent.outcome.data_reply);
  EXPECT_FALSE(sent.outcome.session_error);
  EXPECT_FALSE(contains(sent.transcript, "<message body")) << sent.transcript;
  EXPECT_TRUE(sent.usable_after);
}

TEST(SmtpClientFaults, MailRefusalWithoutPipeliningSendsNoRecipient) {
  auto sent = sendThrough({"--no-pipelining", "--mail-reply", "553 5.7.1 sender refused"});
  ASSERT_TRUE(sent.opened.ok());
  ASSERT_TRUE(sent.outcome.mail_reply);
  EXPECT_EQ(sent.outcome.mail_reply->code, 553);
  EXPECT_TRUE(sent.outcome.recipient_replies.empty());
  EXPECT_FALSE(contains(sent.transcript, "RCPT TO")) << sent.transcript;
  EXPECT_TRUE(sent.usable_after);
}

TEST(SmtpClientFaults, OneRefusedRecipientDoesNotStopTheOthers) {
  auto sent = sendThrough({"--rcpt-reply-for", "gone@example.net=550 5.1.1 no such user"}, 10,
                          {"gone@example.net", "here@example.net"});
  ASSERT_TRUE(sent.opened.ok());
  ASSERT_EQ(sent.outcome.recipient_replies.size(), 2u);
  EXPECT_EQ(sent.outcome.recipient_replies[0].address, "gone@example.net");
  EXPECT_EQ(sent.outcome.recipient_replies[0].reply.code, 550);
  EXPECT_EQ(sent.outcome.recipient_replies[0].reply.enhanced_code, "5.1.1");
  EXPECT_EQ(sent.outcome.recipient_replies[1].reply.code, 250);
  ASSERT_TRUE(sent.outcome.data_reply);
  EXPECT_EQ(sent.outcome.data_reply->code, 250);
  EXPECT_EQ(sent.outcome.remote_queue_id, "F000001");
}

TEST(SmtpClientFaults, AllRecipientsRefusedWithPipeliningSendsNoBody) {
  auto peer = startPythonPeer("fault_peer.py", {"--rcpt-reply", "550 5.1.1 no such user"});
  std::vector<TransactionOutcome> outcomes;
  std::string transcript;
  bool usable = false;
  auto opened = withSession(
      plainOptions(peer.port), [&](ClientSession& session) -> boost::asio::awaitable<void> {
        // (Envelopes built before co_await: GCC 12 mishandles braced lists inside co_await.)
        const Envelope first =
            envelope("a@example.com", std::vector<std::string>(1, "x@example.net"));
        const Envelope second =
            envelope("a@example.com", std::vector<std::string>(1, "y@example.net"));
        outcomes.push_back(co_await session.send(first, kBody));
        transcript = session.takeTranscript();
        usable = session.usable();
        // The session is still in step: the next transaction gets its own replies.
        outcomes.push_back(co_await session.send(second, kBody));
      });
  ASSERT_TRUE(opened.ok());
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].recipient_replies.at(0).reply.code, 550);
  EXPECT_FALSE(outcomes[0].data_reply);
  EXPECT_FALSE(outcomes[0].session_error);
  EXPECT_TRUE(contains(transcript, "C: DATA\nS: 250 2.1.0 Ok\nS: 550")) << transcript;
  EXPECT_TRUE(contains(transcript, "S: 554 5.5.1")) << transcript;
  EXPECT_FALSE(contains(transcript, "<message body")) << transcript;
  EXPECT_TRUE(usable);
  EXPECT_EQ(outcomes[1].recipient_replies.at(0).reply.code, 550);
  EXPECT_FALSE(outcomes[1].session_error);
}

TEST(SmtpClientFaults, AllRecipientsRefusedWithoutPipeliningSendsNoData) {
  auto sent = sendThrough({"--no-pipelining", "--rcpt-reply", "550 5.1.1 no such user"});
  ASSERT_TRUE(sent.opened.ok());
  EXPECT_EQ(sent.outcome.recipient_replies.at(0).reply.code, 550);
  EXPECT_FALSE(sent.outcome.data_reply);
  EXPECT_FALSE(contains(sent.transcript, "C: DATA")) << sent.transcript;
  EXPECT_TRUE(contains(sent.transcript, "C: RSET")) << sent.transcript;
  EXPECT_TRUE(sent.usable_after);
}

TEST(SmtpClientFaults, DataRefusalIsTheDataReply) {
  for (const bool pipelining : {true, false}) {
    std::vector<std::string> args{"--data-reply", "451 4.3.0 no space right now"};
    if (!pipelining) args.push_back("--no-pipelining");
    auto sent = sendThrough(args);
    ASSERT_TRUE(sent.opened.ok());
    ASSERT_TRUE(sent.outcome.data_reply) << sent.transcript;
    EXPECT_EQ(sent.outcome.data_reply->code, 451);
    EXPECT_FALSE(contains(sent.transcript, "<message body")) << sent.transcript;
    EXPECT_TRUE(sent.usable_after);
  }
}

TEST(SmtpClientFaults, RefusalAfterTheDotIsTheDataReply) {
  auto sent = sendThrough({"--final-reply", "552 5.3.4 message too big"});
  ASSERT_TRUE(sent.opened.ok());
  ASSERT_TRUE(sent.outcome.data_reply);
  EXPECT_EQ(sent.outcome.data_reply->code, 552);
  EXPECT_TRUE(sent.outcome.data_reply->permanent());
  EXPECT_EQ(sent.outcome.remote_queue_id, "");
  EXPECT_FALSE(sent.outcome.session_error);
}

TEST(SmtpClientFaults, ServiceClosingMidTransactionEndsTheSession) {
  auto sent = sendThrough({"--rcpt-reply", "421 4.4.2 closing, too many errors"});
  ASSERT_TRUE(sent.opened.ok());
  expectSessionError(sent.outcome.session_error, "smtp.reply", "rcpt", true);
  EXPECT_FALSE(sent.usable_after);
}

TEST(SmtpClientFaults, DisconnectDuringTheBodyIsAConnectionLoss) {
  auto peer = startPythonPeer("fault_peer.py", {"--disconnect-at", "body"});
  // A body larger than socket buffers, so the write itself meets the closed connection.
  const std::string big = "Subject: big\r\n\r\n" + std::string(8 * 1024 * 1024, 'x') + "\r\n";
  auto sent = sendOne(plainOptions(peer.port), envelope("a@example.com", {"b@example.net"}), big);
  ASSERT_TRUE(sent.opened.ok());
  expectSessionError(sent.outcome.session_error, "smtp.connection_lost", "data", true);
  EXPECT_FALSE(sent.usable_after);
}

TEST(SmtpClientFaults, DisconnectAfterTheDotLeavesTheOutcomeUnknown) {
  auto sent = sendThrough({"--disconnect-at", "after-dot"});
  ASSERT_TRUE(sent.opened.ok());
  expectSessionError(sent.outcome.session_error, "smtp.connection_lost_after_data", "end_of_data",
                     true);
  EXPECT_FALSE(sent.outcome.data_reply);
  EXPECT_FALSE(sent.usable_after);
}

TEST(SmtpClientFaults, SilenceAfterTheDotLeavesTheOutcomeUnknown) {
  auto sent = sendThrough({"--hang-at", "after-dot"}, 1);
  ASSERT_TRUE(sent.opened.ok());
  expectSessionError(sent.outcome.session_error, "smtp.connection_lost_after_data", "end_of_data",
                     true);
}

TEST(SmtpClientFaults, DisconnectAtMailIsAConnectionLoss) {
  auto sent = sendThrough({"--disconnect-at", "mail"});
  ASSERT_TRUE(sent.opened.ok());
  expectSessionError(sent.outcome.session_error, "smtp.connection_lost", "mail", true);
}

TEST(SmtpClientFaults, SilentGreetingTimesOut) {
  auto sent = sendThrough({"--hang-at", "greeting"}, 1);
  ASSERT_FALSE(sent.opened.ok());
  expectSessionError(sent.opened.failure, "smtp.timeout", "greeting", true);
}

TEST(SmtpClientFaults, SilentEhloTimesOut) {
  auto sent = sendThrough({"--hang-at", "ehlo"}, 1);
  ASSERT_FALSE(sent.opened.ok());
  expectSessionError(sent.opened.failure, "smtp.timeout", "ehlo", true);
}

TEST(SmtpClientFaults, SilentMailTimesOutWithAndWithoutPipelining) {
  expectSessionError(sendThrough({"--hang-at", "mail"}, 1).outcome.session_error, "smtp.timeout",
                     "mail", true);
  expectSessionError(sendThrough({"--hang-at", "mail", "--no-pipelining"}, 1).outcome.session_error,
                     "smtp.timeout", "mail", true);
}

TEST(SmtpClientFaults, SilentRcptAndDataTimeOut) {
  expectSessionError(sendThrough({"--hang-at", "rcpt", "--no-pipelining"}, 1).outcome.session_error,
                     "smtp.timeout", "rcpt", true);
  expectSessionError(sendThrough({"--hang-at", "data"}, 1).outcome.session_error, "smtp.timeout",
                     "data", true);
}

TEST(SmtpClientFaults, NothingListeningIsARefusedConnection) {
  ClientOptions options = plainOptions(outpost::test::freePort());
  auto opened = withSession(options);
  ASSERT_FALSE(opened.ok());
  expectSessionError(opened.failure, "net.refused", "connect", true);
}

TEST(SmtpClientFaults, RequiredStartTlsThatIsNotOfferedFails) {
  auto peer = startPythonPeer("fault_peer.py", {});
  ClientOptions options = plainOptions(peer.port);
  options.tls = TlsMode::kStartTlsRequired;
  auto opened = withSession(options);
  ASSERT_FALSE(opened.ok());
  expectSessionError(opened.failure, "smtp.starttls_unavailable", "starttls", true);
  EXPECT_TRUE(contains(opened.failure.transcript, "C: QUIT")) << opened.failure.transcript;
}

// TLS faults: a CA made for the test, and certificates that must be refused.
class SmtpClientTlsFaults : public ::testing::Test {
 protected:
  outpost::test::TempDir dir_;
  outpost::test::TestCertificateAuthority ca_{dir_.path()};

  Opened openWith(const outpost::test::CertificateFiles& certificate,
                  std::vector<std::string> extra = {}, bool verify = true, int timeout = 5) {
    std::vector<std::string> args{"--starttls", "--cert", certificate.cert_file, "--key",
                                  certificate.key_file};
    args.insert(args.end(), extra.begin(), extra.end());
    auto peer = startPythonPeer("fault_peer.py", args);
    ClientOptions options = plainOptions(peer.port, timeout);
    options.tls = TlsMode::kStartTlsRequired;
    options.ca_file = ca_.caFile();
    options.verify_certificate = verify;
    return withSession(options);
  }
};

TEST_F(SmtpClientTlsFaults, SelfSignedCertificateIsRefusedWithTheOpenSslReason) {
  auto opened = openWith(ca_.issue("self", {.self_signed = true}));
  ASSERT_FALSE(opened.ok());
  expectSessionError(opened.failure, "tls.verify", "tls", true);
  EXPECT_TRUE(contains(opened.failure.error.message, "self-signed"))
      << opened.failure.error.message;
  EXPECT_TRUE(contains(opened.failure.error.message, "(self-signed certificate)"))
      << opened.failure.error.message;
}

TEST_F(SmtpClientTlsFaults, ExpiredCertificateIsRefusedWithItsDate) {
  auto opened = openWith(ca_.issue("old", {.not_before_days = -30, .not_after_days = -2}));
  ASSERT_FALSE(opened.ok());
  expectSessionError(opened.failure, "tls.verify", "tls", true);
  EXPECT_TRUE(contains(opened.failure.error.message, "the relay's certificate expired on 20"))
      << opened.failure.error.message;
  EXPECT_TRUE(contains(opened.failure.error.message, "certificate has expired"))
      << opened.failure.error.message;
}

TEST_F(SmtpClientTlsFaults, CertificateForAnotherHostIsRefused) {
  auto opened = openWith(ca_.issue(
      "other", {.common_name = "mx.other.net", .dns_names = {"mx.other.net"}, .ip_addresses = {}}));
  ASSERT_FALSE(opened.ok());
  expectSessionError(opened.failure, "tls.verify", "tls", true);
  EXPECT_EQ(opened.failure.error.message, "the certificate is for mx.other.net, not 127.0.0.1");
}

TEST_F(SmtpClientTlsFaults, CertificateFromAnUnknownAuthorityIsRefused) {
  outpost::test::TempDir other_dir;
  outpost::test::TestCertificateAuthority other_ca(other_dir.path(), "some other CA");
  auto opened = openWith(other_ca.issue("stranger", {}));
  ASSERT_FALSE(opened.ok());
  expectSessionError(opened.failure, "tls.verify", "tls", true);
  EXPECT_TRUE(contains(opened.failure.error.message, "unable to get local issuer certificate"))
      << opened.failure.error.message;
}

TEST_F(SmtpClientTlsFaults, UnverifiedModeStillRecordsTheCertificateFacts) {
  auto opened = openWith(ca_.issue("self", {.self_signed = true}), {}, false);
  ASSERT_TRUE(opened.ok()) << opened.failure.error.message;
  const SessionInfo& info = opened.info;
  EXPECT_FALSE(info.tls_version.empty());
  EXPECT_TRUE(contains(info.certificate_subject, "CN=localhost")) << info.certificate_subject;
  EXPECT_EQ(info.certificate_verify_error, "self-signed certificate");
  EXPECT_FALSE(info.certificate_not_after.empty());
}

TEST_F(SmtpClientTlsFaults, SilentTlsHandshakeTimesOut) {
  auto opened = openWith(ca_.issue("relay", {}), {"--hang-at", "tls"}, true, 1);
  ASSERT_FALSE(opened.ok());
  expectSessionError(opened.failure, "smtp.timeout", "tls", true);
}

TEST_F(SmtpClientTlsFaults, SilenceInsideTlsTimesOut) {
  auto certificate = ca_.issue("relay", {});
  auto peer =
      startPythonPeer("fault_peer.py", {"--starttls", "--cert", certificate.cert_file, "--key",
                                        certificate.key_file, "--hang-at", "mail"});
  ClientOptions options = plainOptions(peer.port, 1);
  options.tls = TlsMode::kStartTlsRequired;
  options.ca_file = ca_.caFile();
  auto sent = sendOne(options, envelope("a@example.com", {"b@example.net"}), kBody);
  ASSERT_TRUE(sent.opened.ok()) << sent.opened.failure.error.message;
  expectSessionError(sent.outcome.session_error, "smtp.timeout", "mail", true);
}

TEST_F(SmtpClientTlsFaults, DataInjectedBeforeTheHandshakeIsRefused) {
  auto opened = openWith(ca_.issue("relay", {}), {"--inject-after-starttls"});
  ASSERT_FALSE(opened.ok());
  expectSessionError(opened.failure, "smtp.protocol", "starttls", true);
}

TEST_F(SmtpClientTlsFaults, WrongPasswordIsAPermanentAuthFailure) {
  auto certificate = ca_.issue("relay", {});
  auto peer =
      startPythonPeer("fault_peer.py", {"--starttls", "--cert", certificate.cert_file, "--key",
                                        certificate.key_file, "--auth", "u:right"});
  ClientOptions options = plainOptions(peer.port);
  options.tls = TlsMode::kStartTlsRequired;
  options.ca_file = ca_.caFile();
  options.credentials = Credentials{"u", "wrong"};
  auto failed = withSession(options);
  ASSERT_FALSE(failed.ok());
  expectSessionError(failed.failure, "smtp.auth", "auth", false);
  ASSERT_TRUE(failed.failure.reply);
  EXPECT_EQ(failed.failure.reply->code, 535);
  EXPECT_TRUE(
      contains(failed.failure.error.message, "rejected the user name or password (535 5.7.8"))
      << failed.failure.error.message;
}

TEST(SmtpClientAuth, AuthOfferedOnlyAfterStartTlsIsExplained) {
  outpost::test::TempDir dir;
  outpost::test::TestCertificateAuthority ca(dir.path());
  auto certificate = ca.issue("relay", {});
  auto relay =
      startPythonPeer("relay_peer.py", {"--starttls", "--cert", certificate.cert_file, "--key",
                                        certificate.key_file, "--require-auth", "u:p"});
  ClientOptions options = plainOptions(relay.port);
  options.credentials = Credentials{"u", "p"};
  auto opened = withSession(options);
  ASSERT_FALSE(opened.ok());
  expectSessionError(opened.failure, "smtp.auth_unavailable", "auth", true);
  EXPECT_TRUE(contains(opened.failure.error.message, "does not offer AUTH before STARTTLS"))
      << opened.failure.error.message;
}

}  // namespace
}  // namespace outpost::smtp

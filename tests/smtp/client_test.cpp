// The SMTP client against real peers: aiosmtpd with STARTTLS, implicit TLS and AUTH, Postfix's
// smtp-sink for volume, and the fault peer for the happy paths it can play (no PIPELINING,
// HELO only). Every byte a peer received is compared with what was sent.
#include <gtest/gtest.h>

#include "smtp/data_encoding.h"
#include "smtp_test_helpers.h"
#include "support/peers.h"
#include "support/temp_dir.h"
#include "support/test_certificates.h"

namespace outpost::smtp {
namespace {

using namespace outpost::smtp::testing;
using outpost::test::readReceived;
using outpost::test::startPythonPeer;

// Messages with the shapes that break naive encoders.
const std::vector<std::string> kMessages = {
    "Subject: one\r\n\r\nHello.\r\n",
    "Subject: two\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nafter a lone dot\r\n",
    "Subject: three\r\n\r\nno final line end, and \xc3\xa9 8-bit",
};

std::string crlfTerminated(std::string text) {
  if (text.size() < 2 || text.compare(text.size() - 2, 2, "\r\n") != 0) text += "\r\n";
  return text;
}

TEST(SmtpClient, DeliversThreeMessagesOverStartTlsWithAuthPlainOnOneSession) {
  outpost::test::TempDir dir;
  outpost::test::TestCertificateAuthority ca(dir.path());
  auto certificate = ca.issue("relay", {});
  const std::string output = dir.file("received.jsonl");
  auto relay = startPythonPeer("relay_peer.py", {"--starttls", "--cert", certificate.cert_file,
                                                 "--key", certificate.key_file, "--require-auth",
                                                 "mailer:s3cret", "--output", output});
  ClientOptions options = plainOptions(relay.port);
  options.host = "localhost";
  options.tls = TlsMode::kStartTlsRequired;
  options.ca_file = ca.caFile();
  options.credentials = Credentials{"mailer", "s3cret"};

  std::vector<TransactionOutcome> outcomes;
  std::string transcript;
  auto opened = withSession(options, [&](ClientSession& session) -> boost::asio::awaitable<void> {
    for (std::size_t i = 0; i < kMessages.size(); ++i) {
      if (i > 0) {
        EXPECT_TRUE((co_await session.reset()).ok());
      }
      std::vector<std::string> to;
      to.push_back("to" + std::to_string(i) + "@example.net");
      to.push_back("cc@example.net");
      Envelope env = envelope("sender@example.com", to);
      env.eight_bit = true;
      env.size_hint = kMessages[i].size();
      outcomes.push_back(co_await session.send(env, kMessages[i]));
    }
    transcript = session.takeTranscript();
  });
  ASSERT_TRUE(opened.ok()) << opened.failure.error.message << "\n" << opened.failure.transcript;

  const SessionInfo& info = opened.info;
  EXPECT_EQ(info.ip, "127.0.0.1");
  EXPECT_TRUE(info.tls_version.rfind("TLSv1.", 0) == 0) << info.tls_version;
  EXPECT_FALSE(info.tls_cipher.empty());
  EXPECT_TRUE(contains(info.certificate_subject, "CN=localhost")) << info.certificate_subject;
  EXPECT_TRUE(contains(info.certificate_issuer, "outpost test CA")) << info.certificate_issuer;
  EXPECT_EQ(info.certificate_verify_error, "");
  EXPECT_TRUE(info.extensions.count("AUTH"));
  EXPECT_TRUE(info.extensions.count("8BITMIME"));
  EXPECT_GT(info.max_size, 0u);

  ASSERT_EQ(outcomes.size(), kMessages.size());
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& outcome = outcomes[i];
    EXPECT_FALSE(outcome.session_error) << outcome.session_error->error.message;
    ASSERT_TRUE(outcome.data_reply);
    EXPECT_EQ(outcome.data_reply->code, 250);
    EXPECT_EQ(outcome.remote_queue_id, "Q00000" + std::to_string(i + 1));
    ASSERT_EQ(outcome.recipient_replies.size(), 2u);
    EXPECT_EQ(outcome.recipient_replies[0].reply.code, 250);
  }

  auto received = readReceived(output);
  ASSERT_EQ(received.size(), kMessages.size());
  for (std::size_t i = 0; i < received.size(); ++i) {
    EXPECT_EQ(received[i].data, crlfTerminated(kMessages[i])) << "message " << i;
    EXPECT_EQ(received[i].mail_from, "sender@example.com");
    EXPECT_EQ(
        received[i].recipients,
        (std::vector<std::string>{"to" + std::to_string(i) + "@example.net", "cc@example.net"}));
    EXPECT_EQ(received[i].auth_user, "mailer");
    EXPECT_TRUE(received[i].tls);
    EXPECT_TRUE(std::find(received[i].mail_options.begin(), received[i].mail_options.end(),
                          "BODY=8BITMIME") != received[i].mail_options.end());
    const std::string size = "SIZE=" + std::to_string(kMessages[i].size());
    EXPECT_TRUE(std::find(received[i].mail_options.begin(), received[i].mail_options.end(), size) !=
                received[i].mail_options.end());
  }

  EXPECT_TRUE(
      contains(transcript, "C: <message body, " + std::to_string(kMessages[0].size()) + " bytes>"))
      << transcript;
  EXPECT_TRUE(contains(transcript, "S: 250 2.0.0 Ok: queued as Q000001")) << transcript;
}

TEST(SmtpClient, RedactsCredentialsAndNotesTlsInTheTranscript) {
  outpost::test::TempDir dir;
  outpost::test::TestCertificateAuthority ca(dir.path());
  auto certificate = ca.issue("relay", {});
  auto relay =
      startPythonPeer("relay_peer.py", {"--starttls", "--cert", certificate.cert_file, "--key",
                                        certificate.key_file, "--require-auth", "mailer:s3cret"});
  ClientOptions options = plainOptions(relay.port);
  options.tls = TlsMode::kStartTlsRequired;
  options.ca_file = ca.caFile();
  options.credentials = Credentials{"mailer", "s3cret"};
  std::string transcript;
  auto opened = withSession(options, [&](ClientSession& session) -> boost::asio::awaitable<void> {
    transcript = session.takeTranscript();
    co_return;
  });
  ASSERT_TRUE(opened.ok()) << opened.failure.error.message;
  EXPECT_TRUE(contains(transcript, "C: EHLO client.test")) << transcript;
  EXPECT_TRUE(contains(transcript, "C: STARTTLS")) << transcript;
  EXPECT_TRUE(contains(transcript, "* TLS established: TLSv1.3 ")) << transcript;
  EXPECT_TRUE(contains(transcript, "C: AUTH PLAIN ****")) << transcript;
  EXPECT_TRUE(contains(transcript, "S: 235")) << transcript;
  // base64("\0mailer\0s3cret")
  EXPECT_FALSE(contains(transcript, "AG1haWxlcgBzM2NyZXQ=")) << transcript;
  EXPECT_FALSE(contains(transcript, "s3cret")) << transcript;
}

TEST(SmtpClient, DeliversOverImplicitTls) {
  outpost::test::TempDir dir;
  outpost::test::TestCertificateAuthority ca(dir.path());
  auto certificate = ca.issue("relay", {});
  const std::string output = dir.file("received.jsonl");
  auto relay = startPythonPeer("relay_peer.py",
                               {"--implicit-tls", "--cert", certificate.cert_file, "--key",
                                certificate.key_file, "--require-auth", "u:p", "--output", output});
  ClientOptions options = plainOptions(relay.port);
  options.tls = TlsMode::kImplicit;
  options.ca_file = ca.caFile();
  options.credentials = Credentials{"u", "p"};
  auto sent = sendOne(options, envelope("a@example.com", {"b@example.net"}), kMessages[1]);
  ASSERT_TRUE(sent.opened.ok()) << sent.opened.failure.error.message;
  EXPECT_FALSE(sent.opened.info.tls_version.empty());
  ASSERT_TRUE(sent.outcome.data_reply);
  EXPECT_EQ(sent.outcome.data_reply->code, 250);
  auto received = readReceived(output);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].data, kMessages[1]);
}

TEST(SmtpClient, DeliversFiftyMessagesToSmtpSinkOnOneSession) {
  auto sink = outpost::test::startSmtpSink();
  ClientOptions options = plainOptions(sink.port);
  int accepted = 0;
  std::string transcript;
  auto opened = withSession(options, [&](ClientSession& session) -> boost::asio::awaitable<void> {
    for (int i = 0; i < 50; ++i) {
      if (i > 0 && !(co_await session.reset()).ok()) break;
      std::string body = "Subject: volume " + std::to_string(i) + "\r\n\r\n" +
                         std::string(1000, 'x') + "\r\n.\r\n";
      std::vector<std::string> to;
      to.push_back("a@example.net");
      to.push_back("b@example.net");
      const Envelope env = envelope("volume@example.com", to);
      auto outcome = co_await session.send(env, body);
      if (outcome.data_reply && outcome.data_reply->code == 250) ++accepted;
    }
    transcript = session.takeTranscript();
  });
  ASSERT_TRUE(opened.ok()) << opened.failure.error.message;
  EXPECT_TRUE(opened.info.extensions.count("PIPELINING"));
  EXPECT_EQ(accepted, 50) << transcript.substr(0, 4000);
}

TEST(SmtpClient, SendsOneCommandAtATimeWithoutPipelining) {
  outpost::test::TempDir dir;
  const std::string output = dir.file("received.jsonl");
  auto peer = startPythonPeer("fault_peer.py", {"--no-pipelining", "--output", output});
  auto sent =
      sendOne(plainOptions(peer.port), envelope("a@example.com", {"b@example.net"}), kMessages[1]);
  ASSERT_TRUE(sent.opened.ok()) << sent.opened.failure.error.message;
  EXPECT_FALSE(sent.opened.info.extensions.count("PIPELINING"));
  ASSERT_TRUE(sent.outcome.data_reply);
  EXPECT_EQ(sent.outcome.remote_queue_id, "F000001");
  // Each command is answered before the next one is written.
  const auto mail = sent.transcript.find("C: MAIL FROM:<a@example.com>");
  const auto mail_reply = sent.transcript.find("S: 250 2.1.0 Ok", mail);
  const auto rcpt = sent.transcript.find("C: RCPT TO:<b@example.net>");
  ASSERT_NE(mail, std::string::npos) << sent.transcript;
  EXPECT_LT(mail_reply, rcpt) << sent.transcript;
  auto received = readReceived(output);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].data, kMessages[1]);
}

TEST(SmtpClient, FallsBackToHeloWhenEhloIsRefused) {
  auto peer = startPythonPeer("fault_peer.py", {"--no-ehlo"});
  auto sent =
      sendOne(plainOptions(peer.port), envelope("a@example.com", {"b@example.net"}), kMessages[0]);
  ASSERT_TRUE(sent.opened.ok()) << sent.opened.failure.error.message;
  EXPECT_TRUE(sent.opened.info.extensions.empty());
  ASSERT_TRUE(sent.outcome.data_reply);
  EXPECT_EQ(sent.outcome.data_reply->code, 250);
}

TEST(SmtpClient, AnnouncesSmtpUtf8WhenAnAddressNeedsIt) {
  outpost::test::TempDir dir;
  const std::string output = dir.file("received.jsonl");
  auto relay = startPythonPeer("relay_peer.py", {"--output", output});
  auto sent = sendOne(plainOptions(relay.port),
                      envelope("a@example.com", {"j\xc3\xbcrgen@example.net"}), kMessages[0]);
  ASSERT_TRUE(sent.opened.ok());
  ASSERT_TRUE(sent.outcome.data_reply) << sent.transcript;
  EXPECT_EQ(sent.outcome.data_reply->code, 250);
  auto received = readReceived(output);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].recipients, std::vector<std::string>{"j\xc3\xbcrgen@example.net"});
  EXPECT_TRUE(std::find(received[0].mail_options.begin(), received[0].mail_options.end(),
                        "SMTPUTF8") != received[0].mail_options.end());
}

TEST(SmtpClient, RefusesSmtpUtf8MessageWhenTheRelayLacksItAndStaysUsable) {
  auto relay = startPythonPeer("relay_peer.py", {"--no-smtputf8"});
  auto sent = sendOne(plainOptions(relay.port),
                      envelope("a@example.com", {"j\xc3\xbcrgen@example.net"}), kMessages[0]);
  ASSERT_TRUE(sent.opened.ok());
  ASSERT_TRUE(sent.outcome.session_error);
  EXPECT_FALSE(sent.outcome.session_error->error.temporary);
  EXPECT_TRUE(
      contains(sent.outcome.session_error->error.message, "the relay does not support SMTPUTF8"));
  EXPECT_FALSE(contains(sent.transcript, "MAIL FROM")) << sent.transcript;
  EXPECT_TRUE(sent.usable_after);
}

TEST(SmtpClient, RefusesAddressesWithLineBreaksBeforeWritingAnything) {
  outpost::test::TempDir dir;
  const std::string output = dir.file("received.jsonl");
  auto relay = startPythonPeer("relay_peer.py", {"--output", output});
  std::vector<TransactionOutcome> outcomes;
  std::string transcript;
  bool usable = false;
  auto opened = withSession(
      plainOptions(relay.port), [&](ClientSession& session) -> boost::asio::awaitable<void> {
        session.takeTranscript();
        // (Envelopes built before co_await: GCC 12 mishandles braced lists inside co_await.)
        const std::vector<std::string> good(1, "b@example.net");
        const std::vector<std::string> injected(1, "b@example.net>\r\nRCPT TO:<victim@example.org");
        const Envelope bad_recipient = envelope("a@example.com", injected);
        const Envelope bad_sender = envelope("a@example.com\nDATA", good);
        const Envelope fine = envelope("a@example.com", good);
        outcomes.push_back(co_await session.send(bad_recipient, kMessages[0]));
        outcomes.push_back(co_await session.send(bad_sender, kMessages[0]));
        transcript = session.takeTranscript();
        usable = session.usable();
        outcomes.push_back(co_await session.send(fine, kMessages[0]));
      });
  ASSERT_TRUE(opened.ok());
  ASSERT_EQ(outcomes.size(), 3u);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(outcomes[i].session_error);
    EXPECT_EQ(outcomes[i].session_error->error.code, "smtp.invalid_address");
    EXPECT_FALSE(outcomes[i].session_error->error.temporary);
    EXPECT_FALSE(contains(outcomes[i].session_error->error.message, "\n"));
  }
  EXPECT_EQ(transcript, "");
  EXPECT_TRUE(usable);
  ASSERT_TRUE(outcomes[2].data_reply);
  EXPECT_EQ(outcomes[2].data_reply->code, 250);
  auto received = readReceived(output);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].recipients, std::vector<std::string>{"b@example.net"});
}

TEST(SmtpClient, UsesPlainTextWhenStartTlsIsOpportunisticAndNotOffered) {
  auto relay = startPythonPeer("relay_peer.py", {});
  ClientOptions options = plainOptions(relay.port);
  options.tls = TlsMode::kStartTlsOpportunistic;
  auto sent = sendOne(options, envelope("a@example.com", {"b@example.net"}), kMessages[0]);
  ASSERT_TRUE(sent.opened.ok()) << sent.opened.failure.error.message;
  EXPECT_EQ(sent.opened.info.tls_version, "");
  ASSERT_TRUE(sent.outcome.data_reply);
  EXPECT_EQ(sent.outcome.data_reply->code, 250);
}

TEST(SmtpClient, PrefersAuthPlainWhenBothAreOffered) {
  auto peer = startPythonPeer("fault_peer.py", {"--auth", "u:p"});
  ClientOptions options = plainOptions(peer.port);
  options.credentials = Credentials{"u", "p"};
  std::string transcript;
  auto opened = withSession(options, [&](ClientSession& session) -> boost::asio::awaitable<void> {
    transcript = session.takeTranscript();
    co_return;
  });
  ASSERT_TRUE(opened.ok()) << opened.failure.error.message;
  EXPECT_TRUE(contains(transcript, "C: AUTH PLAIN ****")) << transcript;
}

TEST(SmtpClient, AuthenticatesWithLoginWhenPlainIsNotOffered) {
  auto peer = startPythonPeer(
      "fault_peer.py", {"--auth", "user@example.com:pa ss", "--auth-mechanisms", "CRAM-MD5 LOGIN"});
  ClientOptions options = plainOptions(peer.port);
  options.credentials = Credentials{"user@example.com", "pa ss"};
  std::string transcript;
  auto opened = withSession(options, [&](ClientSession& session) -> boost::asio::awaitable<void> {
    transcript = session.takeTranscript();
    co_return;
  });
  ASSERT_TRUE(opened.ok()) << opened.failure.error.message << "\n" << opened.failure.transcript;
  EXPECT_TRUE(contains(transcript,
                       "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: ****\nS: 334 "
                       "UGFzc3dvcmQ6\nC: ****\nS: 235"))
      << transcript;
}

}  // namespace
}  // namespace outpost::smtp

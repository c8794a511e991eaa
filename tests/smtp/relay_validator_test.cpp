// validateRelay reports each step and a verdict a person can act on, against real peers.
#include "smtp/relay_validator.h"

#include <gtest/gtest.h>

#include "smtp_test_helpers.h"
#include "support/peers.h"
#include "support/temp_dir.h"
#include "support/test_certificates.h"

namespace outpost::smtp {
namespace {

using namespace outpost::smtp::testing;
using outpost::test::startPythonPeer;

ValidationReport validate(const ClientOptions& options) {
  return outpost::test::runAsync(
      [&](boost::asio::any_io_executor executor) -> boost::asio::awaitable<ValidationReport> {
        co_return co_await validateRelay(executor, options);
      });
}

const ValidationStep* step(const ValidationReport& report, const std::string& name) {
  for (const auto& s : report.steps) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string describe(const ValidationReport& report) {
  std::string out = "verdict: " + report.verdict + "\n";
  for (const auto& s : report.steps) out += s.name + " " + s.status + ": " + s.detail + "\n";
  return out + report.transcript;
}

class RelayValidator : public ::testing::Test {
 protected:
  outpost::test::TempDir dir_;
  outpost::test::TestCertificateAuthority ca_{dir_.path()};

  ClientOptions startTlsRelay(const outpost::test::CertificateFiles& certificate,
                              std::vector<std::string> extra = {}) {
    std::vector<std::string> args{
        "--starttls",         "--cert",         certificate.cert_file, "--key",
        certificate.key_file, "--require-auth", "mailer:s3cret"};
    args.insert(args.end(), extra.begin(), extra.end());
    peer_ = startPythonPeer("relay_peer.py", args);
    ClientOptions options = plainOptions(peer_.port, 5);
    options.tls = TlsMode::kStartTlsRequired;
    options.ca_file = ca_.caFile();
    options.credentials = Credentials{"mailer", "s3cret"};
    return options;
  }

  outpost::test::RunningPeer peer_;
};

TEST_F(RelayValidator, ReportsAGoodRelayStepByStep) {
  auto report = validate(startTlsRelay(ca_.issue("relay", {})));
  EXPECT_TRUE(report.ok) << describe(report);
  EXPECT_EQ(report.verdict, "The relay accepted the connection, TLS and the credentials.");
  for (const char* name : {"connect", "banner", "ehlo", "starttls", "certificate", "auth"}) {
    ASSERT_NE(step(report, name), nullptr) << name;
    EXPECT_EQ(step(report, name)->status, "ok") << name << "\n" << describe(report);
  }
  EXPECT_TRUE(contains(step(report, "ehlo")->detail, "STARTTLS")) << describe(report);
  EXPECT_TRUE(contains(step(report, "certificate")->detail, "CN=localhost")) << describe(report);
  EXPECT_TRUE(contains(step(report, "certificate")->detail, "outpost test CA"));
  EXPECT_TRUE(contains(report.transcript, "C: AUTH PLAIN ****")) << report.transcript;
  EXPECT_TRUE(contains(report.transcript, "C: QUIT")) << report.transcript;
  EXPECT_FALSE(report.info.tls_version.empty());
}

TEST_F(RelayValidator, ReportsARelayWithoutStartTls) {
  peer_ = startPythonPeer("relay_peer.py", {});
  ClientOptions options = plainOptions(peer_.port, 5);
  options.tls = TlsMode::kStartTlsRequired;
  auto report = validate(options);
  EXPECT_FALSE(report.ok);
  ASSERT_NE(step(report, "starttls"), nullptr) << describe(report);
  EXPECT_EQ(step(report, "starttls")->status, "error");
  EXPECT_EQ(report.verdict,
            "The relay does not offer STARTTLS, and TLS is required in the settings.");
}

TEST_F(RelayValidator, ReportsRejectedCredentials) {
  ClientOptions options = startTlsRelay(ca_.issue("relay", {}));
  options.credentials = Credentials{"mailer", "wrong"};
  auto report = validate(options);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(step(report, "auth")->status, "error") << describe(report);
  EXPECT_TRUE(contains(report.verdict, "The relay rejected the user name or password (535 5.7.8"))
      << report.verdict;
}

TEST_F(RelayValidator, ReportsAnExpiredCertificateWithItsDate) {
  auto report =
      validate(startTlsRelay(ca_.issue("old", {.not_before_days = -60, .not_after_days = -3})));
  EXPECT_FALSE(report.ok);
  ASSERT_NE(step(report, "certificate"), nullptr) << describe(report);
  EXPECT_EQ(step(report, "certificate")->status, "error");
  EXPECT_TRUE(contains(report.verdict, "The relay's certificate expired on 20")) << report.verdict;
  EXPECT_FALSE(report.info.certificate_not_after.empty());
  EXPECT_TRUE(contains(report.verdict, report.info.certificate_not_after.substr(0, 10)))
      << report.verdict;
}

TEST_F(RelayValidator, ReportsACertificateForAnotherHost) {
  auto report = validate(startTlsRelay(ca_.issue(
      "other",
      {.common_name = "mx.other.net", .dns_names = {"mx.other.net"}, .ip_addresses = {}})));
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.verdict, "The certificate is for mx.other.net, not 127.0.0.1.");
}

TEST_F(RelayValidator, WarnsAboutACertificateThatExpiresSoon) {
  auto report = validate(startTlsRelay(ca_.issue("soon", {.not_after_days = 5})));
  EXPECT_TRUE(report.ok) << describe(report);
  EXPECT_EQ(step(report, "certificate")->status, "warning");
  EXPECT_TRUE(contains(step(report, "certificate")->detail, "expires in 4 days") ||
              contains(step(report, "certificate")->detail, "expires in 5 days"))
      << describe(report);
  EXPECT_TRUE(contains(report.verdict, "Warning (certificate)")) << report.verdict;
}

TEST_F(RelayValidator, ExplainsAuthOfferedOnlyAfterStartTls) {
  ClientOptions options = startTlsRelay(ca_.issue("relay", {}));
  options.tls = TlsMode::kNone;
  auto report = validate(options);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(step(report, "starttls")->status, "warning") << describe(report);
  EXPECT_TRUE(contains(report.verdict, "The relay does not offer AUTH before STARTTLS"))
      << report.verdict;
}

TEST_F(RelayValidator, ReportsAnImplicitTlsRelay) {
  auto certificate = ca_.issue("relay", {});
  peer_ = startPythonPeer("relay_peer.py", {"--implicit-tls", "--cert", certificate.cert_file,
                                            "--key", certificate.key_file});
  ClientOptions options = plainOptions(peer_.port, 5);
  options.tls = TlsMode::kImplicit;
  options.ca_file = ca_.caFile();
  auto report = validate(options);
  EXPECT_TRUE(report.ok) << describe(report);
  EXPECT_EQ(report.verdict, "The relay accepted the connection and TLS.");
  EXPECT_EQ(step(report, "tls")->status, "ok");
  EXPECT_EQ(step(report, "certificate")->status, "ok");
  EXPECT_EQ(step(report, "auth")->status, "skipped");
}

TEST_F(RelayValidator, ReportsARefusedConnection) {
  ClientOptions options = plainOptions(outpost::test::freePort(), 5);
  auto report = validate(options);
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.steps.size(), 1u);
  EXPECT_EQ(report.steps[0].status, "error");
  EXPECT_TRUE(contains(report.verdict, "The relay refused the connection on 127.0.0.1:"))
      << report.verdict;
}

}  // namespace
}  // namespace outpost::smtp

// Relay validation for the console's SMTP page: runs the session's steps one by one and turns
// each outcome into a status and a sentence a person can act on (RFC 5321, 3207, 4954).
// The relay's replies and certificate are untrusted; they are only quoted, never interpreted
// beyond the session's own checks.
#include "smtp/relay_validator.h"

#include <cctype>

#include "smtp/client_session.h"

namespace outpost::smtp {
namespace {

constexpr int kCertificateWarningDays = 14;

std::string sentence(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  if (!text.empty() && text.back() != '.') text += '.';
  return text;
}

class Report {
 public:
  // `decides` false: an error whose reason a later step gives better (the certificate's).
  // `verdict`: the sentence for the verdict when it is shorter than the detail.
  void add(std::string name, std::string status, std::string detail, bool decides = true,
           std::string verdict = "") {
    if (status == "error" && problem_.empty() && decides) {
      problem_ = verdict.empty() ? detail : std::move(verdict);
    }
    report_.steps.push_back({std::move(name), std::move(status), std::move(detail)});
  }
  bool failed() const { return !problem_.empty(); }
  const std::string& problem() const { return problem_; }
  ValidationReport& get() { return report_; }

 private:
  ValidationReport report_;
  std::string problem_;
};

std::string certificateDetail(const SessionInfo& info) {
  std::string out = "subject " + info.certificate_subject + "; issuer " + info.certificate_issuer;
  if (!info.certificate_not_after.empty()) {
    out += "; valid from " + info.certificate_not_before + " until " + info.certificate_not_after;
  }
  return out;
}

void addCertificateStep(Report& report, const detail::SmtpClientSession& session,
                        const std::optional<SessionError>& tls_error) {
  const SessionInfo& info = session.info();
  if (info.certificate_subject.empty() && info.certificate_issuer.empty()) {
    report.add("certificate", tls_error ? "error" : "skipped",
               tls_error ? "no certificate was received" : "no certificate");
    return;
  }
  if (tls_error && tls_error->error.code == "tls.verify") {
    report.add("certificate", "error", tls_error->error.message + " — " + certificateDetail(info),
               true, tls_error->error.message);
    return;
  }
  if (!info.certificate_verify_error.empty()) {
    // Only reached with verification off: the session went on, but say what is wrong.
    report.add("certificate", "warning",
               "not verified (certificate checks are off in the settings): " +
                   info.certificate_verify_error + " — " + certificateDetail(info));
    return;
  }
  const auto days = session.certificateDaysLeft();
  if (days && *days < kCertificateWarningDays) {
    report.add("certificate", "warning",
               "the certificate expires in " + std::to_string(*days) + " day" +
                   (*days == 1 ? "" : "s") + " (" + info.certificate_not_after.substr(0, 10) +
                   "); renew it soon — " + certificateDetail(info));
    return;
  }
  report.add("certificate", "ok", certificateDetail(info));
}

}  // namespace

boost::asio::awaitable<ValidationReport> validateRelay(boost::asio::any_io_executor executor,
                                                       ClientOptions options) {
  const bool has_credentials = options.credentials.has_value();
  const TlsMode mode = options.tls;
  const std::string where = options.host + ":" + std::to_string(options.port);
  detail::SmtpClientSession session(std::move(executor), std::move(options));
  Report report;
  auto finish = [&]() -> ValidationReport {
    ValidationReport& out = report.get();
    out.ok = !report.failed();
    out.info = session.info();
    out.transcript = session.takeTranscript();
    if (report.failed()) {
      out.verdict = sentence(report.problem());
    } else {
      std::string verdict = "The relay accepted the connection";
      if (session.tlsActive()) verdict += has_credentials ? ", TLS" : " and TLS";
      if (has_credentials) verdict += " and the credentials";
      verdict += ".";
      for (const auto& step : out.steps) {
        if (step.status == "warning")
          verdict += " Warning (" + step.name + "): " + step.detail + ".";
      }
      out.verdict = verdict;
    }
    return std::move(out);
  };

  if (auto error = co_await session.connect()) {
    report.add("connect", "error", error->error.message);
    co_return finish();
  }
  report.add("connect", "ok", "connected to " + where + " (" + session.info().ip + ")");

  if (mode == TlsMode::kImplicit) {
    auto error = co_await session.handshake();
    if (error && error->error.code != "tls.verify") {
      report.add("tls", "error", error->error.message);
      co_return finish();
    }
    report.add("tls", error ? "error" : "ok",
               error ? "the TLS handshake stopped at the certificate"
                     : session.info().tls_version + " " + session.info().tls_cipher,
               false);
    addCertificateStep(report, session, error);
    if (error) co_return finish();
  }

  if (auto error = co_await session.readGreeting()) {
    report.add("banner", "error", error->error.message);
    co_return finish();
  }
  report.add("banner", "ok", session.info().banner);

  if (auto error = co_await session.hello()) {
    report.add("ehlo", "error", error->error.message);
    co_await session.quit();
    co_return finish();
  }
  auto offered = [&session]() {
    std::string out;
    for (const auto& line : session.ehloLines()) out += (out.empty() ? "" : " ") + line;
    return out.empty() ? std::string("nothing") : out;
  };
  if (session.info().extensions.empty()) {
    report.add("ehlo", "warning", "the relay does not support EHLO (HELO only): no extensions");
  } else {
    report.add("ehlo", "ok", "offered: " + offered());
  }

  if (mode == TlsMode::kNone) {
    report.add("starttls", session.offers("STARTTLS") ? "warning" : "skipped",
               session.offers("STARTTLS")
                   ? "TLS is off in the settings although the relay offers STARTTLS: mail and "
                     "passwords travel in plain text"
                   : "TLS is off in the settings");
  } else if (mode == TlsMode::kStartTlsRequired || mode == TlsMode::kStartTlsOpportunistic) {
    if (!session.offers("STARTTLS")) {
      if (mode == TlsMode::kStartTlsRequired) {
        report.add("starttls", "error",
                   "the relay does not offer STARTTLS, and TLS is required in the settings");
        co_await session.quit();
        co_return finish();
      }
      report.add("starttls", "warning",
                 "the relay does not offer STARTTLS: mail travels in plain text");
    } else {
      auto error = co_await session.startTls();
      if (error && error->error.code != "tls.verify") {
        report.add("starttls", "error", error->error.message);
        if (error->error.code == "tls.handshake") addCertificateStep(report, session, error);
        co_await session.quit();
        co_return finish();
      }
      // With a refused certificate the certificate step gives the verdict.
      report.add("starttls", error ? "error" : "ok",
                 error ? "the relay accepted STARTTLS; the handshake stopped at its certificate"
                       : session.info().tls_version + " " + session.info().tls_cipher,
                 false);
      addCertificateStep(report, session, error);
      if (error) co_return finish();
    }
  }

  if (!has_credentials) {
    report.add("auth", "skipped",
               session.offers("AUTH") ? "no credentials set (the relay offers AUTH)"
                                      : "no credentials set");
  } else if (auto error = co_await session.authenticate()) {
    report.add("auth", "error", error->error.message);
  } else {
    report.add("auth", "ok",
               std::string("the relay accepted the credentials (AUTH ") +
                   (session.authMechanisms().count("PLAIN") ? "PLAIN" : "LOGIN") + ")");
  }
  co_await session.quit();
  co_return finish();
}

}  // namespace outpost::smtp

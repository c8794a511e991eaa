#include "app/dmarc_commands.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "app/data_folder.h"
#include "app/dns_runner.h"
#include "core/text.h"
#include "delivery/dkim_keys.h"
#include "delivery/dmarc_checks.h"

namespace outpost::app {
namespace {

namespace dmarc = mailauth::dmarc;

int fail(const std::string& message) {
  std::cerr << "outpost: " << message << "\n";
  return 1;
}

// The coroutine writes into `out`: arguments are references (GCC 12, see io/blocking.h).
boost::asio::awaitable<void> checkInto(store::Store& store, const Config& config,
                                       dns::Resolver& resolver, const std::string& domain,
                                       const boost::asio::any_io_executor& blocking,
                                       std::optional<delivery::DmarcReport>& out) {
  auto report = co_await delivery::checkDmarc(store, config, resolver, domain, blocking);
  out.emplace(std::move(report));
}

std::string urisText(const std::vector<dmarc::ReportUri>& uris) {
  std::string out;
  for (const auto& uri : uris) {
    if (!out.empty()) out += ", ";
    out += uri.uri;
    if (uri.max_size_bytes != 0) out += " (at most " + std::to_string(uri.max_size_bytes) + " B)";
  }
  return out.empty() ? "(none)" : out;
}

void printPolicy(const delivery::DmarcReport& report) {
  const auto& policy = report.policy;
  std::cout << "domain: " << report.domain;
  if (!policy.organizational_domain.empty() && policy.organizational_domain != report.domain) {
    std::cout << " (organizational domain " << policy.organizational_domain << ")";
  }
  std::cout << "\n";
  if (policy.error) {
    std::cout << "policy: DNS lookup failed at " << policy.name << ": " << policy.error->message
              << (policy.error->temporary ? " (temporary)" : "") << "\n";
  } else if (policy.records.empty()) {
    std::cout << "policy: none (looked up ";
    for (std::size_t i = 0; i < policy.names_queried.size(); ++i) {
      std::cout << (i == 0 ? "" : ", ") << policy.names_queried[i];
    }
    std::cout << ")\n";
  } else {
    std::cout << "policy: found at " << policy.name << " ("
              << (policy.location == dmarc::PolicyLocation::kDomain ? "the domain itself"
                                                                    : "the organizational domain")
              << ")\n";
    for (const auto& record : policy.records) std::cout << "  record: " << record << "\n";
  }
  if (policy.parsed) {
    const auto& record = policy.parsed->record;
    std::cout << "  p=" << dmarc::dispositionName(record.p)
              << (record.p_assumed ? " (assumed: p= missing or invalid)" : "")
              << "  sp=" << dmarc::dispositionName(record.sp)
              << "  adkim=" << dmarc::alignmentModeTag(record.adkim)
              << "  aspf=" << dmarc::alignmentModeTag(record.aspf) << "  pct=" << record.pct << "\n"
              << "  rua=" << urisText(record.rua) << "\n"
              << "  ruf=" << urisText(record.ruf) << "\n"
              << "  fo=" << record.fo << "  rf=" << record.rf << "  ri=" << record.ri << "\n";
    for (const auto& error : policy.parsed->errors) {
      std::cout << "  error " << error.tag << ": " << error.message << "\n";
    }
    for (const auto& tag : record.unknown_tags) std::cout << "  ignored tag: " << tag << "\n";
  }
}

void printReport(const delivery::DmarcReport& report) {
  printPolicy(report);
  const auto& setup = report.setup;
  std::cout << "outpost's mail: DKIM d="
            << (setup.dkim_domain.empty() ? "(unsigned)" : setup.dkim_domain) << " ("
            << setup.dkim_source << "), MAIL FROM domain " << setup.mail_from_domain << " ("
            << setup.mail_from_source << ")\n";
  for (const auto* alignment : {&report.alignment.dkim, &report.alignment.spf}) {
    std::cout << "  " << dmarc::mechanismName(alignment->mechanism) << ": relaxed "
              << (alignment->relaxed ? "yes" : "no") << ", strict "
              << (alignment->strict ? "yes" : "no") << ", policy asks "
              << dmarc::alignmentModeName(alignment->required) << ": "
              << (alignment->aligned ? "aligned" : "not aligned") << "\n"
              << "    " << alignment->sentence << "\n";
  }
  if (!report.store_error.empty()) std::cout << "store: " << report.store_error << "\n";
  std::cout << "status: " << report.status << ": " << report.reason << "\n"
            << "next: " << report.next_step << "\n";
  for (const auto& finding : report.advice.findings) {
    std::cout << "  " << finding.severity << " " << finding.code << ": " << finding.message << "\n";
  }
  std::cout << "recommended record" << (report.advice.change ? "" : " (what is published)") << ": "
            << report.advice.name << " TXT\n"
            << "  " << report.advice.record << "\n";
  if (!report.advice.steps.empty()) std::cout << "steps:\n";
  int number = 1;
  for (const auto& step : report.advice.steps) {
    std::cout << "  " << number++ << ". " << step.step << "\n";
    if (!step.record.empty()) std::cout << "     " << step.record << "\n";
    std::cout << "     when: " << step.condition << "\n";
  }
}

}  // namespace

int dmarcCheck(const Config& config, const std::string& domain, bool json) {
  const std::string name = lowercase(domain);
  if (auto problem = delivery::dnsNameProblem(name, "the domain"); !problem.empty()) {
    std::cerr << "outpost: " << problem << "\n";
    return 2;
  }
  auto folder = openDataFolder(config);
  if (!folder) return fail(folder.error().message);
  boost::asio::io_context io;
  boost::asio::thread_pool blocking(1);
  auto resolver = makeResolver(config, io.get_executor());
  if (!resolver) return fail(resolver.error().message);
  std::optional<delivery::DmarcReport> report;
  const boost::asio::any_io_executor pool = blocking.get_executor();
  runToEnd(io, checkInto(*folder->store, config, **resolver, name, pool, report));
  blocking.join();
  const bool valid = report->policy.applies() && report->policy.parsed->errors.empty();
  if (json) {
    std::cout << boost::json::serialize(delivery::dmarcReportJson(*report)) << "\n";
  } else {
    printReport(*report);
  }
  return valid ? 0 : 1;
}

}  // namespace outpost::app

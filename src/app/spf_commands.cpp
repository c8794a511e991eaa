// `outpost spf check`: check_host() for one IP, or the validation of a domain's SPF for the
// paths outpost sends from, through --dns-server (RFC 7208).
// SECURITY: arguments are checked before use (the IP parses, the domain is a DNS name); DNS
// answers are untrusted (mailauth/spf handles them).
#include "app/spf_commands.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <iostream>
#include <optional>

#include "app/data_folder.h"
#include "app/dns_runner.h"
#include "core/text.h"
#include "delivery/dkim_keys.h"
#include "delivery/relay_settings.h"
#include "delivery/routing.h"
#include "delivery/spf_checks.h"

namespace outpost::app {
namespace {

namespace spf = mailauth::spf;

int fail(const std::string& message, int code = 1) {
  std::cerr << "outpost: " << message << "\n";
  return code;
}

// The coroutines below write into `out`: arguments are references (GCC 12, see io/blocking.h).
boost::asio::awaitable<void> checkInto(dns::Resolver& resolver, const spf::CheckHostInput& input,
                                       spf::CheckHostResult& out) {
  out = co_await delivery::testSpf(resolver, input);
}

boost::asio::awaitable<void> validateInto(dns::Resolver& resolver, const Config& config,
                                          const delivery::SpfSetup& setup,
                                          const std::string& domain, delivery::SpfValidation& out) {
  out = co_await delivery::validateSpf(resolver, config, setup, domain);
}

void printLookups(const std::vector<spf::Lookup>& lookups) {
  for (const auto& lookup : lookups) {
    std::cout << std::string(2 + 2 * static_cast<std::size_t>(lookup.depth), ' ') << lookup.type
              << " " << lookup.name << ": " << lookup.outcome << (lookup.is_void ? " (void)" : "")
              << "\n";
  }
}

int checkIp(const Config& config, const SpfCheckOptions& options, const std::string& domain) {
  boost::system::error_code bad_ip;
  boost::asio::ip::make_address(options.ip, bad_ip);
  if (bad_ip) return fail("--ip " + options.ip + " is not an IPv4 or IPv6 address", 2);
  const delivery::SpfTestInput test{options.ip, options.helo, options.sender};
  const spf::CheckHostInput input = delivery::spfTestInput(domain, test, config.hostname);
  boost::asio::io_context io;
  auto resolver = makeResolver(config, io.get_executor());
  if (!resolver) return fail(resolver.error().message);
  spf::CheckHostResult result;
  runToEnd(io, checkInto(**resolver, input, result));
  const int exit_code = result.result == spf::SpfResult::kPass ? 0 : 1;
  if (options.json) {
    std::cout << boost::json::serialize(delivery::spfTestJson(input, result)) << "\n";
    return exit_code;
  }
  std::cout << spf::resultName(result.result) << ": " << result.reason << "\n";
  std::cout << "checked: ip " << input.ip << ", domain " << input.domain << ", sender "
            << input.sender << ", helo " << input.helo << "\n";
  if (!result.mechanism.empty()) {
    std::cout << "mechanism: " << result.mechanism << " in " << result.mechanism_domain << "\n";
  }
  if (!result.explanation.empty()) std::cout << "explanation: " << result.explanation << "\n";
  if (!result.record.empty()) std::cout << "record: " << result.record << "\n";
  std::cout << "lookups: " << result.dns_terms << " DNS-querying terms, " << result.void_lookups
            << " void\n";
  printLookups(result.lookups);
  return exit_code;
}

// One line of --batch input, as a CheckHostInput; the error names what is wrong with it.
Result<spf::CheckHostInput> batchInput(const Config& config, const std::string& default_domain,
                                       const std::string& line) {
  boost::system::error_code parse_error;
  boost::json::value value = boost::json::parse(line, parse_error);
  if (parse_error || !value.is_object()) {
    return Error::permanentFailure("invalid", "not a JSON object");
  }
  const auto& object = value.get_object();
  auto text = [&object](std::string_view name) -> std::string {
    const auto* field = object.if_contains(name);
    return field != nullptr && field->is_string() ? std::string(field->get_string()) : "";
  };
  const delivery::SpfTestInput test{text("ip"), text("helo"), text("sender")};
  boost::system::error_code bad_ip;
  boost::asio::ip::make_address(test.ip, bad_ip);
  if (bad_ip) return Error::permanentFailure("invalid", "\"ip\" is not an IPv4 or IPv6 address");
  std::string domain = dns::normalizeName(text("domain"));
  if (domain.empty()) domain = default_domain;
  if (domain.empty()) {
    std::size_t at = test.sender.rfind('@');
    domain = dns::normalizeName(at == std::string::npos ? test.sender : test.sender.substr(at + 1));
  }
  if (auto problem = delivery::dnsNameProblem(domain, "the domain"); !problem.empty()) {
    return Error::permanentFailure("invalid", problem);
  }
  return delivery::spfTestInput(domain, test, config.hostname);
}

boost::asio::awaitable<void> checkLines(const Config& config, dns::Resolver& resolver,
                                        const std::string& default_domain, int& unusable) {
  // Declared outside the loop: GCC 12 mishandles locals of a loop body across a co_await.
  spf::CheckHostInput checked;
  spf::CheckHostResult result;
  for (std::string line; std::getline(std::cin, line);) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto input = batchInput(config, default_domain, line);
    if (!input) {
      ++unusable;
      std::cout << boost::json::serialize(
                       boost::json::object{{"error", input.error().message}, {"line", line}})
                << "\n";
      continue;
    }
    checked = std::move(*input);
    result = co_await delivery::testSpf(resolver, checked);
    std::cout << boost::json::serialize(delivery::spfTestJson(checked, result)) << "\n";
  }
}

int checkBatch(const Config& config, const std::string& default_domain) {
  boost::asio::io_context io;
  auto resolver = makeResolver(config, io.get_executor());
  if (!resolver) return fail(resolver.error().message);
  int unusable = 0;
  runToEnd(io, checkLines(config, **resolver, default_domain, unusable));
  return unusable == 0 ? 0 : 1;
}

// The relays and routes of the data folder; unknown (with the reason) when there is none.
delivery::SpfSetup readSetup(const Config& config) {
  delivery::SpfSetup setup;
  setup.known = false;
  if (!std::filesystem::exists(config.data_dir)) {
    setup.unknown_reason = "no data folder at " + config.data_dir;
    return setup;
  }
  auto folder = openDataFolder(config);
  if (!folder) {
    setup.unknown_reason = folder.error().message;
    return setup;
  }
  auto from_config = delivery::routingFromConfig(config.routing);
  if (!from_config) {
    setup.unknown_reason = from_config.error().message;
    return setup;
  }
  delivery::RelaySettingsRepository relays(*folder->store, *folder->secrets);
  delivery::RoutingRepository routing(*folder->store, std::move(*from_config));
  auto loaded = delivery::loadSpfSetup(relays, routing);
  if (!loaded) {
    setup.unknown_reason = loaded.error().message;
    return setup;
  }
  return std::move(*loaded);
}

void printReport(const delivery::SpfDomainReport& report) {
  const auto& analysis = report.analysis;
  std::cout << "\n" << report.domain;
  if (report.mail_from && report.sending) {
    std::cout << " (sending and MAIL FROM domain)\n";
  } else {
    std::cout << (report.mail_from ? " (MAIL FROM domain)\n" : " (sending domain)\n");
  }
  if (analysis.records.empty()) std::cout << "  record: none\n";
  for (const auto& record : analysis.records) std::cout << "  record: " << record << "\n";
  std::cout << "  lookups: up to " << analysis.dns_terms << " of 10 DNS-querying terms, "
            << analysis.void_lookups << " void\n";
  for (const auto& node : analysis.tree) {
    if (node.depth == 0) continue;
    std::cout << std::string(2 + 2 * static_cast<std::size_t>(node.depth), ' ') << node.via << ":"
              << node.domain << " (" << node.dns_terms << ")"
              << (node.problem.empty() ? "" : ": " + node.problem) << "\n";
  }
  for (const auto& finding : analysis.findings) {
    std::cout << "  " << spf::severityName(finding.severity) << " " << finding.code << ": "
              << finding.message << "\n";
  }
  for (const auto& result : report.results) {
    std::cout << "  " << result.path << " " << result.address << ": "
              << spf::resultName(result.check.result) << " (" << result.check.reason << ")\n";
  }
  const auto& recommendation = report.recommendation;
  std::cout << "  recommended" << (recommendation.changed ? "" : " (as published)") << ": "
            << report.domain << " TXT " << recommendation.record << "\n";
  for (const auto& note : recommendation.notes) std::cout << "    " << note << "\n";
}

int validate(const Config& config, const SpfCheckOptions& options, const std::string& domain) {
  const delivery::SpfSetup setup = readSetup(config);
  boost::asio::io_context io;
  auto resolver = makeResolver(config, io.get_executor());
  if (!resolver) return fail(resolver.error().message);
  delivery::SpfValidation validation;
  runToEnd(io, validateInto(**resolver, config, setup, domain, validation));
  const int exit_code = validation.status == "ok" ? 0 : 1;
  if (options.json) {
    std::cout << boost::json::serialize(delivery::spfValidationJson(validation)) << "\n";
    return exit_code;
  }
  std::cout << validation.domain << ": SPF " << validation.status << ": " << validation.reason
            << "\n";
  std::cout << "next step: " << validation.next_step << "\n";
  if (!validation.paths.empty()) std::cout << "\npaths:\n";
  for (const auto& path : validation.paths) {
    std::cout << "  " << path.label << ":";
    for (const auto& address : path.addresses) std::cout << " " << address;
    if (!path.error.empty()) std::cout << " (" << path.error << ")";
    std::cout << "\n";
    if (path.discovery && !path.discovery->include.empty()) {
      std::cout << "    include found in DNS: include:" << path.discovery->include << "\n";
    } else if (path.discovery && path.discovery->error.empty()) {
      std::cout << "    no SPF record of the relay's domain covers it: ip4:/ip6: terms\n";
    }
  }
  for (const auto& report : validation.domains) printReport(report);
  if (!validation.notes.empty()) std::cout << "\n";
  for (const auto& note : validation.notes) std::cout << "note: " << note << "\n";
  return exit_code;
}

}  // namespace

int spfCheck(const Config& config, const SpfCheckOptions& options) {
  const std::string domain = dns::normalizeName(options.domain);
  if (options.batch) {
    if (!domain.empty()) {
      if (auto problem = delivery::dnsNameProblem(domain, "the domain"); !problem.empty()) {
        return fail(problem, 2);
      }
    }
    return checkBatch(config, domain);
  }
  if (auto problem = delivery::dnsNameProblem(domain, "the domain"); !problem.empty()) {
    return fail(problem, 2);
  }
  if (!options.ip.empty()) return checkIp(config, options, domain);
  return validate(config, options, domain);
}

}  // namespace outpost::app

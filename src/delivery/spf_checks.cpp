// SPF checks for outpost's setup: the sending paths, check_host() per path address for the MAIL
// FROM domain and the sending domain, the status word the deliverability checklist shows, and
// the JSON forms the API and the CLI print (RFC 7208).
// SECURITY: the relay settings are trusted (a super admin saved them); DNS answers are not.
#include "delivery/spf_checks.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/json/array.hpp>
#include <utility>

#include "core/text.h"
#include "mailauth/dkim/key_record.h"

namespace outpost::delivery {

namespace asio = boost::asio;
namespace spf = mailauth::spf;

namespace {

bool routeIsMx(const Route& route) { return route.kind == Route::Kind::kMx; }

// Whether some route (or a relay's fallback) delivers straight to the recipients' MX hosts.
bool deliversDirect(const SpfSetup& setup) {
  const auto& table = setup.routing;
  if (table.default_route && routeIsMx(*table.default_route)) return true;
  for (const auto& [domain, route] : table.domains) {
    if (routeIsMx(route)) return true;
  }
  for (const auto& [domain, route] : table.sender_domains) {
    if (routeIsMx(route)) return true;
  }
  if (setup.default_relay && setup.default_relay->fallback == "mx") return true;
  return std::any_of(setup.named_relays.begin(), setup.named_relays.end(),
                     [](const RelaySettings& relay) { return relay.fallback == "mx"; });
}

// RFC 1918, shared (RFC 6598), loopback, link-local and unique-local addresses: what NAT hides.
bool isPrivate(const asio::ip::address& address) {
  if (address.is_v4()) {
    const auto value = address.to_v4().to_uint();
    return (value >> 24) == 10 || (value >> 20) == 0xac1 || (value >> 16) == 0xc0a8 ||
           (value >> 22) == 0x191 || (value >> 24) == 127 || (value >> 16) == 0xa9fe;
  }
  const auto v6 = address.to_v6();
  return v6.is_loopback() || v6.is_link_local() || (v6.to_bytes()[0] & 0xfe) == 0xfc;
}

// The source address the system picks towards a public destination: connecting a UDP socket
// chooses the route and source without sending anything.
std::optional<asio::ip::address> systemSource(const asio::ip::address& destination) {
  asio::io_context io;
  asio::ip::udp::socket socket(io);
  boost::system::error_code error;
  socket.open(destination.is_v4() ? asio::ip::udp::v4() : asio::ip::udp::v6(), error);
  if (error) return std::nullopt;
  socket.connect(asio::ip::udp::endpoint(destination, 53), error);
  if (error) return std::nullopt;
  auto local = socket.local_endpoint(error);
  if (error) return std::nullopt;
  return local.address();
}

// This node's outbound addresses for direct MX delivery.
SpfPath directPath(const Config& config) {
  SpfPath path;
  path.kind = "mx";
  path.label = "direct MX delivery";
  path.host = config.delivery.helo_name.empty() ? config.hostname : config.delivery.helo_name;
  if (!config.delivery.public_addresses.empty()) {
    path.addresses = config.delivery.public_addresses;
    path.address_source = "public_addresses";
    return path;
  }
  for (const auto* configured :
       {&config.delivery.source_address_v4, &config.delivery.source_address_v6}) {
    if (!configured->empty()) path.addresses.push_back(*configured);
  }
  if (!path.addresses.empty()) {
    path.address_source = "config";
    return path;
  }
  path.address_source = "system";
  std::vector<std::string> hidden;
  for (const char* destination : {"8.8.8.8", "2001:4860:4860::8888"}) {
    auto source = systemSource(asio::ip::make_address(destination));
    if (!source) continue;
    if (isPrivate(*source)) {
      hidden.push_back(source->to_string());
    } else {
      path.addresses.push_back(source->to_string());
    }
  }
  if (!hidden.empty()) {
    std::string list;
    for (const auto& address : hidden) list += (list.empty() ? "" : ", ") + address;
    path.note = "this node sends from private address " + list +
                ": NAT hides the public one, so set delivery.public_addresses to check it";
  }
  if (path.addresses.empty() && hidden.empty()) {
    path.error = "this node has no route to the Internet: no outbound address to check";
  } else if (path.addresses.empty()) {
    path.error = "no public outbound address known";
  }
  return path;
}

asio::awaitable<SpfPath> relayPath(dns::Resolver& resolver, const RelaySettings& relay) {
  SpfPath path;
  path.kind = "relay";
  path.relay = relay.name;
  path.host = dns::normalizeName(relay.host);
  path.label = relay.name.empty() ? "the default relay " + path.host
                                  : "relay " + relay.name + " (" + path.host + ")";
  path.address_source = "dns";
  auto discovery = co_await spf::discoverRelay(resolver, path.host);
  path.addresses = discovery.addresses;
  path.error = discovery.error;
  path.discovery = std::move(discovery);
  co_return path;
}

asio::awaitable<SpfDomainReport> checkDomain(dns::Resolver& resolver,
                                             const std::vector<SpfPath>& paths,
                                             const std::string& domain) {
  SpfDomainReport report;
  report.domain = domain;
  report.analysis = co_await spf::analyze(resolver, domain);
  std::vector<spf::SendingSource> sources;
  for (const auto& path : paths) {
    if (path.addresses.empty()) continue;
    for (const auto& address : path.addresses) {
      spf::CheckHostInput input;
      input.ip = address;
      input.domain = domain;
      input.sender = "postmaster@" + domain;
      input.helo = path.host;
      auto check = co_await spf::checkHost(resolver, input);
      report.results.push_back(SpfPathResult{path.label, address, std::move(check)});
    }
    spf::SendingSource source;
    source.label = path.label;
    source.addresses = path.addresses;
    if (path.discovery) {
      source.terms = path.discovery->terms;
      if (!path.discovery->include.empty()) source.fallback_terms = path.discovery->address_terms;
    } else {
      source.terms = spf::addressTerms(path.addresses);
    }
    sources.push_back(std::move(source));
  }
  report.recommendation = co_await spf::recommend(resolver, report.analysis, sources);
  co_return report;
}

const spf::Finding* firstFinding(const spf::Analysis& analysis, spf::Severity severity) {
  for (const auto& finding : analysis.findings) {
    if (finding.severity == severity) return &finding;
  }
  return nullptr;
}

std::string publishStep(const SpfDomainReport& report) {
  const bool replaces = !report.analysis.records.empty();
  return "Publish this TXT record at " + report.domain +
         (replaces ? " (replacing the current SPF record" +
                         std::string(report.analysis.records.size() > 1 ? "s" : "") + ")"
                   : "") +
         ": " + report.recommendation.record;
}

// The status of the MAIL FROM domain's report (the one receivers evaluate).
void rate(SpfValidation& validation, const SpfDomainReport& report) {
  const auto& analysis = report.analysis;
  const auto set = [&](std::string status, std::string reason, std::string next) {
    validation.status = std::move(status);
    validation.reason = std::move(reason);
    validation.next_step = std::move(next);
  };
  if (!analysis.dns_error.empty()) {
    set("error",
        "the SPF record of " + report.domain + " could not be looked up: " + analysis.dns_error,
        "Check that the domain's name servers answer, then validate again.");
    return;
  }
  if (analysis.records.empty()) {
    set("missing", report.domain + " publishes no SPF record", publishStep(report));
    return;
  }
  if (const auto* error = firstFinding(analysis, spf::Severity::kError)) {
    set("error", error->message, publishStep(report));
    return;
  }
  for (const auto& result : report.results) {
    const auto kind = result.check.result;
    if (kind == spf::SpfResult::kFail || kind == spf::SpfResult::kPermerror ||
        kind == spf::SpfResult::kTemperror) {
      set("error",
          result.path + " (" + result.address + ") gets " + std::string(spf::resultName(kind)) +
              " for " + report.domain + ": " + result.check.reason,
          report.recommendation.changed
              ? publishStep(report)
              : "Check the DNS of " + report.domain + " and validate again.");
      return;
    }
  }
  for (const auto& result : report.results) {
    const auto kind = result.check.result;
    if (kind != spf::SpfResult::kPass) {
      set("warning",
          result.path + " (" + result.address + ") gets " + std::string(spf::resultName(kind)) +
              " for " + report.domain + ": " + result.check.reason,
          publishStep(report));
      return;
    }
  }
  if (const auto* warning = firstFinding(analysis, spf::Severity::kWarning)) {
    set("warning", warning->message,
        report.recommendation.changed ? publishStep(report)
                                      : "Review the record: " + warning->message);
    return;
  }
  const bool checked_paths = !report.results.empty();
  if (!checked_paths) {
    std::string why = "the record of " + report.domain +
                      " is valid, but no sending address was "
                      "checked against it";
    for (const auto& path : validation.paths) {
      if (!path.error.empty()) {
        why += ": " + path.error;
        break;
      }
    }
    set("warning", why,
        "Configure a relay or an MX route (behind NAT, set delivery.public_addresses), then "
        "validate again.");
    return;
  }
  set("ok",
      "the SPF record of " + report.domain + " passes every address outpost sends from (" +
          std::to_string(report.results.size()) + "), with " + std::to_string(analysis.dns_terms) +
          " of 10 DNS-querying terms",
      "Nothing to do; validate again after changing relays or routes.");
}

boost::json::array stringsJson(const std::vector<std::string>& strings) {
  boost::json::array array;
  for (const auto& text : strings) array.emplace_back(text);
  return array;
}

}  // namespace

bool SpfDomainReport::allPass() const {
  return std::all_of(results.begin(), results.end(), [](const SpfPathResult& result) {
    return result.check.result == spf::SpfResult::kPass;
  });
}

Result<SpfSetup> loadSpfSetup(RelaySettingsRepository& relays, RoutingRepository& routing) {
  SpfSetup setup;
  auto default_relay = relays.load();
  if (!default_relay) return default_relay.error();
  setup.default_relay = std::move(*default_relay);
  auto named = relays.listNamed();
  if (!named) return named.error();
  setup.named_relays = std::move(*named);
  auto effective = routing.load();
  if (!effective) return effective.error();
  setup.routing = std::move(effective->table);
  return setup;
}

asio::awaitable<std::vector<SpfPath>> spfPaths(dns::Resolver& resolver, const Config& config,
                                               const SpfSetup& setup) {
  std::vector<SpfPath> paths;
  if (!setup.known) co_return paths;
  if (setup.default_relay && !setup.default_relay->host.empty()) {
    paths.push_back(co_await relayPath(resolver, *setup.default_relay));
  }
  for (const auto& relay : setup.named_relays) {
    if (relay.host.empty()) continue;
    paths.push_back(co_await relayPath(resolver, relay));
  }
  if (deliversDirect(setup)) paths.push_back(directPath(config));
  co_return paths;
}

asio::awaitable<SpfValidation> validateSpf(dns::Resolver& resolver, const Config& config,
                                           const SpfSetup& setup, const std::string& domain) {
  SpfValidation validation;
  validation.domain = dns::normalizeName(domain);
  validation.mail_from_domain = config.bounce.return_domain.empty()
                                    ? validation.domain
                                    : dns::normalizeName(config.bounce.return_domain);
  validation.paths = co_await spfPaths(resolver, config, setup);
  if (!setup.known) {
    validation.notes.push_back("the relays and routes could not be read (" + setup.unknown_reason +
                               "): only the published record is checked");
  } else if (validation.paths.empty()) {
    validation.notes.emplace_back(
        "no relay is saved and no route delivers to MX hosts: there is no sending address to "
        "check yet");
  }
  for (const auto& path : validation.paths) {
    if (!path.note.empty()) validation.notes.push_back(path.note);
  }
  auto mail_from = co_await checkDomain(resolver, validation.paths, validation.mail_from_domain);
  mail_from.mail_from = true;
  mail_from.sending = validation.mail_from_domain == validation.domain;
  validation.domains.push_back(std::move(mail_from));
  if (validation.mail_from_domain != validation.domain) {
    validation.notes.push_back(
        "MAIL FROM uses the return-path domain " + validation.mail_from_domain +
        " (bounce.return_domain): receivers check its SPF, not " + validation.domain + "'s");
    auto sending = co_await checkDomain(resolver, validation.paths, validation.domain);
    sending.sending = true;
    validation.domains.push_back(std::move(sending));
  }
  rate(validation, validation.domains.front());
  if (validation.domains.size() > 1 && validation.status == "ok") {
    const auto& sending = validation.domains[1];
    if (sending.analysis.hasErrors() || !sending.allPass()) {
      validation.status = "warning";
      validation.reason = "the MAIL FROM domain passes, but the SPF of " + sending.domain +
                          " itself does not pass every path (some receivers check it too)";
      validation.next_step = publishStep(sending);
    }
  }
  co_return validation;
}

spf::CheckHostInput spfTestInput(const std::string& domain, const SpfTestInput& test,
                                 const std::string& default_helo) {
  spf::CheckHostInput input;
  input.ip = test.ip;
  input.helo = test.helo.empty() ? default_helo : test.helo;
  if (test.sender.empty()) {
    input.sender = "postmaster@" + domain;
  } else if (test.sender.find('@') == std::string::npos) {
    input.sender = "postmaster@" + test.sender;
  } else {
    input.sender = test.sender;
  }
  input.domain = input.sender.substr(input.sender.rfind('@') + 1);
  if (input.domain.empty()) input.domain = input.helo;
  return input;
}

asio::awaitable<spf::CheckHostResult> testSpf(dns::Resolver& resolver,
                                              const spf::CheckHostInput& input) {
  co_return co_await spf::checkHost(resolver, input);
}

boost::json::object checkHostJson(const spf::CheckHostResult& result) {
  boost::json::array lookups;
  for (const auto& lookup : result.lookups) {
    lookups.push_back(boost::json::object{
        {"type", lookup.type},
        {"name", lookup.name},
        {"outcome", lookup.outcome},
        {"depth", lookup.depth},
        {"void", lookup.is_void},
    });
  }
  return boost::json::object{
      {"result", spf::resultName(result.result)},
      {"explanation", result.explanation},
      {"reason", result.reason},
      {"code", result.code},
      {"mechanism", result.mechanism},
      {"mechanism_domain", result.mechanism_domain},
      {"record", result.record},
      {"dns_terms", result.dns_terms},
      {"void_lookups", result.void_lookups},
      {"lookups", std::move(lookups)},
  };
}

boost::json::object analysisJson(const spf::Analysis& analysis) {
  boost::json::array tree;
  for (const auto& node : analysis.tree) {
    tree.push_back(boost::json::object{
        {"domain", node.domain},
        {"via", node.via},
        {"depth", node.depth},
        {"record", node.record},
        {"problem", node.problem},
        {"dns_terms", node.dns_terms},
    });
  }
  boost::json::array findings;
  for (const auto& finding : analysis.findings) {
    findings.push_back(boost::json::object{
        {"code", finding.code},
        {"severity", spf::severityName(finding.severity)},
        {"message", finding.message},
    });
  }
  return boost::json::object{
      {"domain", analysis.domain},
      {"records", stringsJson(analysis.records)},
      {"record", analysis.records.size() == 1 ? boost::json::value(analysis.records.front())
                                              : boost::json::value(nullptr)},
      {"syntax_error", analysis.syntax_error},
      {"dns_error", analysis.dns_error},
      {"spf_rr_type", analysis.spf_rr_type},
      {"dns_terms", analysis.dns_terms},
      {"void_lookups", analysis.void_lookups},
      {"tree", std::move(tree)},
      {"findings", std::move(findings)},
  };
}

boost::json::object recommendationJson(const spf::Recommendation& recommendation) {
  return boost::json::object{
      {"record", recommendation.record},
      {"strings", stringsJson(recommendation.strings)},
      {"zone_file", mailauth::dkim::zoneFileTxt(recommendation.record)},
      {"kept", stringsJson(recommendation.kept)},
      {"added", stringsJson(recommendation.added)},
      {"removed", stringsJson(recommendation.removed)},
      {"dns_terms", recommendation.dns_terms},
      {"changed", recommendation.changed},
      {"notes", stringsJson(recommendation.notes)},
  };
}

boost::json::object spfValidationJson(const SpfValidation& validation) {
  boost::json::array paths;
  for (const auto& path : validation.paths) {
    boost::json::object json{
        {"kind", path.kind},
        {"relay",
         path.kind == "relay" ? boost::json::value(path.relay) : boost::json::value(nullptr)},
        {"label", path.label},
        {"host", path.host},
        {"addresses", stringsJson(path.addresses)},
        {"address_source", path.address_source},
        {"error", path.error},
        {"note", path.note},
    };
    if (path.discovery) {
      boost::json::array candidates;
      for (const auto& candidate : path.discovery->candidates) {
        candidates.push_back(boost::json::object{
            {"name", candidate.name},
            {"result", candidate.result},
            {"dns_terms", candidate.dns_terms},
            {"passes", candidate.passes},
        });
      }
      json["discovery"] = boost::json::object{
          {"include", path.discovery->include},
          {"terms", stringsJson(path.discovery->terms)},
          {"address_terms", stringsJson(path.discovery->address_terms)},
          {"candidates", std::move(candidates)},
      };
    }
    paths.push_back(std::move(json));
  }
  boost::json::array domains;
  for (const auto& report : validation.domains) {
    boost::json::array results;
    for (const auto& result : report.results) {
      results.push_back(boost::json::object{
          {"path", result.path},
          {"address", result.address},
          {"check", checkHostJson(result.check)},
      });
    }
    domains.push_back(boost::json::object{
        {"domain", report.domain},
        {"sending", report.sending},
        {"mail_from", report.mail_from},
        {"pass", !report.results.empty() && report.allPass()},
        {"analysis", analysisJson(report.analysis)},
        {"results", std::move(results)},
        {"recommendation", recommendationJson(report.recommendation)},
    });
  }
  return boost::json::object{
      {"domain", validation.domain},       {"mail_from_domain", validation.mail_from_domain},
      {"status", validation.status},       {"reason", validation.reason},
      {"next_step", validation.next_step}, {"notes", stringsJson(validation.notes)},
      {"paths", std::move(paths)},         {"domains", std::move(domains)},
  };
}

boost::json::object spfTestJson(const spf::CheckHostInput& input,
                                const spf::CheckHostResult& result) {
  boost::json::object json{
      {"ip", input.ip},
      {"helo", input.helo},
      {"sender", input.sender},
      {"domain", input.domain},
  };
  for (auto& [key, value] : checkHostJson(result)) json[key] = value;
  return json;
}

}  // namespace outpost::delivery

// The deliverability checklist; see deliverability.h.
#include "delivery/deliverability.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "io/blocking.h"

namespace outpost::delivery {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

int statusRank(std::string_view status) {
  if (status == "error") return 3;
  if (status == "missing") return 2;
  if (status == "warning") return 1;
  return 0;
}

ChecklistItem item(std::string check, std::string status, std::string reason, std::string next_step,
                   bool temporary = false) {
  return ChecklistItem{std::move(check), std::move(status), std::move(reason), std::move(next_step),
                       temporary};
}

// The relay a route names, among the saved ones; null when it is not saved.
const RelaySettings* relayFor(const SpfSetup& setup, const std::string& name) {
  if (name.empty()) return setup.default_relay ? &*setup.default_relay : nullptr;
  for (const RelaySettings& relay : setup.named_relays) {
    if (relay.name == name) return &relay;
  }
  return nullptr;
}

// Direct MX delivery: receivers look up the connecting address's PTR name and check that it
// resolves back (Gmail and Microsoft refuse mail otherwise).
asio::awaitable<SmtpRoute::ReverseDns> reverseDnsOf(dns::Resolver& resolver,
                                                    const std::string& address) {
  SmtpRoute::ReverseDns reverse;
  reverse.address = address;
  auto names = co_await resolver.lookupPtr(address);
  if (!names) {
    reverse.error = names.error().message;
    co_return reverse;
  }
  reverse.names = names->records;
  bool v4 = address.find(':') == std::string::npos;
  for (const std::string& name : reverse.names) {
    auto lookup = v4 ? resolver.lookupA(name) : resolver.lookupAaaa(name);
    auto forward = co_await std::move(lookup);
    if (!forward) continue;
    const auto& records = forward->records;
    if (std::find(records.begin(), records.end(), address) != records.end()) {
      reverse.confirmed = true;
      break;
    }
  }
  co_return reverse;
}

std::string joined(const std::vector<std::string>& values, std::string_view separator = ", ") {
  std::string out;
  for (const std::string& value : values) {
    if (!out.empty()) out += separator;
    out += value;
  }
  return out;
}

ChecklistItem smtpItem(const SpfSetup& setup, const std::string& domain, SmtpRoute& smtp) {
  auto route = setup.routing.routeFor(domain, "");
  smtp.automatic = !route.has_value();
  if (!route) {
    route = setup.default_relay ? Route{Route::Kind::kRelay, ""} : Route{Route::Kind::kSandbox, ""};
  }
  smtp.route = toString(*route);
  std::string other_routes;
  if (!setup.routing.domains.empty()) {
    other_routes = " " + std::to_string(setup.routing.domains.size()) +
                   " recipient domain(s) have routes of their own.";
  }
  switch (route->kind) {
    case Route::Kind::kSandbox:
      return item("smtp", "missing",
                  "Mail from " + domain + " goes to the sandbox: it is kept, never delivered.",
                  "Save the SMTP relay (Settings → SMTP, PUT /api/v1/settings/smtp), or set the "
                  "default route to \"mx\" to deliver straight to recipients' mail servers.");
    case Route::Kind::kRelay: {
      const RelaySettings* relay = relayFor(setup, route->relay_name);
      std::string which = route->relay_name.empty() ? std::string("the default relay")
                                                    : "relay \"" + route->relay_name + "\"";
      if (relay == nullptr) {
        return item("smtp", "error",
                    "Mail from " + domain + " is routed through " + which +
                        ", which is not configured: it stays in the Outbox.",
                    "Save " + which + " under Settings → SMTP, or change the route.");
      }
      smtp.relay_host = relay->host + ":" + std::to_string(relay->port);
      smtp.tls = relay->tls;
      std::string where = "Mail from " + domain + " goes through " + which + " " + smtp.relay_host +
                          " (" + relay->tls + ").";
      if (relay->tls == "none") {
        return item("smtp", "warning", where + " The connection is not encrypted." + other_routes,
                    R"(Set TLS to "starttls" or "tls" on the SMTP page, then Validate.)");
      }
      if (relay->tls == "starttls-opportunistic" || !relay->verify_certificate) {
        return item("smtp", "warning",
                    where +
                        " The relay's certificate is not verified: a machine in between "
                        "could read the mail and the password." +
                        other_routes,
                    "Turn on certificate verification (or TLS \"starttls\") on the SMTP page, "
                    "then Validate.");
      }
      return item("smtp", "ok", where + other_routes,
                  "Validate on the SMTP page checks the connection, TLS and login live.");
    }
    case Route::Kind::kMx: {
      std::string where = "Mail from " + domain +
                          " is delivered straight to each recipient's "
                          "MX hosts.";
      std::vector<std::string> without, unconfirmed, unknown;
      for (const auto& reverse : smtp.reverse_dns) {
        if (!reverse.error.empty() && reverse.names.empty()) {
          without.push_back(reverse.address);
        } else if (!reverse.confirmed) {
          unconfirmed.push_back(reverse.address);
        }
      }
      if (smtp.reverse_dns.empty()) {
        return item("smtp", "warning",
                    where +
                        " This node's outbound address is unknown, so its reverse DNS was "
                        "not checked." +
                        other_routes,
                    "Set delivery.source_address_v4 (and _v6) to the address mail leaves from.");
      }
      if (!without.empty()) {
        return item("smtp", "warning",
                    where + " " + joined(without) +
                        " has no reverse DNS (PTR) name: Gmail, Microsoft and many others "
                        "refuse mail from such addresses." +
                        other_routes,
                    "Ask whoever runs the address (hosting provider, ISP) to set its PTR record "
                    "to this node's HELO name.");
      }
      if (!unconfirmed.empty()) {
        return item("smtp", "warning",
                    where + " The PTR name of " + joined(unconfirmed) +
                        " does not resolve back to it (forward-confirmed reverse DNS fails)." +
                        other_routes,
                    "Publish an A/AAAA record for the PTR name pointing at the address.");
      }
      return item("smtp", "ok",
                  where + " Reverse DNS of the outbound address is confirmed." + other_routes, "");
    }
  }
  return item("smtp", "error", "unknown route", "");
}

ChecklistItem spfItem(const SpfValidation& spf) {
  return item("spf", spf.status, spf.reason, spf.next_step);
}

ChecklistItem dkimItem(const std::string& domain, const std::vector<DkimKeyCheck>& keys,
                       const Config& config, const ChecklistItem& spf) {
  std::vector<const DkimKeyCheck*> active, pending;
  for (const DkimKeyCheck& key : keys) {
    (key.state_before == "active" ? active : pending).push_back(&key);
  }
  ChecklistItem out;
  if (!active.empty()) {
    std::vector<std::string> good, bad;
    const DkimKeyCheck* first_bad = nullptr;
    bool temporary = false;
    for (const DkimKeyCheck* key : active) {
      if (key->valid) {
        good.push_back(key->selector + " (" + key->algorithm + ")");
      } else {
        bad.push_back(key->selector + ": " + key->summary);
        if (first_bad == nullptr) first_bad = key;
        temporary = temporary || key->validation.temporary;
      }
    }
    if (first_bad != nullptr) {
      out = item(
          "dkim", "error",
          "Mail from " + domain +
              " is signed, but receivers cannot verify it: " + joined(bad, "; ") + ".",
          "Publish this TXT record at " + first_bad->validation.name + ": " + first_bad->record,
          temporary);
    } else {
      out = item("dkim", "ok",
                 "Mail from " + domain + " is signed with " + joined(good) +
                     ", and the published record matches.",
                 "");
    }
    // The seed order: SPF comes before DKIM. A signed domain whose SPF fails still has its
    // mail rejected or junked, and the person fixing it should look at SPF first.
    if (spf.status == "error" || spf.status == "missing") {
      if (out.status == "ok") out.status = "warning";
      out.reason = "DKIM is active while SPF does not validate yet: fix SPF first. " + out.reason;
      out.next_step = "Fix SPF first: " + spf.next_step;
      out.spf_first = true;
    }
    return out;
  }
  if (!pending.empty()) {
    const DkimKeyCheck& key = *pending.front();
    return item("dkim", "missing",
                "A key is generated for " + domain + " (selector " + key.selector +
                    "), but mail is not signed with it yet: its record is not published or "
                    "not right (" +
                    key.summary + ").",
                "Publish this TXT record at " + key.validation.name + ": " + key.record +
                    " — outpost activates the key once the record validates.",
                key.validation.temporary);
  }
  const std::string& fallback = config.dkim.fallback_domain;
  if (!fallback.empty() && fallback != domain) {
    return item("dkim", "warning",
                "Mail from " + domain + " is signed with the fallback domain " + fallback +
                    " (d=" + fallback +
                    "): DMARC counts it only when both share an "
                    "organizational domain.",
                "Generate a key for " + domain + " (DKIM page, or outpost dkim keygen " + domain +
                    ") and publish its record.");
  }
  return item("dkim", "missing", "Mail from " + domain + " goes out without a DKIM signature.",
              "Generate a key (DKIM page, POST /api/v1/domains/" + domain +
                  "/dkim/keys, or outpost dkim keygen " + domain + ") and publish its record.");
}

ChecklistItem dmarcItem(const DmarcReport& report) {
  return item("dmarc", report.status, report.reason, report.next_step, report.temporary);
}

}  // namespace

Result<std::vector<std::pair<std::string, std::vector<std::string>>>> knownSendingDomains(
    store::Store& store, const Config& config, const SpfSetup& setup) {
  auto keys = store.listDkimKeys("");
  if (!keys) return keys.takeError();
  std::map<std::string, std::vector<std::string>> domains;
  auto add = [&domains](const std::string& domain, const std::string& source) {
    auto& sources = domains[domain];
    if (std::find(sources.begin(), sources.end(), source) == sources.end()) {
      sources.push_back(source);
    }
  };
  for (const store::DkimKey& key : *keys) {
    if (key.state != "retired") add(key.domain, "dkim_key");
  }
  if (!config.dkim.fallback_domain.empty()) add(config.dkim.fallback_domain, "fallback_domain");
  for (const auto& [domain, route] : setup.routing.sender_domains) {
    if (!domain.starts_with('.')) add(domain, "sender_route");
  }
  return std::vector<std::pair<std::string, std::vector<std::string>>>(domains.begin(),
                                                                       domains.end());
}

DeliverabilityChecks::DeliverabilityChecks(store::Store& store, RelaySettingsRepository& relays,
                                           RoutingRepository& routing, const Config& config,
                                           const Clock& clock,
                                           boost::asio::any_io_executor blocking)
    : store_(store),
      relays_(relays),
      routing_(routing),
      config_(config),
      clock_(clock),
      blocking_(std::move(blocking)) {}

asio::awaitable<Result<Deliverability>> DeliverabilityChecks::check(
    dns::Resolver& resolver, const std::vector<std::string>& domains) {
  struct Loaded {
    SpfSetup setup;
    std::vector<store::DkimKey> keys;
    std::vector<std::pair<std::string, std::vector<std::string>>> domains;
  };
  const auto load = [this, &domains]() -> Result<Loaded> {
    auto setup = loadSpfSetup(relays_, routing_);
    if (!setup) return setup.takeError();
    auto keys = store_.listDkimKeys("");
    if (!keys) return keys.takeError();
    Loaded loaded{std::move(*setup), std::move(*keys), {}};
    if (domains.empty()) {
      auto known = knownSendingDomains(store_, config_, loaded.setup);
      if (!known) return known.takeError();
      loaded.domains = std::move(*known);
    } else {
      for (const std::string& domain : domains) loaded.domains.push_back({domain, {"requested"}});
    }
    return loaded;
  };
  auto loaded = co_await io::runBlocking(blocking_, load);
  if (!loaded) co_return loaded.takeError();
  Deliverability result;
  result.checked_at = clock_.now();
  for (const auto& [domain, sources] : loaded->domains) {
    const std::string& name = domain;
    DomainChecklist checklist = co_await checkDomain(resolver, loaded->setup, name, loaded->keys);
    checklist.sources = sources;
    result.domains.push_back(std::move(checklist));
  }
  co_return result;
}

asio::awaitable<DomainChecklist> DeliverabilityChecks::checkDomain(
    dns::Resolver& resolver, const SpfSetup& setup, const std::string& domain,
    const std::vector<store::DkimKey>& keys) {
  DomainChecklist checklist;
  checklist.domain = domain;
  checklist.spf = co_await validateSpf(resolver, config_, setup, domain);

  for (const SpfPath& path : checklist.spf.paths) {
    if (path.kind != "mx") continue;
    for (const std::string& address : path.addresses) {
      checklist.smtp.reverse_dns.push_back(co_await reverseDnsOf(resolver, address));
    }
  }

  std::vector<store::DkimKey> own_keys;
  for (const store::DkimKey& key : keys) {
    if (key.domain == domain && key.state != "retired") own_keys.push_back(key);
  }
  checklist.dkim_keys = co_await checkKeyRecords(resolver, own_keys);

  const auto load_dmarc = [this, &domain] { return dmarcSetupFor(store_, config_, domain); };
  auto dmarc_setup = co_await io::runBlocking(blocking_, load_dmarc);
  if (dmarc_setup) {
    checklist.dmarc = co_await checkDmarc(resolver, *dmarc_setup);
  } else {
    checklist.dmarc.domain = domain;
    checklist.dmarc.status = "error";
    checklist.dmarc.temporary = dmarc_setup.error().temporary;
    checklist.dmarc.reason = "The DKIM keys could not be read: " + dmarc_setup.error().message;
    checklist.dmarc.next_step = "Check the data folder or database, then ask again.";
  }

  checklist.items.push_back(smtpItem(setup, domain, checklist.smtp));
  checklist.items.push_back(spfItem(checklist.spf));
  checklist.items.push_back(dkimItem(domain, checklist.dkim_keys, config_, checklist.items[1]));
  checklist.items.push_back(dmarcItem(checklist.dmarc));
  checklist.status = "ok";
  for (const ChecklistItem& line : checklist.items) {
    if (statusRank(line.status) > statusRank(checklist.status)) checklist.status = line.status;
  }
  co_return checklist;
}

json::object deliverabilityJson(const Deliverability& deliverability) {
  json::array domains;
  for (const DomainChecklist& checklist : deliverability.domains) {
    json::array sources(checklist.sources.begin(), checklist.sources.end());
    json::array checks;
    for (const ChecklistItem& line : checklist.items) {
      checks.push_back(json::object{{"check", line.check},
                                    {"status", line.status},
                                    {"reason", line.reason},
                                    {"next_step", line.next_step},
                                    {"temporary", line.temporary},
                                    {"spf_first", line.spf_first}});
    }
    json::array reverse_dns;
    for (const auto& reverse : checklist.smtp.reverse_dns) {
      reverse_dns.push_back(json::object{
          {"address", reverse.address},
          {"names", json::array(reverse.names.begin(), reverse.names.end())},
          {"confirmed", reverse.confirmed},
          {"error", reverse.error.empty() ? json::value(nullptr) : json::value(reverse.error)}});
    }
    json::object smtp{
        {"route", checklist.smtp.route},
        {"automatic", checklist.smtp.automatic},
        {"relay", checklist.smtp.relay_host.empty() ? json::value(nullptr)
                                                    : json::value(checklist.smtp.relay_host)},
        {"tls",
         checklist.smtp.tls.empty() ? json::value(nullptr) : json::value(checklist.smtp.tls)},
        {"reverse_dns", std::move(reverse_dns)}};
    json::array keys;
    for (const DkimKeyCheck& key : checklist.dkim_keys) keys.push_back(keyCheckJson(key));
    domains.push_back(json::object{{"domain", checklist.domain},
                                   {"status", checklist.status},
                                   {"sources", std::move(sources)},
                                   {"checks", std::move(checks)},
                                   {"smtp", std::move(smtp)},
                                   {"spf", spfValidationJson(checklist.spf)},
                                   {"dkim", json::object{{"keys", std::move(keys)}}},
                                   {"dmarc", dmarcReportJson(checklist.dmarc)}});
  }
  return json::object{{"checked_at", deliverability.checked_at}, {"domains", std::move(domains)}};
}

}  // namespace outpost::delivery

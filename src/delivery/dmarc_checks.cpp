// The DMARC check of one sending domain for outpost's own setup (RFC 7489): which DKIM d= and
// MAIL FROM domain outpost's mail carries (as intake/dkim_signing.cpp and return_path.h choose
// them), the policy published, alignment, and the advice, in one report and its JSON form.
#include "delivery/dmarc_checks.h"

#include <algorithm>
#include <boost/json/array.hpp>

#include "core/text.h"
#include "io/blocking.h"

namespace outpost::delivery {

namespace dmarc = mailauth::dmarc;

namespace {

Result<bool> hasActiveKey(store::Store& store, const std::string& domain) {
  auto keys = store.listDkimKeys(domain);
  if (!keys) return keys.takeError();
  return std::any_of(keys->begin(), keys->end(),
                     [](const store::DkimKey& key) { return key.state == "active"; });
}

// Status, reason and next step from what the check found; the first rule that applies wins.
void conclude(DmarcReport& report) {
  const auto& policy = report.policy;
  const auto& advice = report.advice;
  const std::string& domain = report.domain;
  auto first = [&](std::string_view severity) -> const dmarc::AdviceFinding* {
    for (const auto& finding : advice.findings) {
      if (finding.severity == severity) return &finding;
    }
    return nullptr;
  };
  if (policy.error) {
    report.status = "error";
    report.temporary = policy.error->temporary;
    report.reason =
        "The DMARC policy of " + domain + " could not be looked up: " + policy.error->message + ".";
    report.next_step = report.temporary ? "Check again in a few minutes."
                                        : "Check the DNS servers of " + domain + ".";
    return;
  }
  if (policy.none()) {
    report.status = "missing";
    report.reason = "No DMARC policy is published for " + domain + ".";
    report.next_step = "Publish " + advice.record + " at " + advice.name +
                       " (TXT) to start with monitoring and reports.";
    return;
  }
  if (!report.store_error.empty()) {
    report.status = "error";
    report.temporary = true;
    report.reason = "The DKIM keys of " + domain + " could not be read: " + report.store_error;
    report.next_step = "Check again once the store is available.";
    return;
  }
  if (const auto* error = first("error")) {
    report.status = "error";
    report.reason = error->message;
    if (error->code == "not_aligned") {
      report.next_step =
          advice.steps.empty() ? "Fix the alignment of outpost's mail." : advice.steps.front().step;
    } else {
      report.next_step = "Publish " + advice.record + " at " + advice.name +
                         " (TXT), as the only DMARC record there.";
    }
    return;
  }
  if (const auto* warning = first("warning")) {
    report.status = "warning";
    report.reason = warning->message;
  } else {
    report.status = "ok";
    report.reason = "The DMARC policy of " + domain +
                    " applies (p=" + std::string(dmarc::dispositionName(policy.parsed->record.p)) +
                    ") and outpost's mail aligns through DKIM.";
  }
  if (!advice.steps.empty()) {
    const auto& step = advice.steps.front();
    report.next_step =
        step.step + (step.record.empty() ? "" : " " + step.record) + " (" + step.condition + ").";
  } else {
    report.next_step = "Nothing: keep the reports coming and watch them.";
  }
}

boost::json::value textOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  return boost::json::string(text);
}

boost::json::array urisJson(const std::vector<dmarc::ReportUri>& uris) {
  boost::json::array out;
  for (const auto& uri : uris) {
    out.push_back(boost::json::object{{"uri", uri.uri},
                                      {"address", textOrNull(uri.address)},
                                      {"max_size_bytes", uri.max_size_bytes}});
  }
  return out;
}

boost::json::object alignmentJson(const dmarc::IdentifierAlignment& alignment) {
  return boost::json::object{
      {"domain", textOrNull(alignment.domain)},
      {"relaxed", alignment.relaxed},
      {"strict", alignment.strict},
      {"required_mode", dmarc::alignmentModeName(alignment.required)},
      {"aligned", alignment.aligned},
      {"sentence", alignment.sentence},
  };
}

boost::json::object policyJson(const dmarc::PolicyDiscovery& policy) {
  boost::json::array records;
  for (const auto& record : policy.records) records.push_back(boost::json::string(record));
  boost::json::array queried;
  for (const auto& name : policy.names_queried) queried.push_back(boost::json::string(name));
  boost::json::object json{
      {"found", !policy.records.empty()},
      {"applies", policy.applies()},
      {"name", textOrNull(policy.name)},
      {"location", policy.location ? boost::json::value(dmarc::policyLocationName(*policy.location))
                                   : boost::json::value(nullptr)},
      {"organizational_domain", textOrNull(policy.organizational_domain)},
      {"names_queried", std::move(queried)},
      {"records_found", std::move(records)},
      {"record", policy.records.size() == 1 ? boost::json::value(policy.records.front())
                                            : boost::json::value(nullptr)},
      {"tags", nullptr},
      {"errors", boost::json::array()},
      {"unknown_tags", boost::json::array()},
      {"error", nullptr},
  };
  if (policy.parsed) {
    const auto& record = policy.parsed->record;
    json["tags"] = boost::json::object{
        {"p", dmarc::dispositionName(record.p)},
        {"p_assumed", record.p_assumed},
        {"sp", dmarc::dispositionName(record.sp)},
        {"adkim", dmarc::alignmentModeTag(record.adkim)},
        {"aspf", dmarc::alignmentModeTag(record.aspf)},
        {"pct", record.pct},
        {"rua", urisJson(record.rua)},
        {"ruf", urisJson(record.ruf)},
        {"fo", record.fo},
        {"rf", record.rf},
        {"ri", record.ri},
    };
    boost::json::array errors;
    for (const auto& error : policy.parsed->errors) {
      errors.push_back(boost::json::object{{"tag", error.tag}, {"message", error.message}});
    }
    json["errors"] = std::move(errors);
    boost::json::array unknown;
    for (const auto& tag : record.unknown_tags) unknown.push_back(boost::json::string(tag));
    json["unknown_tags"] = std::move(unknown);
  }
  if (policy.error) {
    json["error"] = boost::json::object{{"code", policy.error->code},
                                        {"message", policy.error->message},
                                        {"temporary", policy.error->temporary}};
  }
  return json;
}

}  // namespace

Result<DmarcSetup> dmarcSetupFor(store::Store& store, const Config& config,
                                 const std::string& domain) {
  DmarcSetup setup;
  setup.from_domain = lowercase(domain);
  auto own = hasActiveKey(store, setup.from_domain);
  if (!own) return own.takeError();
  const std::string& fallback = config.dkim.fallback_domain;
  if (*own) {
    setup.dkim_domain = setup.from_domain;
    setup.dkim_source = "own_key";
  } else if (!fallback.empty()) {
    // intake/dkim_signing.cpp signs with the fallback domain's active keys, if it has any.
    auto fallback_keys = hasActiveKey(store, fallback);
    if (!fallback_keys) return fallback_keys.takeError();
    if (*fallback_keys) {
      setup.dkim_domain = lowercase(fallback);
      setup.dkim_source = "fallback_domain";
    }
  }
  if (!config.bounce.return_domain.empty()) {
    setup.mail_from_domain = lowercase(config.bounce.return_domain);
    setup.mail_from_source = "return_domain";
  } else {
    setup.mail_from_domain = setup.from_domain;
    setup.mail_from_source = "from_domain";
  }
  return setup;
}

boost::asio::awaitable<DmarcReport> checkDmarc(dns::Resolver& resolver, const DmarcSetup& setup) {
  const auto& suffixes = dmarc::PublicSuffixList::system();
  DmarcReport report;
  report.domain = setup.from_domain;
  report.setup = setup;
  report.policy = co_await dmarc::discoverPolicy(resolver, setup.from_domain, suffixes);
  auto adkim = dmarc::AlignmentMode::kRelaxed;
  auto aspf = dmarc::AlignmentMode::kRelaxed;
  if (report.policy.parsed) {
    adkim = report.policy.parsed->record.adkim;
    aspf = report.policy.parsed->record.aspf;
  }
  report.alignment = dmarc::alignSetup(setup.from_domain, setup.dkim_domain, setup.mail_from_domain,
                                       adkim, aspf, suffixes);
  const auto destinations =
      co_await dmarc::checkReportDestinations(resolver, report.policy, suffixes);
  dmarc::SenderFacts sender;
  sender.dkim_signs = !setup.dkim_domain.empty();
  report.advice = dmarc::recommend(report.policy, report.alignment, sender, destinations);
  conclude(report);
  co_return report;
}

boost::asio::awaitable<DmarcReport> checkDmarc(store::Store& store, const Config& config,
                                               dns::Resolver& resolver, const std::string& domain,
                                               const boost::asio::any_io_executor& blocking) {
  const auto read = [&] { return dmarcSetupFor(store, config, domain); };
  auto setup = co_await io::runBlocking(blocking, read);
  DmarcSetup fallback;
  std::string store_error;
  if (!setup) {
    store_error = setup.error().message;
    fallback.from_domain = lowercase(domain);
    fallback.mail_from_domain = config.bounce.return_domain.empty()
                                    ? fallback.from_domain
                                    : lowercase(config.bounce.return_domain);
    fallback.mail_from_source =
        config.bounce.return_domain.empty() ? "from_domain" : "return_domain";
  }
  const DmarcSetup& used = setup ? *setup : fallback;
  DmarcReport report = co_await checkDmarc(resolver, used);
  if (!store_error.empty()) {
    report.store_error = store_error;
    conclude(report);
  }
  co_return report;
}

boost::json::object dmarcReportJson(const DmarcReport& report) {
  boost::json::array steps;
  for (const auto& step : report.advice.steps) {
    steps.push_back(boost::json::object{
        {"step", step.step}, {"record", textOrNull(step.record)}, {"condition", step.condition}});
  }
  boost::json::array findings;
  for (const auto& finding : report.advice.findings) {
    findings.push_back(boost::json::object{
        {"code", finding.code}, {"severity", finding.severity}, {"message", finding.message}});
  }
  return boost::json::object{
      {"domain", report.domain},
      {"status", report.status},
      {"reason", report.reason},
      {"next_step", report.next_step},
      {"temporary", report.temporary},
      {"valid",
       report.policy.applies() && !report.policy.several() && report.policy.parsed->errors.empty()},
      {"policy", policyJson(report.policy)},
      {"setup", boost::json::object{{"from_domain", report.setup.from_domain},
                                    {"dkim_domain", textOrNull(report.setup.dkim_domain)},
                                    {"dkim_source", report.setup.dkim_source},
                                    {"mail_from_domain", report.setup.mail_from_domain},
                                    {"mail_from_source", report.setup.mail_from_source}}},
      {"alignment", boost::json::object{{"dkim", alignmentJson(report.alignment.dkim)},
                                        {"spf", alignmentJson(report.alignment.spf)},
                                        {"aligned", report.alignment.aligned()}}},
      {"recommendation", boost::json::object{{"name", report.advice.name},
                                             {"record", report.advice.record},
                                             {"change", report.advice.change},
                                             {"steps", std::move(steps)},
                                             {"findings", std::move(findings)}}},
      {"store_error", textOrNull(report.store_error)},
  };
}

}  // namespace outpost::delivery

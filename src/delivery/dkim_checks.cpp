#include "delivery/dkim_checks.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <map>
#include <utility>

#include "core/ids.h"
#include "core/text.h"
#include "io/blocking.h"
#include "mailauth/dkim/key_material.h"
#include "mailauth/dkim/key_record.h"
#include "mailauth/dkim/signature.h"
#include "mailauth/dkim/signer.h"

namespace outpost::delivery {

namespace dkim = mailauth::dkim;

namespace {

// The public key a record should publish, from the record outpost made for the key; null when
// that record does not parse (then validation checks the published record alone).
dkim::KeyHandle expectedKey(const store::DkimKey& key) {
  auto parsed = dkim::parseKeyRecord(key.public_record);
  if (!parsed) return nullptr;
  return parsed->public_key;
}

Error noSuchKey(const std::string& domain, const std::optional<std::string>& selector) {
  if (selector) {
    return Error::permanentFailure("not_found",
                                   "no DKIM key with selector \"" + *selector + "\" for " + domain);
  }
  return Error::permanentFailure("not_found", domain + " has no pending or active DKIM key");
}

// A signer for one stored key, opened from its sealed PEM.
Result<dkim::Signer> signerFor(const store::DkimKey& key, const SecretBox& secrets,
                               dkim::SignOptions options) {
  auto pem = secrets.open(key.sealed_private_key);
  if (!pem) return pem.takeError();
  auto material = dkim::importPrivateKeyPem(*pem);
  if (!material) return material.takeError();
  options.domain = key.domain;
  options.selector = key.selector;
  return dkim::Signer::create(material->private_key, options);
}

struct SignedSample {
  std::vector<DkimTestKey> keys;
  std::string note;
  std::string message;
  std::vector<std::string> fields;
};

// Picks the keys, signs the sample with each and puts the fields on top (blocking: store,
// secrets and RSA).
Result<SignedSample> signSample(store::Store& store, const SecretBox& secrets,
                                const dkim::SignOptions& options, const std::string& domain,
                                UnixMillis now) {
  auto keys = store.listDkimKeys(domain);
  if (!keys) return keys.takeError();
  std::vector<const store::DkimKey*> chosen;
  std::map<std::string, bool> algorithm_active;
  for (const auto& key : *keys) {
    if (key.state == "active") {
      chosen.push_back(&key);
      algorithm_active[key.algorithm] = true;
    }
  }
  // Newest first, so the first pending key of an algorithm is the one that will replace.
  std::vector<std::string> pending_used;
  for (const auto& key : *keys) {
    if (key.state != "pending" || algorithm_active.contains(key.algorithm)) continue;
    algorithm_active[key.algorithm] = false;
    chosen.push_back(&key);
    pending_used.push_back(key.selector);
  }
  if (chosen.empty()) return noSuchKey(domain, std::nullopt);

  SignedSample sample;
  if (!pending_used.empty()) {
    std::string names;
    for (const auto& selector : pending_used) names += (names.empty() ? "" : ", ") + selector;
    sample.note = (pending_used.size() == chosen.size() ? domain + " has no active DKIM key"
                                                        : std::string("Some algorithms have no "
                                                                      "active key")) +
                  ": signed with the pending key(s) " + names +
                  ", which sign nothing else until their record validates or they are activated.";
  } else {
    sample.note = "Signed with the active key(s), as outgoing mail of " + domain + " is.";
  }
  const std::string message = dkimTestMessage(domain, now);
  const auto now_seconds = static_cast<std::uint64_t>(now / 1000);
  std::string fields;
  for (const store::DkimKey* key : chosen) {
    auto signer = signerFor(*key, secrets, options);
    if (!signer) return signer.takeError();
    auto field = signer->sign(message, now_seconds);
    if (!field) return field.takeError();
    fields += *field;
    std::string shown = *field;
    if (shown.ends_with("\r\n")) shown.resize(shown.size() - 2);
    sample.fields.push_back(std::move(shown));
    sample.keys.push_back({key->selector, key->algorithm, key->state});
  }
  sample.message = fields + message;
  return sample;
}

}  // namespace

std::string validationSummary(const dkim::KeyValidation& validation) {
  std::string summary(dkim::keyValidationStatusName(validation.status));
  std::string codes;
  for (const auto& finding : validation.findings) {
    codes += (codes.empty() ? "" : ", ") + finding.code;
  }
  if (!codes.empty()) summary += ": " + codes;
  return summary;
}

bool validationPasses(const dkim::KeyValidation& validation) {
  if (validation.status != dkim::KeyValidationStatus::kOk) return false;
  return std::none_of(validation.findings.begin(), validation.findings.end(),
                      [](const dkim::KeyFinding& finding) {
                        return finding.severity == dkim::FindingSeverity::kError;
                      });
}

std::string dkimTestMessage(const std::string& domain, UnixMillis now) {
  const std::string address = "dkim-test@" + domain;
  return "From: " + address + "\r\nTo: " + address + "\r\nSubject: outpost DKIM test for " +
         domain + "\r\nDate: " + formatRfc5322Date(now) + "\r\nMessage-ID: <dkim-test." +
         randomToken(10) + "@" + domain +
         ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
         "This message was signed by outpost to test the DKIM keys of " +
         domain + ".\r\nIt is verified against the keys published in DNS and never sent.\r\n";
}

boost::json::object publishRecordJson(const std::string& domain, const std::string& selector,
                                      const std::string& value) {
  boost::json::array strings;
  for (const auto& part : dkim::splitTxtStrings(value)) strings.emplace_back(part);
  return boost::json::object{
      {"name", selector + "._domainkey." + domain},
      {"type", "TXT"},
      {"value", value},
      {"strings", std::move(strings)},
      {"zone_file", dkim::zoneFileTxt(value)},
  };
}

boost::json::object keyCheckJson(const DkimKeyCheck& check) {
  boost::json::array findings;
  for (const auto& finding : check.validation.findings) {
    findings.push_back(boost::json::object{
        {"code", finding.code},
        {"severity", dkim::findingSeverityName(finding.severity)},
        {"message", finding.message},
    });
  }
  boost::json::array found;
  for (const auto& record : check.validation.records) found.emplace_back(record);
  boost::json::object json{
      {"selector", check.selector},
      {"algorithm", check.algorithm},
      {"state_before", check.state_before},
      {"state", check.state_after},
      {"activated", check.activated},
      {"status", dkim::keyValidationStatusName(check.validation.status)},
      {"valid", check.valid},
      {"temporary", check.validation.temporary},
      {"summary", check.summary},
      {"findings", std::move(findings)},
      {"records_found", std::move(found)},
      {"ttl", nullptr},
      {"record", publishRecordJson(check.domain, check.selector, check.record)},
  };
  if (check.validation.ttl) json["ttl"] = check.validation.ttl->count();
  if (!check.store_error.empty()) json["store_error"] = check.store_error;
  return json;
}

boost::json::object verdictJson(const dkim::SignatureVerdict& verdict) {
  boost::json::object json{
      {"domain", nullptr},
      {"selector", nullptr},
      {"algorithm", nullptr},
      {"result", dkim::verifyResultName(verdict.result)},
      {"code", verdict.code},
      {"reason", verdict.reason},
      {"key_name", verdict.key_name},
      {"key_record", verdict.key_record},
      {"key_testing", verdict.key_testing},
  };
  if (verdict.signature) {
    json["domain"] = verdict.signature->domain;
    json["selector"] = verdict.signature->selector;
    json["algorithm"] = dkim::algorithmName(verdict.signature->algorithm);
  }
  return json;
}

boost::json::object testReportJson(const DkimTestReport& report) {
  boost::json::array keys;
  for (const auto& key : report.keys) {
    keys.push_back(boost::json::object{
        {"selector", key.selector}, {"algorithm", key.algorithm}, {"state", key.state}});
  }
  boost::json::array headers;
  for (const auto& field : report.signature_fields) headers.emplace_back(field);
  boost::json::array verdicts;
  for (const auto& verdict : report.verification.signatures)
    verdicts.push_back(verdictJson(verdict));
  return boost::json::object{
      {"domain", report.domain},
      {"result", dkim::verifyResultName(report.verification.result)},
      {"note", report.note},
      {"keys", std::move(keys)},
      {"signature_headers", std::move(headers)},
      {"verdicts", std::move(verdicts)},
      {"message", report.message},
  };
}

DkimChecks::DkimChecks(store::Store& store, const SecretBox& secrets, const Clock& clock,
                       DkimKeyRepository& keys, boost::asio::any_io_executor blocking,
                       dkim::SignOptions sign_options)
    : store_(store),
      secrets_(secrets),
      clock_(clock),
      keys_(keys),
      blocking_(std::move(blocking)),
      sign_options_(std::move(sign_options)) {}

boost::asio::awaitable<std::vector<DkimKeyCheck>> checkKeyRecords(
    dns::Resolver& resolver, const std::vector<store::DkimKey>& keys) {
  std::vector<DkimKeyCheck> checks;
  for (const auto& key : keys) {
    const dkim::KeyHandle expected = expectedKey(key);
    DkimKeyCheck check;
    check.domain = key.domain;
    check.selector = key.selector;
    check.algorithm = key.algorithm;
    check.state_before = key.state;
    check.state_after = key.state;
    check.record = key.public_record;
    check.validation =
        co_await dkim::validateKeyRecord(resolver, key.domain, key.selector, expected);
    check.valid = validationPasses(check.validation);
    check.summary = validationSummary(check.validation);
    checks.push_back(std::move(check));
  }
  co_return checks;
}

boost::asio::awaitable<std::vector<DkimKeyCheck>> DkimChecks::validateKeys(
    dns::Resolver& resolver, const std::vector<store::DkimKey>& keys) {
  std::vector<DkimKeyCheck> checks = co_await checkKeyRecords(resolver, keys);

  // Oldest first: when two pending keys of one algorithm validate, the newest ends up active.
  std::vector<std::size_t> order(checks.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return keys[a].created_at < keys[b].created_at;
  });
  const auto record_all = [&] {
    const UnixMillis now = clock_.now();
    for (std::size_t i : order) {
      DkimKeyCheck& check = checks[i];
      auto recorded = store_.recordDkimValidation(check.domain, check.selector, now, check.valid,
                                                  check.summary);
      if (!recorded) check.store_error = recorded.error().message;
      if (check.valid && check.state_before == "pending") {
        auto activated = keys_.activate(check.domain, check.selector);
        if (activated) {
          check.activated = true;
        } else {
          check.store_error = activated.error().message;
        }
      }
    }
    // An activation retires the key it replaces: read the states again.
    std::map<std::string, std::vector<store::DkimKey>> domains;
    for (auto& check : checks) {
      if (!domains.contains(check.domain)) {
        auto listed = keys_.list(check.domain);
        if (!listed) return 0;
        domains[check.domain] = std::move(*listed);
      }
      for (const auto& key : domains[check.domain]) {
        if (key.selector == check.selector) check.state_after = key.state;
      }
    }
    return 0;
  };
  co_await io::runBlocking(blocking_, record_all);
  co_return checks;
}

boost::asio::awaitable<Result<std::vector<DkimKeyCheck>>> DkimChecks::validate(
    dns::Resolver& resolver, const std::string& domain,
    const std::optional<std::string>& selector) {
  const std::string wanted_domain = lowercase(domain);
  const auto load = [&] { return keys_.list(wanted_domain); };
  auto listed = co_await io::runBlocking(blocking_, load);
  if (!listed) co_return listed.takeError();
  std::vector<store::DkimKey> keys;
  for (auto& key : *listed) {
    if (selector ? key.selector == lowercase(*selector) : key.state != "retired") {
      keys.push_back(std::move(key));
    }
  }
  if (keys.empty()) co_return noSuchKey(wanted_domain, selector);
  auto checks = co_await validateKeys(resolver, keys);
  co_return checks;
}

boost::asio::awaitable<Result<std::vector<DkimKeyCheck>>> DkimChecks::checkPending(
    dns::Resolver& resolver) {
  const auto load = [&] { return keys_.list(""); };
  auto listed = co_await io::runBlocking(blocking_, load);
  if (!listed) co_return listed.takeError();
  std::vector<store::DkimKey> pending;
  for (auto& key : *listed) {
    if (key.state == "pending") pending.push_back(std::move(key));
  }
  if (pending.empty()) co_return std::vector<DkimKeyCheck>{};
  auto checks = co_await validateKeys(resolver, pending);
  co_return checks;
}

boost::asio::awaitable<void> DkimChecks::checkPendingEvery(std::chrono::seconds interval,
                                                           const ResolverMaker& make_resolver) {
  if (interval.count() <= 0) co_return;  // 0 turns the check off
  auto executor = co_await boost::asio::this_coro::executor;
  boost::asio::steady_timer timer(executor);
  for (;;) {
    auto resolver = make_resolver(executor);
    if (!resolver) {
      spdlog::warn("dkim: cannot check pending keys: {}", resolver.error().message);
    } else {
      auto checked = co_await checkPending(**resolver);
      if (!checked) {
        spdlog::warn("dkim: cannot check pending keys: {}", checked.error().message);
      } else {
        for (const auto& check : *checked) {
          if (check.activated) {
            spdlog::info("dkim: {} is active: its record validates", check.validation.name);
          } else if (!check.store_error.empty()) {
            spdlog::warn("dkim: {}: {}", check.validation.name, check.store_error);
          } else {
            spdlog::debug("dkim: {} stays pending: {}", check.validation.name, check.summary);
          }
        }
      }
    }
    timer.expires_after(interval);
    auto [error] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (error) co_return;
  }
}

boost::asio::awaitable<Result<DkimTestReport>> DkimChecks::test(dns::Resolver& resolver,
                                                                const std::string& domain) {
  const std::string wanted_domain = lowercase(domain);
  const UnixMillis now = clock_.now();
  const auto sign = [&] { return signSample(store_, secrets_, sign_options_, wanted_domain, now); };
  auto signed_sample = co_await io::runBlocking(blocking_, sign);
  if (!signed_sample) co_return signed_sample.takeError();
  DkimTestReport report;
  report.domain = wanted_domain;
  report.keys = std::move(signed_sample->keys);
  report.note = std::move(signed_sample->note);
  report.message = std::move(signed_sample->message);
  report.signature_fields = std::move(signed_sample->fields);
  dkim::VerifyOptions options;
  options.now_seconds = static_cast<std::uint64_t>(now / 1000);
  report.verification = co_await dkim::verifyMessage(resolver, report.message, options);
  co_return report;
}

}  // namespace outpost::delivery

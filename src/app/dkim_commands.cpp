#include "app/dkim_commands.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/data_folder.h"
#include "app/dns_runner.h"
#include "core/text.h"
#include "delivery/dkim_checks.h"
#include "delivery/dkim_keys.h"
#include "intake/dkim_signing.h"
#include "mailauth/dkim/key_record.h"
#include "mailauth/dkim/verifier.h"

namespace outpost::app {
namespace {

namespace dkim = mailauth::dkim;

int fail(const std::string& message) {
  std::cerr << "outpost: " << message << "\n";
  return 1;
}

boost::json::object keyJson(const store::DkimKey& key) {
  const auto time = [](const std::optional<UnixMillis>& at) -> boost::json::value {
    if (!at) return nullptr;
    return boost::json::string(formatRfc3339(*at));
  };
  boost::json::array strings;
  for (const auto& part : dkim::splitTxtStrings(key.public_record)) strings.emplace_back(part);
  return boost::json::object{
      {"domain", key.domain},
      {"selector", key.selector},
      {"name", key.selector + "._domainkey." + key.domain},
      {"algorithm", key.algorithm},
      {"bits", key.bits},
      {"state", key.state},
      {"record", key.public_record},
      {"record_strings", std::move(strings)},
      {"created_at", formatRfc3339(key.created_at)},
      {"activated_at", time(key.activated_at)},
      {"retired_at", time(key.retired_at)},
      {"validated_at", time(key.validated_at)},
      {"last_validation", key.last_validation},
  };
}

// The coroutines below write into `out`: arguments are references (GCC 12, see io/blocking.h).
boost::asio::awaitable<void> validateInto(
    delivery::DkimChecks& checks, dns::Resolver& resolver, const std::string& domain,
    const std::optional<std::string>& selector,
    std::optional<Result<std::vector<delivery::DkimKeyCheck>>>& out) {
  auto result = co_await checks.validate(resolver, domain, selector);
  out.emplace(std::move(result));
}

boost::asio::awaitable<void> testInto(delivery::DkimChecks& checks, dns::Resolver& resolver,
                                      const std::string& domain,
                                      std::optional<Result<delivery::DkimTestReport>>& out) {
  auto result = co_await checks.test(resolver, domain);
  out.emplace(std::move(result));
}

boost::asio::awaitable<void> verifyInto(dns::Resolver& resolver, const std::string& message,
                                        const dkim::VerifyOptions& options,
                                        dkim::VerificationReport& out) {
  out = co_await dkim::verifyMessage(resolver, message, options);
}

// "d=example.com s=sel a=rsa-sha256 pass: reason"
std::string verdictLine(const dkim::SignatureVerdict& verdict) {
  std::string line;
  if (verdict.signature) {
    line = "d=" + verdict.signature->domain + " s=" + verdict.signature->selector +
           " a=" + std::string(dkim::algorithmName(verdict.signature->algorithm)) + " ";
  }
  line += std::string(dkim::verifyResultName(verdict.result)) + " (" + verdict.code + ")";
  if (!verdict.reason.empty()) line += ": " + verdict.reason;
  return line;
}

// Files written on Unix have bare LF line ends; a message on the wire has CRLF.
std::string toCrlf(const std::string& text) {
  if (text.find('\r') != std::string::npos) return text;
  std::string converted;
  converted.reserve(text.size() + text.size() / 32);
  for (char c : text) {
    if (c == '\n') converted += '\r';
    converted += c;
  }
  return converted;
}

// What validate and test run on: the data folder's keys and checks, an I/O context for the DNS
// lookups and one thread for the store calls. `config` is for the sign options (c=, x=).
struct CheckRun {
  CheckRun(const Config& config, DataFolder& folder)
      : keys(*folder.store, *folder.secrets, clock),
        checks(*folder.store, *folder.secrets, clock, keys, blocking.get_executor(),
               signOptions(config)) {}

  static dkim::SignOptions signOptions(const Config& config) {
    auto options = intake::signOptionsFromConfig(config.dkim);
    return options ? std::move(*options) : dkim::SignOptions();
  }

  SystemClock clock;
  boost::asio::io_context io;
  boost::asio::thread_pool blocking{1};
  delivery::DkimKeyRepository keys;
  delivery::DkimChecks checks;
};

}  // namespace

int dkimKeygen(const Config& config, const DkimKeygenOptions& options) {
  delivery::NewDkimKey request;
  request.domain = options.domain;
  request.selector = options.selector;
  request.activate = options.activate;
  if (options.algorithm == "ed25519") {
    request.algorithm = dkim::KeyAlgorithm::kEd25519Sha256;
  } else if (options.algorithm.starts_with("rsa-")) {
    request.algorithm = dkim::KeyAlgorithm::kRsaSha256;
    request.rsa_bits = std::atoi(options.algorithm.c_str() + 4);
  } else {
    return fail("unknown algorithm \"" + options.algorithm +
                "\": use rsa-2048, rsa-3072, rsa-4096 or ed25519");
  }
  if (!options.import_file.empty()) {
    std::ifstream file(options.import_file);
    if (!file) return fail("cannot read " + options.import_file);
    std::stringstream text;
    text << file.rdbuf();
    request.private_key_pem = text.str();
  }
  auto folder = openDataFolder(config);
  if (!folder) return fail(folder.error().message);
  SystemClock clock;
  delivery::DkimKeyRepository keys(*folder->store, *folder->secrets, clock);
  auto added = keys.add(request);
  if (!added) return fail(added.error().message);
  if (options.json) {
    std::cout << boost::json::serialize(keyJson(*added)) << "\n";
    return 0;
  }
  std::cout << "selector: " << added->selector << " (" << added->algorithm << ", " << added->bits
            << " bits, " << added->state << ")\n"
            << "publish this TXT record at " << added->selector << "._domainkey." << added->domain
            << ":\n"
            << dkim::zoneFileTxt(added->public_record) << "\n";
  if (added->state == "pending") {
    std::cout << "The key signs nothing until its record validates or you run: outpost dkim "
                 "activate "
              << added->domain << " " << added->selector << "\n";
  }
  return 0;
}

int dkimList(const Config& config, const std::string& domain, bool json) {
  auto folder = openDataFolder(config);
  if (!folder) return fail(folder.error().message);
  SystemClock clock;
  delivery::DkimKeyRepository keys(*folder->store, *folder->secrets, clock);
  auto listed = keys.list(domain);
  if (!listed) return fail(listed.error().message);
  if (json) {
    boost::json::array items;
    for (const auto& key : *listed) items.push_back(keyJson(key));
    std::cout << boost::json::serialize(items) << "\n";
    return 0;
  }
  for (const auto& key : *listed) {
    std::cout << key.domain << "  " << key.selector << "  " << key.algorithm << "  " << key.bits
              << "  " << key.state << "  created " << formatRfc3339(key.created_at) << "\n";
  }
  return 0;
}

int dkimRecord(const Config& config, const std::string& domain, const std::string& selector) {
  auto folder = openDataFolder(config);
  if (!folder) return fail(folder.error().message);
  auto found = folder->store->findDkimKey(domain, selector);
  if (!found) return fail(found.error().message);
  if (!found->has_value()) {
    return fail("no DKIM key with selector \"" + selector + "\" for " + domain);
  }
  std::cout << (*found)->public_record << "\n";
  return 0;
}

int dkimActivate(const Config& config, const std::string& domain, const std::string& selector) {
  auto folder = openDataFolder(config);
  if (!folder) return fail(folder.error().message);
  SystemClock clock;
  delivery::DkimKeyRepository keys(*folder->store, *folder->secrets, clock);
  if (auto activated = keys.activate(domain, selector); !activated) {
    return fail(activated.error().message);
  }
  std::cout << "active: " << selector << "._domainkey." << domain << "\n";
  return 0;
}

int dkimValidate(const Config& config, const std::string& domain, const std::string& selector,
                 bool json) {
  auto folder = openDataFolder(config);
  if (!folder) return fail(folder.error().message);
  CheckRun run(config, *folder);
  auto resolver = makeResolver(config, run.io.get_executor());
  if (!resolver) return fail(resolver.error().message);
  const std::optional<std::string> wanted =
      selector.empty() ? std::nullopt : std::optional<std::string>(selector);
  std::optional<Result<std::vector<delivery::DkimKeyCheck>>> result;
  runToEnd(run.io, validateInto(run.checks, **resolver, domain, wanted, result));
  run.blocking.join();
  if (!*result) return fail(result->error().message);
  bool ok = true;
  boost::json::array items;
  for (const auto& check : **result) {
    ok = ok && check.valid;
    if (json) {
      items.push_back(delivery::keyCheckJson(check));
      continue;
    }
    std::cout << check.validation.name << "  " << check.algorithm << "  " << check.state_before;
    if (check.state_after != check.state_before) std::cout << " -> " << check.state_after;
    std::cout << "  " << dkim::keyValidationStatusName(check.validation.status)
              << (check.valid ? "" : " (not valid)") << "\n";
    for (const auto& finding : check.validation.findings) {
      std::cout << "  " << dkim::findingSeverityName(finding.severity) << " " << finding.code
                << ": " << finding.message << "\n";
    }
    if (check.activated) std::cout << "  activated: the record validates\n";
    if (!check.store_error.empty()) std::cout << "  not recorded: " << check.store_error << "\n";
    if (!check.valid) {
      std::cout << "  publish: " << check.validation.name << " TXT "
                << dkim::zoneFileTxt(check.record) << "\n";
    }
  }
  if (json) {
    std::cout << boost::json::serialize(boost::json::object{
                     {"domain", lowercase(domain)}, {"ok", ok}, {"keys", std::move(items)}})
              << "\n";
  }
  return ok ? 0 : 1;
}

int dkimTest(const Config& config, const std::string& domain, bool json) {
  auto folder = openDataFolder(config);
  if (!folder) return fail(folder.error().message);
  CheckRun run(config, *folder);
  auto resolver = makeResolver(config, run.io.get_executor());
  if (!resolver) return fail(resolver.error().message);
  std::optional<Result<delivery::DkimTestReport>> result;
  runToEnd(run.io, testInto(run.checks, **resolver, domain, result));
  run.blocking.join();
  if (!*result) return fail(result->error().message);
  const delivery::DkimTestReport& report = **result;
  const bool passed = report.verification.result == dkim::VerifyResult::kPass;
  if (json) {
    std::cout << boost::json::serialize(delivery::testReportJson(report)) << "\n";
    return passed ? 0 : 1;
  }
  for (const auto& key : report.keys) {
    std::cout << "signed with " << key.selector << " (" << key.algorithm << ", " << key.state
              << ")\n";
  }
  std::cout << report.note << "\n\n";
  for (const auto& field : report.signature_fields) std::cout << field << "\n";
  std::cout << "\n";
  for (const auto& verdict : report.verification.signatures) {
    std::cout << verdictLine(verdict) << "\n";
  }
  std::cout << "result: " << dkim::verifyResultName(report.verification.result) << "\n";
  return passed ? 0 : 1;
}

int dkimVerify(const Config& config, const std::string& file, bool json) {
  std::stringstream text;
  if (file.empty() || file == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail("cannot read " + file);
    text << in.rdbuf();
  }
  const std::string message = toCrlf(text.str());
  boost::asio::io_context io;
  auto resolver = makeResolver(config, io.get_executor());
  if (!resolver) return fail(resolver.error().message);
  dkim::VerifyOptions options;
  options.now_seconds = static_cast<std::uint64_t>(SystemClock().now() / 1000);
  dkim::VerificationReport report;
  runToEnd(io, verifyInto(**resolver, message, options, report));
  const bool passed = report.result == dkim::VerifyResult::kPass;
  if (json) {
    boost::json::array signatures;
    for (const auto& verdict : report.signatures) {
      signatures.push_back(delivery::verdictJson(verdict));
    }
    std::cout << boost::json::serialize(
                     boost::json::object{{"result", dkim::verifyResultName(report.result)},
                                         {"signatures", std::move(signatures)}})
              << "\n";
    return passed ? 0 : 1;
  }
  if (report.signatures.empty()) std::cout << "no DKIM-Signature in the message\n";
  for (const auto& verdict : report.signatures) std::cout << verdictLine(verdict) << "\n";
  std::cout << "result: " << dkim::verifyResultName(report.result) << "\n";
  return passed ? 0 : 1;
}

}  // namespace outpost::app

#include "app/dkim_commands.h"

#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/data_folder.h"
#include "delivery/dkim_keys.h"
#include "mailauth/dkim/key_record.h"

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

}  // namespace outpost::app

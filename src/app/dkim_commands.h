// `outpost dkim …`: DKIM keys from the command line. They open the data folder directly, so they
// work while the server is stopped (design.md), as apikey and user do.
#pragma once

#include <string>

#include "core/config.h"

namespace outpost::app {

struct DkimKeygenOptions {
  std::string domain;
  std::string selector;                // "" = the default (op202611r, op202611e)
  std::string algorithm = "rsa-2048";  // rsa-2048 | rsa-3072 | rsa-4096 | ed25519
  std::string import_file;             // a PEM private key to import instead of generating
  bool activate = false;
  bool json = false;
};
int dkimKeygen(const Config& config, const DkimKeygenOptions& options);
int dkimList(const Config& config, const std::string& domain, bool json);
int dkimRecord(const Config& config, const std::string& domain, const std::string& selector);
int dkimActivate(const Config& config, const std::string& domain, const std::string& selector);
// Validates the DNS records of the domain's keys (or of one selector) through config.dns_server,
// activating pending keys whose record is valid. Exit code 0 when every record is valid.
int dkimValidate(const Config& config, const std::string& domain, const std::string& selector,
                 bool json);
// Signs a sample message with the domain's keys and verifies it through DNS. 0 on pass.
int dkimTest(const Config& config, const std::string& domain, bool json);
// Verifies the DKIM signatures of a message file ("-" or "" = standard input). 0 on pass.
int dkimVerify(const Config& config, const std::string& file, bool json);

}  // namespace outpost::app

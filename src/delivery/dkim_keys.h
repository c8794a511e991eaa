// The DKIM keys of each sending domain, as the API, the CLI and the signer use them: generated
// or imported (mailauth/dkim/key_material.h), sealed with the master key before they reach the
// store, and opened only to sign. New keys are pending and sign nothing until activated (a
// validated DNS record, or a super admin's explicit activation); activating retires the key
// the new one replaces. Private keys never leave through this interface except as signers.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret_box.h"
#include "mailauth/dkim/key_material.h"
#include "mailauth/dkim/signer.h"
#include "store/store.h"

namespace outpost::delivery {

struct NewDkimKey {
  std::string domain;
  std::string selector;  // "" = the default (op + year and month + r or e)
  mailauth::dkim::KeyAlgorithm algorithm = mailauth::dkim::KeyAlgorithm::kRsaSha256;
  int rsa_bits = mailauth::dkim::kDefaultRsaBits;
  std::string private_key_pem;  // import this key instead of generating one
  bool activate = false;        // active at once (DNS published elsewhere, tests)
};

class DkimKeyRepository {
 public:
  DkimKeyRepository(store::Store& store, const SecretBox& secrets, const Clock& clock);

  // Generates or imports a key. Error codes: "invalid_request" (domain or selector),
  // "dkim.key_refused" (the key), "conflict" (the selector is taken), "store.*".
  Result<store::DkimKey> add(const NewDkimKey& request);
  // The keys of `domain` ("" = all), with the sealed private key blanked.
  Result<std::vector<store::DkimKey>> list(const std::string& domain);
  Result<void> activate(const std::string& domain, const std::string& selector);
  Result<bool> remove(const std::string& domain, const std::string& selector);
  // Called after a key became active or was removed here (signers must be loaded again).
  // Set once, before other threads use the repository.
  void onSigningKeysChanged(std::function<void()> callback) { on_changed_ = std::move(callback); }
  // Signers for the domain's active keys (one per algorithm: dual signing when both exist);
  // `options` gives c=, x= and the headers (d= and s= are each key's).
  Result<std::vector<mailauth::dkim::Signer>> activeSigners(
      const std::string& domain,
      const mailauth::dkim::SignOptions& options = mailauth::dkim::SignOptions());

 private:
  store::Store& store_;
  const SecretBox& secrets_;
  const Clock& clock_;
  std::function<void()> on_changed_;
  void changed() const {
    if (on_changed_) on_changed_();
  }
};

// A DNS label sequence a selector or domain may be: letters, digits, '-', '.' between labels;
// "" when fine, else why not.
std::string dnsNameProblem(const std::string& name, const std::string& what);

}  // namespace outpost::delivery

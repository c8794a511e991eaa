#include "delivery/dkim_keys.h"

#include <openssl/pem.h>

#include <cctype>

#include "core/text.h"

namespace outpost::delivery {

namespace dkim = mailauth::dkim;

namespace {

Error invalid(std::string message) {
  return Error::permanentFailure("invalid_request", std::move(message));
}

Result<dkim::KeyHandle> privateKeyFromPem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return Error::temporaryFailure("dkim.key", "out of memory");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) {
    return Error::permanentFailure("dkim.key", "a stored DKIM key does not read as PEM");
  }
  return dkim::adoptKey(key);
}

}  // namespace

std::string dnsNameProblem(const std::string& name, const std::string& what) {
  if (name.empty()) return what + " is empty";
  if (name.size() > 253) return what + " is longer than 253 characters";
  std::size_t label = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (label == 0) return what + " \"" + name + "\" has an empty label";
      if (label > 63) return what + " \"" + name + "\" has a label over 63 characters";
      if (name[i - 1] == '-' || name[i - label] == '-') {
        return what + " \"" + name + "\" has a label that starts or ends with '-'";
      }
      label = 0;
      continue;
    }
    const auto c = static_cast<unsigned char>(name[i]);
    if (std::isalnum(c) == 0 && c != '-' && c != '_') {
      return what + " \"" + name + "\" may hold only letters, digits, '-' and '_' between dots";
    }
    ++label;
  }
  return {};
}

DkimKeyRepository::DkimKeyRepository(store::Store& store, const SecretBox& secrets,
                                     const Clock& clock)
    : store_(store), secrets_(secrets), clock_(clock) {}

Result<store::DkimKey> DkimKeyRepository::add(const NewDkimKey& request) {
  const std::string domain = lowercase(request.domain);
  if (auto problem = dnsNameProblem(domain, "the domain"); !problem.empty()) {
    return invalid(problem);
  }
  auto material = request.private_key_pem.empty()
                      ? dkim::generateKey(request.algorithm, request.rsa_bits)
                      : dkim::importPrivateKeyPem(request.private_key_pem);
  if (!material) return material.takeError();
  const UnixMillis now = clock_.now();
  const std::string selector = request.selector.empty()
                                   ? dkim::defaultSelector(now, material->algorithm)
                                   : lowercase(request.selector);
  if (auto problem = dnsNameProblem(selector, "the selector"); !problem.empty()) {
    return invalid(problem);
  }
  store::DkimKey key;
  key.domain = domain;
  key.selector = selector;
  key.algorithm = std::string(dkim::algorithmName(material->algorithm));
  key.bits = material->bits;
  key.state = "pending";
  key.sealed_private_key = secrets_.seal(material->private_pem);
  key.public_record = material->txt_record;
  key.created_at = now;
  if (auto inserted = store_.insertDkimKey(key); !inserted) return inserted.takeError();
  // Activation retires the key it replaces, in the store's own commit.
  if (request.activate) {
    if (auto activated = store_.activateDkimKey(domain, selector, now); !activated) {
      return activated.takeError();
    }
    key.state = "active";
    key.activated_at = now;
    changed();
  }
  key.sealed_private_key.clear();
  return key;
}

Result<std::vector<store::DkimKey>> DkimKeyRepository::list(const std::string& domain) {
  auto keys = store_.listDkimKeys(domain);
  if (!keys) return keys.takeError();
  for (auto& key : *keys) key.sealed_private_key.clear();
  return keys;
}

Result<void> DkimKeyRepository::activate(const std::string& domain, const std::string& selector) {
  auto activated = store_.activateDkimKey(domain, selector, clock_.now());
  if (activated) changed();
  return activated;
}

Result<bool> DkimKeyRepository::remove(const std::string& domain, const std::string& selector) {
  auto removed = store_.deleteDkimKey(domain, selector);
  if (removed && *removed) changed();
  return removed;
}

Result<std::vector<dkim::Signer>> DkimKeyRepository::activeSigners(
    const std::string& domain, const dkim::SignOptions& template_options) {
  auto keys = store_.listDkimKeys(domain);
  if (!keys) return keys.takeError();
  std::vector<dkim::Signer> signers;
  for (const auto& key : *keys) {
    if (key.state != "active") continue;
    auto pem = secrets_.open(key.sealed_private_key);
    if (!pem) return pem.takeError();
    auto private_key = privateKeyFromPem(*pem);
    if (!private_key) return private_key.takeError();
    dkim::SignOptions options = template_options;
    options.domain = key.domain;
    options.selector = key.selector;
    auto signer = dkim::Signer::create(*private_key, options);
    if (!signer) return signer.takeError();
    signers.push_back(std::move(*signer));
  }
  return signers;
}

}  // namespace outpost::delivery

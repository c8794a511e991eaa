// DKIM signing (RFC 6376 §5; RFC 8463 §3: ed25519-sha256 is PureEdDSA over the SHA-256 of the
// header data; rsa-sha256 is RSASSA-PKCS1-v1_5 with SHA-256). No mutable state is shared between
// calls: each sign() owns its contexts, the EVP_PKEY is only read.
#include "mailauth/dkim/signer.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "core/text.h"
#include "mailauth/dkim/header_selection.h"
#include "mailauth/dkim/signature.h"

namespace outpost::mailauth::dkim {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

Error cryptoError(std::string what) {
  return Error::temporaryFailure(std::string(kSignCrypto),
                                 "DKIM signing failed in OpenSSL: " + std::move(what));
}

// EVP_sha256() makes OpenSSL 3.0 look the digest up in its provider store, under locks, at
// every use; fetched once, that cost is paid once per process.
const EVP_MD* sha256Md() {
  static const EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched != nullptr ? fetched : EVP_sha256();
}

Result<std::string> sha256(std::string_view data) {
  std::string digest(32, '\0');
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(digest.data()), &size,
                 sha256Md(), nullptr) != 1 ||
      size != digest.size()) {
    return cryptoError("SHA-256 of the header data");
  }
  return digest;
}

// EVP_DigestSignInit costs OpenSSL 3.0 about 2 us (algorithm and key look-ups under locks), 5%
// of an Ed25519 signature. Each thread keeps a context initialised for the last key it signed
// with and every signature starts from a copy of it, which holds no message data: signatures
// stay independent and no context is shared between threads. The cache holds a reference to
// its key, so a later key at the same address cannot be mistaken for it.
class PreparedSignContext {
 public:
  PreparedSignContext() = default;
  PreparedSignContext(const PreparedSignContext&) = delete;
  PreparedSignContext& operator=(const PreparedSignContext&) = delete;
  ~PreparedSignContext() { reset(); }

  // A context ready for EVP_DigestSign with `key` and `md`, to be copied, not used; or null.
  const EVP_MD_CTX* get(EVP_PKEY* key, const EVP_MD* md) {
    if (ctx_ && key_ == key && md_ == md) return ctx_.get();
    reset();
    MdCtx ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) != 1 ||
        EVP_PKEY_up_ref(key) != 1) {
      return nullptr;
    }
    ctx_ = std::move(ctx);
    key_ = key;
    md_ = md;
    return ctx_.get();
  }

 private:
  void reset() {
    ctx_.reset();
    if (key_ != nullptr) EVP_PKEY_free(key_);
    key_ = nullptr;
    md_ = nullptr;
  }

  MdCtx ctx_;
  EVP_PKEY* key_ = nullptr;
  const EVP_MD* md_ = nullptr;
};

Result<std::string> signData(EVP_PKEY* key, KeyAlgorithm algorithm, std::string_view header_data) {
  std::string_view input = header_data;
  std::string hash;
  const EVP_MD* md = sha256Md();
  if (algorithm == KeyAlgorithm::kEd25519Sha256) {
    // RFC 8463 §3: the Ed25519 input is the SHA-256 hash, signed with PureEdDSA (no prehash mode).
    auto digest = sha256(header_data);
    if (!digest) return digest.takeError();
    hash = std::move(*digest);
    input = hash;
    md = nullptr;
  }
  thread_local PreparedSignContext prepared;
  const EVP_MD_CTX* initialised = prepared.get(key, md);
  MdCtx ctx(EVP_MD_CTX_new());
  if (initialised == nullptr || !ctx || EVP_MD_CTX_copy_ex(ctx.get(), initialised) != 1) {
    return cryptoError("cannot start the signature");
  }
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  const int max_size = EVP_PKEY_get_size(key);
  if (max_size <= 0) return cryptoError("cannot size the signature");
  std::string signature(static_cast<std::size_t>(max_size), '\0');
  std::size_t size = signature.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                     input.size()) != 1) {
    return cryptoError("cannot compute the signature");
  }
  signature.resize(size);
  return signature;
}

}  // namespace

std::vector<std::string> headersToSign(const std::vector<std::string_view>& present_names,
                                       const SignOptions& options) {
  std::vector<std::string> names;
  for (const std::string& name : options.headers) {
    const auto count =
        std::count_if(present_names.begin(), present_names.end(),
                      [&](std::string_view present) { return equalsIgnoreCase(present, name); });
    const bool oversign =
        std::any_of(options.oversigned_headers.begin(), options.oversigned_headers.end(),
                    [&](const std::string& over) { return equalsIgnoreCase(over, name); });
    for (auto i = count + (oversign ? 1 : 0); i > 0; --i) names.push_back(name);
  }
  return names;
}

Result<Signer> Signer::create(KeyHandle private_key, SignOptions options) {
  if (!private_key) {
    return Error::permanentFailure(std::string(kSigningKeyRefused), "no DKIM private key given");
  }
  if (options.domain.empty() || options.selector.empty()) {
    return Error::permanentFailure(std::string(kSigningKeyRefused),
                                   "a DKIM signer needs a domain (d=) and a selector (s=)");
  }
  if (!options.identity.empty() && !identityWithinDomain(options.identity, options.domain)) {
    return Error::permanentFailure(std::string(kSigningKeyRefused),
                                   "the DKIM identity i=" + options.identity +
                                       " is not within the signing domain d=" + options.domain +
                                       "; verifiers would reject every signature");
  }
  KeyAlgorithm algorithm = KeyAlgorithm::kRsaSha256;
  switch (EVP_PKEY_get_base_id(private_key.get())) {
    case EVP_PKEY_RSA: {
      const int bits = EVP_PKEY_get_bits(private_key.get());
      if (bits < kMinimumRsaBits) {
        return Error::permanentFailure(
            std::string(kSigningKeyRefused),
            "the RSA key has " + std::to_string(bits) +
                " bits; outpost signs only with RSA keys "
                "of at least " +
                std::to_string(kMinimumRsaBits) +
                " bits (RFC 8301 calls 1024 weak): generate a new key and publish its record");
      }
      algorithm = KeyAlgorithm::kRsaSha256;
      break;
    }
    case EVP_PKEY_ED25519:
      algorithm = KeyAlgorithm::kEd25519Sha256;
      break;
    default:
      return Error::permanentFailure(std::string(kSigningKeyRefused),
                                     "the DKIM key is neither RSA nor Ed25519; generate an RSA "
                                     "2048 or Ed25519 key");
  }
  return Signer(std::move(private_key), algorithm, std::move(options));
}

Result<std::string> Signer::sign(std::string_view message, std::uint64_t now_seconds) const {
  return signMessage(*key_, algorithm_, options_, message, now_seconds);
}

Result<std::string> signMessage(EVP_PKEY& key, KeyAlgorithm algorithm, const SignOptions& options,
                                std::string_view message, std::uint64_t now_seconds) {
  auto split = splitMessage(message);
  if (!split) {
    return Error::permanentFailure(std::string(kMessageNotSignable),
                                   "cannot DKIM-sign the message: " + split.error().message);
  }
  std::vector<std::string_view> present;
  present.reserve(split->fields.size());
  for (const HeaderField& field : split->fields) present.push_back(field.name);
  if (std::none_of(present.begin(), present.end(),
                   [](std::string_view name) { return equalsIgnoreCase(name, "from"); })) {
    return Error::permanentFailure(std::string(kMessageNotSignable),
                                   "cannot DKIM-sign a message without a From header field");
  }

  Signature signature;
  signature.algorithm = algorithm;
  signature.header_canonicalization = options.header_canonicalization;
  signature.body_canonicalization = options.body_canonicalization;
  signature.domain = options.domain;
  signature.selector = options.selector;
  signature.identity = options.identity;
  signature.signed_headers = headersToSign(present, options);
  signature.timestamp = now_seconds;
  if (options.expire_after_seconds) {
    signature.expiration = now_seconds + *options.expire_after_seconds;
  }
  auto body_hash = hashBody(options.body_canonicalization, split->body);
  if (!body_hash) return body_hash.takeError();
  signature.body_hash.assign(body_hash->begin(), body_hash->end());

  const std::string unsigned_field = formatSignature(signature);
  const std::string header_data = headerHashInput(split->fields, signature.signed_headers,
                                                  options.header_canonicalization, unsigned_field);
  auto signed_bytes = signData(&key, algorithm, header_data);
  if (!signed_bytes) return signed_bytes.takeError();
  signature.signature = std::move(*signed_bytes);
  return formatSignature(signature);
}

}  // namespace outpost::mailauth::dkim

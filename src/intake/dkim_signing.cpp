#include "intake/dkim_signing.h"

#include <spdlog/spdlog.h>

#include "core/text.h"

namespace outpost::intake {
namespace dkim = mailauth::dkim;

namespace {

// Senders can name any From domain; past this many cached domains the cache starts over rather
// than grow without bound.
constexpr std::size_t kMaxCachedDomains = 10000;

}  // namespace

Result<dkim::SignOptions> signOptionsFromConfig(const DkimConfig& config) {
  dkim::SignOptions options;
  const std::string& text = config.canonicalization;
  const auto slash = text.find('/');
  const auto header = dkim::parseCanonicalizationName(text.substr(0, slash));
  const auto body = slash == std::string::npos
                        ? dkim::parseCanonicalizationName("simple")
                        : dkim::parseCanonicalizationName(text.substr(slash + 1));
  if (!header || !body) {
    return Error::permanentFailure("config.invalid_value",
                                   "dkim.canonicalization \"" + text +
                                       "\" is not one of relaxed/relaxed, simple/simple, "
                                       "relaxed/simple, simple/relaxed");
  }
  options.header_canonicalization = *header;
  options.body_canonicalization = *body;
  if (config.expire_after.count() > 0) {
    options.expire_after_seconds = static_cast<std::uint64_t>(config.expire_after.count());
  }
  return options;
}

DkimSigning::DkimSigning(SignerSource source, dkim::SignOptions options, const DkimConfig& config)
    : source_(std::move(source)), options_(std::move(options)), config_(config) {}

void DkimSigning::invalidate() {
  const std::lock_guard lock(mutex_);
  cache_.clear();
}

Result<DkimSigning::Signers> DkimSigning::signersFor(const std::string& domain, UnixMillis now) {
  const UnixMillis ttl_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.key_cache_ttl).count();
  {
    const std::lock_guard lock(mutex_);
    if (auto found = cache_.find(domain);
        found != cache_.end() && now - found->second.loaded_at < ttl_ms) {
      return found->second.signers;
    }
  }
  // Loaded outside the lock (a store read and a key decryption): two threads missing at once
  // both load, which is cheaper than making every signing thread wait for one.
  auto loaded = source_(domain, options_);
  if (!loaded) {
    return Error::temporaryFailure(
        std::string(kSigningUnavailable),
        "the DKIM keys of " + domain + " could not be loaded: " + loaded.error().message);
  }
  auto signers = std::make_shared<const std::vector<dkim::Signer>>(std::move(*loaded));
  const std::lock_guard lock(mutex_);
  if (cache_.size() >= kMaxCachedDomains) cache_.clear();
  cache_[domain] = CacheEntry{signers, now};
  return Signers(signers);
}

Result<std::string> DkimSigning::sign(std::string_view message, std::string_view from_domain,
                                      UnixMillis now) {
  auto signers = signersFor(lowercase(from_domain), now);
  if (!signers) return signers.takeError();
  if ((*signers)->empty() && !config_.fallback_domain.empty() &&
      !equalsIgnoreCase(from_domain, config_.fallback_domain)) {
    signers = signersFor(config_.fallback_domain, now);
    if (!signers) return signers.takeError();
  }
  std::string fields;
  const auto now_seconds = static_cast<std::uint64_t>(now / 1000);
  for (const dkim::Signer& signer : **signers) {
    auto field = signer.sign(message, now_seconds);
    if (!field) {
      if (field.error().code == dkim::kMessageNotSignable) {
        spdlog::warn("dkim: message from domain {} left unsigned: {}", from_domain,
                     field.error().message);
        return std::string();
      }
      return Error::temporaryFailure(std::string(kSigningUnavailable),
                                     "DKIM signing with " + signer.options().selector +
                                         "._domainkey." + signer.options().domain +
                                         " failed: " + field.error().message);
    }
    fields += *field;
  }
  return fields;
}

}  // namespace outpost::intake

// DKIM verification (RFC 6376 §6.1: signature checks, key lookup, body hash, then the signature
// over the headers; RFC 8301 for rsa-sha1 and key sizes; RFC 8463 §3 for ed25519-sha256).
// SECURITY: the message and every TXT answer are untrusted; faults become verdicts, never throws.
#include "mailauth/dkim/verifier.h"

#include <openssl/evp.h>

#include <chrono>
#include <map>
#include <memory>
#include <utility>

#include "core/text.h"
#include "mailauth/dkim/canonicalization.h"
#include "mailauth/dkim/header_selection.h"
#include "mailauth/dkim/key_record.h"
#include "mailauth/dkim/tag_list.h"

namespace outpost::mailauth::dkim {
namespace {

// RFC 8301 §3.2: verifiers must not accept RSA keys below 1024 bits.
constexpr int kRsaFloorBits = 1024;
// RFC 1035 §2.3.4.
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxName = 253;

using TxtAnswer = Result<dns::Answer<std::string>>;

// One DKIM-Signature field on its way through the checks.
struct Pending {
  SignatureVerdict verdict;
  std::size_t field_index = 0;  // in SplitMessage::fields
  bool done = false;            // the verdict is final before any key lookup
};

struct Prepared {
  std::optional<SplitMessage> split;
  std::vector<Pending> items;
  std::string message_error;
};

void conclude(Pending& item, VerifyResult result, std::string code, std::string reason) {
  item.verdict.result = result;
  item.verdict.code = std::move(code);
  item.verdict.reason = std::move(reason);
  item.done = true;
}

void permerror(Pending& item, std::string code, std::string reason) {
  conclude(item, VerifyResult::kPermerror, std::move(code), std::move(reason));
}

// The field as one line for display: folding removed, final line end dropped.
std::string unfold(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
  return out;
}

std::string base64(std::string_view bytes) { return encodeBase64(bytes); }

std::string_view trimWhitespace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// d= and s= become a DNS name; anything but LDH labels (plus '_', which selectors use) would
// send garbage to the resolver.
bool isDnsName(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxName) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok || ++label > kMaxLabel) return false;
  }
  return label > 0;
}

// parseSignature refuses an unknown algorithm, canonicalization or query method with the code it
// uses for syntax faults; a receiver reports those as unsupported, which tells the signer
// something else (the field is well formed, the verifier lacks the feature).
std::optional<std::string> unsupportedFeature(std::string_view value) {
  auto tags = parseTagList(value);
  if (!tags) return std::nullopt;
  if (const Tag* a = tags->find("a")) {
    const std::string name = lowercase(a->value);
    if (name == "rsa-sha1") {
      return "The signature uses a=rsa-sha1, which RFC 8301 forbids verifiers to accept: the "
             "sender must sign with rsa-sha256 or ed25519-sha256.";
    }
    if (!parseAlgorithm(name)) {
      return "The signature uses the algorithm a=" + a->value +
             ", which outpost does not know (it verifies rsa-sha256 and ed25519-sha256).";
    }
  }
  if (const Tag* c = tags->find("c")) {
    const std::string text = lowercase(c->value);
    const std::size_t slash = text.find('/');
    const bool header_ok = parseCanonicalizationName(text.substr(0, slash)).has_value();
    const bool body_ok =
        slash == std::string::npos || parseCanonicalizationName(text.substr(slash + 1)).has_value();
    if (!header_ok || !body_ok) {
      return "The signature uses the canonicalization c=" + c->value +
             ", which outpost does not know (expected simple or relaxed, as header/body).";
    }
  }
  if (const Tag* q = tags->find("q")) {
    if (lowercase(stripWhitespace(q->value)).find("dns/txt") == std::string::npos) {
      return "The signature asks for the key with q=" + q->value +
             ", a query method outpost does not know (only dns/txt exists).";
    }
  }
  return std::nullopt;
}

std::uint64_t currentTime(const VerifyOptions& options) {
  if (options.now_seconds != 0) return options.now_seconds;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

// §6.1.1: everything that can be decided from the field alone.
void checkField(Pending& item, const HeaderField& field, const VerifyOptions& options) {
  SignatureVerdict& v = item.verdict;
  v.field = unfold(field.raw);
  const std::size_t colon = field.raw.find(':');
  const std::string_view value = field.raw.substr(colon + 1);
  auto parsed = parseSignature(value);
  if (!parsed) {
    if (auto unsupported = unsupportedFeature(value)) {
      permerror(item, "unsupported", std::move(*unsupported));
    } else {
      permerror(item, "signature_syntax",
                "The DKIM-Signature field cannot be used: " + parsed.error().message +
                    ". The signer must fix the field it adds.");
    }
    return;
  }
  v.signature = std::move(*parsed);
  const Signature& sig = *v.signature;
  if (!isDnsName(sig.domain)) {
    permerror(item, "signature_syntax",
              "The signature's d=" + sig.domain +
                  " is not a domain name, so no key can be "
                  "looked up for it.");
    return;
  }
  if (!isDnsName(sig.selector)) {
    permerror(item, "signature_syntax",
              "The signature's s=" + sig.selector +
                  " is not a valid selector (letters, digits, '-', '_' and dots), so no key "
                  "can be looked up for it.");
    return;
  }
  v.key_name = lowercase(sig.selector) + "._domainkey." + dns::normalizeName(sig.domain);

  const std::uint64_t now = currentTime(options);
  if (sig.expiration && *sig.expiration < now) {
    permerror(item, "expired",
              "The signature expired (x=" + std::to_string(*sig.expiration) + ") " +
                  std::to_string(now - *sig.expiration) +
                  " seconds before the verification time (" + std::to_string(now) +
                  "): the message was delivered or checked too late, or the signer sets x= too "
                  "close to t=.");
    return;
  }
  if (sig.timestamp && *sig.timestamp > now &&
      *sig.timestamp - now > options.allowed_clock_skew_seconds) {
    permerror(item, "future",
              "The signature claims to be made at t=" + std::to_string(*sig.timestamp) + ", " +
                  std::to_string(*sig.timestamp - now) + " seconds after the verification time (" +
                  std::to_string(now) + ", tolerated skew " +
                  std::to_string(options.allowed_clock_skew_seconds) +
                  " s): the signer's clock is wrong.");
    return;
  }
}

Prepared prepare(const std::string& message, const VerifyOptions& options) {
  Prepared prepared;
  auto split = splitMessage(message);
  if (!split) {
    prepared.message_error =
        "The message's header block cannot be read: " + split.error().message + ".";
    // Still name the signatures the message seems to carry, so the report says what was lost.
    std::size_t pos = 0;
    while (pos < message.size()) {
      std::size_t end = message.find('\n', pos);
      if (end == std::string::npos) end = message.size();
      const std::string_view line = std::string_view(message).substr(pos, end - pos);
      if (line.empty() || line == "\r") break;
      const std::size_t colon = line.find(':');
      if (colon != std::string_view::npos &&
          equalsIgnoreCase(trimWhitespace(line.substr(0, colon)), kSignatureFieldName)) {
        Pending item;
        item.verdict.field = unfold(line);
        permerror(item, "message_syntax", prepared.message_error);
        prepared.items.push_back(std::move(item));
      }
      pos = end + 1;
    }
    return prepared;
  }
  prepared.split = std::move(*split);
  const std::vector<HeaderField>& fields = prepared.split->fields;
  std::size_t seen = 0;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (!equalsIgnoreCase(fields[i].name, kSignatureFieldName)) continue;
    Pending item;
    item.field_index = i;
    if (++seen > options.max_signatures) {
      item.verdict.field = unfold(fields[i].raw);
      permerror(item, "too_many",
                "Too many signatures: only the first " + std::to_string(options.max_signatures) +
                    " DKIM-Signature fields are checked, this one was left unchecked.");
    } else {
      checkField(item, fields[i], options);
    }
    prepared.items.push_back(std::move(item));
  }
  return prepared;
}

// The record to use among the TXT records at the key name (see verifier.h), or the verdict.
std::optional<KeyRecord> chooseKey(Pending& item, const std::vector<std::string>& records) {
  SignatureVerdict& v = item.verdict;
  std::optional<Error> first_error;
  for (const std::string& text : records) {
    auto parsed = parseKeyRecord(text);
    if (parsed) {
      v.key_record = text;
      return std::move(*parsed);
    }
    if (!first_error) first_error = parsed.error();
  }
  v.key_record = records.empty() ? std::string() : records.front();
  permerror(item, "key_syntax",
            "The key record at " + v.key_name + " cannot be used: " +
                (first_error ? first_error->message : std::string("it is empty")) +
                ". The owner of " + v.signature->domain + " must fix the published record.");
  return std::nullopt;
}

// The key record's own restrictions against this signature (§3.6.1, §6.1.2, RFC 8301).
bool checkKey(Pending& item, const KeyRecord& key) {
  const Signature& sig = *item.verdict.signature;
  const std::string& name = item.verdict.key_name;
  if (key.revoked()) {
    permerror(item, "key_revoked",
              "The key at " + name +
                  " is revoked (empty p=): the signer still signs with a key its owner has "
                  "withdrawn, and must sign with a current selector.");
    return false;
  }
  const KeyType wanted =
      sig.algorithm == KeyAlgorithm::kEd25519Sha256 ? KeyType::kEd25519 : KeyType::kRsa;
  if (key.type != wanted) {
    permerror(item, "key_mismatch",
              "The signature uses a=" + std::string(algorithmName(sig.algorithm)) +
                  ", but the key at " + name + " is k=" + std::string(keyTypeName(key.type)) +
                  ": the selector publishes a key of another type than the one that signs.");
    return false;
  }
  if (!key.allowsHash("sha256")) {
    permerror(item, "key_mismatch",
              "The key record at " + name +
                  " restricts the hash algorithms (h=) and does not list sha256, which the "
                  "signature uses: remove h= from the record or make it h=sha256.");
    return false;
  }
  if (!key.allowsEmail()) {
    permerror(item, "key_mismatch",
              "The key record at " + name +
                  " allows neither * nor email in s=, so it cannot sign mail: remove s= from the "
                  "record.");
    return false;
  }
  if (key.strict_identity && !sig.identity.empty()) {
    const std::size_t at = sig.identity.rfind('@');
    const std::string host = lowercase(sig.identity.substr(at + 1));
    if (host != dns::normalizeName(sig.domain)) {
      permerror(item, "key_mismatch",
                "The key record at " + name + " has t=s (strict identity), but i=" + sig.identity +
                    " is in a subdomain of d=" + sig.domain +
                    ": sign with i= in d= itself or remove t=s.");
      return false;
    }
  }
  if (key.type == KeyType::kRsa && key.key_bits < kRsaFloorBits) {
    permerror(item, "key_too_short",
              "The RSA key at " + name + " has " + std::to_string(key.key_bits) +
                  " bits; RFC 8301 forbids verifiers to accept keys under 1024 bits: the signer "
                  "must use a 2048-bit key.");
    return false;
  }
  return true;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// RSASSA-PKCS1-v1_5 with SHA-256 over the header data, or PureEdDSA over its SHA-256 (RFC 8463
// §3). Returns whether the signature holds; OpenSSL failures count as "does not".
bool signatureHolds(EVP_PKEY& key, KeyAlgorithm algorithm, std::string_view header_data,
                    std::string_view signature) {
  std::string input(header_data);
  const EVP_MD* md = EVP_sha256();
  if (algorithm == KeyAlgorithm::kEd25519Sha256) {
    input.assign(EVP_MAX_MD_SIZE, '\0');
    unsigned int size = 0;
    if (EVP_Digest(header_data.data(), header_data.size(),
                   reinterpret_cast<unsigned char*>(input.data()), &size, EVP_sha256(),
                   nullptr) != 1) {
      return false;
    }
    input.resize(size);
    md = nullptr;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, &key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

// §6.1.3: the body hash, then the signature over the selected header fields.
void checkHashes(Pending& item, const SplitMessage& split, const KeyRecord& key) {
  const Signature& sig = *item.verdict.signature;
  BodyHasher hasher(sig.body_canonicalization, sig.body_length);
  hasher.update(split.body);
  auto digest = hasher.finish();
  if (!digest) {
    conclude(item, VerifyResult::kTemperror, "body_hash",
             "The body hash could not be computed (" + digest.error().message + "): try again.");
    return;
  }
  if (sig.body_length && *sig.body_length > hasher.canonicalLength()) {
    permerror(item, "body_length",
              "The signature covers l=" + std::to_string(*sig.body_length) +
                  " bytes of body, but the canonical body has only " +
                  std::to_string(hasher.canonicalLength()) +
                  ": the body was shortened after signing.");
    return;
  }
  const std::string computed(digest->begin(), digest->end());
  if (computed != sig.body_hash) {
    conclude(item, VerifyResult::kFail, "body_hash",
             "The body hash does not match: the body was changed after signing (bh=" +
                 base64(sig.body_hash) + ", computed " + base64(computed) + " with " +
                 std::string(canonicalizationName(sig.body_canonicalization)) +
                 " body canonicalization" +
                 (sig.body_length ? ", l=" + std::to_string(*sig.body_length) : std::string()) +
                 ").");
    return;
  }
  const HeaderField& field = split.fields[item.field_index];
  auto blank = blankSignatureValue(field.raw);
  if (!blank) {
    permerror(item, "signature_syntax",
              "The DKIM-Signature field cannot be used: " + blank.error().message + ".");
    return;
  }
  const std::string header_data =
      headerHashInput(split.fields, sig.signed_headers, sig.header_canonicalization, *blank);
  if (!signatureHolds(*key.public_key, sig.algorithm, header_data, sig.signature)) {
    std::string names;
    for (const std::string& name : sig.signed_headers) {
      if (!names.empty()) names.push_back(':');
      names.append(name);
    }
    conclude(item, VerifyResult::kFail, "signature",
             "The body is intact but the signature does not verify over the signed header "
             "fields (h=" +
                 names + ", " + std::string(canonicalizationName(sig.header_canonicalization)) +
                 " header canonicalization): a signed field was changed or added after signing, "
                 "or the key at " +
                 item.verdict.key_name + " is not the one that signed.");
    return;
  }
  conclude(item, VerifyResult::kPass, "pass",
           "The signature of " + sig.domain + " (s=" + sig.selector + ", " +
               std::string(algorithmName(sig.algorithm)) +
               ") verifies: the body and the signed header fields are unchanged.");
}

// §6.1.2 and §6.1.3, once the TXT lookup for the key has answered.
void finishWithKey(Pending& item, const SplitMessage& split, const TxtAnswer& answer) {
  SignatureVerdict& v = item.verdict;
  if (!answer) {
    const Error& error = answer.error();
    if (error.code == dns::kNxdomain || error.code == dns::kNodata) {
      permerror(item, "no_key",
                "No key is published at " + v.key_name + " (" + error.message +
                    "): the selector s=" + v.signature->selector +
                    " is wrong, or its owner removed the key or has not published it yet.");
    } else if (error.temporary) {
      conclude(item, VerifyResult::kTemperror, "dns_temporary",
               "The key at " + v.key_name + " could not be looked up (" + error.message +
                   "): this says nothing about the signature yet; try again later.");
    } else {
      permerror(item, "no_key",
                "The key at " + v.key_name + " could not be looked up: " + error.message + ".");
    }
    return;
  }
  std::optional<KeyRecord> key = chooseKey(item, answer->records);
  if (!key) return;
  v.key_testing = key->testing;
  v.key_bits = key->key_bits;
  if (checkKey(item, *key)) checkHashes(item, split, *key);
  // RFC 6376 §3.6.1: with t=y, failures must not be treated differently from unsigned mail.
  if (key->testing && v.result != VerifyResult::kPass && v.result != VerifyResult::kTemperror) {
    v.underlying_code = v.code;
    v.code = "testing";
    v.result = VerifyResult::kNeutral;
    v.reason = "The key at " + v.key_name +
               " is in testing mode (t=y), so this failure counts as neutral: " + v.reason;
  }
}

int rank(VerifyResult result) {
  switch (result) {
    case VerifyResult::kPass:
      return 5;
    case VerifyResult::kFail:
      return 4;
    case VerifyResult::kNeutral:
      return 3;
    case VerifyResult::kTemperror:
      return 2;
    case VerifyResult::kPermerror:
      return 1;
    case VerifyResult::kNone:
      return 0;
  }
  return 0;
}

VerificationReport summarize(Prepared& prepared) {
  VerificationReport report;
  report.message_error = std::move(prepared.message_error);
  for (Pending& item : prepared.items) {
    if (rank(item.verdict.result) > rank(report.result)) report.result = item.verdict.result;
    report.signatures.push_back(std::move(item.verdict));
  }
  return report;
}

TxtAnswer fromKeyList(const std::vector<std::pair<std::string, std::string>>& key_records,
                      const std::string& name) {
  dns::Answer<std::string> answer;
  for (const auto& [key_name, record] : key_records) {
    if (dns::normalizeName(key_name) == name) answer.records.push_back(record);
  }
  if (answer.records.empty()) {
    return Error::permanentFailure(std::string(dns::kNxdomain),
                                   "no key record was given for " + name);
  }
  return answer;
}

}  // namespace

std::string_view verifyResultName(VerifyResult result) {
  switch (result) {
    case VerifyResult::kPass:
      return "pass";
    case VerifyResult::kFail:
      return "fail";
    case VerifyResult::kNeutral:
      return "neutral";
    case VerifyResult::kTemperror:
      return "temperror";
    case VerifyResult::kPermerror:
      return "permerror";
    case VerifyResult::kNone:
      return "none";
  }
  return "none";
}

boost::asio::awaitable<VerificationReport> verifyMessage(dns::Resolver& resolver,
                                                         const std::string& message,
                                                         const VerifyOptions& options) {
  Prepared prepared = prepare(message, options);
  std::map<std::string, TxtAnswer> answers;
  for (Pending& item : prepared.items) {
    if (item.done) continue;
    const std::string& name = item.verdict.key_name;
    auto cached = answers.find(name);
    if (cached == answers.end()) {
      TxtAnswer answer = co_await resolver.lookupTxt(name);
      cached = answers.emplace(name, std::move(answer)).first;
    }
    finishWithKey(item, *prepared.split, cached->second);
  }
  co_return summarize(prepared);
}

VerificationReport verifyMessageWithKeys(
    const std::string& message, const std::vector<std::pair<std::string, std::string>>& key_records,
    const VerifyOptions& options) {
  Prepared prepared = prepare(message, options);
  for (Pending& item : prepared.items) {
    if (item.done) continue;
    const TxtAnswer answer = fromKeyList(key_records, item.verdict.key_name);
    finishWithKey(item, *prepared.split, answer);
  }
  return summarize(prepared);
}

}  // namespace outpost::mailauth::dkim

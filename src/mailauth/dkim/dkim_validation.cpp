// DKIM key record validation (RFC 6376 §3.6.1-3.6.2, RFC 8301 §3.2 key sizes, RFC 8463): one
// TXT lookup, then every check whose answer a person can act on. SECURITY: records are untrusted
// DNS data: quoted in findings, parsed by parseKeyRecord, never executed or stored.
#include "mailauth/dkim/dkim_validation.h"

#include <algorithm>
#include <utility>

namespace outpost::mailauth::dkim {
namespace {

// RFC 8301 §3.2: verifiers must not accept RSA keys below 1024 bits, signers must use 1024 or
// more and should use 2048.
constexpr int kRsaFloorBits = 1024;
constexpr int kRsaRecommendedBits = 2048;

void add(KeyValidation& validation, std::string code, FindingSeverity severity,
         std::string message) {
  validation.findings.push_back({std::move(code), severity, std::move(message)});
}

// What a failed TXT lookup means for the person who was to publish the record.
void explainLookupFailure(KeyValidation& v, const Error& error) {
  if (error.code == dns::kNxdomain) {
    v.status = KeyValidationStatus::kMissing;
    add(v, "nxdomain", FindingSeverity::kError,
        v.name +
            " does not exist (NXDOMAIN): publish the TXT record shown for this key at that name. "
            "If you did, check the selector's spelling, and that your DNS provider did not add "
            "the domain a second time at the end of the name.");
  } else if (error.code == dns::kNodata) {
    v.status = KeyValidationStatus::kMissing;
    add(v, "no_txt", FindingSeverity::kError,
        v.name +
            " exists but has no TXT record (NODATA): publish the key as a TXT record at that "
            "name (if the name is a CNAME, the name it points to has no TXT record).");
  } else if (error.temporary) {
    v.status = KeyValidationStatus::kProblem;
    v.temporary = true;
    add(v, "dns_temporary", FindingSeverity::kError,
        "The DNS lookup could not be completed (" + error.message +
            "): this says nothing about the record yet; try again in a few minutes.");
  } else {
    v.status = KeyValidationStatus::kProblem;
    add(v, "dns_error", FindingSeverity::kError, "The DNS lookup failed: " + error.message + ".");
  }
}

// The record the content checks look at: the one holding the expected key, else the first that
// parses, else the first.
std::size_t chooseRecord(const std::vector<Result<KeyRecord>>& parsed, const EVP_PKEY* expected) {
  if (expected != nullptr) {
    for (std::size_t i = 0; i < parsed.size(); ++i) {
      if (parsed[i] && parsed[i]->public_key && samePublicKey(*parsed[i]->public_key, *expected)) {
        return i;
      }
    }
  }
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    if (parsed[i]) return i;
  }
  return 0;
}

bool looksLikeKeyRecord(std::string_view text) {
  return text.find("DKIM1") != std::string_view::npos || text.find("p=") != std::string_view::npos;
}

void checkContent(KeyValidation& v, const KeyRecord& record, const EVP_PKEY* expected) {
  if (record.revoked()) {
    add(v, "revoked", FindingSeverity::kError,
        "The record has an empty p=, which revokes the key: signatures with this selector fail. "
        "Publish the record shown for this key.");
    return;
  }
  if (expected != nullptr) {
    auto expected_type = keyTypeOf(*expected);
    if (expected_type && *expected_type != record.type) {
      add(v, "wrong_key_type", FindingSeverity::kError,
          "The record publishes an " + std::string(keyTypeName(record.type)) +
              " key, but this selector signs with an " + std::string(keyTypeName(*expected_type)) +
              " key: publish the record shown for this key (k=" +
              std::string(keyTypeName(*expected_type)) + ").");
      return;
    }
  }
  if (record.type == KeyType::kRsa && record.key_bits < kRsaFloorBits) {
    add(v, "key_too_short", FindingSeverity::kError,
        "The published RSA key has " + std::to_string(record.key_bits) +
            " bits; verifiers ignore keys below 1024 bits (RFC 8301): publish a 2048-bit key.");
  } else if (record.type == KeyType::kRsa && record.key_bits < kRsaRecommendedBits) {
    add(v, "key_too_short", FindingSeverity::kWarning,
        "The published RSA key has " + std::to_string(record.key_bits) +
            " bits; some receivers distrust keys below 2048 bits: rotate to a 2048-bit key.");
  }
  if (expected != nullptr && !samePublicKey(*record.public_key, *expected)) {
    add(v, "different_key", FindingSeverity::kError,
        "The record publishes a different key than the one outpost signs with for this "
        "selector: replace the record with the one shown for this key (an old record may still "
        "be cached for the TTL).");
  }
  if (!record.allowsHash("sha256")) {
    add(v, "hash_excluded", FindingSeverity::kError,
        "The record's h= tag does not list sha256, so verifiers refuse every signature: remove "
        "h= or make it h=sha256.");
  }
  if (!record.allowsEmail()) {
    add(v, "service_excluded", FindingSeverity::kError,
        "The record's s= tag allows neither * nor email, so the key cannot sign mail: remove "
        "s=.");
  }
  if (record.testing) {
    add(v, "testing", FindingSeverity::kWarning,
        "The record still has t=y (testing mode): some receivers treat signatures as unsigned. "
        "Remove t=y once signing works.");
  }
}

}  // namespace

std::string_view keyValidationStatusName(KeyValidationStatus status) {
  switch (status) {
    case KeyValidationStatus::kOk:
      return "ok";
    case KeyValidationStatus::kMissing:
      return "missing";
    case KeyValidationStatus::kProblem:
      return "problem";
  }
  return "problem";
}

std::string_view findingSeverityName(FindingSeverity severity) {
  switch (severity) {
    case FindingSeverity::kError:
      return "error";
    case FindingSeverity::kWarning:
      return "warning";
    case FindingSeverity::kNote:
      return "note";
  }
  return "error";
}

bool KeyValidation::has(std::string_view code) const {
  return std::any_of(findings.begin(), findings.end(),
                     [code](const KeyFinding& finding) { return finding.code == code; });
}

boost::asio::awaitable<KeyValidation> validateKeyRecord(dns::Resolver& resolver,
                                                        const std::string& domain,
                                                        const std::string& selector,
                                                        const KeyHandle& expected) {
  KeyValidation v;
  v.name = selector + "._domainkey." + dns::normalizeName(domain);
  const std::string& name = v.name;
  auto answer = co_await resolver.lookupTxt(name);
  if (!answer) {
    explainLookupFailure(v, answer.error());
    co_return v;
  }
  v.ttl = answer->ttl;
  v.records = answer->records;

  std::vector<Result<KeyRecord>> parsed;
  parsed.reserve(v.records.size());
  for (const std::string& text : v.records) parsed.push_back(parseKeyRecord(text));
  if (v.records.size() > 1) {
    add(v, "several_records", FindingSeverity::kError,
        std::to_string(v.records.size()) + " TXT records are published at " + v.name +
            "; verifiers may pick any of them, or fail: keep exactly one, the record shown for "
            "this key.");
  }
  bool any_key_record =
      std::any_of(v.records.begin(), v.records.end(),
                  [](const std::string& r) { return looksLikeKeyRecord(r); }) ||
      std::any_of(parsed.begin(), parsed.end(), [](const Result<KeyRecord>& r) { return r.ok(); });
  if (!any_key_record) {
    add(v, "no_dkim_record", FindingSeverity::kError,
        "The TXT record at " + v.name +
            " is not a DKIM key record (it has no v=DKIM1 and no p=): publish the record shown "
            "for this key.");
    v.record = v.records.front();
    v.status = KeyValidationStatus::kProblem;
    co_return v;
  }

  std::size_t chosen = chooseRecord(parsed, expected.get());
  v.record = v.records[chosen];
  Result<KeyRecord>& record = parsed[chosen];
  if (!record) {
    const Error& error = record.error();
    add(v, error.code == kKeyType ? "wrong_key_type" : "syntax", FindingSeverity::kError,
        "The record cannot be used: " + error.message + ".");
  } else {
    checkContent(v, *record, expected.get());
    v.parsed = std::move(*record);
  }
  bool failed = std::any_of(v.findings.begin(), v.findings.end(), [](const KeyFinding& finding) {
    return finding.severity == FindingSeverity::kError;
  });
  v.status = failed ? KeyValidationStatus::kProblem : KeyValidationStatus::kOk;
  co_return v;
}

}  // namespace outpost::mailauth::dkim

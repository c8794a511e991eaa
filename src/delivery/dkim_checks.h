// DKIM checks shared by the HTTP API, the CLI and the periodic check of `serve`, so that they
// behave the same: validating the published key records (RFC 6376 §3.6.2) and activating pending
// keys whose record validates; signing a sample message and verifying it through DNS.
// SECURITY: every DNS answer is untrusted (dkim_validation.h and verifier.h handle it); private
// keys are opened only to sign the sample and never leave this file.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret_box.h"
#include "delivery/dkim_keys.h"
#include "dns/resolver.h"
#include "mailauth/dkim/dkim_validation.h"
#include "mailauth/dkim/signer.h"
#include "mailauth/dkim/verifier.h"
#include "store/store.h"

namespace outpost::delivery {

// What validating one key found and did.
struct DkimKeyCheck {
  std::string domain;
  std::string selector;
  std::string algorithm;     // "rsa-sha256" | "ed25519-sha256"
  std::string state_before;  // pending | active | retired
  std::string state_after;   // after this check's activations (another key's may retire it)
  mailauth::dkim::KeyValidation validation;
  // The record to publish at validation.name.
  std::string record;
  // Whether this check activated the key.
  bool activated = false;
  // Status ok and no error finding: the record lets receivers verify this key's signatures.
  bool valid = false;
  // The one line stored as the key's last_validation ("ok", "missing: nxdomain", …).
  std::string summary;
  // A store failure while recording or activating; the validation above still holds.
  std::string store_error;
};

// A key the test signed with.
struct DkimTestKey {
  std::string selector;
  std::string algorithm;
  std::string state;  // "active", or "pending" when the algorithm has no active key yet
};

struct DkimTestReport {
  std::string domain;
  std::vector<DkimTestKey> keys;
  // A sentence on which keys signed, e.g. that pending keys stood in for missing active ones.
  std::string note;
  // The signed sample (CRLF), its DKIM-Signature fields first.
  std::string message;
  // Each "DKIM-Signature: …" field as added (folded, without the final CRLF), in key order.
  std::vector<std::string> signature_fields;
  mailauth::dkim::VerificationReport verification;
};

// Makes a resolver bound to `executor` (c-ares resolvers are not thread-safe).
using ResolverMaker = std::function<Result<std::unique_ptr<dns::Resolver>>(
    const boost::asio::any_io_executor& executor)>;

class DkimChecks {
 public:
  // `blocking` runs store calls and signing (never on the I/O threads); `sign_options` gives
  // the test signatures the c=, x= and headers of outgoing mail (d= and s= are each key's).
  DkimChecks(store::Store& store, const SecretBox& secrets, const Clock& clock,
             DkimKeyRepository& keys, boost::asio::any_io_executor blocking,
             mailauth::dkim::SignOptions sign_options = mailauth::dkim::SignOptions());

  // Validates the records of the domain's pending and active keys (or of `selector` alone,
  // whatever its state), records each outcome on the key, and activates each pending key whose
  // record is valid. Error "not_found" when the domain has no such key (or no key at all),
  // "store.*" when the keys cannot be read. Arguments must outlive the coroutine (named values).
  boost::asio::awaitable<Result<std::vector<DkimKeyCheck>>> validate(
      dns::Resolver& resolver, const std::string& domain,
      const std::optional<std::string>& selector);

  // Signs a sample message from dkim-test@domain with every active key of the domain (and, for
  // an algorithm with no active key, its newest pending key) and verifies it through `resolver`.
  // Error "not_found" when the domain has no active or pending key.
  boost::asio::awaitable<Result<DkimTestReport>> test(dns::Resolver& resolver,
                                                      const std::string& domain);

  // validate() for every pending key of every domain: the periodic check that activates keys
  // once DNS publishes them. Returns the checks made (none when nothing is pending).
  boost::asio::awaitable<Result<std::vector<DkimKeyCheck>>> checkPending(dns::Resolver& resolver);

  // Runs checkPending() now and then every `interval`, on the calling coroutine's executor (a
  // strand: each round's resolver is made for it), logging each key activated and each failure.
  // Runs until its executor stops or it is cancelled; an interval of 0 turns it off.
  // `make_resolver` must outlive it.
  boost::asio::awaitable<void> checkPendingEvery(std::chrono::seconds interval,
                                                 const ResolverMaker& make_resolver);

 private:
  boost::asio::awaitable<std::vector<DkimKeyCheck>> validateKeys(
      dns::Resolver& resolver, const std::vector<store::DkimKey>& keys);

  store::Store& store_;
  const SecretBox& secrets_;
  const Clock& clock_;
  DkimKeyRepository& keys_;
  boost::asio::any_io_executor blocking_;
  mailauth::dkim::SignOptions sign_options_;
};

// Validates the published record of each key against the key outpost holds, changing nothing
// (no activation, nothing recorded): what validate() does before it records and activates, and
// what the deliverability checklist shows. `keys` must outlive the coroutine.
boost::asio::awaitable<std::vector<DkimKeyCheck>> checkKeyRecords(
    dns::Resolver& resolver, const std::vector<store::DkimKey>& keys);

// The one-line summary of a validation, as stored in last_validation.
std::string validationSummary(const mailauth::dkim::KeyValidation& validation);

// Whether the validation lets receivers verify signatures: status ok, no error finding.
bool validationPasses(const mailauth::dkim::KeyValidation& validation);

// JSON forms shared by the API and the CLI `--json` output.
// {"name", "type": "TXT", "value", "strings": [≤255-octet parts], "zone_file"}: what to publish.
boost::json::object publishRecordJson(const std::string& domain, const std::string& selector,
                                      const std::string& value);
// {"selector", "algorithm", "state_before", "state", "activated", "status", "valid", "temporary",
//  "summary", "findings": [{"code", "severity", "message"}], "records_found", "ttl", "record"}
boost::json::object keyCheckJson(const DkimKeyCheck& check);
// {"domain", "selector", "algorithm", "result", "code", "reason", "key_name", "key_record",
//  "key_testing"}; domain, selector and algorithm are null when the signature did not parse.
boost::json::object verdictJson(const mailauth::dkim::SignatureVerdict& verdict);
// {"domain", "result", "note", "keys": [{"selector", "algorithm", "state"}],
//  "signature_headers", "verdicts", "message"}
boost::json::object testReportJson(const DkimTestReport& report);

// The sample message test() signs (CRLF, no signature yet).
std::string dkimTestMessage(const std::string& domain, UnixMillis now);

}  // namespace outpost::delivery

// MemoryZone: a Resolver answering from records held in memory, for the unit tests of modules
// that look names up (delivery, SPF, DMARC). Names compare case-insensitively, trailing dot or
// not; a name with no records at all is NXDOMAIN, a known name without the asked type NODATA.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dns/resolver.h"

namespace outpost::dns {

class MemoryZone final : public Resolver {
 public:
  // The TTL records get unless a test gives one.
  static constexpr std::chrono::seconds kDefaultTtl{300};

  // Each add* appends one record to the name's RRset of that type; the RRset's TTL (the one
  // answers report) is the smallest TTL given to any of its records (RFC 2181 §5.2).
  void addMx(const std::string& name, std::uint16_t preference, const std::string& exchange,
             std::chrono::seconds ttl = kDefaultTtl);
  // Adds the single MX record "0 ." (RFC 7505).
  void addNullMx(const std::string& name, std::chrono::seconds ttl = kDefaultTtl) {
    addMx(name, 0, ".", ttl);
  }
  void addA(const std::string& name, const std::string& address,
            std::chrono::seconds ttl = kDefaultTtl);
  void addAaaa(const std::string& name, const std::string& address,
               std::chrono::seconds ttl = kDefaultTtl);
  // `text` is the record's character-strings already joined.
  void addTxt(const std::string& name, const std::string& text,
              std::chrono::seconds ttl = kDefaultTtl);
  // PTR for an IP address given as text; the reverse name is derived from it.
  void addPtr(const std::string& address, const std::string& host,
              std::chrono::seconds ttl = kDefaultTtl);

  // Makes `name` an alias (CNAME) of `target`: lookups of any type at `name` answer what
  // `target` has, as a recursive resolver does. A chain longer than 8 links, or a loop, fails
  // like SERVFAIL.
  void addCname(const std::string& name, const std::string& target);
  // A record of the obsolete SPF RR type (99) at `name` (hasSpfTypeRecords answers true).
  void addSpfType(const std::string& name);

  // The negative-caching TTL NXDOMAIN and NODATA answers carry, as if from the zone's SOA
  // (min of its TTL and MINIMUM); empty (the default) acts like a reply without an SOA.
  void setNegativeTtl(std::optional<std::chrono::seconds> ttl) { negative_ttl_ = ttl; }

  // Every lookup of `name` (any type) fails with SERVFAIL / a timeout, both temporary. The
  // timeout is reported at once: tests should not wait.
  void failWithServfail(const std::string& name);
  void failWithTimeout(const std::string& name);
  // Forgets a failure set above.
  void clearFailure(const std::string& name);

  // How many lookups were made, all types together (lets cache tests see hits).
  int lookupCount() const { return lookups_; }

  boost::asio::awaitable<Result<Answer<MxRecord>>> lookupMx(std::string name) override;
  boost::asio::awaitable<Result<Answer<std::string>>> lookupA(std::string name) override;
  boost::asio::awaitable<Result<Answer<std::string>>> lookupAaaa(std::string name) override;
  boost::asio::awaitable<Result<Answer<std::string>>> lookupTxt(std::string name) override;
  boost::asio::awaitable<Result<Answer<std::string>>> lookupPtr(std::string address) override;
  boost::asio::awaitable<Result<bool>> hasSpfTypeRecords(std::string name) override;
  // The zone-wide value of setNegativeTtl, whatever the name.
  std::optional<std::chrono::seconds> negativeTtl(RecordType type,
                                                  std::string_view name) const override;

 private:
  struct Node {
    Answer<MxRecord> mx;
    Answer<std::string> a, aaaa, txt, ptr;
    std::string cname;  // the alias target, when this name is a CNAME
    bool spf_type = false;
  };
  // The records of `key` of one type, or the error the lookup gives.
  Result<const Node*> find(RecordType type, const std::string& shown_name, const std::string& key);
  Result<Answer<std::string>> lookupStrings(RecordType type, const std::string& shown_name,
                                            const std::string& key,
                                            Answer<std::string> Node::*member);

  std::map<std::string, Node> nodes_;
  std::set<std::string> servfail_, timeout_;
  std::optional<std::chrono::seconds> negative_ttl_;
  int lookups_ = 0;
};

}  // namespace outpost::dns

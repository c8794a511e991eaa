// MemoryZone: a Resolver answering from records held in memory, for the unit tests of modules
// that look names up (delivery, SPF, DMARC). Names compare case-insensitively, trailing dot or
// not; a name with no records at all is NXDOMAIN, a known name without the asked type NODATA.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "dns/resolver.h"

namespace outpost::dns {

class MemoryZone final : public Resolver {
 public:
  void addMx(const std::string& name, std::uint16_t preference, const std::string& exchange);
  // Adds the single MX record "0 ." (RFC 7505).
  void addNullMx(const std::string& name) { addMx(name, 0, "."); }
  void addA(const std::string& name, const std::string& address);
  void addAaaa(const std::string& name, const std::string& address);
  // `text` is the record's character-strings already joined.
  void addTxt(const std::string& name, const std::string& text);
  // PTR for an IP address given as text; the reverse name is derived from it.
  void addPtr(const std::string& address, const std::string& host);

  // Every lookup of `name` (any type) fails with SERVFAIL / a timeout, both temporary. The
  // timeout is reported at once: tests should not wait.
  void failWithServfail(const std::string& name);
  void failWithTimeout(const std::string& name);
  // Forgets a failure set above.
  void clearFailure(const std::string& name);

  // How many lookups were made, all types together (lets cache tests see hits).
  int lookupCount() const { return lookups_; }

  boost::asio::awaitable<Result<std::vector<MxRecord>>> lookupMx(std::string name) override;
  boost::asio::awaitable<Result<std::vector<std::string>>> lookupA(std::string name) override;
  boost::asio::awaitable<Result<std::vector<std::string>>> lookupAaaa(std::string name) override;
  boost::asio::awaitable<Result<std::vector<std::string>>> lookupTxt(std::string name) override;
  boost::asio::awaitable<Result<std::vector<std::string>>> lookupPtr(std::string address) override;

 private:
  struct Node {
    std::vector<MxRecord> mx;
    std::vector<std::string> a, aaaa, txt, ptr;
  };
  // The records of `key` of one type, or the error the lookup gives.
  Result<const Node*> find(RecordType type, const std::string& shown_name, const std::string& key);
  Result<std::vector<std::string>> lookupStrings(RecordType type, const std::string& shown_name,
                                                 const std::string& key,
                                                 std::vector<std::string> Node::*member);

  std::map<std::string, Node> nodes_;
  std::set<std::string> servfail_, timeout_;
  int lookups_ = 0;
};

}  // namespace outpost::dns

// CachingResolver: a Resolver that remembers the answers of another one, and its NXDOMAIN and
// NODATA answers (negative caching, RFC 2308), for a bounded time read from an injectable Clock.
// Temporary failures (timeouts, SERVFAIL) are never cached: the next lookup asks again.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <variant>

#include "core/clock.h"
#include "dns/resolver.h"

namespace outpost::dns {

struct CacheOptions {
  // c-ares 1.18's parsers report no TTL for MX, TXT and PTR, so answers are kept for this fixed
  // time rather than for each record's TTL; keep it short enough that DNS changes show up soon.
  std::chrono::seconds positive_ttl{300};
  // NXDOMAIN and NODATA (RFC 2308 §5 allows caching them; most zones ask for minutes).
  std::chrono::seconds negative_ttl{60};
  // When full, expired entries are dropped first, then everything (simple and bounded).
  std::size_t max_entries = 10000;
};

class CachingResolver final : public Resolver {
 public:
  // `inner` and `clock` must outlive the cache.
  CachingResolver(Resolver& inner, const Clock& clock, CacheOptions options = {})
      : inner_(inner), clock_(clock), options_(options) {}

  boost::asio::awaitable<Result<std::vector<MxRecord>>> lookupMx(std::string name) override;
  boost::asio::awaitable<Result<std::vector<std::string>>> lookupA(std::string name) override;
  boost::asio::awaitable<Result<std::vector<std::string>>> lookupAaaa(std::string name) override;
  boost::asio::awaitable<Result<std::vector<std::string>>> lookupTxt(std::string name) override;
  boost::asio::awaitable<Result<std::vector<std::string>>> lookupPtr(std::string address) override;

  std::size_t size() const { return entries_.size(); }

 private:
  using Answer = std::variant<std::vector<MxRecord>, std::vector<std::string>, Error>;
  struct Entry {
    Answer answer;
    UnixMillis expires_at = 0;
  };
  using Key = std::pair<RecordType, std::string>;

  // The cached answer for `key`, or nullptr when there is none that is still fresh.
  const Entry* fresh(const Key& key);
  void store(const Key& key, Answer answer, std::chrono::seconds ttl);
  template <class T>
  void remember(const Key& key, const Result<T>& result);
  boost::asio::awaitable<Result<std::vector<std::string>>> cachedStrings(RecordType type,
                                                                         std::string name);

  Resolver& inner_;
  const Clock& clock_;
  CacheOptions options_;
  std::map<Key, Entry> entries_;
};

}  // namespace outpost::dns

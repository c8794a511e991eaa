// CachingResolver: a Resolver that remembers the answers of another one for their TTL, and its
// NXDOMAIN and NODATA answers for the negative TTL of RFC 2308 §5, on an injectable Clock.
// Temporary failures (timeouts, SERVFAIL, refused) are never cached: the next lookup asks again.
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
  // Every TTL is clamped to [min_ttl, max_ttl] (negative ones to [min_ttl, max_negative_ttl]).
  // The floor: a record published with TTL 0 would otherwise send every delivery attempt to the
  // DNS server; 5 s is short enough that nobody notices a change, long enough to share one answer
  // among a burst of messages to the same domain. Answers never leave this process, so keeping
  // them a little longer than asked harms no other cache.
  std::chrono::seconds min_ttl{5};
  // The ceiling: a moved MX shows up within a day even when its old TTL said a week.
  std::chrono::seconds max_ttl{std::chrono::hours(24)};
  // NXDOMAIN/NODATA whose reply had no SOA. RFC 2308 §5 advises against caching those at all
  // because two caching servers could feed them to each other forever; a stub cache that never
  // answers anyone else has no such loop, and a short time spares the server a retry storm.
  std::chrono::seconds negative_ttl{60};
  // RFC 2308 §5: "values of one to three hours have been found to work well" as the upper bound.
  std::chrono::seconds max_negative_ttl{std::chrono::hours(3)};
  // When full, expired entries are dropped first, then everything (simple and bounded).
  std::size_t max_entries = 10000;
};

class CachingResolver final : public Resolver {
 public:
  // `inner` and `clock` must outlive the cache.
  CachingResolver(Resolver& inner, const Clock& clock, CacheOptions options = {})
      : inner_(inner), clock_(clock), options_(options) {}

  // A cached answer reports the time it has left in this cache (rounded up) as its TTL; an
  // answer fetched now reports the TTL the inner resolver gave.
  boost::asio::awaitable<Result<Answer<MxRecord>>> lookupMx(std::string name) override;
  boost::asio::awaitable<Result<Answer<std::string>>> lookupA(std::string name) override;
  boost::asio::awaitable<Result<Answer<std::string>>> lookupAaaa(std::string name) override;
  boost::asio::awaitable<Result<Answer<std::string>>> lookupTxt(std::string name) override;
  boost::asio::awaitable<Result<Answer<std::string>>> lookupPtr(std::string address) override;
  // Asked of the inner resolver each time: only advice asks it.
  boost::asio::awaitable<Result<bool>> hasSpfTypeRecords(std::string name) override;
  // The time a cached NXDOMAIN/NODATA for `type` and `name` has left, if there is one.
  std::optional<std::chrono::seconds> negativeTtl(RecordType type,
                                                  std::string_view name) const override;

  std::size_t size() const { return entries_.size(); }

 private:
  using Cached = std::variant<Answer<MxRecord>, Answer<std::string>, Error>;
  struct Entry {
    Cached answer;
    UnixMillis expires_at = 0;
  };
  using Key = std::pair<RecordType, std::string>;

  static Key keyFor(RecordType type, std::string_view name);
  // The cached answer for `key`, or nullptr when there is none that is still fresh.
  Entry* fresh(const Key& key);
  std::chrono::seconds timeLeft(const Entry& entry) const;
  void store(const Key& key, Cached answer, std::chrono::seconds ttl);
  // Stores what the inner resolver returned, if it may be cached, for as long as it may be.
  template <class Record>
  void remember(const Key& key, const Result<Answer<Record>>& result);
  // The fresh cached result for `key`, if any, with its remaining TTL.
  template <class Record>
  std::optional<Result<Answer<Record>>> cached(const Key& key);
  boost::asio::awaitable<Result<Answer<std::string>>> cachedStrings(RecordType type,
                                                                    std::string name);

  Resolver& inner_;
  const Clock& clock_;
  CacheOptions options_;
  std::map<Key, Entry> entries_;
};

}  // namespace outpost::dns

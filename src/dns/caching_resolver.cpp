// CachingResolver: see caching_resolver.h. Caches what the inner Resolver returned (untrusted
// answers, stored as they are); keys are the record type and the normalized name (PTR: the
// address). TTL bounds are explained at CacheOptions.
#include "dns/caching_resolver.h"

#include <algorithm>

namespace outpost::dns {

CachingResolver::Key CachingResolver::keyFor(RecordType type, std::string_view name) {
  return Key{type, normalizeName(name)};
}

CachingResolver::Entry* CachingResolver::fresh(const Key& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  if (it->second.expires_at <= clock_.now()) {
    entries_.erase(it);
    return nullptr;
  }
  return &it->second;
}

std::chrono::seconds CachingResolver::timeLeft(const Entry& entry) const {
  UnixMillis left = std::max<UnixMillis>(0, entry.expires_at - clock_.now());
  return std::chrono::seconds((left + 999) / 1000);
}

void CachingResolver::store(const Key& key, Cached answer, std::chrono::seconds ttl) {
  if (ttl.count() <= 0 || options_.max_entries == 0) return;
  UnixMillis now = clock_.now();
  if (entries_.size() >= options_.max_entries && entries_.count(key) == 0) {
    std::erase_if(entries_, [now](const auto& item) { return item.second.expires_at <= now; });
    if (entries_.size() >= options_.max_entries) entries_.clear();
  }
  entries_[key] = Entry{std::move(answer),
                        now + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count()};
}

template <class Record>
void CachingResolver::remember(const Key& key, const Result<Answer<Record>>& result) {
  if (result.ok()) {
    store(key, result.value(), std::clamp(result->ttl, options_.min_ttl, options_.max_ttl));
    return;
  }
  const std::string& code = result.error().code;
  if (code != kNxdomain && code != kNodata) return;  // temporary, or not an answer at all
  // Asked at once, before any other lookup can complete (see Resolver::negativeTtl).
  std::chrono::seconds ttl =
      inner_.negativeTtl(key.first, key.second).value_or(options_.negative_ttl);
  store(key, result.error(),
        std::clamp(ttl, options_.min_ttl, std::max(options_.min_ttl, options_.max_negative_ttl)));
}

template <class Record>
std::optional<Result<Answer<Record>>> CachingResolver::cached(const Key& key) {
  Entry* entry = fresh(key);
  if (entry == nullptr) return std::nullopt;
  if (const auto* error = std::get_if<Error>(&entry->answer)) return Result<Answer<Record>>(*error);
  Answer<Record> answer = std::get<Answer<Record>>(entry->answer);
  answer.ttl = timeLeft(*entry);
  return Result<Answer<Record>>(std::move(answer));
}

std::optional<std::chrono::seconds> CachingResolver::negativeTtl(RecordType type,
                                                                 std::string_view name) const {
  auto it = entries_.find(keyFor(type, name));
  if (it == entries_.end() || !std::holds_alternative<Error>(it->second.answer) ||
      it->second.expires_at <= clock_.now()) {
    return std::nullopt;
  }
  return timeLeft(it->second);
}

boost::asio::awaitable<Result<Answer<MxRecord>>> CachingResolver::lookupMx(std::string name) {
  Key key = keyFor(RecordType::mx, name);
  if (auto hit = cached<MxRecord>(key)) co_return std::move(*hit);
  auto result = co_await inner_.lookupMx(std::move(name));
  remember(key, result);
  co_return result;
}

boost::asio::awaitable<Result<Answer<std::string>>> CachingResolver::cachedStrings(
    RecordType type, std::string name) {
  Key key = keyFor(type, name);
  if (auto hit = cached<std::string>(key)) co_return std::move(*hit);
  Result<Answer<std::string>> result = Error{};
  switch (type) {
    case RecordType::a:
      result = co_await inner_.lookupA(std::move(name));
      break;
    case RecordType::aaaa:
      result = co_await inner_.lookupAaaa(std::move(name));
      break;
    case RecordType::txt:
      result = co_await inner_.lookupTxt(std::move(name));
      break;
    case RecordType::ptr:
      result = co_await inner_.lookupPtr(std::move(name));
      break;
    case RecordType::mx:
      break;  // lookupMx has its own path
  }
  remember(key, result);
  co_return result;
}

boost::asio::awaitable<Result<Answer<std::string>>> CachingResolver::lookupA(std::string name) {
  return cachedStrings(RecordType::a, std::move(name));
}

boost::asio::awaitable<Result<Answer<std::string>>> CachingResolver::lookupAaaa(std::string name) {
  return cachedStrings(RecordType::aaaa, std::move(name));
}

boost::asio::awaitable<Result<Answer<std::string>>> CachingResolver::lookupTxt(std::string name) {
  return cachedStrings(RecordType::txt, std::move(name));
}

boost::asio::awaitable<Result<Answer<std::string>>> CachingResolver::lookupPtr(
    std::string address) {
  return cachedStrings(RecordType::ptr, std::move(address));
}

boost::asio::awaitable<Result<bool>> CachingResolver::hasSpfTypeRecords(std::string name) {
  return inner_.hasSpfTypeRecords(std::move(name));
}

}  // namespace outpost::dns

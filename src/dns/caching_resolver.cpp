// CachingResolver: see caching_resolver.h. Caches what the inner Resolver returned (untrusted
// answers, stored as they are); keys are the normalized name and the record type.
#include "dns/caching_resolver.h"

namespace outpost::dns {

const CachingResolver::Entry* CachingResolver::fresh(const Key& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  if (it->second.expires_at <= clock_.now()) {
    entries_.erase(it);
    return nullptr;
  }
  return &it->second;
}

void CachingResolver::store(const Key& key, Answer answer, std::chrono::seconds ttl) {
  if (ttl.count() <= 0 || options_.max_entries == 0) return;
  UnixMillis now = clock_.now();
  if (entries_.size() >= options_.max_entries && entries_.count(key) == 0) {
    std::erase_if(entries_, [now](const auto& item) { return item.second.expires_at <= now; });
    if (entries_.size() >= options_.max_entries) entries_.clear();
  }
  entries_[key] = Entry{std::move(answer),
                        now + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count()};
}

template <class T>
void CachingResolver::remember(const Key& key, const Result<T>& result) {
  if (result.ok()) {
    store(key, result.value(), options_.positive_ttl);
  } else if (result.error().code == kNxdomain || result.error().code == kNodata) {
    store(key, result.error(), options_.negative_ttl);
  }
}

boost::asio::awaitable<Result<std::vector<MxRecord>>> CachingResolver::lookupMx(std::string name) {
  Key key{RecordType::mx, normalizeName(name)};
  if (const Entry* entry = fresh(key)) {
    if (const auto* error = std::get_if<Error>(&entry->answer)) co_return *error;
    co_return std::get<std::vector<MxRecord>>(entry->answer);
  }
  auto result = co_await inner_.lookupMx(std::move(name));
  remember(key, result);
  co_return result;
}

boost::asio::awaitable<Result<std::vector<std::string>>> CachingResolver::cachedStrings(
    RecordType type, std::string name) {
  Key key{type, type == RecordType::ptr ? name : normalizeName(name)};
  if (const Entry* entry = fresh(key)) {
    if (const auto* error = std::get_if<Error>(&entry->answer)) co_return *error;
    co_return std::get<std::vector<std::string>>(entry->answer);
  }
  Result<std::vector<std::string>> result = Error{};
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

boost::asio::awaitable<Result<std::vector<std::string>>> CachingResolver::lookupA(
    std::string name) {
  return cachedStrings(RecordType::a, std::move(name));
}

boost::asio::awaitable<Result<std::vector<std::string>>> CachingResolver::lookupAaaa(
    std::string name) {
  return cachedStrings(RecordType::aaaa, std::move(name));
}

boost::asio::awaitable<Result<std::vector<std::string>>> CachingResolver::lookupTxt(
    std::string name) {
  return cachedStrings(RecordType::txt, std::move(name));
}

boost::asio::awaitable<Result<std::vector<std::string>>> CachingResolver::lookupPtr(
    std::string address) {
  return cachedStrings(RecordType::ptr, std::move(address));
}

}  // namespace outpost::dns

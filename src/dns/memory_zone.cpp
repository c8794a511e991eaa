// MemoryZone: in-memory records for tests; see memory_zone.h. Names given by tests are trusted.
#include "dns/memory_zone.h"

#include <algorithm>

namespace outpost::dns {

void MemoryZone::addMx(const std::string& name, std::uint16_t preference,
                       const std::string& exchange) {
  std::string host = exchange == "." ? exchange : normalizeName(exchange);
  nodes_[normalizeName(name)].mx.push_back(MxRecord{preference, std::move(host)});
}

void MemoryZone::addA(const std::string& name, const std::string& address) {
  nodes_[normalizeName(name)].a.push_back(address);
}

void MemoryZone::addAaaa(const std::string& name, const std::string& address) {
  nodes_[normalizeName(name)].aaaa.push_back(address);
}

void MemoryZone::addTxt(const std::string& name, const std::string& text) {
  nodes_[normalizeName(name)].txt.push_back(text);
}

void MemoryZone::addPtr(const std::string& address, const std::string& host) {
  nodes_[reverseName(address)].ptr.push_back(normalizeName(host));
}

void MemoryZone::failWithServfail(const std::string& name) {
  servfail_.insert(normalizeName(name));
}

void MemoryZone::failWithTimeout(const std::string& name) { timeout_.insert(normalizeName(name)); }

void MemoryZone::clearFailure(const std::string& name) {
  servfail_.erase(normalizeName(name));
  timeout_.erase(normalizeName(name));
}

Result<const MemoryZone::Node*> MemoryZone::find(RecordType type, const std::string& shown_name,
                                                 const std::string& key) {
  ++lookups_;
  if (servfail_.count(key) != 0) return lookupError(type, shown_name, kServfail);
  if (timeout_.count(key) != 0) return lookupError(type, shown_name, kTimeout);
  auto it = nodes_.find(key);
  if (it == nodes_.end()) return lookupError(type, shown_name, kNxdomain);
  return &it->second;
}

Result<std::vector<std::string>> MemoryZone::lookupStrings(RecordType type,
                                                           const std::string& shown_name,
                                                           const std::string& key,
                                                           std::vector<std::string> Node::*member) {
  auto node = find(type, shown_name, key);
  if (!node) return node.takeError();
  const auto& records = (*node)->*member;
  if (records.empty()) return lookupError(type, shown_name, kNodata);
  return records;
}

boost::asio::awaitable<Result<std::vector<MxRecord>>> MemoryZone::lookupMx(std::string name) {
  auto node = find(RecordType::mx, name, normalizeName(name));
  if (!node) co_return node.takeError();
  std::vector<MxRecord> records = (*node)->mx;
  if (records.empty()) co_return lookupError(RecordType::mx, name, kNodata);
  std::stable_sort(records.begin(), records.end(), [](const MxRecord& x, const MxRecord& y) {
    return x.preference < y.preference;
  });
  co_return records;
}

boost::asio::awaitable<Result<std::vector<std::string>>> MemoryZone::lookupA(std::string name) {
  co_return lookupStrings(RecordType::a, name, normalizeName(name), &Node::a);
}

boost::asio::awaitable<Result<std::vector<std::string>>> MemoryZone::lookupAaaa(std::string name) {
  co_return lookupStrings(RecordType::aaaa, name, normalizeName(name), &Node::aaaa);
}

boost::asio::awaitable<Result<std::vector<std::string>>> MemoryZone::lookupTxt(std::string name) {
  co_return lookupStrings(RecordType::txt, name, normalizeName(name), &Node::txt);
}

boost::asio::awaitable<Result<std::vector<std::string>>> MemoryZone::lookupPtr(
    std::string address) {
  std::string key = reverseName(address);
  if (key.empty()) {
    co_return Error::permanentFailure(std::string(kOtherError),
                                      "PTR lookup for " + address + ": not an IP address");
  }
  co_return lookupStrings(RecordType::ptr, address, key, &Node::ptr);
}

}  // namespace outpost::dns

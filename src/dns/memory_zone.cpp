// MemoryZone: in-memory records for tests; see memory_zone.h. Names given by tests are trusted.
#include "dns/memory_zone.h"

#include <algorithm>

namespace outpost::dns {
namespace {

// Appends one record to an RRset, which keeps the smallest TTL of its records.
template <class Record>
void addRecord(Answer<Record>& rrset, Record record, std::chrono::seconds ttl) {
  rrset.ttl = rrset.records.empty() ? ttl : std::min(rrset.ttl, ttl);
  rrset.records.push_back(std::move(record));
}

}  // namespace

void MemoryZone::addMx(const std::string& name, std::uint16_t preference,
                       const std::string& exchange, std::chrono::seconds ttl) {
  std::string host = exchange == "." ? exchange : normalizeName(exchange);
  addRecord(nodes_[normalizeName(name)].mx, MxRecord{preference, std::move(host)}, ttl);
}

void MemoryZone::addA(const std::string& name, const std::string& address,
                      std::chrono::seconds ttl) {
  addRecord(nodes_[normalizeName(name)].a, address, ttl);
}

void MemoryZone::addAaaa(const std::string& name, const std::string& address,
                         std::chrono::seconds ttl) {
  addRecord(nodes_[normalizeName(name)].aaaa, address, ttl);
}

void MemoryZone::addTxt(const std::string& name, const std::string& text,
                        std::chrono::seconds ttl) {
  addRecord(nodes_[normalizeName(name)].txt, text, ttl);
}

void MemoryZone::addPtr(const std::string& address, const std::string& host,
                        std::chrono::seconds ttl) {
  addRecord(nodes_[reverseName(address)].ptr, normalizeName(host), ttl);
}

void MemoryZone::addCname(const std::string& name, const std::string& target) {
  nodes_[normalizeName(name)].cname = normalizeName(target);
}

void MemoryZone::addSpfType(const std::string& name) {
  nodes_[normalizeName(name)].spf_type = true;
}

boost::asio::awaitable<Result<bool>> MemoryZone::hasSpfTypeRecords(std::string name) {
  auto node = find(RecordType::txt, name, normalizeName(name));
  if (!node) {
    if (node.error().code == kNxdomain) co_return false;
    co_return node.takeError();
  }
  co_return (*node)->spf_type;
}

void MemoryZone::failWithServfail(const std::string& name) {
  servfail_.insert(normalizeName(name));
}

void MemoryZone::failWithTimeout(const std::string& name) { timeout_.insert(normalizeName(name)); }

void MemoryZone::clearFailure(const std::string& name) {
  servfail_.erase(normalizeName(name));
  timeout_.erase(normalizeName(name));
}

std::optional<std::chrono::seconds> MemoryZone::negativeTtl(RecordType /*type*/,
                                                            std::string_view /*name*/) const {
  return negative_ttl_;
}

Result<const MemoryZone::Node*> MemoryZone::find(RecordType type, const std::string& shown_name,
                                                 const std::string& key) {
  ++lookups_;
  if (servfail_.count(key) != 0) return lookupError(type, shown_name, kServfail);
  if (timeout_.count(key) != 0) return lookupError(type, shown_name, kTimeout);
  auto it = nodes_.find(key);
  // Follows aliases the way a recursive resolver does before answering.
  constexpr int kMaxChain = 8;
  for (int links = 0; it != nodes_.end() && !it->second.cname.empty(); ++links) {
    if (links == kMaxChain) return lookupError(type, shown_name, kServfail, "CNAME chain too long");
    const std::string& target = it->second.cname;
    if (servfail_.count(target) != 0) return lookupError(type, shown_name, kServfail);
    if (timeout_.count(target) != 0) return lookupError(type, shown_name, kTimeout);
    it = nodes_.find(target);
  }
  if (it == nodes_.end()) return lookupError(type, shown_name, kNxdomain);
  return &it->second;
}

Result<Answer<std::string>> MemoryZone::lookupStrings(RecordType type,
                                                      const std::string& shown_name,
                                                      const std::string& key,
                                                      Answer<std::string> Node::*member) {
  auto node = find(type, shown_name, key);
  if (!node) return node.takeError();
  const auto& rrset = (*node)->*member;
  if (rrset.records.empty()) return lookupError(type, shown_name, kNodata);
  return rrset;
}

boost::asio::awaitable<Result<Answer<MxRecord>>> MemoryZone::lookupMx(std::string name) {
  auto node = find(RecordType::mx, name, normalizeName(name));
  if (!node) co_return node.takeError();
  Answer<MxRecord> answer = (*node)->mx;
  if (answer.records.empty()) co_return lookupError(RecordType::mx, name, kNodata);
  std::stable_sort(
      answer.records.begin(), answer.records.end(),
      [](const MxRecord& x, const MxRecord& y) { return x.preference < y.preference; });
  co_return answer;
}

boost::asio::awaitable<Result<Answer<std::string>>> MemoryZone::lookupA(std::string name) {
  co_return lookupStrings(RecordType::a, name, normalizeName(name), &Node::a);
}

boost::asio::awaitable<Result<Answer<std::string>>> MemoryZone::lookupAaaa(std::string name) {
  co_return lookupStrings(RecordType::aaaa, name, normalizeName(name), &Node::aaaa);
}

boost::asio::awaitable<Result<Answer<std::string>>> MemoryZone::lookupTxt(std::string name) {
  co_return lookupStrings(RecordType::txt, name, normalizeName(name), &Node::txt);
}

boost::asio::awaitable<Result<Answer<std::string>>> MemoryZone::lookupPtr(std::string address) {
  std::string key = reverseName(address);
  if (key.empty()) {
    co_return Error::permanentFailure(std::string(kOtherError),
                                      "PTR lookup for " + address + ": not an IP address");
  }
  co_return lookupStrings(RecordType::ptr, address, key, &Node::ptr);
}

}  // namespace outpost::dns

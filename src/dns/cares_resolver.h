// CaresResolver: Resolver backed by c-ares, driven by the Asio executor without blocking calls
// (c-ares reports its sockets; Asio waits on them and on c-ares's next timeout). c-ares parses
// the DNS wire format (RFC 1035); answers come from the network and are untrusted.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dns/resolver.h"

namespace outpost::dns {

struct CaresOptions {
  // "127.0.0.1:5353,[::1]:53" (ares_set_servers_ports_csv); "" = /etc/resolv.conf's servers.
  std::string servers;
  // Per try, per server; c-ares doubles it on later rounds.
  std::chrono::milliseconds timeout{5000};
  int tries = 2;
};

class CaresResolver final : public Resolver {
 public:
  // Fails (dns.error, permanent) when c-ares cannot start or the server list does not parse.
  static Result<std::unique_ptr<CaresResolver>> create(const boost::asio::any_io_executor& executor,
                                                       const CaresOptions& options);
  ~CaresResolver() override;
  CaresResolver(const CaresResolver&) = delete;
  CaresResolver& operator=(const CaresResolver&) = delete;

  // Answers carry the smallest TTL of the reply's answer section, as the server sent it (no
  // bounds: those are the cache's business).
  boost::asio::awaitable<Result<Answer<MxRecord>>> lookupMx(std::string name) override;
  boost::asio::awaitable<Result<Answer<std::string>>> lookupA(std::string name) override;
  boost::asio::awaitable<Result<Answer<std::string>>> lookupAaaa(std::string name) override;
  boost::asio::awaitable<Result<Answer<std::string>>> lookupTxt(std::string name) override;
  boost::asio::awaitable<Result<Answer<std::string>>> lookupPtr(std::string address) override;
  boost::asio::awaitable<Result<bool>> hasSpfTypeRecords(std::string name) override;
  std::optional<std::chrono::seconds> negativeTtl(RecordType type,
                                                  std::string_view name) const override;

  struct Impl;

 private:
  // The latest NXDOMAIN/NODATA this resolver returned (see Resolver::negativeTtl).
  struct NegativeAnswer {
    RecordType type = RecordType::a;
    std::string name;  // normalized
    std::optional<std::chrono::seconds> ttl;
  };

  explicit CaresResolver(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  // The error for a failed query or parse; remembers the SOA TTL of negative answers.
  Error failure(RecordType type, const std::string& name, int status,
                const std::vector<unsigned char>& reply);

  std::shared_ptr<Impl> impl_;
  std::optional<NegativeAnswer> last_negative_;
};

}  // namespace outpost::dns

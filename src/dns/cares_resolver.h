// CaresResolver: Resolver backed by c-ares, driven by the Asio executor without blocking calls
// (c-ares reports its sockets; Asio waits on them and on c-ares's next timeout). c-ares parses
// the DNS wire format (RFC 1035); answers come from the network and are untrusted.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <string>

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
  static Result<std::unique_ptr<CaresResolver>> create(boost::asio::any_io_executor executor,
                                                       const CaresOptions& options);
  ~CaresResolver() override;
  CaresResolver(const CaresResolver&) = delete;
  CaresResolver& operator=(const CaresResolver&) = delete;

  boost::asio::awaitable<Result<std::vector<MxRecord>>> lookupMx(std::string name) override;
  boost::asio::awaitable<Result<std::vector<std::string>>> lookupA(std::string name) override;
  boost::asio::awaitable<Result<std::vector<std::string>>> lookupAaaa(std::string name) override;
  boost::asio::awaitable<Result<std::vector<std::string>>> lookupTxt(std::string name) override;
  boost::asio::awaitable<Result<std::vector<std::string>>> lookupPtr(std::string address) override;

  struct Impl;

 private:
  explicit CaresResolver(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace outpost::dns

#include "io/acceptor.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <charconv>
#include <string_view>

namespace outpost::io {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Result<tcp::endpoint> parseListen(const std::string& listen, const std::string& what) {
  auto bad = [&](const std::string& why) {
    return Error::permanentFailure(what + ".listen",
                                   "cannot use listen address \"" + listen + "\": " + why);
  };
  std::string host;
  std::string_view port_text;
  if (listen.starts_with('[')) {
    auto close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return bad("expected [address]:port");
    }
    host = listen.substr(1, close - 1);
    port_text = std::string_view(listen).substr(close + 2);
  } else {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) return bad("expected address:port");
    host = listen.substr(0, colon);
    port_text = std::string_view(listen).substr(colon + 1);
  }
  int port = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    return bad("the port must be a number from 0 to 65535");
  }
  if (host.empty()) return tcp::endpoint(tcp::v6(), static_cast<unsigned short>(port));
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code address_ec;
  auto address = asio::ip::make_address(host, address_ec);
  if (address_ec) return bad("not an IP address");
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace

Result<tcp::acceptor> openAcceptor(const asio::any_io_executor& executor, const std::string& listen,
                                   const std::string& what) {
  auto endpoint = parseListen(listen, what);
  if (!endpoint) return endpoint.takeError();
  tcp::acceptor acceptor(executor);
  boost::system::error_code ec;
  const bool any = endpoint->address().is_v6() && endpoint->address().is_unspecified();
  acceptor.open(endpoint->protocol(), ec);
  if (ec && any) {
    // No IPv6 on this machine: every IPv4 interface instead.
    *endpoint = tcp::endpoint(tcp::v4(), endpoint->port());
    acceptor.open(endpoint->protocol(), ec);
  }
  if (!ec && endpoint->address().is_v6()) acceptor.set_option(asio::ip::v6_only(!any), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::permanentFailure(what + ".listen",
                                   "cannot listen on " + listen + ": " + ec.message());
  }
  return acceptor;
}

}  // namespace outpost::io

// Validates relay settings step by step (connect, banner, EHLO, STARTTLS, certificate,
// AUTH) and says in words a person can act on what is wrong.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "smtp/client.h"

namespace outpost::smtp {

struct ValidationStep {
  std::string name;    // "connect", "banner", "ehlo", "starttls", "certificate", "auth"
  std::string status;  // "ok" | "warning" | "error" | "skipped"
  std::string detail;  // "offered: PIPELINING SIZE 10240000 STARTTLS AUTH PLAIN LOGIN", …
};

struct ValidationReport {
  bool ok = false;
  std::string
      verdict;  // "The relay accepted the connection, TLS and the credentials." / the problem
  std::vector<ValidationStep> steps;
  std::string transcript;
  SessionInfo info;
};

boost::asio::awaitable<ValidationReport> validateRelay(boost::asio::any_io_executor executor,
                                                       ClientOptions options);

}  // namespace outpost::smtp

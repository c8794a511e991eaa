// Test helper: starts the SMTP peers of tests/peers (Python, Debian's /usr/bin/python3) and
// Postfix's smtp-sink on a free 127.0.0.1 port, and reads what a peer recorded.
//
//   auto relay = outpost::test::startPythonPeer("relay_peer.py",
//       {"--starttls", "--cert", c.cert_file, "--key", c.key_file, "--output",
//       dir.file("m.jsonl")});
//   ... deliver to 127.0.0.1:relay.port ...
//   auto messages = outpost::test::readReceived(dir.file("m.jsonl"));
//
//   auto sink = outpost::test::startSmtpSink();   // smtp-sink -u root 127.0.0.1:PORT 100
//
// The peers print "READY" once they listen; --port is added here. See the peers' own
// --help for their options (relay_peer.py: aiosmtpd relay; fault_peer.py: scripted faults).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/child_process.h"

namespace outpost::test {

struct RunningPeer {
  int port = 0;
  std::unique_ptr<ChildProcess> process;
};

// <source tree>/tests/peers/<script>
std::string peerPath(const std::string& script);
// Runs /usr/bin/python3 tests/peers/<script> --port <free port> <args>, waits for "READY".
RunningPeer startPythonPeer(const std::string& script, std::vector<std::string> args);
// Runs /usr/sbin/smtp-sink on a free port (extra options before the address), waits until
// it accepts connections.
RunningPeer startSmtpSink(std::vector<std::string> extra_args = {});

// One message as a peer recorded it (one JSON object per line of its --output file).
struct ReceivedMessage {
  std::string mail_from;
  std::vector<std::string> recipients;
  std::vector<std::string> mail_options;  // "SIZE=123", "BODY=8BITMIME", "SMTPUTF8"
  std::string data;                       // the body after dot-unstuffing, byte-exact
  std::string auth_user;                  // "" when not authenticated
  bool tls = false;
  std::string queue_id;  // what the peer answered "queued as"
};
// Reads a --output file; empty when the file does not exist.
std::vector<ReceivedMessage> readReceived(const std::string& path);

}  // namespace outpost::test

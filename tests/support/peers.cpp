// Starts the test SMTP peers and reads their records (see peers.h).
#include "support/peers.h"

#include <boost/json.hpp>
#include <fstream>
#include <stdexcept>

namespace outpost::test {
namespace {

std::string decodeBase64(const std::string& text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = -8;
  for (char c : text) {
    const auto index = kAlphabet.find(c);
    if (index == std::string::npos) continue;  // '=' and line ends
    value = (value << 6) | static_cast<unsigned>(index);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((value >> bits) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

std::string stringField(const boost::json::object& object, const char* key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return "";
  return std::string(value->as_string());
}

std::vector<std::string> listField(const boost::json::object& object, const char* key) {
  std::vector<std::string> out;
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_array()) return out;
  for (const auto& item : value->as_array()) {
    if (item.is_string()) out.emplace_back(item.as_string());
  }
  return out;
}

}  // namespace

std::string peerPath(const std::string& script) {
  return std::string(OUTPOST_SOURCE_DIR) + "/tests/peers/" + script;
}

RunningPeer startPythonPeer(const std::string& script, std::vector<std::string> args) {
  RunningPeer peer;
  peer.port = freePort();
  std::vector<std::string> argv{"/usr/bin/python3", "-u", peerPath(script), "--port",
                                std::to_string(peer.port)};
  argv.insert(argv.end(), args.begin(), args.end());
  peer.process = ChildProcess::start({.argv = argv, .ready_line = "READY"});
  return peer;
}

RunningPeer startSmtpSink(std::vector<std::string> extra_args) {
  RunningPeer peer;
  peer.port = freePort();
  std::vector<std::string> argv{"/usr/sbin/smtp-sink", "-u", "root"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  argv.push_back("127.0.0.1:" + std::to_string(peer.port));
  argv.push_back("100");
  peer.process = ChildProcess::start({.argv = argv, .port = peer.port});
  return peer;
}

std::vector<ReceivedMessage> readReceived(const std::string& path) {
  std::vector<ReceivedMessage> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    boost::system::error_code error;
    auto value = boost::json::parse(line, error);
    if (error || !value.is_object())
      throw std::runtime_error("bad record in " + path + ": " + line);
    const auto& object = value.as_object();
    ReceivedMessage message;
    message.mail_from = stringField(object, "mail_from");
    message.recipients = listField(object, "rcpt_tos");
    message.mail_options = listField(object, "mail_options");
    message.data = decodeBase64(stringField(object, "data_b64"));
    message.auth_user = stringField(object, "auth_user");
    message.queue_id = stringField(object, "queue_id");
    const auto* tls = object.if_contains("tls");
    message.tls = tls != nullptr && tls->is_bool() && tls->as_bool();
    out.push_back(std::move(message));
  }
  return out;
}

}  // namespace outpost::test

// Test helper: runs a server a test needs (a Python SMTP peer, Postfix's smtp-sink, …) as a
// child process on a free 127.0.0.1 port, waits until it is ready, and stops it (SIGTERM, then
// SIGKILL) when the object goes away. Its stdout and stderr go to a log file whose content is
// shown when it fails to start, so a broken peer explains itself in the test output.
//
//   int port = outpost::test::freePort();
//   auto peer = outpost::test::ChildProcess::start({
//       .argv = {"/usr/bin/python3", script, "--port", std::to_string(port)},
//       .ready_line = "READY"});          // or leave ready_line empty and set .port to poll
//
// Failures to start throw std::runtime_error (GoogleTest reports it as the test's failure).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace outpost::test {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
int freePort();

// Whether something accepts TCP connections on 127.0.0.1:port.
bool portAcceptsConnections(int port);

struct ChildOptions {
  std::vector<std::string> argv;  // argv[0] is the program (looked up in PATH when relative)
  // Ready when a line of the child's output starts with this text …
  std::string ready_line;
  // … or, when ready_line is empty, when 127.0.0.1:port accepts connections.
  int port = 0;
  std::chrono::milliseconds ready_timeout{20000};
  std::string log_file;  // "" = a file in /tmp removed with the object
};

class ChildProcess {
 public:
  static std::unique_ptr<ChildProcess> start(ChildOptions options);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Stops the child (SIGTERM, SIGKILL after 3 s); safe to call twice.
  void stop();
  // Everything the child printed so far (stdout and stderr).
  std::string output() const;

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  std::string log_file_;
  bool own_log_ = false;
};

}  // namespace outpost::test

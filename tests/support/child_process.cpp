// Starts and stops test servers as child processes (see child_process.h).
#include "support/child_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace outpost::test {
namespace {

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

}  // namespace

int freePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address = loopback(0);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    throw std::runtime_error("bind() failed");
  }
  socklen_t size = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  close(fd);
  return ntohs(address.sin_port);
}

bool portAcceptsConnections(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address = loopback(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

std::unique_ptr<ChildProcess> ChildProcess::start(ChildOptions options) {
  if (options.argv.empty()) throw std::runtime_error("ChildProcess: empty argv");
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->log_file_ = options.log_file;
  if (child->log_file_.empty()) {
    char pattern[] = "/tmp/outpost-child-XXXXXX";
    const int fd = mkstemp(pattern);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    close(fd);
    child->log_file_ = pattern;
    child->own_log_ = true;
  }
  const int log_fd = open(child->log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + child->log_file_);

  std::vector<char*> argv;
  for (auto& argument : options.argv) argv.push_back(argument.data());
  argv.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    // Child: own process group so that stop() also reaches any grandchildren.
    setpgid(0, 0);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "exec %s failed\n", argv[0]);
    _exit(127);
  }
  close(log_fd);
  child->pid_ = pid;

  const auto deadline = std::chrono::steady_clock::now() + options.ready_timeout;
  for (;;) {
    if (!options.ready_line.empty()) {
      std::istringstream lines(child->output());
      std::string line;
      bool ready = false;
      while (std::getline(lines, line)) {
        if (line.rfind(options.ready_line, 0) == 0) ready = true;
      }
      if (ready) break;
    } else if (options.port > 0 && portAcceptsConnections(options.port)) {
      break;
    }
    if (!child->running()) {
      throw std::runtime_error("test peer " + options.argv[0] + " exited before it was ready:\n" +
                               child->output());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      const std::string output = child->output();
      child->stop();
      throw std::runtime_error("test peer " + options.argv[0] + " was not ready in time:\n" +
                               output);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return child;
}

ChildProcess::~ChildProcess() {
  stop();
  if (own_log_) std::remove(log_file_.c_str());
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t result = waitpid(pid_, &status, WNOHANG);
  if (result == pid_) {
    pid_ = -1;
    return false;
  }
  return result == 0;
}

void ChildProcess::stop() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGTERM);
  kill(pid_, SIGTERM);
  for (int i = 0; i < 150; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string ChildProcess::output() const {
  std::ifstream in(log_file_, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace outpost::test

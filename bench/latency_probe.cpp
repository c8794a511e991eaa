// Accept latency under a set load, over SMTP or outpost's HTTP API: `sessions` connections, each
// sending messages on a fixed schedule so that all together offer `rate` messages per second (an
// open loop: a slow answer does not slow the offered load, it makes the next messages late).
// Latency is measured from each message's scheduled start to the 250 after its final dot (SMTP)
// or the 201 (HTTP), so time spent waiting for a late session counts too (no coordinated
// omission). Prints one JSON object.
//
// smtp-source cannot do this: it has no pacing below one message per second per session and
// reports no latencies; wrk cannot pace its requests.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string protocol = "smtp";
  std::string host = "127.0.0.1";
  int port = 0;
  std::string key;  // HTTP: the API key
  double rate = 100;
  double seconds = 5;
  int sessions = 8;
  std::size_t size = 2048;
  std::string from = "bench@example.com";
  std::string to = "r@example.org";
};

class Connection {
 public:
  explicit Connection(const Options& options) : smtp_(options.protocol == "smtp") {
    socket_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(options.port));
    ::inet_pton(AF_INET, options.host.c_str(), &address.sin_addr);
    if (::connect(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      error_ = std::string("connect: ") + std::strerror(errno);
      return;
    }
    int one = 1;
    ::setsockopt(socket_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!smtp_) return;
    if (reply() != 220) return;
    send("EHLO probe.bench.test\r\n");
    reply();
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (socket_ < 0) return;
    if (smtp_ && error_.empty()) send("QUIT\r\n");
    ::close(socket_);
  }

  const std::string& error() const { return error_; }

  // One transaction, without pipelining, as smtp-source sends it.
  bool transaction(const Options& options, const std::string& data) {
    send("MAIL FROM:<" + options.from + ">\r\n");
    if (reply() != 250) return false;
    send("RCPT TO:<" + options.to + ">\r\n");
    if (reply() != 250) return false;
    send("DATA\r\n");
    if (reply() != 354) return false;
    send(data);
    return reply() == 250;
  }

  // One POST on a kept-alive connection; true on 201 Created.
  bool post(const std::string& request) {
    send(request);
    auto head_end = buffer_.find("\r\n\r\n");
    while (head_end == std::string::npos) {
      if (!receive()) return false;
      head_end = buffer_.find("\r\n\r\n");
    }
    std::string head = buffer_.substr(0, head_end);
    std::size_t length = 0;
    for (const char* name : {"Content-Length:", "content-length:"}) {
      if (auto at = head.find(name); at != std::string::npos) {
        length = static_cast<std::size_t>(std::atol(head.c_str() + at + std::strlen(name)));
      }
    }
    while (buffer_.size() < head_end + 4 + length) {
      if (!receive()) return false;
    }
    std::string body = buffer_.substr(head_end + 4, length);
    buffer_.erase(0, head_end + 4 + length);
    bool created = head.compare(0, 12, "HTTP/1.1 201") == 0;
    if (!created) error_ = head.substr(0, head.find("\r\n")) + " " + body.substr(0, 200);
    return created;
  }

 private:
  void send(const std::string& text) {
    std::size_t sent = 0;
    while (sent < text.size()) {
      auto written = ::send(socket_, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
      if (written <= 0) {
        error_ = std::string("send: ") + std::strerror(errno);
        return;
      }
      sent += static_cast<std::size_t>(written);
    }
  }

  // The code of the next complete reply (the last line of a multi-line one), or 0.
  int reply() {
    while (true) {
      auto end = buffer_.find("\r\n");
      while (end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        if (line.size() >= 4 && line[3] == ' ') {
          int code = std::atoi(line.substr(0, 3).c_str());
          if (code >= 400) error_ = line;
          return code;
        }
        end = buffer_.find("\r\n");
      }
      if (!receive()) return 0;
    }
  }

  bool receive() {
    char chunk[4096];
    auto received = ::recv(socket_, chunk, sizeof chunk, 0);
    if (received <= 0) {
      error_ = received == 0 ? "connection closed" : std::string("recv: ") + std::strerror(errno);
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(received));
    return true;
  }

  bool smtp_;
  int socket_ = -1;
  std::string buffer_;
  std::string error_;
};

// SMTP: the DATA section; HTTP: the whole POST request, with a text body of about the same size.
std::string messageData(const Options& options) {
  if (options.protocol == "http") {
    std::string text;
    while (text.size() < options.size) {
      text += "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\\n";
    }
    std::string json = R"({"from":")" + options.from + R"(","to":[")" + options.to +
                       R"("],"subject":"latency probe","text":")" + text + R"("})";
    return "POST /api/v1/messages HTTP/1.1\r\nHost: " + options.host +
           "\r\nAuthorization: Bearer " + options.key +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(json.size()) +
           "\r\n\r\n" + json;
  }
  std::string data =
      "From: <" + options.from + ">\r\nTo: <" + options.to + ">\r\nSubject: latency probe\r\n\r\n";
  std::string line(78, 'X');
  std::size_t body = 0;
  while (body < options.size) {
    data += line + "\r\n";
    body += line.size() + 2;
  }
  data += ".\r\n";
  return data;
}

bool parse(int argc, char** argv, Options& options) {
  for (int index = 1; index + 1 < argc; index += 2) {
    std::string_view name = argv[index];
    const char* value = argv[index + 1];
    if (name == "--protocol")
      options.protocol = value;
    else if (name == "--key")
      options.key = value;
    else if (name == "--host")
      options.host = value;
    else if (name == "--port")
      options.port = std::atoi(value);
    else if (name == "--rate")
      options.rate = std::atof(value);
    else if (name == "--seconds")
      options.seconds = std::atof(value);
    else if (name == "--sessions")
      options.sessions = std::atoi(value);
    else if (name == "--size")
      options.size = static_cast<std::size_t>(std::atol(value));
    else if (name == "--from")
      options.from = value;
    else if (name == "--to")
      options.to = value;
    else
      return false;
  }
  return options.port > 0 && options.rate > 0 && options.sessions > 0 && options.seconds > 0 &&
         (options.protocol == "smtp" || (options.protocol == "http" && !options.key.empty()));
}

double percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  auto index =
      static_cast<std::size_t>(std::lround(fraction * static_cast<double>(sorted.size() - 1)));
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: %s --port PORT [--protocol smtp|http --key API-KEY] [--host 127.0.0.1] "
                 "[--rate MSG/S] [--seconds S] [--sessions N] [--size BYTES] [--from A] "
                 "[--to A]\n",
                 argv[0]);
    return 2;
  }
  const std::string data = messageData(options);
  const auto interval = std::chrono::duration<double>(options.sessions / options.rate);
  const auto messages_per_session =
      static_cast<long>(options.seconds * options.rate / options.sessions);
  const auto start = Clock::now() + std::chrono::milliseconds(200);
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(options.sessions));
  std::atomic<long> failed{0};
  std::string first_error;
  std::atomic_flag error_taken;
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(options.sessions));
  for (int session = 0; session < options.sessions; ++session) {
    threads.emplace_back([&, session] {
      Connection connection(options);
      auto& mine = latencies[static_cast<std::size_t>(session)];
      // Sessions start spread over one interval, so the offered load is even.
      const auto offset = interval * (static_cast<double>(session) / options.sessions);
      for (long number = 0; number < messages_per_session; ++number) {
        auto due = start + std::chrono::duration_cast<Clock::duration>(
                               offset + interval * static_cast<double>(number));
        std::this_thread::sleep_until(due);
        bool accepted = connection.error().empty() &&
                        (options.protocol == "http" ? connection.post(data)
                                                    : connection.transaction(options, data));
        if (!accepted) {
          failed.fetch_add(1);
          if (!error_taken.test_and_set()) first_error = connection.error();
          continue;
        }
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - due).count());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& mine : latencies) all.insert(all.end(), mine.begin(), mine.end());
  std::sort(all.begin(), all.end());
  std::printf(
      "{\"offered_rate\": %.1f, \"accepted\": %zu, \"failed\": %ld, \"accepted_rate\": %.1f, "
      "\"p50_ms\": %.2f, \"p90_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f, "
      "\"first_error\": \"%s\"}\n",
      options.rate, all.size(), failed.load(), static_cast<double>(all.size()) / elapsed,
      percentile(all, 0.5), percentile(all, 0.9), percentile(all, 0.99),
      all.empty() ? 0.0 : all.back(), first_error.c_str());
  return failed.load() == 0 ? 0 : 1;
}

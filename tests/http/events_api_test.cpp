// GET /api/v1/events (api_test_fixture.h): the console's live updates as server-sent events. A
// subscriber hears of a new message within a poll, and stopping the server ends its stream.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "http/api_test_fixture.h"

namespace outpost::http {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the fixture's names
using ::testing::HasSubstr;
using ::testing::Not;

// A plain socket reading an endless response with short timeouts, which the fixture's Beast
// client cannot do.
class StreamClient {
 public:
  explicit StreamClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval timeout{0, 100'000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~StreamClient() { ::close(fd_); }
  StreamClient(const StreamClient&) = delete;
  StreamClient& operator=(const StreamClient&) = delete;

  bool send(const std::string& bytes) {
    return connected_ && ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                             static_cast<ssize_t>(bytes.size());
  }

  // Reads until `text` has arrived; false when it has not within `limit`.
  bool waitFor(std::string_view text, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (received_.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline || closed_) return false;
      readSome();
    }
    return true;
  }

  // Reads until the server closes the connection; false when it has not within `limit`.
  bool waitForClose(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!closed_) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      readSome();
    }
    return true;
  }

  const std::string& received() const { return received_; }

 private:
  void readSome() {
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      received_.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      closed_ = true;
    }
  }

  int fd_;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

std::string subscribe(const std::string& key) {
  return "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
         "Authorization: " +
         key + "\r\n\r\n";
}

TEST_F(ApiTest, EventStreamAnnouncesAChangeAfterAMessageIsSubmitted) {
  StreamClient client(port_);
  ASSERT_TRUE(client.send(subscribe(admin_key_)));
  ASSERT_TRUE(client.waitFor("\r\n\r\n", std::chrono::seconds(5))) << client.received();
  const std::string head = client.received().substr(0, client.received().find("\r\n\r\n"));
  EXPECT_THAT(head, HasSubstr("HTTP/1.1 200 OK"));
  EXPECT_THAT(head, HasSubstr("Content-Type: text/event-stream"));
  EXPECT_THAT(head, HasSubstr("Cache-Control: no-store"));
  EXPECT_THAT(head, HasSubstr("X-Accel-Buffering: no"));
  EXPECT_THAT(head, Not(HasSubstr("Content-Length")));
  EXPECT_THAT(client.received(), Not(HasSubstr("event: change")));

  submit(admin_key_);
  ASSERT_TRUE(client.waitFor("event: change\ndata: {\"seq\":", std::chrono::seconds(5)))
      << client.received();
  EXPECT_TRUE(client.waitFor("}\n\n", std::chrono::seconds(1)));
}

TEST_F(ApiTest, EventStreamNeedsCredentials) {
  StreamClient client(port_);
  ASSERT_TRUE(
      client.send("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  ASSERT_TRUE(client.waitForClose(std::chrono::seconds(5)));
  EXPECT_THAT(client.received(), HasSubstr("HTTP/1.1 401"));
}

TEST_F(ApiTest, StoppingTheServerEndsAnEventStreamPromptly) {
  StreamClient client(port_);
  ASSERT_TRUE(client.send(subscribe(admin_key_)));
  ASSERT_TRUE(client.waitFor("\r\n\r\n", std::chrono::seconds(5)));
  const auto stopping = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_TRUE(client.waitForClose(std::chrono::seconds(2)));
  work_.reset();
  io_thread_.join();  // every connection coroutine has ended
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(2));
}

}  // namespace
}  // namespace outpost::http

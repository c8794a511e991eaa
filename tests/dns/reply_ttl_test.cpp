// Tests for readReplyTtls on hand-built DNS replies (RFC 1035 §4.1), including the malformed
// and truncated ones a hostile server could send. Well-formed replies from a real server are
// covered by the Knot tests in cares_resolver_test.cpp.
#include "dns/reply_ttl.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::dns {
namespace {

using std::chrono::seconds;
using Bytes = std::vector<unsigned char>;

// Builds replies one field at a time; names are written as uncompressed labels.
class ReplyBuilder {
 public:
  ReplyBuilder(int questions, int answers, int authorities) {
    u16(0x1234);  // ID
    u16(0x8180);  // QR, RD, RA, NOERROR
    u16(questions);
    u16(answers);
    u16(authorities);
    u16(0);  // additional
  }
  ReplyBuilder& name(const std::string& dotted) {
    std::size_t start = 0;
    while (start < dotted.size()) {
      std::size_t dot = dotted.find('.', start);
      if (dot == std::string::npos) dot = dotted.size();
      bytes_.push_back(static_cast<unsigned char>(dot - start));
      std::string_view label = std::string_view(dotted).substr(start, dot - start);
      bytes_.insert(bytes_.end(), label.begin(), label.end());
      start = dot + 1;
    }
    bytes_.push_back(0);
    return *this;
  }
  // A pointer to the name at `offset` (RFC 1035 §4.1.4).
  ReplyBuilder& pointer(int offset) { return u16(0xc000 | offset); }
  ReplyBuilder& question(const std::string& owner, int type) {
    return name(owner).u16(type).u16(1);
  }
  ReplyBuilder& record(const std::string& owner, int type, std::uint32_t ttl, const Bytes& rdata) {
    name(owner).u16(type).u16(1).u32(ttl).u16(static_cast<int>(rdata.size()));
    bytes_.insert(bytes_.end(), rdata.begin(), rdata.end());
    return *this;
  }
  ReplyBuilder& u16(int value) {
    bytes_.push_back(static_cast<unsigned char>(value >> 8));
    bytes_.push_back(static_cast<unsigned char>(value));
    return *this;
  }
  ReplyBuilder& u32(std::uint32_t value) {
    u16(static_cast<int>(value >> 16));
    return u16(static_cast<int>(value & 0xffff));
  }
  const Bytes& bytes() const { return bytes_; }

 private:
  Bytes bytes_;
};

constexpr int kA = 1, kSoa = 6, kCname = 5, kMx = 15;

Bytes mxRdata() { return {0, 10, 2, 'm', 'x', 0}; }

// SOA RDATA: root MNAME and RNAME, then serial, refresh, retry, expire, minimum.
Bytes soaRdata(std::uint32_t minimum) {
  Bytes rdata{0, 0};
  for (std::uint32_t value : {1U, 3600U, 600U, 86400U, minimum}) {
    for (int shift : {24, 16, 8, 0}) rdata.push_back(static_cast<unsigned char>(value >> shift));
  }
  return rdata;
}

ReplyTtls read(const Bytes& bytes) { return readReplyTtls(bytes.data(), bytes.size()); }

TEST(ReplyTtls, AnswerTtlIsTheSmallestInTheAnswerSection) {
  auto reply = ReplyBuilder(1, 3, 0)
                   .question("example.test", kMx)
                   .record("alias.example.test", kCname, 600, {0})
                   .record("example.test", kMx, 3600, mxRdata())
                   .record("example.test", kMx, 300, mxRdata());
  ReplyTtls ttls = read(reply.bytes());
  EXPECT_EQ(ttls.answer, seconds(300));
  EXPECT_EQ(ttls.negative, std::nullopt);
}

TEST(ReplyTtls, FollowsCompressedOwnerNames) {
  ReplyBuilder reply(1, 1, 0);
  reply.question("example.test", kA);
  reply.pointer(12).u16(kA).u16(1).u32(42).u16(4).u32(0xc0000201);
  EXPECT_EQ(read(reply.bytes()).answer, seconds(42));
}

TEST(ReplyTtls, NegativeTtlIsTheSmallerOfSoaTtlAndMinimum) {
  auto minimum_smaller = ReplyBuilder(1, 0, 1)
                             .question("missing.example.test", kA)
                             .record("example.test", kSoa, 300, soaRdata(120));
  ReplyTtls ttls = read(minimum_smaller.bytes());
  EXPECT_EQ(ttls.answer, std::nullopt);
  EXPECT_EQ(ttls.negative, seconds(120));
  auto ttl_smaller = ReplyBuilder(1, 0, 1)
                         .question("missing.example.test", kA)
                         .record("example.test", kSoa, 30, soaRdata(900));
  EXPECT_EQ(read(ttl_smaller.bytes()).negative, seconds(30));
}

TEST(ReplyTtls, ReadsATtlWithTheTopBitSetAsZero) {
  auto reply = ReplyBuilder(1, 1, 0)
                   .question("example.test", kMx)
                   .record("example.test", kMx, 0x80000000U, mxRdata());
  EXPECT_EQ(read(reply.bytes()).answer, seconds(0));
}

TEST(ReplyTtls, GivesNothingForTruncatedOrMalformedReplies) {
  auto reply = ReplyBuilder(1, 1, 1)
                   .question("example.test", kMx)
                   .record("example.test", kMx, 300, mxRdata())
                   .record("example.test", kSoa, 300, soaRdata(120));
  const Bytes& whole = reply.bytes();
  for (std::size_t size = 0; size < whole.size(); ++size) {
    ReplyTtls ttls = readReplyTtls(whole.data(), size);
    EXPECT_EQ(ttls.answer, std::nullopt) << size;
    EXPECT_EQ(ttls.negative, std::nullopt) << size;
  }
  EXPECT_EQ(read(whole).negative, seconds(120));

  // An RDLENGTH that runs past the end.
  ReplyBuilder long_rdata(1, 1, 0);
  long_rdata.question("example.test", kA).name("example.test").u16(kA).u16(1).u32(5).u16(400);
  EXPECT_EQ(read(long_rdata.bytes()).answer, std::nullopt);

  // A name that points to itself.
  ReplyBuilder loop(1, 1, 0);
  loop.question("example.test", kA).pointer(30).u16(kA).u16(1).u32(5).u16(0);
  EXPECT_EQ(read(loop.bytes()).answer, std::nullopt);

  // More records announced than present.
  auto short_count =
      ReplyBuilder(1, 3, 0).question("example.test", kMx).record("example.test", kMx, 9, mxRdata());
  EXPECT_EQ(read(short_count.bytes()).answer, std::nullopt);

  EXPECT_EQ(readReplyTtls(nullptr, 100).answer, std::nullopt);
}

TEST(ReplyTtls, IgnoresAnSoaTooShortToHoldItsMinimum) {
  auto reply = ReplyBuilder(1, 0, 1)
                   .question("missing.example.test", kA)
                   .record("example.test", kSoa, 300, {0, 0, 1});
  EXPECT_EQ(read(reply.bytes()).negative, std::nullopt);
}

}  // namespace
}  // namespace outpost::dns

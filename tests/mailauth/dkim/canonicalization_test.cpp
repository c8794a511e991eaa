// Canonicalization against go-msgauth's tables (RFC 6376 §3.4) plus streaming edge cases: every
// split of the input into chunks must give the same canonical body.
#include "mailauth/dkim/canonicalization.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "dkim_test_support.h"

namespace outpost::mailauth::dkim {
namespace {

struct CollectSink final : BodySink {
  void write(std::string_view block) override { text.append(block); }
  std::string text;
};

std::string canonicalBody(Canonicalization canonicalization,
                          const std::vector<std::string>& chunks) {
  BodyCanonicalizer canonicalizer(canonicalization);
  CollectSink sink;
  for (const std::string& chunk : chunks) canonicalizer.update(chunk, sink);
  canonicalizer.finish(sink);
  return sink.text;
}

// Every way of cutting `input` in two, and byte by byte, against the one-chunk result.
void expectSplitInvariant(Canonicalization canonicalization, const std::string& input,
                          const std::string& expected) {
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    EXPECT_EQ(canonicalBody(canonicalization, {input.substr(0, cut), input.substr(cut)}), expected)
        << "cut at " << cut << " of " << ::testing::PrintToString(input);
  }
  std::vector<std::string> bytes;
  for (const char c : input) bytes.emplace_back(1, c);
  EXPECT_EQ(canonicalBody(canonicalization, bytes), expected)
      << "byte by byte: " << ::testing::PrintToString(input);
}

boost::json::value tables() {
  return boost::json::parse(testing::readVector("go-msgauth/canonicalization.json"));
}

std::string hex(const Sha256Digest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : digest) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 15]);
  }
  return out;
}

TEST(DkimCanonicalization, SimpleBodyMatchesGoMsgauthTableIncludingChunkedInputs) {
  const auto table = tables().at("simple_body").as_array();
  ASSERT_FALSE(table.empty());
  for (const auto& row : table) {
    std::vector<std::string> chunks;
    std::string joined;
    for (const auto& chunk : row.at("input_chunks").as_array()) {
      chunks.emplace_back(chunk.as_string());
      joined += chunks.back();
    }
    const std::string expected(row.at("canonical").as_string());
    EXPECT_EQ(canonicalBody(Canonicalization::kSimple, chunks), expected)
        << ::testing::PrintToString(joined);
    expectSplitInvariant(Canonicalization::kSimple, joined, expected);
  }
}

TEST(DkimCanonicalization, RelaxedBodyMatchesGoMsgauthTable) {
  const auto table = tables().at("relaxed_body").as_array();
  ASSERT_FALSE(table.empty());
  for (const auto& row : table) {
    const std::string input(row.at("input").as_string());
    const std::string expected(row.at("canonical").as_string());
    EXPECT_EQ(canonicalBody(Canonicalization::kRelaxed, {input}), expected)
        << ::testing::PrintToString(input);
    expectSplitInvariant(Canonicalization::kRelaxed, input, expected);
  }
}

TEST(DkimCanonicalization, RelaxedHeaderMatchesGoMsgauthTable) {
  const auto table = tables().at("relaxed_header").as_array();
  ASSERT_FALSE(table.empty());
  for (const auto& row : table) {
    const std::string input(row.at("input").as_string());
    EXPECT_EQ(canonicalizeHeader(Canonicalization::kRelaxed, input),
              std::string(row.at("canonical").as_string()))
        << ::testing::PrintToString(input);
  }
}

TEST(DkimCanonicalization, SimpleHeaderKeepsEveryByte) {
  const std::string field = "SubJect :  Hello\r\n\tWorld  \r\n";
  EXPECT_EQ(canonicalizeHeader(Canonicalization::kSimple, field), field);
}

TEST(DkimCanonicalization, RelaxedHeaderHandlesEmptyValueAndTabs) {
  EXPECT_EQ(canonicalizeHeader(Canonicalization::kRelaxed, "X-Empty:\r\n"), "x-empty:\r\n");
  EXPECT_EQ(canonicalizeHeader(Canonicalization::kRelaxed, "X-Empty: \t \r\n"), "x-empty:\r\n");
  EXPECT_EQ(canonicalizeHeader(Canonicalization::kRelaxed, "To:\ta\t\tb\r\n"), "to:a b\r\n");
}

TEST(DkimCanonicalization, RelaxedBodyEdgeCases) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {" \t ", ""},                        // whitespace only: an empty line, dropped
      {"a  \t b\r\n", "a b\r\n"},          // inner run becomes one space
      {"\t lead\r\n", " lead\r\n"},        // leading run too
      {"a\n\nb\n", "a\r\n\r\nb\r\n"},      // bare LF is a line end
      {"a\rb\r\n", "a\rb\r\n"},            // bare CR is kept
      {"a\r", "a\r\r\n"},                  // bare CR at the very end
      {"x \r\n\r\n \r\n\t\r\n", "x\r\n"},  // trailing whitespace lines dropped
      {"one two three\r\nfour\r\n", "one two three\r\nfour\r\n"},
  };
  for (const auto& [input, expected] : cases) {
    EXPECT_EQ(canonicalBody(Canonicalization::kRelaxed, {input}), expected)
        << ::testing::PrintToString(input);
    expectSplitInvariant(Canonicalization::kRelaxed, input, expected);
  }
}

TEST(DkimCanonicalization, SimpleBodyKeepsWhitespace) {
  expectSplitInvariant(Canonicalization::kSimple, "a  \t b \r\n\r\n", "a  \t b \r\n");
  expectSplitInvariant(Canonicalization::kSimple, " \r\n", " \r\n");
}

TEST(DkimCanonicalization, LongBodiesSplitAnywhereHashTheSame) {
  std::string body;
  for (int i = 0; i < 3000; ++i) {
    body += "line " + std::to_string(i) + (i % 7 == 0 ? " \t  \r\n" : "  word\tword\r\n");
    if (i % 11 == 0) body += "\r\n\r\n";
    if (i % 13 == 0) body += std::string(2000, 'x');
  }
  body += "\r\n\r\n  \r\n";
  for (const auto canonicalization : {Canonicalization::kSimple, Canonicalization::kRelaxed}) {
    const std::string whole = canonicalBody(canonicalization, {body});
    for (const std::size_t step : {1UL, 2UL, 3UL, 7UL, 1000UL, 4096UL, 8193UL}) {
      std::vector<std::string> chunks;
      for (std::size_t pos = 0; pos < body.size(); pos += step)
        chunks.push_back(body.substr(pos, step));
      EXPECT_EQ(canonicalBody(canonicalization, chunks), whole) << "step " << step;
      BodyHasher hasher(canonicalization);
      for (const std::string& chunk : chunks) hasher.update(chunk);
      auto digest = hasher.finish();
      ASSERT_TRUE(digest.ok());
      auto expected = hashBody(canonicalization, body);
      ASSERT_TRUE(expected.ok());
      EXPECT_EQ(hex(*digest), hex(*expected));
      EXPECT_EQ(hasher.canonicalLength(), whole.size());
    }
  }
}

TEST(DkimCanonicalization, EmptyBodyHashesAreTheRfcValues) {
  // RFC 6376 §3.4.3/§3.4.4: SHA-256 of "\r\n" (simple) and of "" (relaxed).
  auto simple = hashBody(Canonicalization::kSimple, "");
  auto relaxed = hashBody(Canonicalization::kRelaxed, "");
  ASSERT_TRUE(simple.ok());
  ASSERT_TRUE(relaxed.ok());
  EXPECT_EQ(hex(*simple), "7eb70257593da06f682a3ddda54a9d260d4fc514f645237f5ca74b08f8da61a6");
  EXPECT_EQ(hex(*relaxed), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(DkimCanonicalization, LengthLimitHashesOnlyThePrefix) {
  const std::string body = "Hello  world\r\nsecond line\r\n\r\n";
  const std::string canonical = canonicalBody(Canonicalization::kRelaxed, {body});
  ASSERT_EQ(canonical, "Hello world\r\nsecond line\r\n");
  for (std::uint64_t limit = 0; limit <= canonical.size() + 3; ++limit) {
    BodyHasher limited(Canonicalization::kRelaxed, limit);
    limited.update(body.substr(0, 5));
    limited.update(body.substr(5));
    auto digest = limited.finish();
    ASSERT_TRUE(digest.ok());
    const std::string prefix = canonical.substr(0, static_cast<std::size_t>(limit));
    Sha256Digest expected{};
    unsigned int size = 0;
    EVP_Digest(prefix.data(), prefix.size(), expected.data(), &size, EVP_sha256(), nullptr);
    EXPECT_EQ(hex(*digest), hex(expected)) << "l=" << limit;
    EXPECT_EQ(limited.canonicalLength(), canonical.size());
  }
}

}  // namespace
}  // namespace outpost::mailauth::dkim

// The server's DATA reader against SMTP smuggling (the malformed end-of-data sequences of
// issue 4 and their NUL variants), dot-unstuffing, line and size limits, and input split at
// every possible point.
#include "smtp/data_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace outpost::smtp {
namespace {

constexpr std::size_t kLimit = 10 * 1024 * 1024;

struct Decoded {
  bool done = false;
  std::optional<DataProblem> problem;
  std::string message;
  std::size_t used = 0;
};

// Feeds `input` in chunks of `chunk` octets, as a network would.
Decoded decode(std::string_view input, std::size_t chunk = 0, std::size_t limit = kLimit) {
  DataDecoder decoder(limit);
  Decoded result;
  if (chunk == 0) chunk = input.size();
  while (result.used < input.size() && !decoder.done()) {
    result.used += decoder.consume(input.substr(result.used, chunk));
  }
  result.done = decoder.done();
  result.problem = decoder.problem();
  result.message = decoder.message();
  return result;
}

TEST(DataDecoder, EndsAtCrlfDotCrlfAndLeavesWhatFollowsForTheNextCommand) {
  const std::string input = "Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n";
  const auto result = decode(input);
  EXPECT_TRUE(result.done);
  EXPECT_FALSE(result.problem.has_value());
  EXPECT_EQ(result.message, "Subject: hi\r\n\r\nbody\r\n");
  EXPECT_EQ(input.substr(result.used), "QUIT\r\n");
}

TEST(DataDecoder, AnEmptyMessageIsJustTheDotLine) {
  const auto result = decode(".\r\n");
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.message, "");
}

TEST(DataDecoder, RemovesTheDotTheClientAdded) {
  const auto result = decode("..leading dot\r\n...two\r\n.\r\n");
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.message, ".leading dot\r\n..two\r\n");
}

TEST(DataDecoder, GivesTheSameResultHoweverTheInputIsSplit) {
  const std::string input = "a\r\n..b\r\nc\r\n.\r\nNEXT";
  const auto whole = decode(input);
  for (std::size_t chunk = 1; chunk <= input.size(); ++chunk) {
    const auto split = decode(input, chunk);
    EXPECT_EQ(split.message, whole.message) << "chunk " << chunk;
    EXPECT_EQ(split.used, whole.used) << "chunk " << chunk;
    EXPECT_TRUE(split.done);
  }
}

// Each sequence would end the data in a lenient server; here the data runs on to the real end
// (CRLF . CRLF), the smuggled "MAIL FROM" stays inside the refused message, and nothing after
// the real end is taken.
class SmugglingSequence : public ::testing::TestWithParam<std::string> {};

TEST_P(SmugglingSequence, NeverEndsTheDataAndIsRefused) {
  const std::string smuggled = "MAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.org>\r\n";
  const std::string input =
      "Subject: x\r\n\r\nhello" + GetParam() + smuggled + "DATA\r\nforged\r\n.\r\nNEXT";
  for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
    const auto result = decode(input, chunk);
    EXPECT_TRUE(result.done);
    EXPECT_EQ(input.substr(result.used), "NEXT") << "the data ended early";
    ASSERT_TRUE(result.problem.has_value());
    EXPECT_EQ(*result.problem, DataProblem::kBareLineBreak);
  }
}

INSTANTIATE_TEST_SUITE_P(DataDecoder, SmugglingSequence,
                         ::testing::Values(std::string("\n.\n"), std::string("\n.\r\n"),
                                           std::string("\r.\r"), std::string("\r.\n"),
                                           std::string("\n.\r"), std::string("\r\n.\n"),
                                           std::string("\r.\r\n"), std::string("\r\n.\r"),
                                           std::string("\n\0.\n", 4), std::string("\n.\0\n", 4),
                                           std::string("\r\0\n.\r\n", 6),
                                           std::string("\r.\0\r", 4)));

TEST(DataDecoder, ANulBesideTheDotMakesADataLineNotTheEnd) {
  // Proper CRLF line ends around "\0." or ".\0": a line of data, not the end, and nothing to
  // refuse; the smuggled commands after it stay inside this one message.
  for (const std::string& dotted : {std::string("\0.", 2), std::string(".\0", 2)}) {
    const std::string input = "a\r\n" + dotted + "\r\nMAIL FROM:<e@x.org>\r\n.\r\nNEXT";
    const auto result = decode(input);
    EXPECT_TRUE(result.done);
    EXPECT_FALSE(result.problem.has_value());
    EXPECT_EQ(input.substr(result.used), "NEXT");
    EXPECT_EQ(result.message, "a\r\n" + (dotted[0] == '.' ? std::string("\0", 1) : dotted) +
                                  "\r\nMAIL FROM:<e@x.org>\r\n");
  }
}

TEST(DataDecoder, RefusesALineOverOneThousandOctets) {
  const std::string ok_line(998, 'x');
  EXPECT_FALSE(decode(ok_line + "\r\n.\r\n").problem.has_value());
  const auto result = decode(std::string(999, 'x') + "\r\nmore\r\n.\r\n");
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.problem, DataProblem::kLineTooLong);
}

TEST(DataDecoder, RefusesAMessageOverTheLimitWithoutKeepingIt) {
  std::string input;
  for (int i = 0; i < 100; ++i) input += std::string(98, 'y') + "\r\n";
  input += ".\r\n";
  const auto fits = decode(input, 0, 10000);
  EXPECT_FALSE(fits.problem.has_value());
  EXPECT_EQ(fits.message.size(), 10000u);
  const auto big = decode(input, 7, 9999);
  EXPECT_TRUE(big.done);
  EXPECT_EQ(big.problem, DataProblem::kTooLarge);
  EXPECT_TRUE(big.message.empty());
}

TEST(DataDecoder, RepliesSayWhatIsWrong) {
  EXPECT_EQ(replyFor(DataProblem::kTooLarge, 1000).substr(0, 10), "552 5.3.4 ");
  EXPECT_EQ(replyFor(DataProblem::kBareLineBreak, 1000).substr(0, 11), "550 5.6.11 ");
  EXPECT_NE(replyFor(DataProblem::kLineTooLong, 1000).find("1000 octets"), std::string::npos);
}

}  // namespace
}  // namespace outpost::smtp

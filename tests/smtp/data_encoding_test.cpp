// encodeData: dot-stuffing and line ends byte for byte (RFC 5321 §4.5.2), including attempts
// to smuggle an end of data into the body.
#include "smtp/data_encoding.h"

#include <gtest/gtest.h>

#include <random>

namespace outpost::smtp {
namespace {

TEST(EncodeData, AppendsTheFinalDot) { EXPECT_EQ(encodeData("Hello\r\n"), "Hello\r\n.\r\n"); }

TEST(EncodeData, EncodesAnEmptyMessageAsTheDotAlone) { EXPECT_EQ(encodeData(""), ".\r\n"); }

TEST(EncodeData, AddsAMissingFinalLineEnd) { EXPECT_EQ(encodeData("abc"), "abc\r\n.\r\n"); }

TEST(EncodeData, DoublesLeadingDots) {
  EXPECT_EQ(encodeData(".hidden\r\n..two\r\nmid.dle\r\n."),
            "..hidden\r\n...two\r\nmid.dle\r\n..\r\n.\r\n");
}

TEST(EncodeData, StuffsALoneDotLineInTheMiddle) {
  EXPECT_EQ(encodeData("a\r\n.\r\nb\r\n"), "a\r\n..\r\nb\r\n.\r\n");
}

TEST(EncodeData, TurnsBareLineFeedsAndCarriageReturnsIntoCrlf) {
  EXPECT_EQ(encodeData("a\nb\n"), "a\r\nb\r\n.\r\n");
  EXPECT_EQ(encodeData("a\rb"), "a\r\nb\r\n.\r\n");
  EXPECT_EQ(encodeData("a\r\r\nb\r\n"), "a\r\n\r\nb\r\n.\r\n");
  EXPECT_EQ(encodeData("a\n\rb\r\n"), "a\r\n\r\nb\r\n.\r\n");
}

TEST(EncodeData, MakesSmuggledEndOfDataHarmless) {
  EXPECT_EQ(encodeData("a\n.\nMAIL FROM:<evil@x>\r\n"), "a\r\n..\r\nMAIL FROM:<evil@x>\r\n.\r\n");
  EXPECT_EQ(encodeData("a\r\n.\rRCPT TO:<x>\r\n"), "a\r\n..\r\nRCPT TO:<x>\r\n.\r\n");
  EXPECT_EQ(encodeData("a\r.\r\nQUIT\r\n"), "a\r\n..\r\nQUIT\r\n.\r\n");
}

// Reverses the encoding the way a server does (RFC 5321 §4.5.2).
std::string serverSide(const std::string& wire, bool* clean) {
  std::string out;
  std::size_t pos = 0;
  *clean = true;
  for (;;) {
    const auto end = wire.find("\r\n", pos);
    if (end == std::string::npos) {
      *clean = false;
      return out;
    }
    std::string line = wire.substr(pos, end - pos);
    pos = end + 2;
    if (line == ".") {
      *clean = pos == wire.size();
      return out;
    }
    if (!line.empty() && line[0] == '.') line.erase(0, 1);
    if (line.find_first_of("\r\n") != std::string::npos) *clean = false;
    out += line + "\r\n";
  }
}

std::string normalized(const std::string& input) {
  std::string out;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (input[i] == '\r') {
      out += "\r\n";
      if (i + 1 < input.size() && input[i + 1] == '\n') ++i;
    } else if (input[i] == '\n') {
      out += "\r\n";
    } else {
      out += input[i];
    }
  }
  if (!out.empty() && (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0))
    out += "\r\n";
  return out;
}

TEST(EncodeData, RoundTripsArbitraryInputWithOnlyOneEndOfData) {
  std::mt19937 random(42);
  const char alphabet[] = {'\r', '\n', '.', 'a'};
  for (int round = 0; round < 20000; ++round) {
    std::string input;
    const int size = static_cast<int>(random() % 14);
    for (int i = 0; i < size; ++i) input += alphabet[random() % 4];
    const std::string wire = encodeData(input);
    bool clean = false;
    EXPECT_EQ(serverSide(wire, &clean), normalized(input)) << testing::PrintToString(input);
    EXPECT_TRUE(clean) << testing::PrintToString(input);
  }
}

}  // namespace
}  // namespace outpost::smtp

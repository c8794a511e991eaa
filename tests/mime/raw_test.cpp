// prepareRaw() and normalizeLineEndings(): raw submissions are normalized to CRLF, checked
// (header block, From, 998-octet lines) and given Message-ID and Date only when missing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "mime/compose.h"
#include "mime/gmime_test_support.h"

namespace outpost::mime {
namespace {

using testing::onlyCrlf;
using testing::ParsedMessage;

constexpr UnixMillis kDate = 1795941041123;  // Sun, 29 Nov 2026 08:30:41 +0000

std::string fixture(const std::string& name) {
  std::ifstream file(std::string(OUTPOST_SOURCE_DIR) + "/tests/mime/data/" + name,
                     std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

PreparedRaw prepareOk(std::string_view message, const std::string& domain = "mail.example.com") {
  auto prepared = prepareRaw(message, domain, kDate);
  EXPECT_TRUE(prepared.ok()) << (prepared.ok() ? "" : prepared.error().message);
  if (!prepared.ok()) return {};
  EXPECT_TRUE(onlyCrlf(prepared->raw));
  return std::move(prepared).value();
}

std::string refusal(std::string_view message) {
  auto prepared = prepareRaw(message, "mail.example.com", kDate);
  EXPECT_FALSE(prepared.ok()) << "accepted: " << message.substr(0, 80);
  if (prepared.ok()) return {};
  EXPECT_EQ(prepared.error().code, "invalid_message");
  EXPECT_FALSE(prepared.error().temporary);
  return prepared.error().message;
}

TEST(NormalizeLineEndings, TurnsBareCrAndLfIntoCrlf) {
  EXPECT_EQ(normalizeLineEndings("a\nb\rc"), "a\r\nb\r\nc");
  EXPECT_EQ(normalizeLineEndings("a\r\nb\r\n"), "a\r\nb\r\n");
  EXPECT_EQ(normalizeLineEndings("\r\r\n\n"), "\r\n\r\n\r\n");
  EXPECT_EQ(normalizeLineEndings("\n\n"), "\r\n\r\n");
  EXPECT_EQ(normalizeLineEndings("no breaks"), "no breaks");
  EXPECT_EQ(normalizeLineEndings(""), "");
}

TEST(PrepareRaw, AddsMessageIdAndDateWhenMissing) {
  const std::string message = fixture("minimal_crlf.eml");
  const auto prepared = prepareOk(message);
  EXPECT_THAT(prepared.message_id, ::testing::MatchesRegex("<[0-9a-z]{20,}@mail\\.example\\.com>"));
  EXPECT_EQ(prepared.raw, "Message-ID: " + prepared.message_id +
                              "\r\nDate: Sun, 29 Nov 2026 08:30:41 +0000\r\n" + message);
  ParsedMessage parsed(prepared.raw);
  EXPECT_EQ("<" + std::string(g_mime_message_get_message_id(parsed.get())) + ">",
            prepared.message_id);
  EXPECT_EQ(prepared.subject, "no id, no date");
  EXPECT_EQ(prepared.from_header, "sender@example.com");
}

TEST(PrepareRaw, KeepsExistingMessageIdAndDate) {
  const std::string message =
      "From: a@example.com\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
      "Message-ID:\r\n <given@example.com>\r\n\r\nbody\r\n";
  const auto prepared = prepareOk(message);
  EXPECT_EQ(prepared.raw, message);
  EXPECT_EQ(prepared.message_id, "<given@example.com>");
}

TEST(PrepareRaw, AddsOnlyWhatIsMissing) {
  const auto with_date =
      prepareOk("From: a@example.com\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nx\r\n");
  EXPECT_TRUE(with_date.raw.starts_with("Message-ID: <"));
  EXPECT_EQ(with_date.raw.find("Date: Sun"), std::string::npos);
  const auto with_id = prepareOk("From: a@example.com\r\nMessage-Id: <x@y>\r\n\r\nx\r\n");
  EXPECT_TRUE(with_id.raw.starts_with("Date: Sun, 29 Nov 2026 08:30:41 +0000\r\nFrom:"));
  EXPECT_EQ(with_id.message_id, "<x@y>");
}

TEST(PrepareRaw, MessageIdFallsBackToTheFromDomain) {
  const auto prepared = prepareOk("From: Jane <jane@example.org>\r\n\r\nx\r\n", "");
  EXPECT_TRUE(prepared.message_id.ends_with("@example.org>")) << prepared.message_id;
}

TEST(PrepareRaw, NormalizesLineEndingsAndDecodesHeaders) {
  const auto prepared = prepareOk(fixture("newsletter_lf.eml"));
  EXPECT_EQ(prepared.raw, normalizeLineEndings(fixture("newsletter_lf.eml")));
  EXPECT_EQ(prepared.message_id, "<issue-12@news.example.com>");
  EXPECT_EQ(prepared.from_header, "Jörg Müller <news@example.com>");
  EXPECT_EQ(prepared.subject, "Grüße aus Köln – Ausgabe 12");
  EXPECT_TRUE(prepared.eight_bit);        // "Grüße" in the 8bit body
  EXPECT_FALSE(prepared.needs_smtputf8);  // headers are RFC 2047 encoded ASCII
}

TEST(PrepareRaw, NormalizesMixedLineEndings) {
  const auto prepared = prepareOk("From: a@example.com\nSubject: x\r\rline a\nline b\rline c");
  EXPECT_TRUE(prepared.raw.ends_with(
      "From: a@example.com\r\nSubject: x\r\n\r\nline a\r\nline b\r\nline c\r\n"))
      << prepared.raw;
}

TEST(PrepareRaw, Utf8HeadersNeedSmtpUtf8) {
  const auto prepared =
      prepareOk("From: Jörg <jörg@bücher.example>\r\nSubject: Grüße\r\n\r\nhi\r\n");
  EXPECT_TRUE(prepared.needs_smtputf8);
  EXPECT_FALSE(prepared.eight_bit);
  EXPECT_EQ(prepared.subject, "Grüße");
  EXPECT_NE(prepared.from_header.find("Jörg"), std::string::npos);
}

TEST(PrepareRaw, AcceptsAMessageOfHeadersOnlyAndEndsItsHeaderSection) {
  const auto prepared = prepareOk("From: a@example.com\r\nSubject: only headers");
  EXPECT_TRUE(prepared.raw.ends_with("Subject: only headers\r\n\r\n"));
  EXPECT_TRUE(prepareOk("From: a@example.com\r\n").raw.ends_with("a@example.com\r\n\r\n"));
  EXPECT_FALSE(prepared.eight_bit);
}

TEST(PrepareRaw, RefusesALineOverTheLimit) {
  const std::string message =
      "From: a@example.com\r\n\r\n" + std::string(2000, 'x') + "\r\nshort\r\n";
  const std::string reason = refusal(message);
  EXPECT_NE(reason.find("line 3"), std::string::npos) << reason;
  EXPECT_NE(reason.find("2000"), std::string::npos) << reason;
  EXPECT_NE(reason.find("998"), std::string::npos) << reason;
  EXPECT_TRUE(
      prepareRaw("From: a@example.com\r\n\r\n" + std::string(998, 'x'), "d.example", kDate).ok());
}

TEST(PrepareRaw, RefusesAMessageWithoutHeaders) {
  EXPECT_NE(
      refusal("Just some text\r\nwithout any headers\r\n").find("does not start with a header"),
      std::string::npos);
  EXPECT_NE(refusal("\r\nbody after an empty line\r\n").find("no header fields"),
            std::string::npos);
  EXPECT_NE(refusal("").find("empty"), std::string::npos);
}

TEST(PrepareRaw, RefusesBodyTextWithoutTheSeparatingEmptyLine) {
  const std::string reason = refusal("From: a@example.com\r\nHello, this is the body\r\n");
  EXPECT_NE(reason.find("line 2"), std::string::npos) << reason;
  EXPECT_NE(reason.find("empty line"), std::string::npos) << reason;
}

TEST(PrepareRaw, RefusesAContinuationWithNothingToContinue) {
  EXPECT_NE(refusal(" folded: first\r\nFrom: a@example.com\r\n\r\nx").find("no header field to"),
            std::string::npos);
}

TEST(PrepareRaw, RefusesMissingOrRepeatedFrom) {
  EXPECT_NE(refusal("Subject: x\r\nTo: b@example.com\r\n\r\nbody").find("no From header"),
            std::string::npos);
  EXPECT_NE(refusal("From: a@example.com\r\nFROM: b@example.com\r\n\r\nbody").find("2 From"),
            std::string::npos);
  EXPECT_NE(refusal("From:   \r\n\r\nbody").find("From header is empty"), std::string::npos);
}

TEST(PrepareRaw, RefusesNul) {
  EXPECT_NE(refusal(std::string("From: a@example.com\r\n\r\na\0b", 26)).find("NUL"),
            std::string::npos);
}

}  // namespace
}  // namespace outpost::mime

// readPreview(): what the console shows of a stored message — decoded headers in order, the
// best text and HTML bodies in UTF-8, attachments with decoded sizes — and that broken MIME
// yields what could be read instead of an error.
#include "mime/preview.h"

#include <glib.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace outpost::mime {
namespace {

using ::testing::HasSubstr;

std::string crlf(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

std::string headerValue(const MessagePreview& preview, std::string_view name) {
  for (const PreviewHeader& header : preview.headers) {
    if (header.name == name) return header.value;
  }
  return "<missing>";
}

TEST(MessagePreview, ReadsAPlainMessage) {
  const auto preview =
      readPreview(crlf("From: Ann <ann@example.com>\n"
                       "To: bob@example.org\n"
                       "Subject: Hello\n"
                       "\n"
                       "Hi Bob,\n"
                       "see you.\n"));
  ASSERT_EQ(preview.headers.size(), 3u);
  EXPECT_EQ(preview.headers[0].name, "From");
  EXPECT_EQ(preview.headers[0].value, "Ann <ann@example.com>");
  EXPECT_EQ(preview.headers[2].name, "Subject");
  EXPECT_EQ(preview.headers[2].value, "Hello");
  ASSERT_TRUE(preview.text.has_value());
  EXPECT_EQ(*preview.text, "Hi Bob,\r\nsee you.\r\n");
  EXPECT_FALSE(preview.html.has_value());
  EXPECT_TRUE(preview.attachments.empty());
  EXPECT_FALSE(preview.truncated);
}

TEST(MessagePreview, KeepsHeaderOrderAndUnfoldsFoldedValues) {
  const auto preview =
      readPreview(crlf("Received: from a\n"
                       "\tby b; Sun, 29 Nov 2026 08:30:41 +0000\n"
                       "From: ann@example.com\n"
                       "Received: from c by d\n"
                       "\n"
                       "x\n"));
  ASSERT_EQ(preview.headers.size(), 3u);
  EXPECT_EQ(preview.headers[0].name, "Received");
  EXPECT_EQ(preview.headers[0].value, "from a by b; Sun, 29 Nov 2026 08:30:41 +0000");
  EXPECT_EQ(preview.headers[1].name, "From");
  EXPECT_EQ(preview.headers[2].value, "from c by d");
}

TEST(MessagePreview, DecodesRfc2047SubjectAndDisplayNames) {
  const auto preview =
      readPreview(crlf("From: =?UTF-8?B?SsO2cmc=?= <j@example.de>\n"
                       "Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= aus\n"
                       " =?UTF-8?Q?K=C3=B6ln?=\n"
                       "\n"
                       "x\n"));
  EXPECT_EQ(headerValue(preview, "Subject"), "Grüße aus Köln");
  EXPECT_EQ(headerValue(preview, "From"), "Jörg <j@example.de>");
}

TEST(MessagePreview, PrefersTheLastPartOfEachKindInAlternative) {
  const auto preview =
      readPreview(crlf("From: ann@example.com\n"
                       "MIME-Version: 1.0\n"
                       "Content-Type: multipart/alternative; boundary=\"b1\"\n"
                       "\n"
                       "--b1\n"
                       "Content-Type: text/plain; charset=utf-8\n"
                       "\n"
                       "first plain\n"
                       "--b1\n"
                       "Content-Type: text/plain; charset=utf-8\n"
                       "\n"
                       "second plain\n"
                       "--b1\n"
                       "Content-Type: text/html; charset=utf-8\n"
                       "\n"
                       "<p>rich</p>\n"
                       "--b1--\n"));
  ASSERT_TRUE(preview.text.has_value());
  EXPECT_THAT(*preview.text, HasSubstr("second plain"));
  ASSERT_TRUE(preview.html.has_value());
  EXPECT_THAT(*preview.html, HasSubstr("<p>rich</p>"));
  EXPECT_TRUE(preview.attachments.empty()) << "alternatives are renderings, not attachments";
}

TEST(MessagePreview, ReadsNestedRelatedHtmlAndListsTheInlineImage) {
  const auto preview =
      readPreview(crlf("From: ann@example.com\n"
                       "MIME-Version: 1.0\n"
                       "Content-Type: multipart/mixed; boundary=\"outer\"\n"
                       "\n"
                       "--outer\n"
                       "Content-Type: multipart/alternative; boundary=\"alt\"\n"
                       "\n"
                       "--alt\n"
                       "Content-Type: text/plain; charset=us-ascii\n"
                       "\n"
                       "plain version\n"
                       "--alt\n"
                       "Content-Type: multipart/related; boundary=\"rel\"\n"
                       "\n"
                       "--rel\n"
                       "Content-Type: text/html; charset=utf-8\n"
                       "Content-Transfer-Encoding: quoted-printable\n"
                       "\n"
                       "<img src=3D\"cid:logo\">caf=C3=A9\n"
                       "--rel\n"
                       "Content-Type: image/png; name=\"logo.png\"\n"
                       "Content-ID: <logo>\n"
                       "Content-Disposition: inline; filename=\"logo.png\"\n"
                       "Content-Transfer-Encoding: base64\n"
                       "\n"
                       "iVBORw0KGgo=\n"
                       "--rel--\n"
                       "--alt--\n"
                       "--outer\n"
                       "Content-Type: application/pdf\n"
                       "Content-Disposition: attachment; filename=\"report.pdf\"\n"
                       "Content-Transfer-Encoding: base64\n"
                       "\n"
                       "JVBERi0xLjQK\n"
                       "--outer--\n"));
  ASSERT_TRUE(preview.text.has_value());
  EXPECT_THAT(*preview.text, HasSubstr("plain version"));
  ASSERT_TRUE(preview.html.has_value());
  EXPECT_THAT(*preview.html, HasSubstr("<img src=\"cid:logo\">café"));
  ASSERT_EQ(preview.attachments.size(), 2u);
  EXPECT_EQ(preview.attachments[0].filename, "logo.png");
  EXPECT_EQ(preview.attachments[0].content_type, "image/png");
  EXPECT_EQ(preview.attachments[0].size, 8u) << "decoded octets, not base64 text";
  EXPECT_EQ(preview.attachments[1].filename, "report.pdf");
  EXPECT_EQ(preview.attachments[1].content_type, "application/pdf");
  EXPECT_EQ(preview.attachments[1].size, 9u);
}

TEST(MessagePreview, ListsATextPartWithAttachmentDispositionAsAnAttachment) {
  const auto preview =
      readPreview(crlf("From: ann@example.com\n"
                       "Content-Type: multipart/mixed; boundary=\"m\"\n"
                       "\n"
                       "--m\n"
                       "Content-Type: text/plain\n"
                       "\n"
                       "body\n"
                       "--m\n"
                       "Content-Type: text/csv\n"
                       "Content-Disposition: attachment; filename=\"rows.csv\"\n"
                       "\n"
                       "a,b\n"
                       "--m--\n"));
  ASSERT_TRUE(preview.text.has_value());
  EXPECT_THAT(*preview.text, HasSubstr("body"));
  ASSERT_EQ(preview.attachments.size(), 1u);
  EXPECT_EQ(preview.attachments[0].filename, "rows.csv");
  EXPECT_EQ(preview.attachments[0].content_type, "text/csv");
}

TEST(MessagePreview, ConvertsLatin1BodiesToUtf8) {
  const auto preview =
      readPreview(crlf("From: ann@example.com\n"
                       "Content-Type: text/plain; charset=iso-8859-1\n"
                       "Content-Transfer-Encoding: 8bit\n"
                       "\n"
                       "Gr\xFC\xDF"
                       "e\n"));
  ASSERT_TRUE(preview.text.has_value());
  EXPECT_EQ(*preview.text, "Grüße\r\n");
}

TEST(MessagePreview, ReadsUndeclaredEightBitTextAsLatin1) {
  const auto preview =
      readPreview(crlf("From: ann@example.com\n"
                       "\n"
                       "caf\xE9\n"));
  ASSERT_TRUE(preview.text.has_value());
  EXPECT_EQ(*preview.text, "café\r\n");
}

TEST(MessagePreview, ReturnsHeadersAndNoBodyForAHeaderOnlyMessage) {
  const auto preview = readPreview(crlf("From: ann@example.com\nSubject: empty\n"));
  EXPECT_EQ(headerValue(preview, "Subject"), "empty");
  EXPECT_FALSE(preview.text.has_value());
  EXPECT_FALSE(preview.html.has_value());
  EXPECT_TRUE(preview.attachments.empty());
}

TEST(MessagePreview, ReadsWhatItCanWhenTheClosingBoundaryIsMissing) {
  const auto preview =
      readPreview(crlf("From: ann@example.com\n"
                       "Subject: cut\n"
                       "Content-Type: multipart/mixed; boundary=\"m\"\n"
                       "\n"
                       "--m\n"
                       "Content-Type: text/plain\n"
                       "\n"
                       "still here\n"
                       "--m\n"
                       "Content-Type: application/octet-stream\n"
                       "Content-Transfer-Encoding: base64\n"
                       "\n"
                       "AAEC"));
  EXPECT_EQ(headerValue(preview, "Subject"), "cut");
  ASSERT_TRUE(preview.text.has_value());
  EXPECT_THAT(*preview.text, HasSubstr("still here"));
  ASSERT_EQ(preview.attachments.size(), 1u);
  EXPECT_EQ(preview.attachments[0].size, 3u);
}

TEST(MessagePreview, SurvivesABoundaryThatNeverOccurs) {
  const auto preview =
      readPreview(crlf("From: ann@example.com\n"
                       "Subject: broken\n"
                       "Content-Type: multipart/mixed; boundary=\"declared\"\n"
                       "\n"
                       "--other\n"
                       "Content-Type: text/plain\n"
                       "\n"
                       "text\n"
                       "--other--\n"));
  EXPECT_EQ(headerValue(preview, "Subject"), "broken");
  EXPECT_FALSE(preview.html.has_value());
}

TEST(MessagePreview, SurvivesGarbage) {
  for (const std::string_view garbage :
       {std::string_view(""), std::string_view("\r\n\r\n"), std::string_view("no header"),
        std::string_view("Content-Type: multipart/mixed\r\n\r\n--\r\n--\r\n"),
        std::string_view("A: \xFF\xFE\r\n\r\n\xFF")}) {
    const auto preview = readPreview(garbage);
    for (const PreviewHeader& header : preview.headers) {
      EXPECT_TRUE(g_utf8_validate(header.value.data(), -1, nullptr));
    }
  }
}

TEST(MessagePreview, CutsTheHtmlAtTheLimitWithoutSplittingACharacter) {
  std::string body;
  for (int i = 0; i < 100; ++i) body += "é";  // two octets each
  const auto preview = readPreview(crlf("From: a@example.com\n"
                                        "Content-Type: text/html; charset=utf-8\n"
                                        "\n" +
                                        body + "\n"),
                                   PreviewLimits{.max_html = 11});
  ASSERT_TRUE(preview.html.has_value());
  EXPECT_EQ(*preview.html, "ééééé");
  EXPECT_TRUE(preview.truncated);
}

}  // namespace
}  // namespace outpost::mime

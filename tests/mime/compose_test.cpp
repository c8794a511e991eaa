// compose(): MIME structure, header encoding, line rules and refusal of unsafe input,
// each checked by reading the output back with GMime's parser.
#include "mime/compose.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>

#include "mime/gmime_test_support.h"

namespace outpost::mime {
namespace {

using testing::child;
using testing::childCount;
using testing::crlfLines;
using testing::decodedContent;
using testing::headerBlock;
using testing::longestLine;
using testing::mimeType;
using testing::onlyCrlf;
using testing::ParsedMessage;
using testing::transferEncoding;

constexpr UnixMillis kDate = 1795941041123;  // 2026-11-29T08:30:41.123Z

ComposeRequest baseRequest() {
  ComposeRequest request;
  request.from = {"Sender", "sender@example.com"};
  request.to = {{"Reader", "reader@example.org"}};
  request.subject = "Hello";
  request.text = "Hello there.\n";
  request.message_id_domain = "mail.example.com";
  request.date = kDate;
  return request;
}

ComposedMessage composeOk(const ComposeRequest& request) {
  std::vector<FieldError> errors;
  auto composed = compose(request, errors);
  EXPECT_TRUE(composed.ok()) << (composed.ok() ? "" : composed.error().message);
  EXPECT_TRUE(errors.empty());
  if (!composed.ok()) return {};
  // Every message, whatever it holds: CRLF only, no line over 998 octets.
  EXPECT_TRUE(onlyCrlf(composed->raw));
  EXPECT_LE(longestLine(composed->raw), 998u);
  return std::move(composed).value();
}

std::vector<FieldError> composeErrors(const ComposeRequest& request) {
  std::vector<FieldError> errors;
  auto composed = compose(request, errors);
  EXPECT_FALSE(composed.ok());
  if (!composed.ok()) {
    EXPECT_EQ(composed.error().code, "invalid_request");
    for (const FieldError& error : errors) {
      EXPECT_NE(composed.error().message.find(error.field), std::string::npos);
    }
  }
  return errors;
}

bool hasFieldError(const std::vector<FieldError>& errors, const std::string& field,
                   const std::string& text = "") {
  for (const FieldError& error : errors) {
    if (error.field == field && error.message.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string lf(std::string text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out.push_back(text[i]);
  }
  return out;
}

std::string allBytes() {
  std::string bytes;
  for (int round = 0; round < 3; ++round) {
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  }
  bytes += "\r\n\n\r.\r\nFrom the end";
  return bytes;
}

TEST(Compose, TextOnlyIsTextPlainInUtf8) {
  const auto composed = composeOk(baseRequest());
  ParsedMessage parsed(composed.raw);
  ASSERT_NE(parsed.get(), nullptr);
  EXPECT_EQ(mimeType(parsed.body()), "text/plain");
  EXPECT_STREQ(g_mime_object_get_content_type_parameter(parsed.body(), "charset"), "utf-8");
  EXPECT_EQ(lf(decodedContent(parsed.body())), "Hello there.\n");
  EXPECT_EQ(transferEncoding(parsed.body()), "7bit");
  EXPECT_FALSE(composed.eight_bit);
  EXPECT_FALSE(composed.needs_smtputf8);
}

TEST(Compose, HtmlOnlyIsTextHtml) {
  auto request = baseRequest();
  request.text.reset();
  request.html = "<p>Hello</p>\n";
  ParsedMessage parsed(composeOk(request).raw);
  EXPECT_EQ(mimeType(parsed.body()), "text/html");
  EXPECT_EQ(lf(decodedContent(parsed.body())), "<p>Hello</p>\n");
}

TEST(Compose, TextAndHtmlAreMultipartAlternativeTextFirst) {
  auto request = baseRequest();
  request.html = "<p>Hello there.</p>\n";
  ParsedMessage parsed(composeOk(request).raw);
  ASSERT_EQ(mimeType(parsed.body()), "multipart/alternative");
  ASSERT_EQ(childCount(parsed.body()), 2);
  EXPECT_EQ(mimeType(child(parsed.body(), 0)), "text/plain");
  EXPECT_EQ(mimeType(child(parsed.body(), 1)), "text/html");
  EXPECT_EQ(lf(decodedContent(child(parsed.body(), 1))), "<p>Hello there.</p>\n");
}

TEST(Compose, TextHtmlAndAttachmentIsMixedOverAlternativeWithExactBytes) {
  auto request = baseRequest();
  request.html = "<p>Invoice attached.</p>";
  const std::string pdf = "%PDF-1.4\n" + allBytes();
  request.attachments = {{"invoice.pdf", "application/pdf", pdf, ""}};
  const auto composed = composeOk(request);
  ParsedMessage parsed(composed.raw);
  ASSERT_EQ(mimeType(parsed.body()), "multipart/mixed");
  ASSERT_EQ(childCount(parsed.body()), 2);
  GMimeObject* alternative = child(parsed.body(), 0);
  ASSERT_EQ(mimeType(alternative), "multipart/alternative");
  EXPECT_EQ(mimeType(child(alternative, 0)), "text/plain");
  EXPECT_EQ(mimeType(child(alternative, 1)), "text/html");
  GMimeObject* attachment = child(parsed.body(), 1);
  EXPECT_EQ(mimeType(attachment), "application/pdf");
  EXPECT_EQ(transferEncoding(attachment), "base64");
  EXPECT_STREQ(g_mime_part_get_filename(GMIME_PART(attachment)), "invoice.pdf");
  EXPECT_TRUE(g_mime_part_is_attachment(GMIME_PART(attachment)));
  EXPECT_EQ(decodedContent(attachment), pdf);
  EXPECT_FALSE(composed.eight_bit);
}

TEST(Compose, AttachmentWithoutBodiesOfItsOwnWrapsTextInMixed) {
  auto request = baseRequest();
  request.attachments = {{"notes.txt", "", "line 1\nline 2\n", ""},
                         {"data.bin", "", std::string("\x00\x01\x02", 3), ""}};
  ParsedMessage parsed(composeOk(request).raw);
  ASSERT_EQ(mimeType(parsed.body()), "multipart/mixed");
  ASSERT_EQ(childCount(parsed.body()), 3);
  EXPECT_EQ(mimeType(child(parsed.body(), 0)), "text/plain");
  // Attachments keep their exact bytes, LF line ends included.
  EXPECT_EQ(decodedContent(child(parsed.body(), 1)), "line 1\nline 2\n");
  EXPECT_EQ(decodedContent(child(parsed.body(), 2)), std::string("\x00\x01\x02", 3));
}

TEST(Compose, ContentTypeComesFromTheFileNameWhenEmpty) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"report.PDF", "application/pdf"},
      {"photo.jpeg", "image/jpeg"},
      {"logo.png", "image/png"},
      {"sheet.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"list.csv", "text/csv"},
      {"archive.unknownext", "application/octet-stream"},
      {"noextension", "application/octet-stream"}};
  for (const auto& [filename, type] : cases) {
    auto request = baseRequest();
    request.attachments = {{filename, "", "x", ""}};
    ParsedMessage parsed(composeOk(request).raw);
    EXPECT_EQ(mimeType(child(parsed.body(), 1)), type) << filename;
  }
}

TEST(Compose, ExplicitContentTypeWithParametersIsKept) {
  auto request = baseRequest();
  request.attachments = {{"export.txt", "text/csv; charset=utf-8", "a,b\n", ""}};
  ParsedMessage parsed(composeOk(request).raw);
  GMimeObject* attachment = child(parsed.body(), 1);
  EXPECT_EQ(mimeType(attachment), "text/csv");
  EXPECT_STREQ(g_mime_object_get_content_type_parameter(attachment, "charset"), "utf-8");
}

TEST(Compose, InlinePartsWithContentIdAreRelatedToTheHtml) {
  auto request = baseRequest();
  request.html = "<img src=\"cid:logo@example.com\">";
  request.attachments = {{"logo.png", "image/png", "\x89PNG\r\n\x1a\n", "<logo@example.com>"},
                         {"terms.pdf", "", "%PDF", ""}};
  ParsedMessage parsed(composeOk(request).raw);
  ASSERT_EQ(mimeType(parsed.body()), "multipart/mixed");
  GMimeObject* alternative = child(parsed.body(), 0);
  ASSERT_EQ(mimeType(alternative), "multipart/alternative");
  GMimeObject* related = child(alternative, 1);
  ASSERT_EQ(mimeType(related), "multipart/related");
  EXPECT_STREQ(g_mime_object_get_content_type_parameter(related, "type"), "text/html");
  ASSERT_EQ(childCount(related), 2);
  EXPECT_EQ(mimeType(child(related, 0)), "text/html");
  GMimeObject* logo = child(related, 1);
  EXPECT_EQ(mimeType(logo), "image/png");
  EXPECT_STREQ(g_mime_object_get_content_id(logo), "logo@example.com");
  EXPECT_STREQ(g_mime_object_get_disposition(logo), "inline");
  EXPECT_EQ(decodedContent(logo), "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(mimeType(child(parsed.body(), 1)), "application/pdf");
}

TEST(Compose, NonAsciiFileNameIsRfc2231EncodedInUtf8) {
  auto request = baseRequest();
  request.attachments = {{"Rechnung März 2026.pdf", "", "%PDF", ""}};
  const auto composed = composeOk(request);
  EXPECT_NE(composed.raw.find("filename*=UTF-8''Rechnung%20M%C3%A4rz%202026.pdf"),
            std::string::npos)
      << composed.raw;
  ParsedMessage parsed(composed.raw);
  EXPECT_STREQ(g_mime_part_get_filename(GMIME_PART(child(parsed.body(), 1))),
               "Rechnung März 2026.pdf");
}

TEST(Compose, VeryLongFileNameIsSplitWithinTheLineLimit) {
  std::string utf8_name;
  for (int i = 0; i < 120; ++i) utf8_name += "Dokument_ü_";
  for (const std::string& name : {utf8_name + ".pdf", std::string(1500, 'a') + ".pdf"}) {
    auto request = baseRequest();
    request.attachments = {{name, "", "%PDF", ""}};
    ParsedMessage parsed(composeOk(request).raw);  // composeOk checks the line limit
    EXPECT_EQ(g_mime_part_get_filename(GMIME_PART(child(parsed.body(), 1))), name);
  }
}

TEST(Compose, UnicodeSubjectIsRfc2047EncodedAndDecodesBack) {
  auto request = baseRequest();
  request.subject = "Grüße aus Köln – 東京 📨, and a long tail to make GMime fold the subject line";
  const auto composed = composeOk(request);
  const std::string_view headers = headerBlock(composed.raw);
  for (const char c : headers) ASSERT_LT(static_cast<unsigned char>(c), 0x80);
  EXPECT_NE(headers.find("Subject: =?"), std::string::npos);
  ParsedMessage parsed(composed.raw);
  EXPECT_STREQ(g_mime_message_get_subject(parsed.get()), request.subject.c_str());
}

TEST(Compose, LongSubjectAndNameWordsStayWithinTheLineLimit) {
  auto request = baseRequest();
  request.subject = std::string(2000, 'x') + " end";
  request.from.display_name = std::string(1200, 'n');
  const auto composed = composeOk(request);  // checks the 998-octet limit
  ParsedMessage parsed(composed.raw);
  EXPECT_EQ(std::string(g_mime_message_get_subject(parsed.get())), request.subject);
  InternetAddressList* from = g_mime_message_get_from(parsed.get());
  ASSERT_EQ(internet_address_list_length(from), 1);
  EXPECT_EQ(std::string(internet_address_get_name(internet_address_list_get_address(from, 0))),
            request.from.display_name);
}

TEST(Compose, UnicodeDisplayNamesAreEncodedAndDecodeBack) {
  auto request = baseRequest();
  request.from = {"Jörg Müller, Vertrieb", "joerg@example.de"};
  request.to = {{"山田 太郎", "taro@example.jp"}, {"Zoë \"Z\" O'Neil", "zoe@example.ie"}};
  const auto composed = composeOk(request);
  const std::string_view headers = headerBlock(composed.raw);
  for (const char c : headers) ASSERT_LT(static_cast<unsigned char>(c), 0x80);
  ParsedMessage parsed(composed.raw);
  InternetAddressList* from = g_mime_message_get_from(parsed.get());
  ASSERT_EQ(internet_address_list_length(from), 1);
  EXPECT_STREQ(internet_address_get_name(internet_address_list_get_address(from, 0)),
               "Jörg Müller, Vertrieb");
  InternetAddressList* to = g_mime_message_get_to(parsed.get());
  ASSERT_EQ(internet_address_list_length(to), 2);
  EXPECT_STREQ(internet_address_get_name(internet_address_list_get_address(to, 0)), "山田 太郎");
  EXPECT_STREQ(internet_address_get_name(internet_address_list_get_address(to, 1)),
               "Zoë \"Z\" O'Neil");
  EXPECT_STREQ(internet_address_mailbox_get_addr(
                   INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(to, 1))),
               "zoe@example.ie");
}

TEST(Compose, CcAndReplyToAreWrittenButBccIsNot) {
  auto request = baseRequest();
  request.cc = {{"", "copy@example.org"}};
  request.bcc = {{"Hidden", "hidden@example.net"}, {"", "secret@example.net"}};
  request.reply_to = {{"Support", "support@example.com"}};
  const auto composed = composeOk(request);
  EXPECT_EQ(composed.raw.find("hidden@example.net"), std::string::npos);
  EXPECT_EQ(composed.raw.find("secret@example.net"), std::string::npos);
  EXPECT_EQ(composed.raw.find("Bcc"), std::string::npos);
  ParsedMessage parsed(composed.raw);
  EXPECT_EQ(internet_address_list_length(g_mime_message_get_bcc(parsed.get())), 0);
  EXPECT_EQ(parsed.header("Cc"), "copy@example.org");
  EXPECT_EQ(parsed.header("Reply-To"), "Support <support@example.com>");
}

TEST(Compose, MessageIdIsRandomAtTheConfiguredDomain) {
  const auto first = composeOk(baseRequest());
  const auto second = composeOk(baseRequest());
  EXPECT_THAT(first.message_id, ::testing::MatchesRegex("<[0-9a-z]{20,}@mail\\.example\\.com>"));
  EXPECT_NE(first.message_id, second.message_id);
  EXPECT_NE(first.raw.find("\r\nMessage-ID: " + first.message_id + "\r\n"), std::string::npos);
  ParsedMessage parsed(first.raw);
  EXPECT_EQ("<" + std::string(g_mime_message_get_message_id(parsed.get())) + ">", first.message_id);
}

TEST(Compose, MessageIdFallsBackToTheSenderDomain) {
  auto request = baseRequest();
  request.message_id_domain.clear();
  const auto composed = composeOk(request);
  EXPECT_TRUE(composed.message_id.ends_with("@example.com>")) << composed.message_id;
}

TEST(Compose, DateAndMimeVersionHeaders) {
  const auto composed = composeOk(baseRequest());
  EXPECT_TRUE(composed.raw.starts_with("Date: Sun, 29 Nov 2026 08:30:41 +0000\r\n"))
      << composed.raw;
  std::size_t count = 0;
  for (const auto line : crlfLines(headerBlock(composed.raw))) {
    if (line.starts_with("MIME-Version:")) {
      ++count;
      EXPECT_EQ(line, "MIME-Version: 1.0");
    }
  }
  EXPECT_EQ(count, 1u);
  ParsedMessage parsed(composed.raw);
  GDateTime* date = g_mime_message_get_date(parsed.get());
  ASSERT_NE(date, nullptr);
  EXPECT_EQ(g_date_time_to_unix(date), kDate / 1000);
}

TEST(Compose, EmptySubjectIsLeftOut) {
  auto request = baseRequest();
  request.subject.clear();
  const auto composed = composeOk(request);
  EXPECT_EQ(headerBlock(composed.raw).find("Subject"), std::string::npos);
}

TEST(Compose, LongSingleLineTextIsQuotedPrintableWithinLineLimits) {
  auto request = baseRequest();
  request.text = std::string(5000, 'a');
  request.html = "<p>" + std::string(5000, 'b') + "</p>";
  const auto composed = composeOk(request);
  EXPECT_LE(longestLine(composed.raw), 78u);
  ParsedMessage parsed(composed.raw);
  GMimeObject* text = child(parsed.body(), 0);
  EXPECT_EQ(transferEncoding(text), "quoted-printable");
  EXPECT_EQ(decodedContent(text), std::string(5000, 'a'));
  EXPECT_EQ(decodedContent(child(parsed.body(), 1)), "<p>" + std::string(5000, 'b') + "</p>");
}

TEST(Compose, EightBitTextIsEncodedSoTheMessageIsSevenBit) {
  auto request = baseRequest();
  request.text = "Grüße, schöne Grüße aus Köln.\n";
  const auto composed = composeOk(request);
  EXPECT_FALSE(composed.eight_bit);
  for (const char c : composed.raw) ASSERT_LT(static_cast<unsigned char>(c), 0x80);
  ParsedMessage parsed(composed.raw);
  EXPECT_EQ(transferEncoding(parsed.body()), "quoted-printable");
  EXPECT_EQ(lf(decodedContent(parsed.body())), *request.text);
}

TEST(Compose, MostlyNonLatinTextIsBase64) {
  auto request = baseRequest();
  request.text = "東京からこんにちは。お元気ですか。\n";
  ParsedMessage parsed(composeOk(request).raw);
  EXPECT_EQ(transferEncoding(parsed.body()), "base64");
  EXPECT_EQ(lf(decodedContent(parsed.body())), *request.text);
}

TEST(Compose, BareCrAndLfInTextBecomeCrlf) {
  auto request = baseRequest();
  request.text = "one\ntwo\rthree\r\nfour";
  const auto composed = composeOk(request);
  EXPECT_NE(composed.raw.find("\r\n\r\none\r\ntwo\r\nthree\r\nfour"), std::string::npos);
}

TEST(Compose, NeedsSmtpUtf8OnlyForNonAsciiAddresses) {
  auto request = baseRequest();
  EXPECT_FALSE(composeOk(request).needs_smtputf8);
  request.to = {{"", "jörg@bücher.example"}};
  const auto utf8_to = composeOk(request);
  EXPECT_TRUE(utf8_to.needs_smtputf8);
  request = baseRequest();
  request.bcc = {{"", "用户@例子.广告"}};
  EXPECT_TRUE(composeOk(request).needs_smtputf8);
  request = baseRequest();
  request.from.display_name = "Jörg";  // names are RFC 2047 encoded: no SMTPUTF8 needed
  EXPECT_FALSE(composeOk(request).needs_smtputf8);
}

TEST(Compose, ExtraHeadersAreWrittenInOrderAndFolded) {
  auto request = baseRequest();
  std::string long_value;
  for (int i = 0; i < 40; ++i)
    long_value += "<https://example.com/unsubscribe/" + std::to_string(i) + ">, ";
  long_value += "<mailto:unsubscribe@example.com>";
  request.headers = {{"X-Campaign", "spring-2026"},
                     {"List-Unsubscribe", long_value},
                     {"X-Note", "Grüße aus Köln"},
                     {"X-Campaign", "second"}};
  const auto composed = composeOk(request);
  EXPECT_LE(longestLine(headerBlock(composed.raw)), 78u);
  ParsedMessage parsed(composed.raw);
  GMimeHeaderList* headers = g_mime_object_get_header_list(GMIME_OBJECT(parsed.get()));
  std::vector<std::pair<std::string, std::string>> extra;
  for (int i = 0; i < g_mime_header_list_get_count(headers); ++i) {
    GMimeHeader* header = g_mime_header_list_get_header_at(headers, i);
    const std::string name = g_mime_header_get_name(header);
    if (name.starts_with("X-") || name == "List-Unsubscribe") {
      extra.emplace_back(name, g_mime_header_get_value(header));
    }
  }
  ASSERT_EQ(extra.size(), 4u);
  EXPECT_EQ(extra[0], (std::pair<std::string, std::string>{"X-Campaign", "spring-2026"}));
  EXPECT_EQ(extra[1].first, "List-Unsubscribe");
  EXPECT_EQ(extra[1].second, long_value);
  EXPECT_EQ(extra[2].second, "Grüße aus Köln");
  EXPECT_EQ(extra[3].second, "second");
}

TEST(CheckExtraHeader, AcceptsCustomHeaders) {
  EXPECT_EQ(checkExtraHeader("X-Campaign", "spring"), "");
  EXPECT_EQ(checkExtraHeader("List-Unsubscribe", "<https://example.com/u/1>"), "");
  EXPECT_EQ(checkExtraHeader("In-Reply-To", "<abc@example.com>"), "");
  EXPECT_EQ(checkExtraHeader("X-Empty", ""), "");
  EXPECT_EQ(checkExtraHeader("X-Unicode", "Grüße"), "");
}

TEST(CheckExtraHeader, RefusesHeadersOutpostSets) {
  for (const char* name :
       {"From", "to", "CC", "Bcc", "Reply-To", "Subject", "Date", "Message-ID", "message-id",
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "content-disposition"}) {
    const std::string reason = checkExtraHeader(name, "x");
    EXPECT_NE(reason.find("outpost sets"), std::string::npos) << name << ": " << reason;
  }
  EXPECT_NE(checkExtraHeader("To", "x").find("use the to field"), std::string::npos);
}

TEST(CheckExtraHeader, RefusesBadNamesAndValues) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"", "v", "name is empty"},
      {"X Foo", "v", "printable ASCII"},
      {"X-Foo:", "v", "printable ASCII"},
      {"X-Föo", "v", "printable ASCII"},
      {"X-Foo\r\nBcc", "x@y.com", "printable ASCII"},
      {"X-Foo", "a\r\nBcc: x@y.com", "line break"},
      {"X-Foo", "a\nb", "line break"},
      {"X-Foo", std::string("a\0b", 3), "NUL"},
      {"X-Foo", "\xff\xfe", "UTF-8"},
      {"X-Foo", std::string(1000, 'w'), "998"},
      {std::string(80, 'X'), "v", "longer than 76"},
  };
  for (const auto& [name, value, reason] : cases) {
    const std::string got = checkExtraHeader(name, value);
    EXPECT_NE(got.find(reason), std::string::npos) << name << ": " << got;
    EXPECT_EQ(got.find_first_of("\r\n"), std::string::npos);
  }
}

TEST(Compose, RefusesHeaderInjectionInEveryField) {
  auto request = baseRequest();
  request.subject = "Hi\r\nBcc: victim@example.net";
  request.from.display_name = "Sender\r\nBcc: victim@example.net";
  request.to = {{"", "a@b.com\r\nBcc: x@y.com"}};
  request.cc = {{"Name\nX-Evil: 1", "cc@example.org"}};
  request.headers = {{"X-Foo", "bar\r\nBcc: x@y.com"}, {"X-Bar\r\nBcc", "x@y.com"}};
  request.attachments = {{"a.pdf\r\nX-Evil: 1", "", "x", ""},
                         {"b.pdf", "application/pdf\r\nX-Evil: 1", "x", "id\r\n@x"}};
  const auto errors = composeErrors(request);
  EXPECT_TRUE(hasFieldError(errors, "subject", "line break"));
  EXPECT_TRUE(hasFieldError(errors, "from", "line break"));
  EXPECT_TRUE(hasFieldError(errors, "to[0]", "line break"));
  EXPECT_TRUE(hasFieldError(errors, "cc[0]", "line break"));
  EXPECT_TRUE(hasFieldError(errors, "headers.X-Foo", "line break"));
  EXPECT_TRUE(hasFieldError(errors, "headers.X-Bar??Bcc"));
  EXPECT_TRUE(hasFieldError(errors, "attachments[0].filename", "line break"));
  EXPECT_TRUE(hasFieldError(errors, "attachments[1].content_type", "line break"));
  EXPECT_TRUE(hasFieldError(errors, "attachments[1].content_id"));
  for (const FieldError& error : errors) {
    EXPECT_EQ(error.message.find_first_of("\r\n"), std::string::npos) << error.message;
  }
}

TEST(Compose, RefusesHeadersOutpostSetsWithTheFieldName) {
  auto request = baseRequest();
  request.headers = {{"Bcc", "x@y.com"}, {"Content-Type", "text/plain"}};
  const auto errors = composeErrors(request);
  EXPECT_TRUE(hasFieldError(errors, "headers.Bcc", "outpost sets"));
  EXPECT_TRUE(hasFieldError(errors, "headers.Content-Type", "outpost sets"));
}

TEST(Compose, RefusesRequestsWithoutBodyRecipientsOrSender) {
  ComposeRequest request;
  request.subject = "x";
  const auto errors = composeErrors(request);
  EXPECT_TRUE(hasFieldError(errors, "text", "text or an html body"));
  EXPECT_TRUE(hasFieldError(errors, "to", "at least one recipient"));
  EXPECT_TRUE(hasFieldError(errors, "from", "sender address is required"));
}

TEST(Compose, RefusesInvalidAddressesWithTheirPosition) {
  auto request = baseRequest();
  request.to = {{"", "ok@example.org"}, {"", "broken.example.org"}};
  request.bcc = {{"", "user@exa mple.com"}};
  const auto errors = composeErrors(request);
  EXPECT_TRUE(hasFieldError(errors, "to[1]", "missing @"));
  EXPECT_TRUE(hasFieldError(errors, "bcc[0]", "is not a valid host name"));
  EXPECT_FALSE(hasFieldError(errors, "to[0]"));
}

TEST(Compose, RefusesBadAttachments) {
  auto request = baseRequest();
  request.attachments = {{"", "", "x", ""},
                         {"mail.eml", "message/rfc822", "x", ""},
                         {"a.bin", "not a type", "x", ""},
                         {"b.png", "image/png", "x", "has space"}};
  const auto errors = composeErrors(request);
  EXPECT_TRUE(hasFieldError(errors, "attachments[0].filename", "empty"));
  EXPECT_TRUE(hasFieldError(errors, "attachments[1].content_type", "cannot be used"));
  EXPECT_TRUE(hasFieldError(errors, "attachments[2].content_type", "type/subtype"));
  EXPECT_TRUE(hasFieldError(errors, "attachments[3].content_id"));
}

TEST(Compose, KeepsFieldErrorsTheCallerAlreadyHas) {
  std::vector<FieldError> errors = {{"tags", "too many tags"}};
  auto request = baseRequest();
  request.subject = "a\nb";
  auto composed = compose(request, errors);
  ASSERT_FALSE(composed.ok());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].field, "tags");
  EXPECT_EQ(errors[1].field, "subject");
  EXPECT_EQ(composed.error().message.find("tags"), std::string::npos);
}

TEST(Compose, RunsConcurrentlyOnManyThreads) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::vector<std::vector<ComposedMessage>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &results] {
      for (int i = 0; i < kPerThread; ++i) {
        auto request = baseRequest();
        request.subject = "Grüße Nummer " + std::to_string(t) + "/" + std::to_string(i);
        request.html = "<p>Hallo Jörg</p>";
        request.attachments = {{"Anhang ü.pdf", "", allBytes(), ""}};
        std::vector<FieldError> errors;
        auto composed = compose(request, errors);
        if (composed.ok()) results[t].push_back(std::move(composed).value());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> ids;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(results[t].size(), static_cast<std::size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i) {
      const ComposedMessage& composed = results[t][i];
      ids.insert(composed.message_id);
      ParsedMessage parsed(composed.raw);
      EXPECT_EQ(std::string(g_mime_message_get_subject(parsed.get())),
                "Grüße Nummer " + std::to_string(t) + "/" + std::to_string(i));
      EXPECT_EQ(decodedContent(child(parsed.body(), 1)), allBytes());
    }
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace outpost::mime

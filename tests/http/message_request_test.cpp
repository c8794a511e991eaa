// POST /messages and /messages/raw bodies → intake input: unknown fields, wrong types, bad
// addresses, bad base64 and header injection each become a field error with its path, and
// every problem is reported at once.
#include "http/message_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace outpost::http {
namespace {

using ::testing::Contains;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

auto hasError(const std::string& field) { return Contains(Field(&mime::FieldError::field, field)); }

std::optional<MessageRequest> parse(const std::string& json,
                                    std::vector<mime::FieldError>& errors) {
  return parseMessageRequest(boost::json::parse(json), errors);
}

TEST(MessageRequest, ReadsEveryField) {
  std::vector<mime::FieldError> errors;
  auto request = parse(R"({
    "from": "Shop <shop@example.com>",
    "to": ["a@example.net", "Bob <bob@example.org>"],
    "cc": ["c@example.net"], "bcc": ["d@example.net"], "reply_to": ["help@example.com"],
    "subject": "Your order", "text": "Hello", "html": "<p>Hello</p>",
    "attachments": [{"filename": "a.txt", "content_type": "text/plain",
                     "content": "aGVsbG8=", "content_id": "logo"}],
    "headers": {"X-Campaign": "spring"},
    "tags": ["order", "eu"],
    "metadata": {"order": 42, "vip": true, "ref": "A-1"}
  })",
                       errors);
  ASSERT_TRUE(request) << (errors.empty() ? "" : errors[0].field + ": " + errors[0].message);
  const auto& compose = request->compose;
  EXPECT_EQ(compose.from.address, "shop@example.com");
  EXPECT_EQ(compose.from.display_name, "Shop");
  ASSERT_THAT(compose.to, SizeIs(2));
  EXPECT_EQ(compose.to[1].address, "bob@example.org");
  EXPECT_EQ(compose.cc.at(0).address, "c@example.net");
  EXPECT_EQ(compose.bcc.at(0).address, "d@example.net");
  EXPECT_EQ(compose.reply_to.at(0).address, "help@example.com");
  EXPECT_EQ(compose.subject, "Your order");
  EXPECT_EQ(compose.text, "Hello");
  EXPECT_EQ(compose.html, "<p>Hello</p>");
  ASSERT_THAT(compose.attachments, SizeIs(1));
  EXPECT_EQ(compose.attachments[0].content, "hello");
  EXPECT_EQ(compose.attachments[0].content_id, "logo");
  ASSERT_THAT(compose.headers, SizeIs(1));
  EXPECT_EQ(compose.headers[0].first, "X-Campaign");
  EXPECT_EQ(boost::json::parse(request->tags_json), boost::json::parse(R"(["order","eu"])"));
  EXPECT_EQ(boost::json::parse(request->metadata_json),
            boost::json::parse(R"({"order": 42, "vip": true, "ref": "A-1"})"));
}

TEST(MessageRequest, ReportsEachUnknownField) {
  std::vector<mime::FieldError> errors;
  EXPECT_FALSE(parse(R"({"from": "a@example.com", "to": ["b@example.com"], "text": "x",
                         "subjet": "typo", "priority": 1})",
                     errors));
  EXPECT_THAT(errors, hasError("subjet"));
  EXPECT_THAT(errors, hasError("priority"));
  EXPECT_THAT(errors, SizeIs(2));
  EXPECT_EQ(errors[0].message, "unknown field");
}

TEST(MessageRequest, NamesTheBadAddressByIndex) {
  std::vector<mime::FieldError> errors;
  EXPECT_FALSE(parse(R"({"from": "a@example.com", "text": "x",
                         "to": ["ok@example.com", "also@example.com", "no-at-sign"],
                         "cc": [7]})",
                     errors));
  EXPECT_THAT(errors, hasError("to[2]"));
  EXPECT_THAT(errors, hasError("cc[0]"));
  EXPECT_THAT(errors, Not(hasError("to[0]")));
}

TEST(MessageRequest, ListsEveryProblemNotOnlyTheFirst) {
  std::vector<mime::FieldError> errors;
  EXPECT_FALSE(parse(R"({"from": 5, "to": "x@example.com", "subject": ["s"], "text": 1,
                         "tags": "t", "metadata": {"nested": {"a": 1}}})",
                     errors));
  EXPECT_THAT(errors, hasError("from"));
  EXPECT_THAT(errors, hasError("to"));
  EXPECT_THAT(errors, hasError("subject"));
  EXPECT_THAT(errors, hasError("text"));
  EXPECT_THAT(errors, hasError("tags"));
  EXPECT_THAT(errors, hasError("metadata.nested"));
}

TEST(MessageRequest, RequiresFromAndARecipient) {
  std::vector<mime::FieldError> errors;
  EXPECT_FALSE(parse(R"({"subject": "s", "text": "x", "to": [], "cc": []})", errors));
  EXPECT_THAT(errors, hasError("from"));
  ASSERT_THAT(errors, hasError("to"));
  for (const auto& error : errors) {
    if (error.field == "to") {
      EXPECT_EQ(error.message, "at least one recipient in to, cc or bcc");
    }
  }
}

TEST(MessageRequest, AcceptsBccAsTheOnlyRecipient) {
  std::vector<mime::FieldError> errors;
  EXPECT_TRUE(parse(R"({"from": "a@example.com", "bcc": ["b@example.com"], "text": "x"})", errors));
  EXPECT_THAT(errors, IsEmpty());
}

TEST(MessageRequest, RejectsBadBase64WithTheAttachmentPath) {
  std::vector<mime::FieldError> errors;
  EXPECT_FALSE(parse(R"({"from": "a@example.com", "to": ["b@example.com"], "text": "x",
                         "attachments": [{"filename": "ok.txt", "content": "b2s="},
                                         {"filename": "bad.bin", "content": "!!not base64!!"},
                                         {"content": "b2s=", "size": 3}]})",
                     errors));
  EXPECT_THAT(errors, Not(hasError("attachments[0].content")));
  EXPECT_THAT(errors, hasError("attachments[1].content"));
  EXPECT_THAT(errors, hasError("attachments[2].filename"));
  EXPECT_THAT(errors, hasError("attachments[2].size"));
}

TEST(MessageRequest, DecodesBase64WithLineBreaksAndWithoutPadding) {
  EXPECT_EQ(decodeBase64("aGVs\r\nbG8="), "hello");
  EXPECT_EQ(decodeBase64("aGVsbG8"), "hello");
  EXPECT_EQ(decodeBase64(""), "");
  EXPECT_FALSE(decodeBase64("aGVsbG8=x"));
  EXPECT_FALSE(decodeBase64("aGV*bG8="));
}

TEST(MessageRequest, RefusesHeaderInjectionInSubject) {
  std::vector<mime::FieldError> errors;
  EXPECT_FALSE(parse(R"({"from": "a@example.com", "to": ["b@example.com"], "text": "x",
                         "subject": "Hi\r\nBcc: victim@example.net"})",
                     errors));
  EXPECT_THAT(errors, hasError("subject"));
}

TEST(MessageRequest, RefusesHeaderInjectionAndReservedNamesInHeaders) {
  std::vector<mime::FieldError> errors;
  EXPECT_FALSE(parse(R"({"from": "a@example.com", "to": ["b@example.com"], "text": "x",
                         "headers": {"X-Ok": "fine", "X-Evil": "a\r\nBcc: victim@example.net",
                                     "Bad Name": "v", "From": "other@example.com",
                                     "X-Number": 3}})",
                     errors));
  EXPECT_THAT(errors, Not(hasError("headers.X-Ok")));
  EXPECT_THAT(errors, hasError("headers.X-Evil"));
  EXPECT_THAT(errors, hasError("headers.Bad Name"));
  EXPECT_THAT(errors, hasError("headers.From"));
  EXPECT_THAT(errors, hasError("headers.X-Number"));
}

TEST(MessageRequest, RefusesANonObjectBody) {
  std::vector<mime::FieldError> errors;
  EXPECT_FALSE(parse(R"(["from"])", errors));
  EXPECT_THAT(errors, hasError("body"));
}

TEST(RawMessageRequest, ReadsEnvelopeAndMessage) {
  std::vector<mime::FieldError> errors;
  auto request = parseRawMessageRequest(
      boost::json::parse(R"({"mail_from": "a@example.com", "rcpt_to": ["b@example.com"],
                             "message": "Subject: x\r\n\r\nbody\r\n"})"),
      errors);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->mail_from, "a@example.com");
  EXPECT_EQ(request->rcpt_to, std::vector<std::string>{"b@example.com"});
  EXPECT_EQ(request->message, "Subject: x\r\n\r\nbody\r\n");
}

TEST(RawMessageRequest, DecodesMessageBase64AndAcceptsTheNullReversePath) {
  std::vector<mime::FieldError> errors;
  auto request =
      parseRawMessageRequest(boost::json::parse(R"({"mail_from": "", "rcpt_to": ["b@example.com"],
                             "message_base64": "U3ViamVjdDogeA0KDQpib2R5DQo="})"),
                             errors);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->mail_from, "");
  EXPECT_EQ(request->message, "Subject: x\r\n\r\nbody\r\n");
}

TEST(RawMessageRequest, WantsExactlyOneOfMessageAndMessageBase64) {
  std::vector<mime::FieldError> both, neither;
  EXPECT_FALSE(parseRawMessageRequest(
      boost::json::parse(R"({"mail_from": "a@example.com", "rcpt_to": ["b@example.com"],
                             "message": "x", "message_base64": "eA=="})"),
      both));
  EXPECT_THAT(both, hasError("message_base64"));
  EXPECT_FALSE(parseRawMessageRequest(
      boost::json::parse(R"({"mail_from": "a@example.com", "rcpt_to": ["b@example.com"]})"),
      neither));
  EXPECT_THAT(neither, hasError("message"));
}

TEST(RawMessageRequest, ChecksEveryEnvelopeAddress) {
  std::vector<mime::FieldError> errors;
  EXPECT_FALSE(
      parseRawMessageRequest(boost::json::parse(R"({"mail_from": "<a@example.com>", "message": "x",
                             "rcpt_to": ["b@example.com", "bad address", 3], "extra": 1})"),
                             errors));
  EXPECT_THAT(errors, hasError("mail_from"));
  EXPECT_THAT(errors, hasError("rcpt_to[1]"));
  EXPECT_THAT(errors, hasError("rcpt_to[2]"));
  EXPECT_THAT(errors, hasError("extra"));
  EXPECT_THAT(errors, Not(hasError("rcpt_to[0]")));
}

}  // namespace
}  // namespace outpost::http

// ReplyParser and remoteQueueId against RFC 5321 / RFC 2034 examples and real servers' wording.
#include "smtp/reply.h"

#include <gtest/gtest.h>

#include "core/limits.h"

namespace outpost::smtp {
namespace {

Reply parseAll(const std::vector<std::string>& lines) {
  ReplyParser parser;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto status = parser.feed(lines[i]);
    const auto expected =
        i + 1 == lines.size() ? ReplyParser::Status::kComplete : ReplyParser::Status::kNeedMore;
    EXPECT_EQ(status, expected) << lines[i] << " " << parser.problem();
  }
  return parser.take();
}

Reply reply(const std::string& line) { return parseAll({line}); }

TEST(ReplyParser, ParsesSingleLineWithEnhancedCode) {
  Reply r = reply("250 2.0.0 Ok: queued as 4XyZ12");
  EXPECT_EQ(r.code, 250);
  EXPECT_EQ(r.enhanced_code, "2.0.0");
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0], "Ok: queued as 4XyZ12");
  EXPECT_EQ(r.firstLine(), "250 2.0.0 Ok: queued as 4XyZ12");
  EXPECT_TRUE(r.positive());
}

TEST(ReplyParser, ParsesMultiLineReply) {
  Reply r = parseAll({"250-mx.example.com Hello", "250-PIPELINING", "250 SIZE 10240000"});
  EXPECT_EQ(r.code, 250);
  EXPECT_EQ(r.lines,
            (std::vector<std::string>{"mx.example.com Hello", "PIPELINING", "SIZE 10240000"}));
  EXPECT_EQ(r.text(), "mx.example.com Hello PIPELINING SIZE 10240000");
}

TEST(ReplyParser, StripsEnhancedCodeFromEveryLine) {
  Reply r = parseAll({"550-5.7.1 Service unavailable;", "550 5.7.1 client blocked"});
  EXPECT_EQ(r.enhanced_code, "5.7.1");
  EXPECT_EQ(r.text(), "Service unavailable; client blocked");
  EXPECT_TRUE(r.permanent());
}

TEST(ReplyParser, RejectsContinuationWithDifferentCode) {
  ReplyParser parser;
  EXPECT_EQ(parser.feed("250-first"), ReplyParser::Status::kNeedMore);
  EXPECT_EQ(parser.feed("251 second"), ReplyParser::Status::kMalformed);
  EXPECT_NE(parser.problem().find("251"), std::string::npos);
}

TEST(ReplyParser, RejectsLinesWithoutAValidCode) {
  for (const char* line :
       {"", "hello", "25", "2x0 Ok", "600 nope", "199 too low", "250x", "260 bad second digit"}) {
    ReplyParser parser;
    EXPECT_EQ(parser.feed(line), ReplyParser::Status::kMalformed) << line;
    EXPECT_FALSE(parser.problem().empty());
  }
}

TEST(ReplyParser, AcceptsACodeAlone) {
  Reply r = reply("354");
  EXPECT_EQ(r.code, 354);
  EXPECT_EQ(r.firstLine(), "354");
}

TEST(ReplyParser, TakesEnhancedCodeOnlyWhenItsClassMatchesTheReply) {
  Reply r = reply("550 2.0.0 odd server");
  EXPECT_EQ(r.enhanced_code, "");
  EXPECT_EQ(r.text(), "2.0.0 odd server");
  EXPECT_EQ(reply("451 4.7.1 greylisted").enhanced_code, "4.7.1");
  EXPECT_EQ(reply("250 2.1.10 Ok").enhanced_code, "2.1.10");
  EXPECT_EQ(reply("250 2.1.1000 Ok").enhanced_code, "");
  EXPECT_EQ(reply("250 2.1 Ok").enhanced_code, "");
}

TEST(ReplyParser, CutsOverlongLines) {
  Reply r = reply("250 " + std::string(5000, 'x'));
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_LE(r.lines[0].size() + 4 + 2, limits::kMaxReplyLine);
}

TEST(ReplyParser, KeepsAtMostTheLineLimitOfAHostileReply) {
  ReplyParser parser;
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(parser.feed("250-line"), ReplyParser::Status::kNeedMore);
  ASSERT_EQ(parser.feed("250 end"), ReplyParser::Status::kComplete);
  EXPECT_EQ(parser.take().lines.size(), limits::kMaxReplyLines);
}

TEST(ReplyParser, IsReusableAfterTake) {
  ReplyParser parser;
  ASSERT_EQ(parser.feed("220 hello"), ReplyParser::Status::kComplete);
  EXPECT_EQ(parser.take().code, 220);
  ASSERT_EQ(parser.feed("250 Ok"), ReplyParser::Status::kComplete);
  Reply r = parser.take();
  EXPECT_EQ(r.code, 250);
  EXPECT_EQ(r.lines, std::vector<std::string>{"Ok"});
}

TEST(RemoteQueueId, FindsPostfixQueueId) {
  EXPECT_EQ(remoteQueueId(reply("250 2.0.0 Ok: queued as 4XyZ12AbC")), "4XyZ12AbC");
  EXPECT_EQ(remoteQueueId(reply("250 2.0.0 Ok: queued as 4Vgq3x1Xq2z3yWn4")), "4Vgq3x1Xq2z3yWn4");
}

TEST(RemoteQueueId, FindsEximId) {
  EXPECT_EQ(remoteQueueId(reply("250 OK id=1abcDe-000123-Xy")), "1abcDe-000123-Xy");
}

TEST(RemoteQueueId, FindsSendmailId) {
  EXPECT_EQ(remoteQueueId(reply("250 2.0.0 x8KJcA0s012345 Message accepted for delivery")),
            "x8KJcA0s012345");
}

TEST(RemoteQueueId, FindsMicrosoftInternalId) {
  EXPECT_EQ(remoteQueueId(reply("250 2.6.0 <abc@mail.example.com> [InternalId=12345678901234, "
                                "Hostname=AM0PR01MB1234.eurprd01.prod.exchangelabs.com] 5678 "
                                "bytes in 0.123, 44.9 KB/sec Queued mail for delivery")),
            "12345678901234");
  EXPECT_EQ(remoteQueueId(reply("250 2.6.0 <abc@mail.example.com> Queued mail for delivery")),
            "abc@mail.example.com");
}

TEST(RemoteQueueId, FindsGmailId) {
  EXPECT_EQ(remoteQueueId(reply("250 2.0.0 OK  1700000000 d9443c01a7336-1cc3a58b2e1si1pll.412 - "
                                "gsmtp")),
            "d9443c01a7336-1cc3a58b2e1si1pll.412");
}

TEST(RemoteQueueId, FindsGenericPatterns) {
  EXPECT_EQ(remoteQueueId(reply("250 Message Queued As ABC-123")), "ABC-123");
  EXPECT_EQ(remoteQueueId(reply("250 Ok, id=xyz789.")), "xyz789");
}

TEST(RemoteQueueId, IsEmptyWhenNoneIsNamed) {
  EXPECT_EQ(remoteQueueId(reply("250 2.0.0 Ok")), "");
  EXPECT_EQ(remoteQueueId(reply("250 Message accepted for delivery")), "");
  EXPECT_EQ(remoteQueueId(reply("550 5.7.1 queued as nothing")), "");
  EXPECT_EQ(remoteQueueId(reply("250 ok valid=yes")), "");
}

}  // namespace
}  // namespace outpost::smtp

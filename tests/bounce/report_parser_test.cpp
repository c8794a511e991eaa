// Spec-style tests of the bounce parser: RFC 3464 DSN fields, ordering, delivery outcomes,
// RFC 5965 feedback, RFC 3834 auto-replies, non-bounces and hostile input.
#include "bounce/report_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace outpost::bounce {
namespace {

std::string dsn(const std::string& per_recipient) {
  return "From: MAILER-DAEMON@mx.example.net\n"
         "To: sender@example.com\n"
         "Subject: Undelivered Mail Returned to Sender\n"
         "MIME-Version: 1.0\n"
         "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n"
         "\n"
         "--B\n"
         "Content-Type: text/plain\n"
         "\n"
         "I'm sorry to have to inform you that your message could not be delivered.\n"
         "\n"
         "--B\n"
         "Content-Type: message/delivery-status\n"
         "\n"
         "Reporting-MTA: dns; mx.example.net\n"
         "Original-Envelope-Id: ENV-42\n"
         "Arrival-Date: Thu, 29 Apr 2010 23:34:45 +0900\n"
         "\n" +
         per_recipient +
         "\n"
         "--B\n"
         "Content-Type: text/rfc822-headers\n"
         "\n"
         "From: sender@example.com\n"
         "To: user@example.org\n"
         "Message-ID: <original-1@example.com>\n"
         "Subject: hello\n"
         "\n"
         "--B--\n";
}

std::string toCrlf(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

TEST(ReportParser, ReadsRfc3464PerRecipientFields) {
  const auto report =
      parseBounce(dsn("Final-Recipient: rfc822; user@example.org\n"
                      "Original-Recipient: rfc822;User@Example.org\n"
                      "Action: failed\n"
                      "Status: 5.1.1\n"
                      "Remote-MTA: dns; mx.example.org\n"
                      "Diagnostic-Code: smtp; 550 5.1.1 <user@example.org>: Recipient address\n"
                      "    rejected: User unknown in local recipient table\n"));
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->is_bounce);
  EXPECT_EQ(report->kind, "dsn");
  EXPECT_EQ(report->reporting_mta, "mx.example.net");
  EXPECT_EQ(report->original_envelope_id, "ENV-42");
  EXPECT_EQ(report->arrival_date, "Thu, 29 Apr 2010 23:34:45 +0900");
  EXPECT_EQ(report->original_message_id, "<original-1@example.com>");
  ASSERT_EQ(report->recipients.size(), 1U);
  const auto& r = report->recipients[0];
  EXPECT_EQ(r.recipient, "user@example.org");
  EXPECT_EQ(r.original_recipient, "User@Example.org");
  EXPECT_EQ(r.action, "failed");
  EXPECT_EQ(r.status, "5.1.1");
  EXPECT_EQ(r.reply_code, "550");
  EXPECT_EQ(r.remote_mta, "mx.example.org");
  EXPECT_EQ(r.diagnostic_code,
            "550 5.1.1 <user@example.org>: Recipient address rejected: User unknown in local "
            "recipient table");
  EXPECT_EQ(r.reason, "userunknown");
  EXPECT_TRUE(r.hard_bounce);
  EXPECT_EQ(outcomeOf(r), BounceOutcome::kFailed);
}

TEST(ReportParser, KeepsRecipientsInTheOrderOfTheReport) {
  const auto report =
      parseBounce(dsn("Final-Recipient: rfc822; first@example.org\n"
                      "Action: failed\n"
                      "Status: 5.2.2\n"
                      "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n"
                      "\n"
                      "Final-Recipient: rfc822; second@example.org\n"
                      "Action: failed\n"
                      "Status: 5.1.1\n"
                      "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n"));
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->recipients.size(), 2U);
  EXPECT_EQ(report->recipients[0].recipient, "first@example.org");
  EXPECT_EQ(report->recipients[0].reason, "mailboxfull");
  EXPECT_FALSE(report->recipients[0].hard_bounce);
  EXPECT_EQ(report->recipients[1].recipient, "second@example.org");
  EXPECT_EQ(report->recipients[1].reason, "userunknown");
}

TEST(ReportParser, DelayedActionIsADelayNotAFailure) {
  const auto report =
      parseBounce(dsn("Final-Recipient: rfc822; slow@example.org\n"
                      "Action: delayed\n"
                      "Status: 4.4.7\n"
                      "Diagnostic-Code: smtp; 451 4.4.7 Delivery time expired\n"));
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->recipients.size(), 1U);
  EXPECT_EQ(report->recipients[0].reason, "expired");
  EXPECT_EQ(outcomeOf(report->recipients[0]), BounceOutcome::kDelayed);
}

TEST(ReportParser, DeliveredActionIsDelivered) {
  const auto report =
      parseBounce(dsn("Final-Recipient: rfc822; happy@example.org\n"
                      "Action: delivered\n"
                      "Status: 2.0.0\n"
                      "Diagnostic-Code: smtp; 250 2.0.0 OK queued\n"));
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->is_bounce);
  ASSERT_EQ(report->recipients.size(), 1U);
  EXPECT_EQ(report->recipients[0].reason, "delivered");
  EXPECT_FALSE(report->recipients[0].hard_bounce);
  EXPECT_EQ(outcomeOf(report->recipients[0]), BounceOutcome::kDelivered);
}

TEST(ReportParser, RelayedOrExpandedLeavesTheOutcomeUnknown) {
  const auto report =
      parseBounce(dsn("Final-Recipient: rfc822; list@example.org\n"
                      "Action: relayed\n"
                      "Status: 2.0.0\n"
                      "\n"
                      "Final-Recipient: rfc822; alias@example.org\n"
                      "Action: expanded\n"
                      "Status: 2.0.0\n"));
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->recipients.size(), 2U);
  EXPECT_EQ(report->recipients[0].action, "relayed");
  EXPECT_EQ(outcomeOf(report->recipients[0]), BounceOutcome::kUnknown);
  EXPECT_EQ(outcomeOf(report->recipients[1]), BounceOutcome::kUnknown);
}

TEST(ReportParser, CrlfAndLfGiveTheSameReport) {
  const auto text =
      dsn("Final-Recipient: rfc822; user@example.org\n"
          "Action: failed\n"
          "Status: 5.1.1\n"
          "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n");
  const auto lf = parseBounce(text);
  const auto crlf = parseBounce(toCrlf(text));
  ASSERT_TRUE(lf.ok());
  ASSERT_TRUE(crlf.ok());
  ASSERT_EQ(crlf->recipients.size(), lf->recipients.size());
  EXPECT_EQ(crlf->recipients[0].recipient, lf->recipients[0].recipient);
  EXPECT_EQ(crlf->recipients[0].diagnostic_code, lf->recipients[0].diagnostic_code);
  EXPECT_EQ(crlf->recipients[0].reason, lf->recipients[0].reason);
}

TEST(ReportParser, ReadsArfFeedbackType) {
  const std::string message =
      "From: abuse@isp.example\n"
      "To: sender@example.com\n"
      "Subject: FW: spam\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\n"
      "\n"
      "--F\n"
      "Content-Type: text/plain\n"
      "\n"
      "This is an email abuse report.\n"
      "--F\n"
      "Content-Type: message/feedback-report\n"
      "\n"
      "Feedback-Type: abuse\n"
      "User-Agent: SomeGenerator/1.0\n"
      "Version: 1\n"
      "Original-Rcpt-To: <complainer@isp.example>\n"
      "\n"
      "--F\n"
      "Content-Type: message/rfc822\n"
      "\n"
      "From: sender@example.com\n"
      "To: complainer@isp.example\n"
      "Message-ID: <sent-7@example.com>\n"
      "Subject: offer\n"
      "\n"
      "Buy now\n"
      "--F--\n";
  const auto report = parseBounce(message);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->is_bounce);
  EXPECT_EQ(report->kind, "feedback");
  ASSERT_EQ(report->recipients.size(), 1U);
  EXPECT_EQ(report->recipients[0].recipient, "complainer@isp.example");
  EXPECT_EQ(report->recipients[0].reason, "feedback");
  EXPECT_EQ(report->recipients[0].feedback_type, "abuse");
  EXPECT_FALSE(report->recipients[0].hard_bounce);
  EXPECT_EQ(outcomeOf(report->recipients[0]), BounceOutcome::kUnknown);
  EXPECT_EQ(report->original_message_id, "<sent-7@example.com>");
}

TEST(ReportParser, AutoReplyIsVacation) {
  const std::string message =
      "From: Away Person <away@example.org>\n"
      "To: sender@example.com\n"
      "Subject: Out of Office: hello\n"
      "Auto-Submitted: auto-replied\n"
      "\n"
      "I am out of the office until Monday.\n";
  const auto report = parseBounce(message);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->is_bounce);
  EXPECT_EQ(report->kind, "vacation");
  ASSERT_EQ(report->recipients.size(), 1U);
  EXPECT_EQ(report->recipients[0].recipient, "away@example.org");
  EXPECT_EQ(report->recipients[0].reason, "vacation");
  EXPECT_EQ(outcomeOf(report->recipients[0]), BounceOutcome::kUnknown);
}

TEST(ReportParser, QmailTextBounceNamesEachRecipient) {
  const std::string message =
      "From: MAILER-DAEMON@mx.example.net\n"
      "To: sender@example.com\n"
      "Subject: failure notice\n"
      "\n"
      "Hi. This is the qmail-send program at mx.example.net.\n"
      "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
      "\n"
      "<nobody@example.org>:\n"
      "192.0.2.1 does not like recipient.\n"
      "Remote host said: 550 5.1.1 <nobody@example.org>... User Unknown\n"
      "\n"
      "<full@example.org>:\n"
      "192.0.2.1 does not like recipient.\n"
      "Remote host said: 552 5.2.2 <full@example.org>... Mailbox full\n"
      "\n"
      "--- Below this line is a copy of the message.\n"
      "\n"
      "From: sender@example.com\n"
      "To: nobody@example.org, full@example.org\n"
      "\n"
      "hi\n";
  const auto report = parseBounce(message);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->kind, "provider");
  ASSERT_EQ(report->recipients.size(), 2U);
  EXPECT_EQ(report->recipients[0].recipient, "nobody@example.org");
  EXPECT_EQ(report->recipients[0].reason, "userunknown");
  EXPECT_EQ(report->recipients[0].status, "5.1.1");
  EXPECT_EQ(report->recipients[1].recipient, "full@example.org");
  EXPECT_EQ(report->recipients[1].reason, "mailboxfull");
}

TEST(ReportParser, OrdinaryMailIsNotABounce) {
  const std::string message =
      "From: Friend <friend@example.org>\n"
      "To: me@example.com\n"
      "Subject: lunch?\n"
      "\n"
      "Shall we meet at noon? Write to friend@example.org.\n";
  const auto report = parseBounce(message);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->is_bounce);
  EXPECT_TRUE(report->kind.empty());
  EXPECT_TRUE(report->recipients.empty());
}

TEST(ReportParser, GarbageNeverCrashes) {
  for (const std::string& garbage :
       {std::string(), std::string("\n\n\n"), std::string("\0\0\xff\xfe", 4),
        std::string("Content-Type: multipart/report; boundary=x\n\n--x\n--x--"),
        std::string("Content-Type: message/delivery-status\n\nFinal-Recipient:\n\n:::\n"),
        std::string(100000, '@'), std::string(5000, '<') + std::string(5000, '\n')}) {
    const auto report = parseBounce(garbage);
    ASSERT_TRUE(report.ok());
  }
}

TEST(ReportParser, QmailExpiryNoteDoesNotHideTheCause) {
  const std::string message =
      "From: MAILER-DAEMON@mx.example.net\n"
      "To: sender@example.com\n"
      "Subject: failure notice\n"
      "\n"
      "Hi. This is the qmail-send program at mx.example.net.\n"
      "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
      "\n"
      "<user@example.org>:\n"
      "Unable to contact LDAP server. (#4.4.3)I'm not going to try again; this message has "
      "been in the queue too long.\n";
  const auto report = parseBounce(message);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report.value().recipients.size(), 1U);
  EXPECT_EQ(report.value().recipients[0].reason, "systemerror");
}

TEST(ReportParser, StatusCommentExplainsWhenThereIsNoDiagnosticCode) {
  const auto report =
      parseBounce(dsn("Final-Recipient: rfc822; user@example.org\n"
                      "Action: delayed\n"
                      "Status: 4.0.0 (example.org: host name lookup failure)\n"));
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report.value().recipients.size(), 1U);
  EXPECT_EQ(report.value().recipients[0].reason, "networkerror");
}

TEST(ReportParser, ReplyCodeDecidesBetweenStatusFieldAndReplyText) {
  // The field says 4.5.0, the reply 550 5.5.0: the code that agrees with the reply wins.
  const auto report =
      parseBounce(dsn("Final-Recipient: rfc822; user@example.org\n"
                      "Action: failed\n"
                      "Status: 4.5.0\n"
                      "Diagnostic-Code: smtp; 550 5.5.0 Service refused, please try later.\n"));
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report.value().recipients.size(), 1U);
  EXPECT_EQ(report.value().recipients[0].status, "5.5.0");
}

TEST(ReportParser, HotmailComplaintWithoutFeedbackReportIsFeedback) {
  const std::string message =
      "From: staff@hotmail.com\n"
      "To: abuse@example.com\n"
      "Subject: complaint about message from 192.0.2.1\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"B\"\n"
      "\n"
      "--B\n"
      "Content-Type: message/rfc822\n"
      "\n"
      "From: sender@example.com\n"
      "To: user@example.org\n"
      "Subject: hello\n"
      "\n"
      "hello\n"
      "--B--\n";
  const auto report = parseBounce(message);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report.value().recipients.size(), 1U);
  EXPECT_EQ(report.value().recipients[0].reason, "feedback");
  EXPECT_EQ(report.value().recipients[0].feedback_type, "abuse");
  EXPECT_EQ(report.value().recipients[0].recipient, "user@example.org");
}

}  // namespace
}  // namespace outpost::bounce

// Amazon SES notifications mailed as JSON, bare or inside an SNS envelope.
#include "bounce/ses_notification.h"

#include <gtest/gtest.h>

#include "bounce/report_parser.h"

namespace outpost::bounce::detail {
namespace {

constexpr std::string_view kBounce =
    R"({"notificationType":"Bounce","bounce":{"bounceType":"Permanent",)"
    R"("bounceSubType":"General","bouncedRecipients":[{"emailAddress":"user@example.org",)"
    R"("action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],)"
    R"("reportingMTA":"dsn; a27-23.smtp-out.us-west-2.amazonses.com"},)"
    R"("mail":{"messageId":"0101-abc","destination":["user@example.org"]}})";

TEST(SesNotification, ReadsABounce) {
  const auto n = parseSesNotification(std::string("\n") + std::string(kBounce) + "\n--\nfooter");
  ASSERT_EQ(n.type, "Bounce");
  ASSERT_EQ(n.recipients.size(), 1U);
  EXPECT_EQ(n.recipients[0].address, "user@example.org");
  EXPECT_EQ(n.recipients[0].status, "5.1.1");
  EXPECT_EQ(n.recipients[0].diagnostic, "550 5.1.1 user unknown");
  EXPECT_EQ(n.reporting_mta, "a27-23.smtp-out.us-west-2.amazonses.com");
  EXPECT_EQ(n.message_id, "0101-abc");
}

TEST(SesNotification, UndoesLongLineFolding) {
  std::string folded(kBounce);
  folded.insert(folded.find("\"mail\""), "!\n ");
  EXPECT_EQ(parseSesNotification(folded).type, "Bounce");
}

TEST(SesNotification, UnwrapsAnSnsEnvelope) {
  std::string escaped;
  for (const char c : kBounce) {
    if (c == '"') escaped += '\\';
    escaped += c;
  }
  const auto n = parseSesNotification(R"({"Type":"Notification","Message":")" + escaped + "\"}");
  ASSERT_EQ(n.type, "Bounce");
  EXPECT_EQ(n.recipients.at(0).address, "user@example.org");
}

TEST(SesNotification, ReadsDeliveriesAndComplaints) {
  auto n = parseSesNotification(
      R"({"notificationType":"Delivery","delivery":{"recipients":["a@example.org"],)"
      R"("smtpResponse":"250 2.6.0 Message received"}})");
  ASSERT_EQ(n.type, "Delivery");
  EXPECT_EQ(n.recipients.at(0).action, "delivered");
  n = parseSesNotification(
      R"({"notificationType":"Complaint","complaint":{"complaintFeedbackType":"abuse",)"
      R"("complainedRecipients":[{"emailAddress":"b@example.org"}]}})");
  ASSERT_EQ(n.type, "Complaint");
  EXPECT_EQ(n.recipients.at(0).reason_hint, "feedback");
  EXPECT_EQ(n.recipients.at(0).feedback_type, "abuse");
}

TEST(SesNotification, IgnoresTextThatIsNoNotification) {
  EXPECT_TRUE(parseSesNotification("hello {not json").type.empty());
  EXPECT_TRUE(parseSesNotification(R"({"notificationType": 42})").type.empty());
  EXPECT_TRUE(parseSesNotification(R"({"notificationType":"Bounce","bounce":[]})").type.empty());
}

TEST(SesNotification, ParserReportsSesBouncesAndDeliveries) {
  const std::string message =
      "From: no-reply@sns.amazonaws.com\nTo: ops@example.com\nSubject: AWS Notification "
      "Message\nContent-Type: text/plain\n\n" +
      std::string(kBounce) + "\n";
  const auto report = parseBounce(message);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report.value().recipients.size(), 1U);
  EXPECT_EQ(report.value().recipients[0].reason, "userunknown");
  EXPECT_TRUE(report.value().recipients[0].hard_bounce);
}

}  // namespace
}  // namespace outpost::bounce::detail

// Internal: Amazon SES event notifications (Bounce, Complaint, Delivery) as SES sends them by
// mail, either as bare JSON or wrapped in an Amazon SNS envelope whose "Message" holds the
// JSON as a string. Untrusted input: any text that is not such a notification gives nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace outpost::bounce::detail {

struct SesRecipient {
  std::string address;
  std::string action;       // failed | delivered | "" (complaints)
  std::string status;       // RFC 3463 code the notification gives, or ""
  std::string diagnostic;   // diagnosticCode or smtpResponse, without "smtp; "
  std::string reason_hint;  // a reason the notification's own type or subtype names, or ""
  std::string feedback_type;
};

struct SesNotification {
  std::string type;  // Bounce | Complaint | Delivery
  std::string reporting_mta;
  std::string message_id;
  std::vector<SesRecipient> recipients;
};

// The notification in a message's text, or an empty type when there is none.
SesNotification parseSesNotification(std::string_view text);

}  // namespace outpost::bounce::detail

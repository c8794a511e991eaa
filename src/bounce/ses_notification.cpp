// Amazon SES notifications: the JSON documents SES publishes through SNS, read with Boost.JSON
// (https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html). SECURITY: the JSON
// comes from the message body; parse errors and missing or mistyped members give nothing.
#include "bounce/ses_notification.h"

#include <boost/json.hpp>

#include "bounce/field_groups.h"

namespace outpost::bounce::detail {
namespace {

namespace json = boost::json;

std::string stringOf(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

const json::object* objectOf(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_object() ? &value->get_object() : nullptr;
}

const json::array* arrayOf(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_array() ? &value->get_array() : nullptr;
}

// The JSON object in a text part: from the first '{' to its last '}'. Mail transports fold
// lines longer than 998 octets as "!\n "; that folding is undone first.
std::string jsonIn(std::string_view text) {
  const auto open = text.find('{');
  const auto close = text.rfind('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return {};
  }
  std::string out;
  const auto body = text.substr(open, close - open + 1);
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '!' && i + 2 < body.size() && body[i + 1] == '\n' && body[i + 2] == ' ') {
      i += 2;
      continue;
    }
    out += body[i];
  }
  return out;
}

std::string withoutType(std::string_view value) {
  const auto semi = value.find(';');
  if (semi == std::string_view::npos || semi > 16) return std::string(trim(value));
  return std::string(trim(value.substr(semi + 1)));
}

// SES bounce subtypes that name the reason outright.
std::string reasonOfSubType(std::string_view subtype) {
  if (subtype == "Suppressed" || subtype == "OnAccountSuppressionList") return "suppressed";
  if (subtype == "MailboxFull") return "mailboxfull";
  if (subtype == "MessageTooLarge") return "mesgtoobig";
  if (subtype == "ContentRejected") return "contenterror";
  if (subtype == "AttachmentRejected") return "securityerror";
  return {};
}

void readBounce(const json::object& bounce, SesNotification& out) {
  out.reporting_mta = withoutType(stringOf(bounce, "reportingMTA"));
  const auto hint = reasonOfSubType(stringOf(bounce, "bounceSubType"));
  const auto* list = arrayOf(bounce, "bouncedRecipients");
  if (list == nullptr) return;
  for (const auto& item : *list) {
    if (!item.is_object()) continue;
    const auto& entry = item.get_object();
    SesRecipient recipient;
    recipient.address = cleanAddress(stringOf(entry, "emailAddress"));
    if (recipient.address.empty()) continue;
    recipient.action = toLower(stringOf(entry, "action"));
    if (recipient.action.empty()) recipient.action = "failed";
    recipient.status = stringOf(entry, "status");
    recipient.diagnostic = withoutType(stringOf(entry, "diagnosticCode"));
    recipient.reason_hint = hint;
    out.recipients.push_back(std::move(recipient));
  }
}

void readComplaint(const json::object& complaint, SesNotification& out) {
  const auto type = toLower(stringOf(complaint, "complaintFeedbackType"));
  const auto* list = arrayOf(complaint, "complainedRecipients");
  if (list == nullptr) return;
  for (const auto& item : *list) {
    if (!item.is_object()) continue;
    SesRecipient recipient;
    recipient.address = cleanAddress(stringOf(item.get_object(), "emailAddress"));
    if (recipient.address.empty()) continue;
    recipient.reason_hint = "feedback";
    recipient.feedback_type = type.empty() ? "abuse" : type;
    out.recipients.push_back(std::move(recipient));
  }
}

void readDelivery(const json::object& delivery, SesNotification& out) {
  out.reporting_mta = withoutType(stringOf(delivery, "reportingMTA"));
  const auto response = stringOf(delivery, "smtpResponse");
  const auto* list = arrayOf(delivery, "recipients");
  if (list == nullptr) return;
  for (const auto& item : *list) {
    if (!item.is_string()) continue;
    SesRecipient recipient;
    recipient.address = cleanAddress(std::string(item.get_string()));
    if (recipient.address.empty()) continue;
    recipient.action = "delivered";
    recipient.diagnostic = response;
    recipient.reason_hint = "delivered";
    out.recipients.push_back(std::move(recipient));
  }
}

}  // namespace

SesNotification parseSesNotification(std::string_view text) {
  SesNotification out;
  if (text.find("notificationType") == std::string_view::npos) return out;
  boost::system::error_code error;
  auto value = json::parse(jsonIn(text), error);
  if (error || !value.is_object()) return out;
  // An SNS envelope carries the notification as a JSON string in "Message".
  if (const auto message = stringOf(value.get_object(), "Message"); !message.empty()) {
    value = json::parse(message, error);
    if (error || !value.is_object()) return out;
  }
  const auto& root = value.get_object();
  const auto type = stringOf(root, "notificationType");
  if (const auto* mail = objectOf(root, "mail"); mail != nullptr) {
    out.message_id = stringOf(*mail, "messageId");
  }
  if (type == "Bounce") {
    if (const auto* bounce = objectOf(root, "bounce"); bounce != nullptr) {
      readBounce(*bounce, out);
    }
  } else if (type == "Complaint") {
    if (const auto* complaint = objectOf(root, "complaint"); complaint != nullptr) {
      readComplaint(*complaint, out);
    }
  } else if (type == "Delivery") {
    if (const auto* delivery = objectOf(root, "delivery"); delivery != nullptr) {
      readDelivery(*delivery, out);
    }
  }
  if (!out.recipients.empty()) out.type = type;
  return out;
}

}  // namespace outpost::bounce::detail

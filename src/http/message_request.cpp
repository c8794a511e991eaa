// Parses the JSON of POST /messages and /messages/raw into intake's input, collecting every
// field error. Input is untrusted; addresses go through mime's RFC 5322/5321 parsers and
// header values through mime::checkExtraHeader, so nothing with a CR or LF reaches a header.
#include "http/message_request.h"

#include <sodium.h>

#include <boost/json/serialize.hpp>

#include "http/request_json.h"
#include "mime/address.h"

namespace outpost::http {

namespace {

constexpr std::string_view kLineBreakError = "must not contain CR, LF or NUL";

// An array of "addr" / "Name <addr>"; errors name the element ("to[2]"). Returns how many
// entries the array had, valid or not.
std::size_t readMailboxes(FieldReader& reader, std::string_view name,
                          std::vector<mime::Mailbox>& out, std::vector<mime::FieldError>& errors) {
  const boost::json::value* value = reader.raw(name);
  if (value == nullptr) return 0;
  if (!value->is_array()) {
    reader.fail(name, "must be an array of addresses");
    return 1;  // something was given; don't also claim there are no recipients
  }
  const auto& array = value->get_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    std::string path = indexPath(reader.path(name), i);
    if (!array[i].is_string()) {
      errors.push_back({path, "must be a string"});
      continue;
    }
    auto mailbox = mime::parseMailbox(array[i].get_string());
    if (!mailbox) {
      errors.push_back({path, mailbox.error().message});
      continue;
    }
    out.push_back(std::move(*mailbox));
  }
  return array.size();
}

void readAttachments(FieldReader& reader, std::vector<mime::Attachment>& out,
                     std::vector<mime::FieldError>& errors) {
  const boost::json::value* value = reader.raw("attachments");
  if (value == nullptr) return;
  if (!value->is_array()) {
    reader.fail("attachments", "must be an array of objects");
    return;
  }
  const auto& array = value->get_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    std::string prefix = indexPath("attachments", i);
    if (!array[i].is_object()) {
      errors.push_back({prefix, "must be an object"});
      continue;
    }
    FieldReader item(array[i].get_object(), prefix, errors);
    item.rejectUnknown({"filename", "content_type", "content", "content_id"});
    mime::Attachment attachment;
    bool valid = true;
    auto text_field = [&](std::string_view name, bool required, std::string& target) {
      auto text = item.string(name, required);
      if (!text) {
        valid = valid && !required && item.raw(name) == nullptr;
        return;
      }
      if (hasLineBreakOrNul(*text)) {
        item.fail(name, std::string(kLineBreakError));
        valid = false;
        return;
      }
      target = std::move(*text);
    };
    text_field("filename", true, attachment.filename);
    text_field("content_type", false, attachment.content_type);
    text_field("content_id", false, attachment.content_id);
    if (auto content = item.string("content", true)) {
      if (auto decoded = decodeBase64(*content)) {
        attachment.content = std::move(*decoded);
      } else {
        item.fail("content", "is not valid base64");
        valid = false;
      }
    } else {
      valid = false;
    }
    if (valid) out.push_back(std::move(attachment));
  }
}

void readHeaders(FieldReader& reader, std::vector<std::pair<std::string, std::string>>& out,
                 std::vector<mime::FieldError>& errors) {
  const boost::json::value* value = reader.raw("headers");
  if (value == nullptr) return;
  if (!value->is_object()) {
    reader.fail("headers", "must be an object of header names to values");
    return;
  }
  for (const auto& member : value->get_object()) {
    std::string path = fieldPath("headers", member.key());
    if (!member.value().is_string()) {
      errors.push_back({path, "must be a string"});
      continue;
    }
    std::string_view header_value = member.value().get_string();
    std::string problem = mime::checkExtraHeader(member.key(), header_value);
    if (problem.empty() && hasLineBreakOrNul(header_value)) problem = kLineBreakError;
    if (!problem.empty()) {
      errors.push_back({path, std::move(problem)});
      continue;
    }
    out.emplace_back(member.key(), header_value);
  }
}

std::string readTags(FieldReader& reader) {
  auto tags = reader.strings("tags");
  if (!tags) return "[]";
  boost::json::array array;
  for (auto& tag : *tags) array.emplace_back(tag);
  return boost::json::serialize(array);
}

std::string readMetadata(FieldReader& reader, std::vector<mime::FieldError>& errors) {
  const boost::json::value* value = reader.raw("metadata");
  if (value == nullptr) return "{}";
  if (!value->is_object()) {
    reader.fail("metadata", "must be an object");
    return "{}";
  }
  for (const auto& member : value->get_object()) {
    const auto& item = member.value();
    if (!item.is_string() && !item.is_number() && !item.is_bool()) {
      errors.push_back(
          {fieldPath("metadata", member.key()), "must be a string, number or boolean"});
    }
  }
  return boost::json::serialize(*value);
}

}  // namespace

std::optional<std::string> decodeBase64(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING}) {
    std::size_t length = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                          text.size(), " \t\r\n", &length, nullptr, variant) == 0) {
      out.resize(length);
      return out;
    }
  }
  return std::nullopt;
}

std::optional<MessageRequest> parseMessageRequest(const boost::json::value& body,
                                                  std::vector<mime::FieldError>& errors) {
  std::size_t errors_before = errors.size();
  if (!body.is_object()) {
    errors.push_back({"body", "must be a JSON object"});
    return std::nullopt;
  }
  FieldReader reader(body.get_object(), "", errors);
  reader.rejectUnknown({"from", "to", "cc", "bcc", "reply_to", "subject", "text", "html",
                        "attachments", "headers", "tags", "metadata"});
  MessageRequest request;
  mime::ComposeRequest& compose = request.compose;

  if (auto from = reader.string("from", true)) {
    auto mailbox = mime::parseMailbox(*from);
    if (mailbox) {
      compose.from = std::move(*mailbox);
    } else {
      reader.fail("from", mailbox.error().message);
    }
  }
  std::size_t recipients = readMailboxes(reader, "to", compose.to, errors);
  recipients += readMailboxes(reader, "cc", compose.cc, errors);
  recipients += readMailboxes(reader, "bcc", compose.bcc, errors);
  if (recipients == 0) reader.fail("to", "at least one recipient in to, cc or bcc");
  readMailboxes(reader, "reply_to", compose.reply_to, errors);

  if (auto subject = reader.string("subject")) {
    if (hasLineBreakOrNul(*subject)) {
      reader.fail("subject", std::string(kLineBreakError));
    } else {
      compose.subject = std::move(*subject);
    }
  }
  compose.text = reader.string("text");
  compose.html = reader.string("html");
  readAttachments(reader, compose.attachments, errors);
  readHeaders(reader, compose.headers, errors);
  request.tags_json = readTags(reader);
  request.metadata_json = readMetadata(reader, errors);

  if (errors.size() != errors_before) return std::nullopt;
  return request;
}

std::optional<RawMessageRequest> parseRawMessageRequest(const boost::json::value& body,
                                                        std::vector<mime::FieldError>& errors) {
  std::size_t errors_before = errors.size();
  if (!body.is_object()) {
    errors.push_back({"body", "must be a JSON object"});
    return std::nullopt;
  }
  FieldReader reader(body.get_object(), "", errors);
  reader.rejectUnknown({"mail_from", "rcpt_to", "message", "message_base64"});
  RawMessageRequest request;

  if (auto mail_from = reader.string("mail_from", true)) {
    if (!mail_from->empty() && !mime::isValidSmtpAddress(*mail_from)) {
      reader.fail("mail_from", "is not a valid address (no angle brackets; \"\" for <>)");
    }
    request.mail_from = std::move(*mail_from);
  }

  const boost::json::value* rcpt_to = reader.raw("rcpt_to");
  if (rcpt_to == nullptr) {
    reader.fail("rcpt_to", "is required");
  } else if (!rcpt_to->is_array() || rcpt_to->get_array().empty()) {
    reader.fail("rcpt_to", "must be a non-empty array of addresses");
  } else {
    const auto& array = rcpt_to->get_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      std::string path = indexPath("rcpt_to", i);
      if (!array[i].is_string()) {
        errors.push_back({path, "must be a string"});
      } else if (!mime::isValidSmtpAddress(array[i].get_string())) {
        errors.push_back({path, "is not a valid address"});
      } else {
        request.rcpt_to.emplace_back(array[i].get_string());
      }
    }
  }

  auto message = reader.string("message");
  auto message_base64 = reader.string("message_base64");
  bool message_given = reader.raw("message") != nullptr;
  bool base64_given = reader.raw("message_base64") != nullptr;
  if (message_given && base64_given) {
    reader.fail("message_base64", "give message or message_base64, not both");
  } else if (!message_given && !base64_given) {
    reader.fail("message", "is required (or message_base64)");
  } else if (message) {
    request.message = std::move(*message);
  } else if (message_base64) {
    if (auto decoded = decodeBase64(*message_base64)) {
      request.message = std::move(*decoded);
    } else {
      reader.fail("message_base64", "is not valid base64");
    }
  }

  if (errors.size() != errors_before) return std::nullopt;
  return request;
}

}  // namespace outpost::http

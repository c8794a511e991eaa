// Bounce parsing: MIME structure through GMime 3, then RFC 3464/6533 delivery-status fields,
// RFC 5965 feedback reports, RFC 3834 auto-replies, and the free-text bounces of other MTAs
// (text_bounce.h). Every recipient found is classified (classifier.h). SECURITY: the message
// comes from anyone on the Internet; it is only read, sizes are bounded by its own length,
// and GMime's failures become an empty structure, not an error path.
#include "bounce/report_parser.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "bounce/classifier.h"
#include "bounce/field_groups.h"
#include "bounce/ses_notification.h"
#include "bounce/text_bounce.h"
#include "mime/gmime_support.h"

namespace outpost::bounce {
namespace {

using detail::cleanAddress;
using detail::FieldGroup;
using detail::fieldValue;
using detail::parseFieldGroups;
using detail::splitTypedValue;
using detail::squeeze;
using detail::toLower;
using detail::trim;
using mime::detail::GObjectPtr;

// What the MIME walk found, outside any returned (attached) message unless said otherwise.
struct MimeView {
  std::string subject, from, to, return_path, content_type;
  FieldGroup headers;  // top-level header fields, names lowercased
  std::vector<std::string> texts;
  std::vector<std::string> htmls;
  std::string delivery_status;
  std::string feedback_report;
  std::string returned_headers;  // of the returned message (message/rfc822 or rfc822-headers)
  bool multipart_report = false;
};

std::string bytesOf(GMimeStream* stream) {
  GByteArray* array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
  if (array == nullptr) return {};
  return {reinterpret_cast<const char*>(array->data), array->len};
}

// A leaf part's content with its transfer encoding undone (charset untouched).
std::string decodedContent(GMimePart* part) {
  GMimeDataWrapper* wrapper = g_mime_part_get_content(part);
  if (wrapper == nullptr) return {};
  GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(wrapper, stream.get());
  return bytesOf(stream.get());
}

std::string objectText(GMimeObject* object) {
  GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(object, nullptr, stream.get());
  return bytesOf(stream.get());
}

std::string headersText(GMimeObject* object) {
  GMimeHeaderList* list = g_mime_object_get_header_list(object);
  if (list == nullptr) return {};
  return mime::detail::takeString(g_mime_header_list_to_string(list, nullptr));
}

std::string stripHtml(std::string_view html) {
  std::string out;
  bool in_tag = false;
  for (std::size_t i = 0; i < html.size(); ++i) {
    const char c = html[i];
    if (c == '<') {
      in_tag = true;
      // Block elements end a line.
      const auto rest = toLower(html.substr(i + 1, 4));
      if (rest.rfind("br", 0) == 0 || rest.rfind('p', 0) == 0 || rest.rfind("/p", 0) == 0 ||
          rest.rfind("div", 0) == 0 || rest.rfind("tr", 0) == 0 || rest.rfind("/tr", 0) == 0 ||
          rest.rfind("li", 0) == 0) {
        out += '\n';
      }
      continue;
    }
    if (c == '>') {
      in_tag = false;
      continue;
    }
    if (in_tag) continue;
    if (c == '&') {
      const auto semi = html.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 6) {
        const auto entity = html.substr(i + 1, semi - i - 1);
        if (entity == "lt") out += '<';
        if (entity == "gt") out += '>';
        if (entity == "amp") out += '&';
        if (entity == "nbsp") out += ' ';
        if (entity == "quot") out += '"';
        i = semi;
        continue;
      }
    }
    out += c;
  }
  return out;
}

void walk(GMimeObject* object, MimeView& view, int depth, bool inside_returned) {
  if (object == nullptr || depth > 32) return;
  GMimeContentType* type = g_mime_object_get_content_type(object);
  const std::string media = type != nullptr
                                ? toLower(std::string(g_mime_content_type_get_media_type(type)) +
                                          "/" + g_mime_content_type_get_media_subtype(type))
                                : std::string("text/plain");
  if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    if (media == "multipart/report" && !inside_returned) view.multipart_report = true;
    const int count = g_mime_multipart_get_count(multipart);
    for (int i = 0; i < count; ++i) {
      walk(g_mime_multipart_get_part(multipart, i), view, depth + 1, inside_returned);
    }
    return;
  }
  const bool status_part = media == "message/delivery-status" ||
                           media == "message/global-delivery-status" ||
                           media == "message/feedback-report";
  if (GMIME_IS_MESSAGE_PART(object)) {
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    if (inner == nullptr) return;
    if (status_part) {
      // Some GMime versions read these as messages: the first field group became headers.
      std::string text = objectText(GMIME_OBJECT(inner));
      (media == "message/feedback-report" ? view.feedback_report : view.delivery_status) +=
          text + "\n\n";
      return;
    }
    if (!inside_returned && view.returned_headers.empty()) {
      view.returned_headers = headersText(GMIME_OBJECT(inner));
    }
    // An attached message may itself be the report (a forwarded bounce), read it too.
    GMimeObject* inner_part = g_mime_message_get_mime_part(inner);
    GMimeContentType* inner_type =
        inner_part != nullptr ? g_mime_object_get_content_type(inner_part) : nullptr;
    const bool inner_report =
        inner_type != nullptr &&
        toLower(g_mime_content_type_get_media_type(inner_type)) == "multipart" &&
        toLower(g_mime_content_type_get_media_subtype(inner_type)) == "report";
    if (!inside_returned && view.delivery_status.empty() && inner_report) {
      view.returned_headers.clear();
      walk(inner_part, view, depth + 1, false);
    } else if (!inside_returned && view.delivery_status.empty() && view.texts.empty()) {
      walk(inner_part, view, depth + 1, true);
    }
    return;
  }
  if (!GMIME_IS_PART(object)) return;
  GMimePart* part = GMIME_PART(object);
  if (status_part) {
    (media == "message/feedback-report" ? view.feedback_report : view.delivery_status) +=
        decodedContent(part) + "\n\n";
    return;
  }
  if (media == "text/rfc822-headers" || media == "text/rfc822-header") {
    if (view.returned_headers.empty()) view.returned_headers = decodedContent(part);
    return;
  }
  if (inside_returned) return;
  const char* disposition = g_mime_object_get_disposition(object);
  if (disposition != nullptr && toLower(disposition) == "attachment" &&
      media.rfind("text/", 0) != 0) {
    return;
  }
  if (media == "text/plain" || media == "text/html" || media.rfind("text/", 0) == 0 ||
      media == "message/rfc822" || media == "message/global") {
    std::string text;
    if (GMIME_IS_TEXT_PART(object)) {
      text = mime::detail::takeString(g_mime_text_part_get_text(GMIME_TEXT_PART(object)));
    } else {
      text = decodedContent(part);
    }
    if (media == "text/html") {
      view.htmls.push_back(stripHtml(text));
    } else if (media.rfind("message/", 0) == 0) {
      if (view.returned_headers.empty()) view.returned_headers = text;
    } else {
      view.texts.push_back(std::move(text));
    }
  }
}

std::string headerOf(GMimeObject* object, const char* name) {
  const char* value = g_mime_object_get_header(object, name);
  return value != nullptr ? squeeze(value) : std::string();
}

std::string normalizeLineEnds(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r') {
      out += '\n';
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
      continue;
    }
    out += raw[i];
  }
  return out;
}

MimeView readMime(const std::string& message) {
  MimeView view;
  mime::detail::ensureGMime();
  GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(message.data(), message.size()));
  GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GObjectPtr<GMimeMessage> parsed(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!parsed) return view;
  GMimeObject* top = GMIME_OBJECT(parsed.get());
  const char* subject = g_mime_message_get_subject(parsed.get());
  view.subject = subject != nullptr ? squeeze(subject) : std::string();
  view.from = headerOf(top, "From");
  view.to = headerOf(top, "To");
  view.return_path = headerOf(top, "Return-Path");
  GMimeHeaderList* list = g_mime_object_get_header_list(top);
  const int count = list != nullptr ? g_mime_header_list_get_count(list) : 0;
  for (int i = 0; i < count; ++i) {
    GMimeHeader* header = g_mime_header_list_get_header_at(list, i);
    const char* name = g_mime_header_get_name(header);
    const char* value = g_mime_header_get_value(header);
    if (name == nullptr) continue;
    view.headers.emplace_back(toLower(name), value != nullptr ? squeeze(value) : std::string());
  }
  walk(g_mime_message_get_mime_part(parsed.get()), view, 0, false);
  if (view.texts.empty()) view.texts = view.htmls;
  return view;
}

std::string joinTexts(const MimeView& view) {
  std::string out;
  for (const auto& text : view.texts) {
    out += text;
    out += '\n';
  }
  return out;
}

std::string messageIdIn(std::string_view headers) {
  for (const auto& group : parseFieldGroups(headers)) {
    auto id = fieldValue(group, "message-id");
    if (!id.empty()) return id;
    break;
  }
  return {};
}

std::string stripTypePrefix(std::string_view value) { return splitTypedValue(value).second; }

// --- classification glue ------------------------------------------------------------------

void classifyRecipient(BouncedRecipient& recipient, const std::string& diagnostic_type,
                       const std::string& command, const std::string& hint,
                       const std::string& reporting_mta = {}) {
  ClassifierInput input;
  input.status = recipient.status;
  input.reply_code = recipient.reply_code;
  input.diagnostic = recipient.diagnostic_code;
  input.diagnostic_type = diagnostic_type;
  input.action = recipient.action;
  input.command = command;
  input.reason_hint = hint;
  input.remote_mta = recipient.remote_mta;
  input.reporting_mta = reporting_mta;
  input.recipient = recipient.recipient;
  const auto result = classify(input);
  recipient.reason = result.reason;
  recipient.hard_bounce = result.hard_bounce;
  recipient.status = result.status;
}

// Which of the Status field and the code in the reply text to believe (sisimai's choice): the
// one whose class agrees with the reply code, else the more specific one, else the field
// unless it is a code MTAs use loosely (4.4.7, 4.7.0, 5.3.x, x.5.y).
std::string preferredStatus(const std::string& field_status, const std::string& text_status,
                            const std::string& reply_code) {
  if (field_status.empty()) return text_status;
  if (text_status.empty()) return field_status;
  if (field_status.size() < 5) return text_status;
  if (text_status.size() < 5) return field_status;
  if (field_status[0] != text_status[0] && !reply_code.empty()) {
    if (reply_code[0] == field_status[0]) return field_status;
    if (reply_code[0] == text_status[0]) return text_status;
  }
  if (field_status == text_status) return field_status;
  const bool field_x00 = field_status.find(".0.0") != std::string::npos;
  const bool text_x00 = text_status.find(".0.0") != std::string::npos;
  const bool field_zero = field_status.find(".0") != std::string::npos;
  const bool text_zero = text_status.find(".0") != std::string::npos;
  if (field_x00) return text_x00 ? field_status : text_status;
  if (field_zero && !text_zero) return text_status;
  if (text_x00) return field_status;
  if (field_status == "4.4.7" || field_status == "4.7.0") return text_status;
  if (field_status.rfind("5.3.", 0) == 0) return text_status;
  for (const std::string_view loose : {".5.1", ".5.2", ".5.4", ".5.5"}) {
    if (field_status.compare(1, 4, loose) == 0) return text_status;
  }
  if (field_status == "5.1.1") {
    return text_zero || text_status.rfind("5.5.", 0) == 0 ? field_status : text_status;
  }
  if (field_status == "5.1.3" && text_status.rfind("5.7.", 0) == 0) return text_status;
  return field_status;
}

std::string normalizeAction(std::string_view action) {
  auto a = toLower(trim(action));
  const auto space = a.find_first_of(" (;");
  if (space != std::string::npos) a = a.substr(0, space);
  if (a == "failure" || a == "fail") return "failed";
  if (a == "delay") return "delayed";
  if (a == "deliverable" || a == "success") return "delivered";
  return a;
}

// --- RFC 3464 ---------------------------------------------------------------------------

bool looksLikeDsnFields(std::string_view text) {
  const auto lower = toLower(text);
  return (lower.find("\nfinal-recipient:") != std::string::npos ||
          lower.find("\noriginal-recipient:") != std::string::npos ||
          lower.rfind("final-recipient:", 0) == 0) &&
         (lower.find("\nstatus:") != std::string::npos ||
          lower.find("\naction:") != std::string::npos);
}

// PowerMTA's own verdict on a recipient (X-PowerMTA-BounceCategory), as a reason.
std::string bounceCategoryReason(std::string_view category) {
  static constexpr std::pair<std::string_view, std::string_view> kCategories[] = {
      {"bad-domain", "hostunknown"},           {"bad-mailbox", "userunknown"},
      {"inactive-mailbox", "suspend"},         {"message-expired", "expired"},
      {"no-answer-from-host", "networkerror"}, {"policy-related", "policyviolation"},
      {"quota-issues", "mailboxfull"},         {"routing-errors", "systemerror"},
      {"spam-related", "spamdetected"}};
  const auto lower = toLower(trim(category));
  for (const auto& [name, reason] : kCategories) {
    if (lower == name) return std::string(reason);
  }
  return {};
}

void parseDsn(const std::string& fields, const std::string& text, const MimeView& view,
              BounceReport& report) {
  const auto groups = parseFieldGroups(fields);
  for (const auto& group : groups) {
    const auto final_recipient = fieldValue(group, "final-recipient");
    const auto original = fieldValue(group, "original-recipient");
    const auto actual = fieldValue(group, "x-actual-recipient");
    if (final_recipient.empty() && original.empty()) {
      if (report.reporting_mta.empty()) {
        report.reporting_mta = stripTypePrefix(fieldValue(group, "reporting-mta"));
      }
      if (report.arrival_date.empty()) report.arrival_date = fieldValue(group, "arrival-date");
      if (report.original_envelope_id.empty()) {
        report.original_envelope_id = fieldValue(group, "original-envelope-id");
      }
      continue;
    }
    BouncedRecipient recipient;
    recipient.recipient = cleanAddress(final_recipient);
    recipient.original_recipient = cleanAddress(original);
    if (recipient.recipient.empty()) recipient.recipient = recipient.original_recipient;
    if (recipient.recipient.empty()) recipient.recipient = cleanAddress(actual);
    recipient.action = normalizeAction(fieldValue(group, "action"));
    recipient.remote_mta = stripTypePrefix(fieldValue(group, "remote-mta"));
    const auto [diagnostic_type, diagnostic] =
        splitTypedValue(fieldValue(group, "diagnostic-code"));
    recipient.diagnostic_code = diagnostic;
    std::string command;
    if (recipient.diagnostic_code.empty()) {
      // "Status: 4.0.0 (cat.example.net: host name lookup failure)": the comment explains.
      const auto status_value = fieldValue(group, "status");
      const auto open = status_value.find('(');
      const auto close = status_value.rfind(')');
      if (open != std::string::npos && close != std::string::npos && close > open + 1) {
        const auto comment =
            trim(std::string_view(status_value).substr(open + 1, close - open - 1));
        const auto lower = toLower(comment);
        // Bare class names ("permanent failure") say nothing the code does not.
        if (lower.find("failure") == std::string::npos || lower.find(':') != std::string::npos) {
          recipient.diagnostic_code = std::string(comment);
        }
      }
    }
    if (recipient.diagnostic_code.empty() && !recipient.recipient.empty()) {
      // No Diagnostic-Code: the human-readable part usually says what happened.
      detail::TextBounceInput input;
      input.text = text;
      input.known = {recipient.recipient};
      const auto found = detail::decodeTextBounce(input);
      if (!found.empty()) {
        recipient.diagnostic_code = found.front().diagnostic;
        command = found.front().command;
      }
    }
    const auto status_field = findEnhancedStatus(fieldValue(group, "status"));
    recipient.reply_code = findReplyCode(recipient.diagnostic_code);
    recipient.status = preferredStatus(status_field, findEnhancedStatus(recipient.diagnostic_code),
                                       recipient.reply_code);
    if (command.empty()) command = detail::smtpCommandIn(recipient.diagnostic_code);
    if (command.empty()) command = detail::commandOf(recipient.diagnostic_code);
    if (command.empty() && !recipient.recipient.empty()) {
      // The human-readable part often holds the session transcript or the MTA's own words
      // ("in reply to RCPT TO command") for the recipient.
      detail::TextBounceInput input;
      input.text = text;
      input.known = {recipient.recipient};
      const auto found = detail::decodeTextBounce(input);
      if (!found.empty()) {
        command = detail::smtpCommandIn(found.front().diagnostic);
        if (command.empty()) command = found.front().command;
      }
    }
    std::string type = toLower(diagnostic_type);
    if (type.empty() && !recipient.diagnostic_code.empty()) type = "smtp";
    classifyRecipient(recipient, type, command,
                      bounceCategoryReason(fieldValue(group, "x-powermta-bouncecategory")),
                      report.reporting_mta);
    report.recipients.push_back(std::move(recipient));
  }
  (void)view;
}

// --- RFC 5965 -------------------------------------------------------------------------

void parseFeedback(const MimeView& view, BounceReport& report) {
  const auto groups = parseFieldGroups(view.feedback_report);
  FieldGroup all;
  for (const auto& group : groups) all.insert(all.end(), group.begin(), group.end());
  const auto feedback_type = toLower(fieldValue(all, "feedback-type"));
  // One report may name several complaining recipients (Original-Rcpt-To repeats).
  std::vector<std::string> addresses;
  for (const std::string_view name : {"original-rcpt-to", "removal-recipient"}) {
    for (const auto& [field, value] : all) {
      if (field != name) continue;
      auto address = cleanAddress(value);
      if (!address.empty() &&
          std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
        addresses.push_back(std::move(address));
      }
    }
    if (!addresses.empty()) break;
  }
  if (addresses.empty() && !view.returned_headers.empty()) {
    const auto returned = parseFieldGroups(view.returned_headers);
    if (!returned.empty()) addresses.push_back(cleanAddress(fieldValue(returned.front(), "to")));
  }
  if (addresses.empty()) addresses.emplace_back();
  report.reporting_mta = fieldValue(all, "reporting-mta");
  report.arrival_date = fieldValue(all, "arrival-date");
  for (auto& address : addresses) {
    BouncedRecipient recipient;
    recipient.feedback_type = feedback_type;
    recipient.recipient = std::move(address);
    recipient.reason = "feedback";
    report.recipients.push_back(std::move(recipient));
  }
}

// Complaints that are not RFC 5965 reports: Hotmail's "complaint about message from <ip>" with
// the message attached, and a List-Unsubscribe (RFC 2369) mailto request, which mail clients
// send with the subject "unsubscribe".
bool parseInformalFeedback(const MimeView& view, BounceReport& report) {
  const auto subject = toLower(trim(view.subject));
  BouncedRecipient recipient;
  recipient.reason = "feedback";
  if (subject.rfind("complaint about message from ", 0) == 0 && !view.returned_headers.empty()) {
    const auto returned = parseFieldGroups(view.returned_headers);
    if (returned.empty()) return false;
    recipient.recipient = cleanAddress(fieldValue(returned.front(), "x-hmxmroriginalrecipient"));
    if (recipient.recipient.empty()) {
      recipient.recipient = cleanAddress(fieldValue(returned.front(), "to"));
    }
    recipient.feedback_type = "abuse";
  } else if (subject == "unsubscribe") {
    recipient.recipient = cleanAddress(view.from);
    recipient.feedback_type = "opt-out";
  } else {
    return false;
  }
  report.recipients.push_back(std::move(recipient));
  return true;
}

// --- RFC 3834 -------------------------------------------------------------------------

bool isAutoReply(const MimeView& view) {
  const auto auto_submitted = toLower(fieldValue(view.headers, "auto-submitted"));
  if (auto_submitted.rfind("auto-replied", 0) == 0) return true;
  for (const std::string_view name :
       {"x-autoreply", "x-autorespond", "x-autoresponder", "x-vacation-autoreply"}) {
    if (!fieldValue(view.headers, name).empty()) return true;
  }
  const auto precedence = toLower(fieldValue(view.headers, "precedence"));
  if (precedence == "auto_reply") return true;
  const auto subject = toLower(view.subject);
  for (const std::string_view marker :
       {"auto:", "automatic reply", "auto reply", "auto-reply", "autoreply", "out of office",
        "out of the office", "vacation", "abwesenheitsnotiz", "réponse automatique",
        "respuesta automática", "risposta automatica", "away from my mail", "i am away"}) {
    if (subject.find(marker) != std::string::npos) return true;
  }
  return false;
}

// --- non-standard bounces ----------------------------------------------------------------

// Signs only a delivery report carries, whatever its text says.
bool isSurelyBounce(const MimeView& view) {
  if (view.multipart_report) return true;
  if (!fieldValue(view.headers, "x-failed-recipients").empty()) return true;
  const auto from = toLower(view.from);
  return from.find("mailer-daemon") != std::string::npos ||
         from.find("postmaster") != std::string::npos ||
         from.find("mail delivery") != std::string::npos;
}

bool looksLikeBounce(const MimeView& view) {
  if (view.multipart_report) return true;
  if (!fieldValue(view.headers, "x-failed-recipients").empty()) return true;
  const auto from = toLower(view.from);
  for (const std::string_view marker :
       {"mailer-daemon", "postmaster", "mail delivery", "mail administrator", "mailer",
        "mail.delivery", "mail-daemon", "bounce", "mdaemon", "mail system", "mail transport",
        "nobody@", "notification", "administrator"}) {
    if (from.find(marker) != std::string::npos) return true;
  }
  const auto subject = toLower(view.subject);
  for (const std::string_view marker : {"undeliver",
                                        "undelivered",
                                        "delivery status",
                                        "failure notice",
                                        "returned mail",
                                        "mail delivery failed",
                                        "delivery failure",
                                        "non-delivery",
                                        "nondeliver",
                                        "not delivered",
                                        "could not be delivered",
                                        "delivery notification",
                                        "failed delivery",
                                        "delivery failed",
                                        "delivery problem",
                                        "mail system error",
                                        "returned to sender",
                                        "bounce",
                                        "rejected",
                                        "mail error",
                                        "message delayed",
                                        "warning: could not",
                                        "delivery report",
                                        "couldn't be delivered",
                                        "unable to deliver",
                                        "error sending",
                                        "permanent error",
                                        "delayed mail",
                                        "mail failure",
                                        "message not delivered",
                                        "failed mail",
                                        "notice",
                                        "error"}) {
    if (subject.find(marker) != std::string::npos) return true;
  }
  const auto return_path = trim(view.return_path);
  return return_path == "<>";
}

std::vector<std::string> splitList(std::string_view value) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    auto comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    const auto address = cleanAddress(value.substr(pos, comma - pos));
    if (!address.empty()) out.push_back(address);
    pos = comma + 1;
  }
  return out;
}

// MTAs whose delivery-status part says less than their text: OpenSMTPD writes a Status of
// 4.x.x and Action: delayed even when it has given up on the recipient.
bool prefersOwnText(std::string_view text) {
  return toLower(text).find("this is the mailer-daemon, please do not reply to this e") !=
         std::string::npos;
}

struct GmailState {
  int state;
  std::string_view command;
  std::string_view reason;  // "" where the reply text decides
};
constexpr GmailState kGmailStates[] = {{6, "MAIL", ""},
                                       {8, "AUTH", ""},
                                       {9, "AUTH", "failedstarttls"},
                                       {12, "AUTH", "norelaying"},
                                       {13, "EHLO", ""},
                                       {14, "RCPT", ""},
                                       {15, "DATA", "filtered"},
                                       {17, "DATA", "filtered"},
                                       {18, "DATA", "filtered"}};

// N in Gmail's "... returned was: 550 ... (state N).", or 0.
int gmailState(std::string_view diagnostic) {
  if (diagnostic.find("Google tried to deliver your message") == std::string_view::npos) return 0;
  const auto at = diagnostic.rfind("(state ");
  if (at == std::string_view::npos) return 0;
  int state = 0;
  for (std::size_t i = at + 7; i < diagnostic.size() && i < at + 10; ++i) {
    const char c = diagnostic[i];
    if (c < '0' || c > '9') break;
    state = state * 10 + (c - '0');
  }
  return state;
}

void parseTextBounce(const MimeView& view, const std::string& text, BounceReport& report) {
  detail::TextBounceInput input;
  input.text = text;
  input.known = splitList(fieldValue(view.headers, "x-failed-recipients"));
  for (const auto& value : {view.from, view.to, view.return_path}) {
    for (const auto& address : splitList(value)) input.not_recipients.push_back(address);
  }
  // The returned message's sender is the bounce's addressee, not a recipient.
  if (!view.returned_headers.empty()) {
    const auto returned = parseFieldGroups(view.returned_headers);
    if (!returned.empty()) {
      for (const auto& address : splitList(fieldValue(returned.front(), "from"))) {
        input.not_recipients.push_back(address);
      }
    }
  }
  const bool qmail = toLower(text).find("this is the qmail-send program") != std::string::npos;
  for (auto& found : detail::decodeTextBounce(input)) {
    BouncedRecipient recipient;
    recipient.recipient = found.address;
    recipient.action = "failed";
    recipient.diagnostic_code = found.diagnostic;
    recipient.remote_mta = found.remote_mta;
    recipient.status = findEnhancedStatus(found.diagnostic);
    recipient.reply_code = findReplyCode(found.diagnostic);
    // Google Groups refuses a post to a group that does not exist or does not let the sender
    // post, in the sender's language and without any SMTP code.
    std::string hint;
    if (toLower(recipient.recipient).find("@googlegroups.com") != std::string::npos &&
        recipient.reply_code.empty() && recipient.status.empty()) {
      hint = "rejected";
    }
    // Gmail ends the remote reply with the session state it failed in: "(state 14)." names
    // the command, and for some states the reason, whatever the reply text says.
    std::string command = found.command;
    if (const auto state = gmailState(found.diagnostic); state > 0) {
      for (const auto& entry : kGmailStates) {
        if (entry.state != state) continue;
        command = std::string(entry.command);
        if (hint.empty()) hint = std::string(entry.reason);
      }
    }
    // qmail appends "I'm not going to try again; this message has been in the queue too
    // long." to the last error it saw: that error is the cause, the expiry only without one.
    static constexpr std::string_view kQmailGaveUp =
        "I'm not going to try again; this message has been in the queue too long.";
    const auto gave_up = recipient.diagnostic_code.find(kQmailGaveUp);
    if (qmail && gave_up != std::string::npos) {
      std::string full = recipient.diagnostic_code;
      recipient.diagnostic_code.erase(gave_up, kQmailGaveUp.size());
      // qmail's own words for a host it never reached.
      if (recipient.diagnostic_code.find("wasn't able to establish an SMTP connection") !=
          std::string::npos) {
        hint = "networkerror";
      }
      classifyRecipient(recipient, "smtp", command, hint);
      recipient.diagnostic_code = std::move(full);
      if (recipient.reason == "onhold" || recipient.reason == "undefined") {
        recipient.reason = "expired";
      }
    } else {
      classifyRecipient(recipient, "smtp", command, hint);
    }
    report.recipients.push_back(std::move(recipient));
  }
}

// --- Amazon SES notifications ------------------------------------------------------------

bool parseSes(const std::string& text, BounceReport& report) {
  auto notification = detail::parseSesNotification(text);
  if (notification.type.empty()) return false;
  report.reporting_mta = notification.reporting_mta;
  if (report.original_message_id.empty()) report.original_message_id = notification.message_id;
  for (auto& found : notification.recipients) {
    BouncedRecipient recipient;
    recipient.recipient = found.address;
    recipient.action = found.action;
    recipient.diagnostic_code = found.diagnostic;
    recipient.feedback_type = found.feedback_type;
    if (found.reason_hint == "feedback") {
      recipient.reason = "feedback";
      report.recipients.push_back(std::move(recipient));
      continue;
    }
    recipient.reply_code = findReplyCode(found.diagnostic);
    recipient.status = preferredStatus(findEnhancedStatus(found.status),
                                       findEnhancedStatus(found.diagnostic), recipient.reply_code);
    classifyRecipient(recipient, "smtp", detail::smtpCommandIn(found.diagnostic), found.reason_hint,
                      report.reporting_mta);
    report.recipients.push_back(std::move(recipient));
  }
  report.kind = notification.type == "Complaint" ? "feedback" : "provider";
  return true;
}

}  // namespace

Result<BounceReport> parseBounce(std::string_view raw_message) {
  BounceReport report;
  const std::string message = normalizeLineEnds(raw_message);
  const MimeView view = readMime(message);
  std::string text = joinTexts(view);
  if (text.empty() && view.delivery_status.empty()) {
    // Not MIME GMime could read: take everything after the header block as the text.
    const auto blank = message.find("\n\n");
    if (blank != std::string::npos) text = message.substr(blank + 2);
  }
  report.original_message_id = messageIdIn(view.returned_headers);

  if (view.feedback_report.empty() && view.delivery_status.empty() && parseSes(text, report)) {
    // Amazon SES's own notification format.
  } else if (!view.feedback_report.empty()) {
    parseFeedback(view, report);
    report.kind = "feedback";
  } else if (view.delivery_status.empty() && parseInformalFeedback(view, report)) {
    report.kind = "feedback";
  } else if (!view.delivery_status.empty() && looksLikeDsnFields("\n" + view.delivery_status) &&
             !prefersOwnText(text)) {
    parseDsn(view.delivery_status, text, view, report);
    report.kind = "dsn";
  } else if (looksLikeDsnFields(text)) {
    parseDsn(text, text, view, report);
    report.kind = "dsn";
  } else if (isAutoReply(view) && !isSurelyBounce(view)) {
    BouncedRecipient recipient;
    const auto from = splitList(view.from);
    recipient.recipient = from.empty() ? std::string() : from.front();
    recipient.reason = "vacation";
    recipient.diagnostic_code = squeeze(text.substr(0, std::min<std::size_t>(text.size(), 1000)));
    report.recipients.push_back(std::move(recipient));
    report.kind = "vacation";
  } else if (looksLikeBounce(view)) {
    parseTextBounce(view, text, report);
    report.kind = "provider";
  }
  report.is_bounce = !report.recipients.empty();
  if (!report.is_bounce) report.kind.clear();
  return report;
}

}  // namespace outpost::bounce

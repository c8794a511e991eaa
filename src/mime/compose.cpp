// Builds RFC 5322 messages from API input with GMime 3: RFC 2045/2046 MIME structure
// (alternative, related, mixed), RFC 2047 encoded headers, RFC 2231 file names, CRLF line
// endings and the 998-octet line limit (RFC 5322 §2.1.1). Every field of the request is
// untrusted: header text with CR, LF or NUL is refused, never passed on (header injection).
#include "mime/compose.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include "core/ids.h"
#include "core/limits.h"
#include "mime/address_check.h"
#include "mime/gmime_support.h"
#include "mime/text_util.h"

namespace outpost::mime {
namespace {

using detail::GObjectPtr;

// The longest token that can still be folded onto a line of its own: 998 less the fold space.
constexpr std::size_t kMaxUnfoldableWord = limits::kMaxMessageLine - 1;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool istartsWith(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// Headers that outpost writes from the request's own fields, with the field to use instead.
struct OwnHeader {
  std::string_view name;
  std::string_view use;
};
constexpr std::array<OwnHeader, 9> kOwnHeaders{{
    {"From", "the from field"},
    {"To", "the to field"},
    {"Cc", "the cc field"},
    {"Bcc", "the bcc field"},
    {"Reply-To", "the reply_to field"},
    {"Subject", "the subject field"},
    {"Date", ""},
    {"Message-ID", ""},
    {"MIME-Version", ""},
}};

// RFC 5322 §3.6.8 ftext: printable ASCII except the colon.
bool isFtext(unsigned char c) { return c >= 33 && c <= 126 && c != ':'; }

// RFC 2045 token characters (for media types).
bool isMimeToken(unsigned char c) {
  return c > 32 && c < 127 && std::strchr("()<>@,;:\\\"/[]?=", c) == nullptr;
}

// An ASCII header value folded at its whitespace so lines stay near 78 octets (RFC 5322
// §2.2.3), as GMime's raw form: the text after "Name:", with "\n" line ends.
std::string foldAsciiValue(std::string_view name, std::string_view value) {
  std::string raw;
  std::size_t line = name.size() + 1;
  std::size_t i = 0;
  bool first = true;
  while (i < value.size()) {
    const std::size_t word_start = value.find_first_not_of(" \t", i);
    if (word_start == std::string_view::npos) break;
    std::size_t word_end = value.find_first_of(" \t", word_start);
    if (word_end == std::string_view::npos) word_end = value.size();
    const std::string_view space = first ? std::string_view(" ") : value.substr(i, word_start - i);
    const std::string_view word = value.substr(word_start, word_end - word_start);
    if (!first && line + space.size() + word.size() > limits::kRecommendedLine) {
      raw.push_back('\n');
      line = 0;
    }
    raw.append(space);
    raw.append(word);
    line += space.size() + word.size();
    first = false;
    i = word_end;
  }
  raw.push_back('\n');
  return raw;
}

std::size_t longestWord(std::string_view value) {
  std::size_t longest = 0;
  std::size_t current = 0;
  for (const char c : value) {
    current = (c == ' ' || c == '\t') ? 0 : current + 1;
    longest = std::max(longest, current);
  }
  return longest;
}

std::string extensionContentType(std::string_view filename) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"pdf", "application/pdf"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"svg", "image/svg+xml"},
      {"bmp", "image/bmp"},
      {"tif", "image/tiff"},
      {"tiff", "image/tiff"},
      {"ico", "image/vnd.microsoft.icon"},
      {"txt", "text/plain"},
      {"csv", "text/csv"},
      {"htm", "text/html"},
      {"html", "text/html"},
      {"ics", "text/calendar"},
      {"vcf", "text/vcard"},
      {"json", "application/json"},
      {"xml", "application/xml"},
      {"zip", "application/zip"},
      {"gz", "application/gzip"},
      {"tar", "application/x-tar"},
      {"7z", "application/x-7z-compressed"},
      {"rtf", "application/rtf"},
      {"doc", "application/msword"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"xls", "application/vnd.ms-excel"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"ppt", "application/vnd.ms-powerpoint"},
      {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
      {"odt", "application/vnd.oasis.opendocument.text"},
      {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
      {"mp3", "audio/mpeg"},
      {"wav", "audio/wav"},
      {"mp4", "video/mp4"},
  };
  const auto dot = filename.rfind('.');
  if (dot != std::string_view::npos) {
    const std::string_view extension = filename.substr(dot + 1);
    for (const auto& [known, type] : kTypes) {
      if (iequals(extension, known)) return std::string(type);
    }
  }
  return "application/octet-stream";
}

// Why `content_type` cannot label an attachment, or "". Composite types are refused: an
// attachment's bytes are sent base64-encoded, which RFC 2046 §5 forbids for them.
std::string contentTypeProblem(std::string_view content_type) {
  if (std::string problem = detail::headerTextProblem("the content type", content_type);
      !problem.empty()) {
    return problem;
  }
  const std::string_view media = detail::trimWsp(content_type.substr(0, content_type.find(';')));
  const auto slash = media.find('/');
  const auto is_token = [](std::string_view part) {
    return !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
      return isMimeToken(static_cast<unsigned char>(c));
    });
  };
  if (slash == std::string_view::npos || !is_token(media.substr(0, slash)) ||
      !is_token(media.substr(slash + 1))) {
    return "the content type " + detail::quoteForMessage(content_type) +
           " is not of the form type/subtype";
  }
  if (istartsWith(media, "multipart/") || istartsWith(media, "message/")) {
    return "the content type " + detail::quoteForMessage(media) +
           " cannot be used for an attachment; use application/octet-stream";
  }
  return {};
}

std::string contentIdProblem(std::string_view content_id) {
  if (content_id.empty()) return {};
  for (const char c : content_id) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127 || c == '<' || c == '>' || c == '"' || c == '\\') {
      return "the content id may hold only printable ASCII without spaces, quotes or <>";
    }
  }
  return {};
}

std::string stripAngles(std::string_view id) {
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  return std::string(id);
}

// Line breaks in body text are LF for GMime, which writes each as CRLF (RFC 5322 §2.3).
std::string toLf(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// 7bit when the text is short-lined ASCII without NUL; quoted-printable when it is mostly
// ASCII (long lines or some 8-bit); base64 when most of it is 8-bit (QP would triple it).
GMimeContentEncoding textEncoding(std::string_view lf_text) {
  std::size_t eight_bit = 0;
  std::size_t line = 0;
  std::size_t longest = 0;
  bool nul = false;
  for (const char c : lf_text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) ++eight_bit;
    if (u == 0) nul = true;
    line = (c == '\n') ? 0 : line + 1;
    longest = std::max(longest, line);
  }
  if (eight_bit == 0 && !nul && longest <= limits::kMaxMessageLine) {
    return GMIME_CONTENT_ENCODING_7BIT;
  }
  if (eight_bit * 3 > lf_text.size()) return GMIME_CONTENT_ENCODING_BASE64;
  return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
}

void setContent(GMimePart* part, std::string_view bytes) {
  // g_mime_stream_mem_new_with_buffer copies the bytes.
  GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
  GObjectPtr<GMimeDataWrapper> wrapper(
      g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part, wrapper.get());
}

GObjectPtr<GMimeObject> makeTextPart(const char* subtype, std::string_view text) {
  const std::string lf_text = toLf(text);
  GObjectPtr<GMimeTextPart> part(g_mime_text_part_new_with_subtype(subtype));
  setContent(GMIME_PART(part.get()), lf_text);
  g_mime_text_part_set_charset(part.get(), "utf-8");
  g_mime_part_set_content_encoding(GMIME_PART(part.get()), textEncoding(lf_text));
  return GObjectPtr<GMimeObject>(GMIME_OBJECT(part.release()));
}

// Marks a non-ASCII parameter for RFC 2231 encoding in UTF-8 (GMime would pick Latin-1).
void useUtf8(GMimeParamList* list, const char* name) {
  if (list == nullptr) return;
  if (GMimeParam* param = g_mime_param_list_get_parameter(list, name)) {
    g_mime_param_set_charset(param, "utf-8");
  }
}

GObjectPtr<GMimeObject> makeAttachmentPart(const Attachment& attachment, bool is_inline) {
  const std::string content_type = attachment.content_type.empty()
                                       ? extensionContentType(attachment.filename)
                                       : std::string(detail::trimWsp(attachment.content_type));
  GObjectPtr<GMimePart> part(g_mime_part_new());
  GObjectPtr<GMimeContentType> type(g_mime_content_type_parse(nullptr, content_type.c_str()));
  g_mime_object_set_content_type(GMIME_OBJECT(part.get()), type.get());
  g_mime_object_set_disposition(GMIME_OBJECT(part.get()), is_inline ? "inline" : "attachment");
  g_mime_part_set_filename(part.get(), attachment.filename.c_str());
  if (!detail::isAscii(attachment.filename)) {
    useUtf8(g_mime_content_disposition_get_parameters(
                g_mime_object_get_content_disposition(GMIME_OBJECT(part.get()))),
            "filename");
    useUtf8(g_mime_content_type_get_parameters(
                g_mime_object_get_content_type(GMIME_OBJECT(part.get()))),
            "name");
  }
  if (!attachment.content_id.empty()) {
    const std::string id = stripAngles(attachment.content_id);
    g_mime_object_set_content_id(GMIME_OBJECT(part.get()), id.c_str());
  }
  setContent(part.get(), attachment.content);
  // Base64 keeps the exact bytes (line ends included) whatever the type says.
  g_mime_part_set_content_encoding(part.get(), GMIME_CONTENT_ENCODING_BASE64);
  return GObjectPtr<GMimeObject>(GMIME_OBJECT(part.release()));
}

GObjectPtr<GMimeObject> makeMultipart(const char* subtype) {
  return GObjectPtr<GMimeObject>(GMIME_OBJECT(g_mime_multipart_new_with_subtype(subtype)));
}

void addPart(GMimeObject* multipart, GObjectPtr<GMimeObject> part) {
  g_mime_multipart_add(GMIME_MULTIPART(multipart), part.get());  // takes its own reference
}

// The MIME tree: body = text | html | alternative(text, html); html with inline parts becomes
// related(html, inline…); attachments wrap all in mixed(body, attachments…).
GObjectPtr<GMimeObject> buildBody(const ComposeRequest& request) {
  GObjectPtr<GMimeObject> html;
  if (request.html) {
    html = makeTextPart("html", *request.html);
    std::vector<const Attachment*> inline_parts;
    for (const Attachment& attachment : request.attachments) {
      if (!attachment.content_id.empty()) inline_parts.push_back(&attachment);
    }
    if (!inline_parts.empty()) {
      GObjectPtr<GMimeObject> related = makeMultipart("related");
      g_mime_object_set_content_type_parameter(related.get(), "type", "text/html");
      addPart(related.get(), std::move(html));
      for (const Attachment* attachment : inline_parts) {
        addPart(related.get(), makeAttachmentPart(*attachment, true));
      }
      html = std::move(related);
    }
  }
  GObjectPtr<GMimeObject> body;
  if (request.text && html) {
    body = makeMultipart("alternative");
    addPart(body.get(), makeTextPart("plain", *request.text));
    addPart(body.get(), std::move(html));
  } else if (request.text) {
    body = makeTextPart("plain", *request.text);
  } else {
    body = std::move(html);
  }
  std::vector<const Attachment*> attached;
  for (const Attachment& attachment : request.attachments) {
    // Inline parts need an HTML body to be referenced from; without one they are attached.
    if (attachment.content_id.empty() || !request.html) attached.push_back(&attachment);
  }
  if (attached.empty()) return body;
  GObjectPtr<GMimeObject> mixed = makeMultipart("mixed");
  addPart(mixed.get(), std::move(body));
  for (const Attachment* attachment : attached) {
    addPart(mixed.get(), makeAttachmentPart(*attachment, false));
  }
  return mixed;
}

void addMailboxes(GMimeMessage* message, GMimeAddressType type,
                  const std::vector<Mailbox>& mailboxes) {
  InternetAddressList* list = g_mime_message_get_addresses(message, type);
  for (const Mailbox& mailbox : mailboxes) {
    GObjectPtr<InternetAddress> address(internet_address_mailbox_new(
        mailbox.display_name.empty() ? nullptr : mailbox.display_name.c_str(),
        mailbox.address.c_str()));
    // RFC 2047 in UTF-8 rather than whatever legacy charset GMime finds sufficient.
    internet_address_set_charset(address.get(), "utf-8");
    internet_address_list_add(list, address.get());
  }
}

void appendRawHeader(GMimeObject* object, const char* name, const std::string& raw_value) {
  g_mime_object_append_header(object, name, "", nullptr);
  GMimeHeaderList* headers = g_mime_object_get_header_list(object);
  GMimeHeader* header =
      g_mime_header_list_get_header_at(headers, g_mime_header_list_get_count(headers) - 1);
  g_mime_header_set_raw_value(header, raw_value.c_str());
}

void checkMailbox(const Mailbox& mailbox, const std::string& field,
                  std::vector<FieldError>& errors) {
  if (mailbox.address.empty()) {
    errors.push_back({field, "the address is empty"});
    return;
  }
  if (std::string problem = detail::addressProblem(mailbox.address); !problem.empty()) {
    errors.push_back({field, std::move(problem)});
    return;
  }
  if (std::string problem = detail::headerTextProblem("the display name", mailbox.display_name);
      !problem.empty()) {
    errors.push_back({field, std::move(problem)});
  }
}

void checkMailboxes(const std::vector<Mailbox>& mailboxes, const char* field,
                    std::vector<FieldError>& errors) {
  for (std::size_t i = 0; i < mailboxes.size(); ++i) {
    checkMailbox(mailboxes[i], std::string(field) + "[" + std::to_string(i) + "]", errors);
  }
}

// "headers.<Name>", with anything unprintable in the name shown as '?'.
std::string headerField(std::string_view name) {
  std::string field = "headers.";
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    field.push_back(u < 32 || u == 127 ? '?' : c);
  }
  return field;
}

void validate(const ComposeRequest& request, std::vector<FieldError>& errors) {
  if (request.from.address.empty()) {
    errors.push_back({"from", "a sender address is required"});
  } else {
    checkMailbox(request.from, "from", errors);
  }
  checkMailboxes(request.to, "to", errors);
  checkMailboxes(request.cc, "cc", errors);
  checkMailboxes(request.bcc, "bcc", errors);
  checkMailboxes(request.reply_to, "reply_to", errors);
  if (request.to.empty() && request.cc.empty() && request.bcc.empty()) {
    errors.push_back({"to", "at least one recipient (to, cc or bcc) is required"});
  }
  if (std::string problem = detail::headerTextProblem("the subject", request.subject);
      !problem.empty()) {
    errors.push_back({"subject", std::move(problem)});
  }
  if (!request.text && !request.html) {
    errors.push_back({"text", "a text or an html body (or both) is required"});
  }
  if (request.text && !detail::isValidUtf8(*request.text)) {
    errors.push_back({"text", "the text body is not valid UTF-8"});
  }
  if (request.html && !detail::isValidUtf8(*request.html)) {
    errors.push_back({"html", "the html body is not valid UTF-8"});
  }
  for (std::size_t i = 0; i < request.attachments.size(); ++i) {
    const Attachment& attachment = request.attachments[i];
    const std::string prefix = "attachments[" + std::to_string(i) + "].";
    if (attachment.filename.empty()) {
      errors.push_back({prefix + "filename", "the file name is empty"});
    } else if (std::string problem =
                   detail::headerTextProblem("the file name", attachment.filename);
               !problem.empty()) {
      errors.push_back({prefix + "filename", std::move(problem)});
    }
    if (!attachment.content_type.empty()) {
      if (std::string problem = contentTypeProblem(attachment.content_type); !problem.empty()) {
        errors.push_back({prefix + "content_type", std::move(problem)});
      }
    }
    if (std::string problem = contentIdProblem(stripAngles(attachment.content_id));
        !problem.empty()) {
      errors.push_back({prefix + "content_id", std::move(problem)});
    }
  }
  for (const auto& [name, value] : request.headers) {
    if (std::string problem = checkExtraHeader(name, value); !problem.empty()) {
      errors.push_back({headerField(name), std::move(problem)});
    }
  }
  if (!request.message_id_domain.empty()) {
    if (std::string problem = detail::domainProblem(request.message_id_domain); !problem.empty()) {
      errors.push_back({"message_id_domain", std::move(problem)});
    }
  }
}

Error invalidRequest(const std::vector<FieldError>& errors, std::size_t first) {
  std::string message = "the message cannot be built: ";
  for (std::size_t i = first; i < errors.size(); ++i) {
    if (i > first) message += "; ";
    message += errors[i].field + ": " + errors[i].message;
  }
  return Error::permanentFailure("invalid_request", std::move(message));
}

// Why `raw` breaks RFC 5322 §2.1.1/§2.3 (bare CR or LF, a line over 998 octets), or "".
std::string lineProblem(std::string_view raw) {
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r') {
      if (i + 1 >= raw.size() || raw[i + 1] != '\n') return "a bare CR";
      if (i - line_start > limits::kMaxMessageLine) return "a line longer than 998 octets";
      ++i;
      line_start = i + 1;
    } else if (raw[i] == '\n') {
      return "a bare LF";
    }
  }
  if (raw.size() - line_start > limits::kMaxMessageLine) return "a line longer than 998 octets";
  return {};
}

bool anyNonAscii(const std::vector<Mailbox>& mailboxes) {
  return std::any_of(mailboxes.begin(), mailboxes.end(),
                     [](const Mailbox& m) { return needsSmtpUtf8(m.address); });
}

}  // namespace

std::string checkExtraHeader(std::string_view name, std::string_view value) {
  if (name.empty()) return "the header name is empty";
  if (!std::all_of(name.begin(), name.end(),
                   [](char c) { return isFtext(static_cast<unsigned char>(c)); })) {
    // Not echoed: it may hold the very line break being refused.
    return "the header name may hold only printable ASCII without spaces or colons (RFC 5322 "
           "§3.6.8)";
  }
  if (name.size() > 76) return "the header name is longer than 76 characters";
  for (const OwnHeader& own : kOwnHeaders) {
    if (iequals(name, own.name)) {
      std::string reason = "outpost sets the " + std::string(own.name) + " header itself";
      if (!own.use.empty()) reason += "; use " + std::string(own.use);
      return reason;
    }
  }
  if (istartsWith(name, "Content-")) {
    return "outpost sets the Content-* headers itself from the body and attachments";
  }
  if (std::string problem = detail::headerTextProblem("the header value", value);
      !problem.empty()) {
    return problem;
  }
  // An ASCII word is written as is; one too long for a line could not be folded.
  const std::string_view trimmed = detail::trimWsp(value);
  const std::string_view first_word = trimmed.substr(0, trimmed.find_first_of(" \t"));
  if (detail::isAscii(trimmed) && (longestWord(trimmed) > kMaxUnfoldableWord ||
                                   name.size() + 2 + first_word.size() > limits::kMaxMessageLine)) {
    return "the header value has a word longer than the 998-octet line limit (RFC 5322 §2.1.1)";
  }
  return {};
}

Result<ComposedMessage> compose(const ComposeRequest& request, std::vector<FieldError>& errors) {
  const std::size_t first_error = errors.size();
  validate(request, errors);
  if (errors.size() > first_error) return invalidRequest(errors, first_error);

  detail::ensureGMime();
  ComposedMessage composed;
  const std::string id_domain =
      request.message_id_domain.empty() ? request.from.domain() : request.message_id_domain;
  composed.message_id = "<" + randomToken(16) + "@" + id_domain + ">";

  GObjectPtr<GMimeMessage> message(g_mime_message_new(FALSE));
  GMimeObject* object = GMIME_OBJECT(message.get());
  const UnixMillis date = request.date != 0 ? request.date : SystemClock().now();
  g_mime_object_append_header(object, "Date", formatRfc5322Date(date).c_str(), nullptr);
  addMailboxes(message.get(), GMIME_ADDRESS_TYPE_FROM, {request.from});
  addMailboxes(message.get(), GMIME_ADDRESS_TYPE_REPLY_TO, request.reply_to);
  addMailboxes(message.get(), GMIME_ADDRESS_TYPE_TO, request.to);
  addMailboxes(message.get(), GMIME_ADDRESS_TYPE_CC, request.cc);
  // Bcc recipients are envelope-only: writing them would tell every recipient who they are.
  if (!request.subject.empty()) {
    g_mime_message_set_subject(message.get(), request.subject.c_str(), "utf-8");
  }
  appendRawHeader(object, "Message-ID", " " + composed.message_id + "\n");
  appendRawHeader(object, "MIME-Version", " 1.0\n");
  for (const auto& [name, value] : request.headers) {
    const std::string_view trimmed = detail::trimWsp(value);
    if (detail::isAscii(trimmed)) {
      appendRawHeader(object, name.c_str(), foldAsciiValue(name, trimmed));
    } else {
      g_mime_object_append_header(object, name.c_str(), std::string(trimmed).c_str(), "utf-8");
    }
  }
  GObjectPtr<GMimeObject> body = buildBody(request);
  g_mime_message_set_mime_part(message.get(), body.get());

  GMimeFormatOptions* options = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
  GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new());
  const ssize_t written = g_mime_object_write_to_stream(object, options, stream.get());
  g_mime_format_options_free(options);
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.get()));
  if (written < 0 || bytes == nullptr) {
    return Error::permanentFailure("mime.write_failed", "GMime could not write the message");
  }
  composed.raw.assign(reinterpret_cast<const char*>(bytes->data), bytes->len);
  if (composed.raw.size() < 2 || composed.raw.compare(composed.raw.size() - 2, 2, "\r\n") != 0) {
    composed.raw += "\r\n";
  }
  // The contract promises these; a failure here is a bug, reported rather than sent.
  if (std::string problem = lineProblem(composed.raw); !problem.empty()) {
    return Error::permanentFailure("mime.bad_output",
                                   "the composed message would contain " + problem);
  }
  const auto body_start = composed.raw.find("\r\n\r\n");
  composed.eight_bit = body_start != std::string::npos &&
                       !detail::isAscii(std::string_view(composed.raw).substr(body_start));
  composed.needs_smtputf8 = needsSmtpUtf8(request.from.address) || anyNonAscii(request.to) ||
                            anyNonAscii(request.cc) || anyNonAscii(request.bcc) ||
                            anyNonAscii(request.reply_to);
  return composed;
}

}  // namespace outpost::mime

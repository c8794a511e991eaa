// Console preview of a stored message: header fields read line by line (RFC 5322 §2.2, §3.6)
// and decoded (RFC 2047), bodies and attachments through GMime 3 (RFC 2045, RFC 2046).
// SECURITY: the message is untrusted. GMime's recovery from broken MIME is trusted to never
// fail hard; depth, counts and body sizes are bounded here; every string returned is UTF-8.
#include "mime/preview.h"

#include <algorithm>
#include <cctype>

#include "mime/gmime_support.h"

namespace outpost::mime {
namespace {

using detail::GObjectPtr;

constexpr int kMaxDepth = 32;

std::string toLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && toLower(a) == toLower(b);
}

// Invalid sequences become U+FFFD, so the JSON and HTML built from the text stay valid.
std::string validUtf8(std::string_view text) {
  if (g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) {
    return std::string(text);
  }
  return detail::takeString(g_utf8_make_valid(text.data(), static_cast<gssize>(text.size())));
}

// Cuts at `limit` octets without splitting a UTF-8 sequence.
bool truncateUtf8(std::string& text, std::size_t limit) {
  if (text.size() <= limit) return false;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return true;
}

bool isAddressField(std::string_view name) {
  for (const std::string_view field :
       {"from", "to", "cc", "bcc", "reply-to", "sender", "resent-from", "resent-to", "resent-cc",
        "resent-bcc", "resent-sender"}) {
    if (iequals(name, field)) return true;
  }
  return false;
}

// The header block read the way raw.cpp reads submissions, but forgiving: the first line that
// is neither a field nor a continuation ends it. Bare LF is accepted as well as CRLF.
std::vector<PreviewHeader> readHeaders(std::string_view raw, const PreviewLimits& limits,
                                       bool& truncated) {
  struct Field {
    std::string name, value;
  };
  std::vector<Field> fields;
  std::size_t start = 0;
  while (start < raw.size()) {
    std::size_t end = raw.find('\n', start);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view line = raw.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    start = end + 1;
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      if (fields.empty()) break;
      fields.back().value.append(" ").append(line.substr(1));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) break;
    const std::string_view name = line.substr(0, colon);
    if (std::any_of(name.begin(), name.end(), [](char c) {
          const auto u = static_cast<unsigned char>(c);
          return u < 33 || u > 126;
        })) {
      break;
    }
    if (fields.size() == limits.max_headers) {
      truncated = true;
      break;
    }
    fields.push_back({std::string(name), std::string(line.substr(colon + 1))});
  }

  std::vector<PreviewHeader> headers;
  headers.reserve(fields.size());
  for (Field& field : fields) {
    const std::string value = detail::unfoldHeaderValue(field.value);
    std::string decoded = isAddressField(field.name) ? detail::decodeAddressHeader(value)
                                                     : detail::decodeHeaderText(value);
    headers.push_back({validUtf8(field.name), validUtf8(decoded)});
  }
  return headers;
}

std::string mediaType(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  if (type == nullptr) return "text/plain";
  const char* media = g_mime_content_type_get_media_type(type);
  const char* sub = g_mime_content_type_get_media_subtype(type);
  return toLower(std::string(media != nullptr ? media : "text") + "/" +
                 (sub != nullptr ? sub : "plain"));
}

std::size_t writtenSize(GMimeObject* object) {
  GObjectPtr<GMimeStream> stream(g_mime_stream_null_new());
  if (GMIME_IS_PART(object)) {
    GMimeDataWrapper* wrapper = g_mime_part_get_content(GMIME_PART(object));
    if (wrapper != nullptr) g_mime_data_wrapper_write_to_stream(wrapper, stream.get());
  } else {
    g_mime_object_write_to_stream(object, nullptr, stream.get());
  }
  return GMIME_STREAM_NULL(stream.get())->written;
}

std::string filenameOf(GMimeObject* object) {
  const char* name = GMIME_IS_PART(object)
                         ? g_mime_part_get_filename(GMIME_PART(object))
                         : g_mime_object_get_content_disposition_parameter(object, "filename");
  return name != nullptr ? validUtf8(name) : std::string();
}

// The part's text in UTF-8. GMime's charset filter skips what it cannot convert; text without
// a charset that is not UTF-8 is read as Latin-1, which cannot fail.
std::string textOf(GMimeObject* object) {
  if (!GMIME_IS_TEXT_PART(object)) return {};
  GMimeContentType* type = g_mime_object_get_content_type(object);
  const char* charset =
      type != nullptr ? g_mime_content_type_get_parameter(type, "charset") : nullptr;
  std::string text = detail::takeString(g_mime_text_part_get_text(GMIME_TEXT_PART(object)));
  if (charset == nullptr &&
      !g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) {
    gsize written = 0;
    char* converted = g_convert(text.data(), static_cast<gssize>(text.size()), "UTF-8",
                                "ISO-8859-1", nullptr, &written, nullptr);
    if (converted != nullptr) {
      detail::GCharPtr holder(converted);
      return {converted, written};
    }
  }
  return validUtf8(text);
}

struct Body {
  GMimeObject* part = nullptr;
};

struct Found {
  std::optional<Body> text;
  std::optional<Body> html;
  std::vector<GMimeObject*> attachments;
};

bool isAttachmentDisposition(GMimeObject* object) {
  const char* disposition = g_mime_object_get_disposition(object);
  return disposition != nullptr && iequals(disposition, "attachment");
}

// Collects body candidates and attachments; `limits` bounds the attachment count.
Found walk(GMimeObject* object, int depth, const PreviewLimits& limits, bool& truncated) {
  Found found;
  if (object == nullptr) return found;
  if (depth > kMaxDepth) {
    truncated = true;
    return found;
  }
  const std::string media = mediaType(object);
  if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    const bool alternative = media == "multipart/alternative";
    const int count = g_mime_multipart_get_count(multipart);
    for (int i = 0; i < count; ++i) {
      Found child = walk(g_mime_multipart_get_part(multipart, i), depth + 1, limits, truncated);
      using Slot = std::optional<Body> Found::*;
      for (const Slot slot : {&Found::text, &Found::html}) {
        std::optional<Body>& mine = found.*slot;
        std::optional<Body>& theirs = child.*slot;
        if (!theirs) continue;
        if (!mine || alternative) {
          mine = theirs;
        } else {
          found.attachments.push_back(theirs->part);  // a second body in a mixed part
        }
      }
      found.attachments.insert(found.attachments.end(), child.attachments.begin(),
                               child.attachments.end());
    }
    return found;
  }
  if (!isAttachmentDisposition(object) && GMIME_IS_TEXT_PART(object)) {
    if (media == "text/plain") {
      found.text = Body{object};
      return found;
    }
    if (media == "text/html") {
      found.html = Body{object};
      return found;
    }
  }
  found.attachments.push_back(object);
  return found;
}

GMimeMessage* parse(GMimeStream* stream) {
  GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream));
  return g_mime_parser_construct_message(parser.get(), nullptr);
}

}  // namespace

MessagePreview readPreview(std::string_view raw, const PreviewLimits& limits) {
  MessagePreview preview;
  preview.headers = readHeaders(raw, limits, preview.truncated);

  detail::ensureGMime();
  // The memory stream copies the bytes: GMime objects may outlive nothing of the caller's.
  GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GObjectPtr<GMimeMessage> message(parse(stream.get()));
  if (!message) return preview;

  Found found = walk(g_mime_message_get_mime_part(message.get()), 0, limits, preview.truncated);
  // An empty body part (a message of headers alone has one) is no body to show.
  if (found.text) {
    std::string text = textOf(found.text->part);
    preview.truncated |= truncateUtf8(text, limits.max_text);
    if (!text.empty()) preview.text = std::move(text);
  }
  if (found.html) {
    std::string html = textOf(found.html->part);
    preview.truncated |= truncateUtf8(html, limits.max_html);
    if (!html.empty()) preview.html = std::move(html);
  }
  for (GMimeObject* part : found.attachments) {
    if (preview.attachments.size() == limits.max_attachments) {
      preview.truncated = true;
      break;
    }
    preview.attachments.push_back({filenameOf(part), mediaType(part), writtenSize(part)});
  }
  return preview;
}

}  // namespace outpost::mime

// /api/v1/messages/{id}/content and /preview: what the console's message detail shows of a
// stored message — decoded headers, the text body, attachment names, and the HTML body.
// SECURITY: the message body is untrusted and its HTML may carry scripts and remote content.
// It is not cleaned: the preview answers under a sandboxing Content-Security-Policy and the
// console shows it in a sandboxed iframe, which together keep it inert.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "http/json_errors.h"
#include "http/messages_resource.h"
#include "http/router.h"
#include "io/blocking.h"
#include "mime/preview.h"

namespace outpost::http {

namespace {

// No script, no remote content, no plugins; inline styles and data: images only. The page
// may be framed only by the console itself.
constexpr const char* kPreviewPolicy =
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'";

struct Previewed {
  std::optional<mime::MessagePreview> preview;
  Response error;
};

// The preview of a message the caller may see; else the 404 (or store error) response.
boost::asio::awaitable<Previewed> loadPreview(Context& context) {
  const std::string& id = context.request.params.at(0);
  auto visible = co_await loadVisible(context, id);
  if (!visible.detail) co_return Previewed{std::nullopt, visible.error};
  // Parsing a large message takes a while: it runs on the blocking pool with the read.
  auto read = [&]() -> Result<mime::MessagePreview> {
    auto raw = context.deps.store.loadRaw(id);
    if (!raw) return raw.takeError();
    return mime::readPreview(*raw);
  };
  auto preview = co_await io::runBlocking(context.deps.blocking, read);
  if (!preview) co_return Previewed{std::nullopt, responseForError(preview.error())};
  co_return Previewed{std::move(*preview), {}};
}

std::string escapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

boost::asio::awaitable<Response> getContent(Context& context) {
  auto loaded = co_await loadPreview(context);
  if (!loaded.preview) co_return loaded.error;
  const mime::MessagePreview& preview = *loaded.preview;
  boost::json::array headers;
  for (const auto& header : preview.headers) {
    headers.push_back(boost::json::object{{"name", header.name}, {"value", header.value}});
  }
  boost::json::array attachments;
  for (const auto& attachment : preview.attachments) {
    attachments.push_back(boost::json::object{{"filename", attachment.filename},
                                              {"content_type", attachment.content_type},
                                              {"size", attachment.size}});
  }
  boost::json::object body{{"headers", std::move(headers)},
                           {"text", nullptr},
                           {"html", preview.html.has_value()},
                           {"attachments", std::move(attachments)},
                           {"truncated", preview.truncated}};
  if (preview.text) body["text"] = *preview.text;
  co_return jsonResponse(200, body);
}

boost::asio::awaitable<Response> getPreview(Context& context) {
  auto loaded = co_await loadPreview(context);
  if (!loaded.preview) co_return loaded.error;
  mime::MessagePreview& preview = *loaded.preview;
  Response response;
  response.content_type = "text/html; charset=utf-8";
  if (preview.html) {
    response.body = std::move(*preview.html);
  } else {
    response.body = R"(<!DOCTYPE html><meta charset="utf-8"><pre style="white-space: pre-wrap">)" +
                    escapeHtml(preview.text.value_or("")) + "</pre>";
  }
  response.headers.emplace_back("Content-Security-Policy", kPreviewPolicy);
  response.headers.emplace_back("X-Frame-Options", "SAMEORIGIN");
  co_return response;
}

}  // namespace

void addMessageContentRoutes(Router& router) {
  router.add("GET", "/api/v1/messages/{id}/content", &getContent);
  router.add("GET", "/api/v1/messages/{id}/preview", &getPreview);
}

}  // namespace outpost::http

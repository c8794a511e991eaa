// The web console's pages: every GET outside /api/ is answered from the embedded build
// (console_assets.h). Hashed files under /assets/ are cached for good; any other path is a
// route of the single-page console and gets index.html, with a Content-Security-Policy that
// lets nothing run or load but the console's own files.
#include "http/console_resource.h"

#include <algorithm>
#include <string>

#include "core/text.h"
#include "http/console_assets.h"
#include "http/json_errors.h"

namespace outpost::http {

namespace {

// The console needs its own scripts, styles and API, and frames only its own message previews
// (which carry their own sandboxing CSP).
constexpr std::string_view kConsolePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

bool acceptsGzip(std::string_view accept_encoding) {
  // Enough for browsers, which always list "gzip" plainly; "gzip;q=0" is treated as no.
  std::string lowered = lowercase(accept_encoding);
  auto at = lowered.find("gzip");
  if (at == std::string::npos) return false;
  auto rest = std::string_view(lowered).substr(at + 4);
  return !rest.starts_with(";q=0") || rest.starts_with(";q=0.");
}

}  // namespace

const EmbeddedFile* findConsoleAsset(std::string_view path) {
  const EmbeddedFile* end = kConsoleAssets + kConsoleAssetCount;
  const EmbeddedFile* found = std::find_if(
      kConsoleAssets, end, [&](const EmbeddedFile& file) { return path == file.path; });
  return found == end ? nullptr : found;
}

Response consoleResponse(std::string_view method, std::string_view path,
                         std::string_view accept_encoding) {
  if (method != "GET") {
    Response response = errorResponse(405, "method_not_allowed", "the console is read with GET");
    response.headers.emplace_back("Allow", "GET");
    return response;
  }
  const EmbeddedFile* file = findConsoleAsset(path);
  const bool asset = file != nullptr && path != "/index.html";
  if (file == nullptr) {
    // A missing hashed file is a 404 (an old page after an upgrade reloads); anything else is
    // one of the console's own routes.
    if (path.starts_with("/assets/")) return notFound();
    file = findConsoleAsset("/index.html");
    if (file == nullptr) return notFound();
  }
  Response response;
  response.status = 200;
  response.content_type = file->content_type;
  if (file->gzip_bytes != nullptr && acceptsGzip(accept_encoding)) {
    response.body.assign(reinterpret_cast<const char*>(file->gzip_bytes), file->gzip_size);
    response.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    response.body.assign(reinterpret_cast<const char*>(file->bytes), file->size);
  }
  response.headers.emplace_back("Vary", "Accept-Encoding");
  if (asset) {
    response.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
  } else {
    response.headers.emplace_back("Cache-Control", "no-cache");
    response.headers.emplace_back("Content-Security-Policy", std::string(kConsolePolicy));
    response.headers.emplace_back("X-Frame-Options", "DENY");
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  return response;
}

}  // namespace outpost::http

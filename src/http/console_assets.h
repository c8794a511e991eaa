// The web console's files (console/, built by Vite), embedded into the binary at build time by
// cmake/embed_console.cmake: one file to deploy, nothing fetched from the internet.
#pragma once

#include <cstddef>
#include <string_view>

namespace outpost::http {

struct EmbeddedFile {
  const char* path;          // URL path: "/index.html", "/assets/index-3f2a.js"
  const char* content_type;  // with charset for text
  const unsigned char* bytes;
  std::size_t size;
  const unsigned char* gzip_bytes;  // the same, gzip-compressed; nullptr when not worth it
  std::size_t gzip_size;
};

extern const EmbeddedFile kConsoleAssets[];
extern const std::size_t kConsoleAssetCount;

// The embedded file at `path`, or nullptr.
const EmbeddedFile* findConsoleAsset(std::string_view path);

}  // namespace outpost::http

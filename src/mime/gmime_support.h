// GMime 3 glue for the mime module (internal): one-time initialisation, owning pointers for
// GObjects and g_malloc'd strings, and RFC 2047 header decoding (RFC 2047, RFC 5322 §3.4).
// GMime objects are never shared between calls: each call builds its own, so compose() and
// prepareRaw() can run on many threads at once (GMime's charset and iconv caches are locked).
#pragma once

#include <gmime/gmime.h>

#include <memory>
#include <string>
#include <string_view>

namespace outpost::mime::detail {

// Initialises GMime exactly once, whichever thread gets here first.
void ensureGMime();

struct GObjectUnref {
  void operator()(void* object) const {
    if (object != nullptr) g_object_unref(object);
  }
};
template <class T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
  void operator()(void* memory) const { g_free(memory); }
};
using GCharPtr = std::unique_ptr<char, GFree>;

inline std::string takeString(char* owned) {
  GCharPtr holder(owned);
  return owned != nullptr ? std::string(owned) : std::string();
}

// Unfolds a header value (drops CRLF before whitespace) and trims the leading whitespace.
std::string unfoldHeaderValue(std::string_view raw_value);

// RFC 2047 decoding of unstructured text (Subject); raw 8-bit text is taken as UTF-8 or
// converted from a legacy charset by GMime.
std::string decodeHeaderText(std::string_view value);

// The address list of a From/To header, decoded for display ("Jörg <j@example.de>").
std::string decodeAddressHeader(std::string_view value);

// The domain of the first mailbox in an address header, or "" if none parses.
std::string firstMailboxDomain(std::string_view value);

}  // namespace outpost::mime::detail

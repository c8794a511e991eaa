// GMime 3 glue: one-time initialisation and RFC 2047 header decoding.
// Header values come from untrusted submissions; GMime only reads them here.
#include "mime/gmime_support.h"

#include <mutex>

#include "mime/text_util.h"

namespace outpost::mime::detail {

void ensureGMime() {
  // g_mime_init keeps a plain counter and fills global tables: it must not race with itself.
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

std::string unfoldHeaderValue(std::string_view raw_value) {
  std::string out;
  out.reserve(raw_value.size());
  for (const char c : raw_value) {
    if (c == '\r' || c == '\n') continue;  // folding: the whitespace after it stays
    out.push_back(c);
  }
  return std::string(trimWsp(out));
}

std::string decodeHeaderText(std::string_view value) {
  ensureGMime();
  const std::string text(value);
  return takeString(g_mime_utils_header_decode_text(nullptr, text.c_str()));
}

std::string decodeAddressHeader(std::string_view value) {
  ensureGMime();
  const std::string text(value);
  GObjectPtr<InternetAddressList> list(internet_address_list_parse(nullptr, text.c_str()));
  if (!list || internet_address_list_length(list.get()) == 0) return decodeHeaderText(value);
  return takeString(internet_address_list_to_string(list.get(), nullptr, FALSE));
}

std::string firstMailboxDomain(std::string_view value) {
  ensureGMime();
  const std::string text(value);
  GObjectPtr<InternetAddressList> list(internet_address_list_parse(nullptr, text.c_str()));
  if (!list) return {};
  const int count = internet_address_list_length(list.get());
  for (int i = 0; i < count; ++i) {
    InternetAddress* address = internet_address_list_get_address(list.get(), i);
    if (!INTERNET_ADDRESS_IS_MAILBOX(address)) continue;
    const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address));
    if (addr == nullptr) continue;
    const std::string_view spec(addr);
    const auto at = spec.rfind('@');
    if (at != std::string_view::npos && at + 1 < spec.size()) {
      return std::string(spec.substr(at + 1));
    }
  }
  return {};
}

}  // namespace outpost::mime::detail

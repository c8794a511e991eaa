// The DATA payload (RFC 5321 §4.5.2 transparency, §2.3.8 line endings) in one pass.
// SECURITY: the message is untrusted: bare CR and LF are turned into CRLF so that no
// "<CRLF>.<CRLF>" can be formed except the one this function appends.
#include "smtp/data_encoding.h"

namespace outpost::smtp {

std::string encodeData(std::string_view message) {
  std::string out;
  // Dot-stuffing and bare line ends rarely add more than a little; one allocation in practice.
  out.reserve(message.size() + message.size() / 64 + 8);
  const char* data = message.data();
  const std::size_t size = message.size();
  std::size_t pos = 0;
  bool line_start = true;
  while (pos < size) {
    if (line_start && data[pos] == '.') out.push_back('.');
    // Copy the run up to the next CR or LF in one append.
    std::size_t end = pos;
    while (end < size && data[end] != '\r' && data[end] != '\n') ++end;
    out.append(data + pos, end - pos);
    if (end == size) {
      line_start = (end == pos) ? line_start : false;
      pos = end;
      break;
    }
    // CRLF, bare CR and bare LF all end the line with CRLF.
    out.append("\r\n", 2);
    pos = (data[end] == '\r' && end + 1 < size && data[end + 1] == '\n') ? end + 2 : end + 1;
    line_start = true;
  }
  if (!line_start) out.append("\r\n", 2);
  out.append(".\r\n", 3);
  return out;
}

}  // namespace outpost::smtp

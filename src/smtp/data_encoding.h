// The DATA phase payload (RFC 5321 §4.5.2): dot-stuffing and the final ".".
// Input must already be CRLF-normalized (mime::normalizeLineEndings); this function refuses
// nothing but guarantees the output has no bare CR or LF, so a smuggled end-of-data
// sequence cannot be formed.
#pragma once

#include <string>
#include <string_view>

namespace outpost::smtp {

// Returns the bytes to send after "354": every line starting with "." gets another ".",
// a missing final CRLF is added, bare CR / LF become CRLF, then ".\r\n".
std::string encodeData(std::string_view message);

}  // namespace outpost::smtp

// The header block of a message as DKIM sees it (RFC 6376 §5.4.2, §6.1.3): fields split with
// their continuation lines exactly as written, the body start, and the choice of which instance
// of a field each h= name signs (bottom-up; a name listed more often than present signs nothing).
// SECURITY: the message is untrusted; malformed header blocks are reported, never guessed at.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "mailauth/dkim/canonicalization.h"

namespace outpost::mailauth::dkim {

// Error code of splitMessage (permanent).
inline constexpr std::string_view kHeaderSyntax = "dkim.header_syntax";

struct HeaderField {
  std::string_view name;  // before the colon, trailing whitespace removed
  std::string_view raw;   // the whole field with its continuation lines and final line end
};

struct SplitMessage {
  std::vector<HeaderField> fields;  // top to bottom
  std::string_view body;            // after the empty line; empty when there is none
};

// Splits a CRLF message into header fields and body (a bare LF is accepted as a line end). The
// views point into `message`. A header line without a colon, or a continuation line before the
// first field, is an error.
Result<SplitMessage> splitMessage(std::string_view message);

// For each name of h= (in order), the field it signs: the last not yet used instance of that
// name (case-insensitive), moving upwards; nullptr when none is left (the "null" field, which
// contributes nothing: this is what makes oversigning work).
std::vector<const HeaderField*> selectHeaders(const std::vector<HeaderField>& fields,
                                              const std::vector<std::string>& names);

// The header data a DKIM signature covers (§3.7): the selected fields canonicalized in h= order,
// then the DKIM-Signature field itself with b= blank (`signature_field`, as produced by
// blankSignatureValue or formatSignature) canonicalized without its final CRLF.
std::string headerHashInput(const std::vector<HeaderField>& fields,
                            const std::vector<std::string>& names,
                            Canonicalization canonicalization, std::string_view signature_field);

}  // namespace outpost::mailauth::dkim

// Parses a bounce: an RFC 3464 delivery status notification (and RFC 6533's global form), the
// non-standard bounce text of common MTAs and providers, an RFC 3834 auto-reply or an RFC 5965
// feedback report, into a BounceReport with each recipient classified (classifier.h).
// The message is untrusted: any bytes give a report (is_bounce=false for garbage), never a
// crash or an exception.
#pragma once

#include <string_view>

#include "bounce/bounce_report.h"
#include "core/result.h"

namespace outpost::bounce {

// LF or CRLF line ends. An error only when the message cannot be read as MIME at all.
Result<BounceReport> parseBounce(std::string_view raw_message);

}  // namespace outpost::bounce

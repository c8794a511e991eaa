// Protocol limits, each with the RFC minimum it honours. Configurable limits (message size,
// recipients per message) have their defaults here and their values in Config.
#pragma once

#include <cstddef>

namespace outpost::limits {

// RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets including CRLF.
inline constexpr std::size_t kMaxTextLine = 1000;
// RFC 5322 §2.1.1: at most 998 characters per line, excluding CRLF.
inline constexpr std::size_t kMaxMessageLine = 998;
// RFC 5322 §2.1.1: SHOULD be no more than 78 characters (header folding target).
inline constexpr std::size_t kRecommendedLine = 78;
// RFC 5321 §4.5.3.1.4 / .5: command line 512 octets, reply line 512 octets, including CRLF.
inline constexpr std::size_t kMaxCommandLine = 512;
inline constexpr std::size_t kMaxReplyLine = 512;
// RFC 5321 §4.5.3.1.1–.3: local-part 64, domain 255, path 256 octets.
inline constexpr std::size_t kMaxLocalPart = 64;
inline constexpr std::size_t kMaxDomain = 255;
inline constexpr std::size_t kMaxPath = 256;
// RFC 5321 §4.5.3.1.8: a server must accept at least 100 recipients per transaction.
inline constexpr std::size_t kMinRecipientsPerTransaction = 100;
// Replies longer than this (multi-line) are cut, so a hostile peer cannot exhaust memory.
inline constexpr std::size_t kMaxReplyLines = 100;

// Defaults for configurable limits (design.md).
inline constexpr std::size_t kDefaultMaxMessageBytes = std::size_t{25} * 1024 * 1024;
inline constexpr std::size_t kDefaultMaxRecipients = 1000;

}  // namespace outpost::limits

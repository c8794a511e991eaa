// Identifiers: outpost's message ids (time-ordered, URL-safe) and random tokens.
#pragma once

#include <string>

#include "core/clock.h"

namespace outpost {

// 26 characters of Crockford base32: 48 bits of milliseconds then 80 random bits, so ids
// sort by creation time (good for keyset pagination) and cannot be guessed.
std::string newMessageId(UnixMillis now);

// `bytes` random bytes from the OS CSPRNG, as lowercase Crockford base32.
std::string randomToken(std::size_t bytes);

}  // namespace outpost

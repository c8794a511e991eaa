// The server side of SMTP commands (RFC 5321 §4.1): a command line split into its verb and
// argument, and the MAIL FROM / RCPT TO paths with their ESMTP parameters (RFC 1870 SIZE, 6152
// BODY, 6531 SMTPUTF8, 3461 RET/ENVID/NOTIFY/ORCPT). Lines come from the network: untrusted.
// Address tricks that turn a submission server into a relay are refused: source routes
// ("<@a,@b:u@c>"), the percent hack ("u%c@b"), bang paths ("c!u@b") and an '@' hidden in a
// quoted local part ("\"u@c\"@b").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace outpost::smtp {

struct Command {
  std::string verb;      // upper case: "EHLO", "MAIL", "RCPT", "DATA", "BDAT", …
  std::string argument;  // the rest of the line, leading spaces removed
};

// nullopt for an empty line or a verb that is not 1–16 letters.
std::optional<Command> parseCommandLine(std::string_view line);

struct PathArgument {
  std::string address;                            // without brackets; "" for <> (MAIL only)
  std::map<std::string, std::string> parameters;  // keyword upper case → value ("" when none)
};

// "FROM:<a@b.example> SIZE=123 BODY=8BITMIME" (the argument of MAIL). The error's message is
// the reply to send, e.g. "501 5.5.4 Syntax: MAIL FROM:<address> [parameters]".
Result<PathArgument> parseMailArgument(std::string_view argument);
// "TO:<a@b.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@b.example" (the argument of RCPT);
// the null path is refused.
Result<PathArgument> parseRcptArgument(std::string_view argument);

// RFC 3461 §4 xtext ("+2B" for '+') decoded; nullopt when a '+' is not followed by two upper
// case hex digits or an octet is outside '!'..'~'.
std::optional<std::string> decodeXtext(std::string_view text);

}  // namespace outpost::smtp

#include "smtp/server_command.h"

#include <algorithm>
#include <cctype>

namespace outpost::smtp {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Error reply(std::string text) { return Error::permanentFailure("smtp.command", std::move(text)); }

// The '@' that separates local part and domain: the last one outside a quoted string.
// npos when there is none.
std::size_t domainSeparator(std::string_view address, bool& at_in_quotes) {
  bool quoted = false;
  bool escaped = false;
  std::size_t separator = std::string_view::npos;
  at_in_quotes = false;
  for (std::size_t i = 0; i < address.size(); ++i) {
    const char c = address[i];
    if (escaped) {
      escaped = false;
    } else if (quoted && c == '\\') {
      escaped = true;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == '@') {
      if (quoted) {
        at_in_quotes = true;
      } else {
        separator = i;
      }
    }
  }
  return separator;
}

Result<PathArgument> parsePath(std::string_view argument, std::string_view prefix,
                               std::string_view syntax, bool null_allowed) {
  if (argument.size() < prefix.size() || upper(argument.substr(0, prefix.size())) != prefix) {
    return reply("501 5.5.4 Syntax: " + std::string(syntax));
  }
  argument.remove_prefix(prefix.size());
  // RFC 5321 has no space after the colon; many clients send one anyway.
  while (!argument.empty() && argument.front() == ' ') argument.remove_prefix(1);
  if (argument.empty() || argument.front() != '<') {
    return reply("501 5.5.4 Syntax: " + std::string(syntax));
  }
  // The closing '>' is the first one outside a quoted local part.
  bool quoted = false;
  std::size_t close = std::string_view::npos;
  for (std::size_t i = 1; i < argument.size(); ++i) {
    if (argument[i] == '"' && argument[i - 1] != '\\') quoted = !quoted;
    if (!quoted && argument[i] == '>') {
      close = i;
      break;
    }
  }
  if (close == std::string_view::npos) return reply("501 5.5.4 Syntax: " + std::string(syntax));
  PathArgument parsed;
  parsed.address = std::string(argument.substr(1, close - 1));
  if (parsed.address.empty()) {
    if (!null_allowed) return reply("501 5.1.3 The null path <> is not a recipient");
  } else {
    if (parsed.address.front() == '@') {
      return reply("553 5.1.3 Source routes are not accepted; give the address alone");
    }
    bool at_in_quotes = false;
    const std::size_t at = domainSeparator(parsed.address, at_in_quotes);
    if (at == std::string::npos || at == 0 || at + 1 == parsed.address.size()) {
      return reply("553 5.1.3 The address must be local-part@domain");
    }
    const std::string_view local = std::string_view(parsed.address).substr(0, at);
    if (at_in_quotes || local.find_first_of("%!") != std::string_view::npos) {
      // Relay tricks: "u%c@b", "c!u@b", "\"u@c\"@b" would name another host inside the address.
      return reply("553 5.7.1 Addresses with '%', '!' or a quoted '@' are not accepted here");
    }
    if (parsed.address.find_first_of(" \t\r\n") != std::string::npos &&
        parsed.address.front() != '"') {
      return reply("553 5.1.3 The address contains spaces");
    }
  }
  std::string_view rest = argument.substr(close + 1);
  while (!rest.empty()) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty()) break;
    const std::size_t end = std::min(rest.find(' '), rest.size());
    const std::string_view parameter = rest.substr(0, end);
    rest.remove_prefix(end);
    const std::size_t equals = parameter.find('=');
    const std::string keyword = upper(parameter.substr(0, equals));
    if (keyword.empty() || !std::all_of(keyword.begin(), keyword.end(), [](unsigned char c) {
          return std::isalnum(c) || c == '-';
        })) {
      return reply("501 5.5.4 Invalid parameter \"" + std::string(parameter) + "\"");
    }
    if (parsed.parameters.count(keyword) > 0) {
      return reply("501 5.5.4 The parameter " + keyword + " is given twice");
    }
    parsed.parameters[keyword] = equals == std::string_view::npos
                                     ? std::string()
                                     : std::string(parameter.substr(equals + 1));
  }
  return parsed;
}

}  // namespace

std::optional<Command> parseCommandLine(std::string_view line) {
  const std::size_t end = std::min(line.find(' '), line.size());
  const std::string_view verb = line.substr(0, end);
  if (verb.empty() || verb.size() > 16 ||
      !std::all_of(verb.begin(), verb.end(), [](unsigned char c) { return std::isalpha(c); })) {
    return std::nullopt;
  }
  Command command;
  command.verb = upper(verb);
  std::string_view argument = line.substr(end);
  while (!argument.empty() && argument.front() == ' ') argument.remove_prefix(1);
  command.argument = std::string(argument);
  return command;
}

Result<PathArgument> parseMailArgument(std::string_view argument) {
  return parsePath(argument, "FROM:", "MAIL FROM:<address> [parameters]", true);
}

Result<PathArgument> parseRcptArgument(std::string_view argument) {
  return parsePath(argument, "TO:", "RCPT TO:<address> [parameters]", false);
}

std::optional<std::string> decodeXtext(std::string_view text) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '!' || c > '~' || c == '=') return std::nullopt;
    if (c != '+') {
      out += c;
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex(text[i + 1]);
    const int low = hex(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

}  // namespace outpost::smtp

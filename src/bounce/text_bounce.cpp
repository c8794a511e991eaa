// Non-RFC 3464 bounce text: recipients and their reply text, found by the layout most MTAs
// share (an address, then what the remote host said about it). Untrusted input: scans are
// linear and bounded by the text; no address or line length is assumed.
#include "bounce/text_bounce.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "bounce/classifier.h"
#include "bounce/field_groups.h"

namespace outpost::bounce::detail {
namespace {

struct Line {
  std::string_view text;
  std::size_t offset;
};

std::vector<Line> splitLines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back({text.substr(pos, end - pos), pos});
    pos = end + 1;
  }
  return lines;
}

bool isAddressChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (std::isalnum(u) != 0 || u >= 0x80) return true;
  return std::string_view("._%+-=!#$&*/?^`{|}~'").find(c) != std::string_view::npos;
}

// Lines that name the sender or the message rather than a recipient.
bool isHeaderNoise(std::string_view line) {
  const auto t = toLower(trim(line));
  // "For further assistance, please contact <postmaster@example.jp>"
  if (t.find("please contact <") != std::string::npos) return true;
  for (const std::string_view p :
       {"from:", "sender:", "reply-to:", "message-id:", "in-reply-to:", "references:",
        "return-path:", "envelope-from", "x-", "dkim-", "received:", "mail from", ">>> mail from",
        "original-envelope-id", "arrival-date", "date:", "subject:"}) {
    if (t.rfind(p, 0) == 0) return true;
  }
  return false;
}

bool isSystemLocalPart(std::string_view address) {
  const auto t = toLower(address);
  return t.rfind("mailer-daemon@", 0) == 0 || t.rfind("postmaster@", 0) == 0 ||
         t.rfind("double-bounce@", 0) == 0;
}

bool containsNoCase(const std::vector<std::string>& list, std::string_view value) {
  const auto v = toLower(value);
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& item) { return toLower(item) == v; });
}

// Boilerplate lines that introduce or close the report and say nothing about one recipient.
bool isBoilerplate(std::string_view line) {
  const auto t = toLower(trim(line));
  return t.rfind("-----", 0) == 0 || t.rfind("=====", 0) == 0;
}

std::string remoteHostIn(std::string_view text) {
  const auto lower = toLower(text);
  for (const std::string_view marker : {"host ", "remote host ", "server "}) {
    std::size_t at = 0;
    while ((at = lower.find(marker, at)) != std::string::npos) {
      std::size_t start = at + marker.size();
      std::size_t end = start;
      while (end < lower.size() && (std::isalnum(static_cast<unsigned char>(lower[end])) != 0 ||
                                    lower[end] == '.' || lower[end] == '-')) {
        ++end;
      }
      const auto host = std::string_view(lower).substr(start, end - start);
      if (host.find('.') != std::string_view::npos && host.back() != '.' &&
          std::isalpha(static_cast<unsigned char>(host.front())) != 0) {
        return std::string(host);
      }
      at = end;
    }
  }
  return {};
}

}  // namespace

std::string_view reportPart(std::string_view text) {
  static constexpr std::array<std::string_view, 27> kMarkers{
      "--- below this line is a copy of the message",
      "------ this is a copy of the message",
      "------ this is a copy of your message",
      "original message follows",
      "----- original message -----",
      "-----original message-----",
      "------- returned message --------",
      "------ returned message follows",
      "--- original message ---",
      "------ the header of the original message is following",
      "----- message header follows",
      "----- this is a copy of the original message",
      "----- unsent message below",
      "----- original message headers",
      "--- the header of the original message is following",
      "------- original message header",
      "content-type: message/rfc822",
      "content-type: text/rfc822-headers",
      "--- the original message headers ---",
      "original message headers:",
      "------ original message ------",
      "-------- original message ------",
      "---- the original message was received",
      "the header of the original message",
      "the following is a copy of the message",
      "below is a copy of the original message",
      "message headers follow",
  };
  const auto lower = toLower(text);
  std::size_t cut = text.size();
  for (const auto marker : kMarkers) {
    const auto at = lower.find(marker);
    if (at != std::string::npos && at < cut) cut = at;
  }
  // A bare header block (the returned message without a marker) also ends the report.
  const auto received = lower.find("\nreceived: from ");
  if (received != std::string::npos && received > 0 && received < cut) cut = received;
  const auto return_path = lower.find("\nreturn-path: <");
  if (return_path != std::string::npos && return_path < cut) cut = return_path;
  return text.substr(0, cut);
}

std::vector<std::string> addressesIn(std::string_view line) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while ((at = line.find('@', at)) != std::string_view::npos) {
    std::size_t start = at;
    while (start > 0 && isAddressChar(line[start - 1])) --start;
    std::size_t end = at + 1;
    while (end < line.size() && (std::isalnum(static_cast<unsigned char>(line[end])) != 0 ||
                                 line[end] == '.' || line[end] == '-' || line[end] == '_' ||
                                 static_cast<unsigned char>(line[end]) >= 0x80)) {
      ++end;
    }
    std::string_view local = line.substr(start, at - start);
    std::string_view domain = line.substr(at + 1, end - at - 1);
    while (!domain.empty() && (domain.back() == '.' || domain.back() == '-')) {
      domain.remove_suffix(1);
    }
    while (!local.empty() && (local.front() == '\'' || local.front() == '.')) {
      local.remove_prefix(1);
    }
    if (!local.empty() && domain.find('.') != std::string_view::npos && domain.front() != '.') {
      std::string address(local);
      address += '@';
      address += domain;
      out.push_back(std::move(address));
    }
    at = end > at ? end : at + 1;
  }
  return out;
}

std::string commandOf(std::string_view text) {
  const auto lower = toLower(text);
  struct Mention {
    std::string_view phrase;
    std::string_view command;
  };
  static constexpr std::array<Mention, 21> kMentions{{
      {"rcpt", "RCPT"},
      {"does not like recipient", "RCPT"},
      {"end of data", "DATA"},
      {"after data", "DATA"},
      {"in reply to data", "DATA"},
      {">>> data", "DATA"},
      {"didn't like the message", "DATA"},
      {"mail from", "MAIL"},
      {"didn't like sender", "MAIL"},
      {"sender address rejected", "MAIL"},
      {"ehlo", "EHLO"},
      {"helo", "HELO"},
      {"starttls", "STARTTLS"},
      {"after initial connection", "CONN"},
      {"greeting", "CONN"},
      {"connect to ", "CONN"},
      {"lost connection", "CONN"},
      {"in reply to rcpt", "RCPT"},
      {"in reply to mail", "MAIL"},
      {"after pipelined data", "DATA"},
      {"after end of", "DATA"},
  }};
  // The command named last before the error reply is the one the reply answered.
  std::size_t reply = lower.size();
  for (std::size_t i = 0; i + 3 <= lower.size(); ++i) {
    if ((lower[i] == '4' || lower[i] == '5') &&
        std::isdigit(static_cast<unsigned char>(lower[i + 1])) != 0 &&
        std::isdigit(static_cast<unsigned char>(lower[i + 2])) != 0 &&
        (i == 0 || lower[i - 1] == ' ') &&
        (i + 3 == lower.size() || lower[i + 3] == ' ' || lower[i + 3] == '-')) {
      reply = i;
      break;
    }
  }
  std::string best;
  std::size_t best_at = 0;
  std::string first;
  std::size_t first_at = std::string::npos;
  for (const auto& m : kMentions) {
    std::size_t at = lower.find(m.phrase);
    while (at != std::string::npos) {
      if (at < reply && (best.empty() || at >= best_at)) {
        best = std::string(m.command);
        best_at = at;
      }
      if (at < first_at) {
        first = std::string(m.command);
        first_at = at;
      }
      at = lower.find(m.phrase, at + 1);
    }
  }
  return best.empty() ? first : best;
}

std::string smtpCommandIn(std::string_view text) {
  // Commands are written in capitals in replies and transcripts; a lowercase "data" or "mail"
  // is prose. Single words count only standing alone, not inside "DATABASE@EXAMPLE.JP".
  static constexpr std::array<std::string_view, 13> kDetectable{
      "HELO",   "EHLO", "STARTTLS", "AUTH PLAIN", "AUTH LOGIN", "AUTH CRAM-", "AUTH DIGEST-",
      "MAIL F", "RCPT", "RCPT T",   "DATA",       "QUIT",       "XFORWARD"};
  auto is_word_char = [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) != 0 || c == '@' || c == '`' || (c >= '[' && c <= '_');
  };
  std::string found;
  for (const auto word : kDetectable) {
    std::size_t at = text.find(word);
    bool standing = false;
    while (at != std::string_view::npos) {
      if (word.find(' ') != std::string_view::npos) {
        standing = true;
        break;
      }
      const bool left_ok = at == 0 || !is_word_char(text[at - 1]);
      const std::size_t end = at + word.size();
      const bool right_ok = end >= text.size() || !is_word_char(text[end]);
      if (left_ok && right_ok) {
        standing = true;
        break;
      }
      at = text.find(word, at + 1);
    }
    if (!standing) continue;
    std::string command(word.substr(0, 4));
    if (command == "STAR") command = "STARTTLS";
    if (command == "XFOR") command = "XFORWARD";
    // The list runs in session order: the latest stage named is the one that failed.
    found = command;
  }
  return found;
}

std::vector<TextRecipient> decodeTextBounce(const TextBounceInput& input) {
  const std::string_view report = reportPart(input.text);
  const auto lines = splitLines(report);

  // Which line first names each recipient, in the order the report lists them.
  std::vector<std::string> order;
  std::vector<std::size_t> first_line;
  auto is_recipient = [&](const std::string& address) {
    if (!input.known.empty()) return containsNoCase(input.known, address);
    return !isSystemLocalPart(address) && !containsNoCase(input.not_recipients, address);
  };
  // Layouts that quote the message (its To:, Subject:) before a line introducing the failed
  // recipients: only addresses after that line are recipients.
  std::size_t first = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto t = toLower(trim(lines[i].text));
    if (t.rfind("did not reach the following recipient", 0) == 0 ||
        t.rfind("the following recipients were affected", 0) == 0) {
      first = i + 1;
      break;
    }
  }
  for (std::size_t i = first; i < lines.size(); ++i) {
    if (isHeaderNoise(lines[i].text)) continue;
    for (const auto& address : addressesIn(lines[i].text)) {
      if (!is_recipient(address) || containsNoCase(order, address)) continue;
      order.push_back(address);
      first_line.push_back(i);
    }
  }
  // A report about mail to postmaster@ or mailer-daemon@ names only such addresses.
  if (order.empty() && input.known.empty()) {
    for (std::size_t i = first; i < lines.size(); ++i) {
      if (isHeaderNoise(lines[i].text)) continue;
      for (const auto& address : addressesIn(lines[i].text)) {
        if (containsNoCase(input.not_recipients, address) || containsNoCase(order, address)) {
          continue;
        }
        order.push_back(address);
        first_line.push_back(i);
      }
    }
  }
  for (const auto& known : input.known) {
    if (!containsNoCase(order, known)) {
      order.push_back(known);
      first_line.push_back(lines.size());
    }
  }

  std::vector<TextRecipient> out;
  for (std::size_t r = 0; r < order.size(); ++r) {
    TextRecipient recipient;
    recipient.address = order[r];
    const std::size_t begin = first_line[r];
    // The recipient's block: its line and what follows, up to the next recipient's line.
    std::size_t end = lines.size();
    for (std::size_t other = 0; other < order.size(); ++other) {
      if (first_line[other] > begin && first_line[other] < end) end = first_line[other];
    }
    // Reports that list the recipients twice (in two languages, say): a later line naming
    // another recipient ends this one's block too.
    if (order.size() > 1) {
      for (std::size_t i = begin + 1; i < end; ++i) {
        const auto named = addressesIn(lines[i].text);
        const bool other = std::any_of(named.begin(), named.end(), [&](const std::string& a) {
          return containsNoCase(order, a) && toLower(a) != toLower(recipient.address);
        });
        if (other && !isHeaderNoise(lines[i].text)) {
          end = i;
          break;
        }
      }
    }
    std::string block;
    bool seen_text = false;
    // "user@example.com: reason" on one line: the paragraph it opens is that recipient's.
    const bool reason_on_line =
        begin < lines.size() && trim(lines[begin].text).rfind(recipient.address + ":", 0) == 0;
    for (std::size_t i = begin; i < end; ++i) {
      const auto t = trim(lines[i].text);
      if (t.empty() && reason_on_line && i > begin) break;
      if (t.empty()) {
        seen_text = seen_text || i > begin;
        block += '\n';
        continue;
      }
      if (isBoilerplate(t) || isHeaderNoise(t)) continue;
      block += std::string(t);
      block += '\n';
    }
    // Sendmail's "554 <user@example.org>... Remote protocol error": the remote host's reply
    // is the transcript just above (">>> MAIL From:<...>" / "<<< 550 ..."), not what follows.
    if (begin > 0 && begin < lines.size() &&
        toLower(lines[begin].text).find("... remote protocol error") != std::string::npos) {
      // Host-level lines ("421 example.org (smtp)... Deferred: ...") may come between.
      std::string transcript;
      for (std::size_t i = begin; i > 0; --i) {
        const auto t = trim(lines[i - 1].text);
        if (t.find(" (smtp)... ") != std::string_view::npos) continue;
        if (t.rfind("<<<", 0) != 0 && t.rfind(">>>", 0) != 0) break;
        transcript.insert(0, std::string(t) + "\n");
      }
      if (!transcript.empty()) block = transcript + std::string(trim(lines[begin].text)) + "\n";
    }
    // A report that gives the reason before the address list (or no list at all): the reason
    // is then in the whole report.
    std::string without_address = toLower(block);
    for (auto at = without_address.find(toLower(recipient.address)); at != std::string::npos;
         at = without_address.find(toLower(recipient.address))) {
      without_address.erase(at, recipient.address.size());
    }
    if ((without_address.find_first_of("0123456789") == std::string::npos && !reason_on_line) ||
        begin >= lines.size()) {
      block = std::string(report);
    }
    // The reason stated before the line that introduces the recipients ("Could not be delivered
    // because of 550 5.1.1 User unknown / The following recipients were affected:").
    if (first > 0 && begin < lines.size() && findEnhancedStatus(block).empty() &&
        findReplyCode(block).empty()) {
      const auto before = report.substr(0, lines[first - 1].offset);
      if (!findReplyCode(before).empty() || !findEnhancedStatus(before).empty()) {
        block = std::string(before) + "\n" + block;
      }
    }
    recipient.diagnostic = squeeze(block);
    recipient.command = smtpCommandIn(block);
    if (recipient.command.empty()) recipient.command = commandOf(block);
    recipient.remote_mta = remoteHostIn(block);
    out.push_back(std::move(recipient));
  }
  return out;
}

}  // namespace outpost::bounce::detail

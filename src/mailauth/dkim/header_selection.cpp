// Header block splitting and h= field selection (RFC 6376 §5.4.2), shared by signer and verifier.
// SECURITY: the message is untrusted; only views into it are produced, every index is checked.
#include "mailauth/dkim/header_selection.h"

#include "core/text.h"

namespace outpost::mailauth::dkim {

Result<SplitMessage> splitMessage(std::string_view message) {
  SplitMessage split;
  std::size_t pos = 0;
  while (pos < message.size()) {
    const std::size_t newline = message.find('\n', pos);
    const std::size_t line_end = newline == std::string_view::npos ? message.size() : newline + 1;
    const std::string_view line = message.substr(pos, line_end - pos);
    if (line == "\r\n" || line == "\n") {
      split.body = message.substr(line_end);
      return split;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (split.fields.empty()) {
        return Error::permanentFailure(std::string(kHeaderSyntax),
                                       "the message starts with a continuation line (a line "
                                       "beginning with whitespace) instead of a header field");
      }
      HeaderField& last = split.fields.back();
      last.raw = std::string_view(last.raw.data(), last.raw.size() + line.size());
    } else {
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        std::string_view shown = line.substr(0, 60);
        while (!shown.empty() && (shown.back() == '\r' || shown.back() == '\n')) {
          shown.remove_suffix(1);
        }
        return Error::permanentFailure(std::string(kHeaderSyntax),
                                       "header line \"" + std::string(shown) +
                                           "\" has no ':'; is the empty line between "
                                           "header and body missing?");
      }
      std::string_view name = line.substr(0, colon);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      split.fields.push_back(HeaderField{name, line});
    }
    pos = line_end;
  }
  return split;  // header only: the body is empty
}

std::vector<const HeaderField*> selectHeaders(const std::vector<HeaderField>& fields,
                                              const std::vector<std::string>& names) {
  std::vector<const HeaderField*> selected;
  selected.reserve(names.size());
  std::vector<bool> used(fields.size(), false);
  for (const std::string& name : names) {
    const HeaderField* found = nullptr;
    for (std::size_t i = fields.size(); i-- > 0;) {
      if (!used[i] && equalsIgnoreCase(fields[i].name, name)) {
        used[i] = true;
        found = &fields[i];
        break;
      }
    }
    selected.push_back(found);
  }
  return selected;
}

std::string headerHashInput(const std::vector<HeaderField>& fields,
                            const std::vector<std::string>& names,
                            Canonicalization canonicalization, std::string_view signature_field) {
  std::string input;
  for (const HeaderField* field : selectHeaders(fields, names)) {
    if (field == nullptr) continue;
    std::string_view raw = field->raw;
    canonicalizeHeader(canonicalization, raw, input);
    // A last field without a line end (header-only message) is signed as if it had one.
    if (!input.ends_with("\r\n")) {
      if (input.ends_with('\n') || input.ends_with('\r')) input.pop_back();
      input.append("\r\n");
    }
  }
  std::string own = canonicalizeHeader(canonicalization, signature_field);
  while (own.ends_with('\n') || own.ends_with('\r')) own.pop_back();
  input.append(own);
  return input;
}

}  // namespace outpost::mailauth::dkim

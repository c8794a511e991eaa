// The Public Suffix List (https://publicsuffix.org/list/), which RFC 7489 §3.2 uses to find a
// domain's organizational domain: rules, wildcards ("*.ck"), exceptions ("!www.ck"), and the
// ICANN and private sections. outpost uses both sections, as OpenDMARC and mail-auth do: a
// private-section suffix (github.io, blogspot.com) is where unrelated owners register names,
// and a policy of one of them must not cover another's (RFC 7489 §3.2 asks for the name "a
// Domain Owner" registered, whoever the registry is).
// SECURITY: the list file is trusted (it is a system file); names looked up are not.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace outpost::mailauth::dmarc {

// Where Debian's `publicsuffix` package installs the list.
inline constexpr std::string_view kSystemPublicSuffixList =
    "/usr/share/publicsuffix/public_suffix_list.dat";

class PublicSuffixList {
 public:
  enum class Section { kIcann, kPrivate };

  // What a name's public suffix is, and which rule said so.
  struct Match {
    std::string suffix;  // "co.uk"; the name's last label when no rule matched
    std::string rule;    // the rule as written ("*.ck", "!www.ck"); "*" for the default rule
    std::optional<Section> section;  // empty for the default rule
  };

  // Parses the list's text (UTF-8; rules with non-ASCII labels also match their A-label form).
  // With `include_private` false, the private section is skipped.
  explicit PublicSuffixList(std::string_view text, bool include_private = true);

  // The list from kSystemPublicSuffixList, read once on first use (thread-safe). When the file
  // cannot be read the list is empty (every name's suffix is its last label) and loadError()
  // says why.
  static const PublicSuffixList& system();

  // The public suffix of `name` (any case, trailing dot allowed), by the list's algorithm:
  // an exception rule wins, else the matching rule with the most labels, else "*".
  Match publicSuffix(std::string_view name) const;

  // The organizational domain (RFC 7489 §3.2): the public suffix plus one label; empty when the
  // name is itself a public suffix (or empty).
  std::optional<std::string> organizationalDomain(std::string_view name) const;

  std::size_t ruleCount() const { return count_; }
  const std::string& loadError() const { return load_error_; }

 private:
  PublicSuffixList() = default;

  enum class Kind { kNormal, kWildcard, kException };
  struct Rule {
    Kind kind = Kind::kNormal;
    Section section = Section::kIcann;
    std::string text;  // as written
  };
  void add(std::string_view rule, Section section);

  // Keyed by the rule's name without "!" or "*.", and by the kind (a name can have several).
  std::unordered_map<std::string, Rule> normal_;
  std::unordered_map<std::string, Rule> wildcard_;
  std::unordered_map<std::string, Rule> exception_;
  std::size_t count_ = 0;
  std::string load_error_;
};

// Lowercase ASCII, without a trailing dot: the form names are compared in.
std::string canonicalName(std::string_view name);

// The A-label ("xn--...") form of a UTF-8 name (RFC 3492 Punycode, label by label); ASCII labels
// are kept; empty when the text is not valid UTF-8.
std::string toAsciiName(std::string_view name);

}  // namespace outpost::mailauth::dmarc

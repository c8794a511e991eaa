// Public Suffix List matching (https://github.com/publicsuffix/list/wiki/Format) for RFC 7489
// §3.2 organizational domains, and RFC 3492 Punycode so that IDN rules match A-labels.
#include "mailauth/dmarc/public_suffix.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <vector>

namespace outpost::mailauth::dmarc {

namespace {

std::vector<std::string_view> labelsOf(std::string_view name) {
  std::vector<std::string_view> labels;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t dot = name.find('.', start);
    const std::size_t end = dot == std::string_view::npos ? name.size() : dot;
    labels.push_back(name.substr(start, end - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return labels;
}

// The last `count` labels of `labels`, joined.
std::string lastLabels(const std::vector<std::string_view>& labels, std::size_t count) {
  std::string out;
  for (std::size_t i = labels.size() - count; i < labels.size(); ++i) {
    if (!out.empty()) out += '.';
    out += labels[i];
  }
  return out;
}

// Decodes UTF-8 to code points; false on malformed input.
bool decodeUtf8(std::string_view text, std::vector<char32_t>& out) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    int extra = 0;
    char32_t point = 0;
    if (c < 0x80) {
      point = c;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      point = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      point = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      point = c & 0x07;
    } else {
      return false;
    }
    for (int k = 1; k <= extra; ++k) {
      if (i + k >= text.size()) return false;
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      point = (point << 6) | (next & 0x3f);
    }
    out.push_back(point);
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

// RFC 3492 §6.3 encoding of one label's code points.
std::string punycode(const std::vector<char32_t>& input) {
  constexpr std::uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700;
  const auto digit = [](std::uint32_t d) {
    return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26));
  };
  const auto adapt = [&](std::uint32_t delta, std::uint32_t points, bool first) {
    delta = first ? delta / kDamp : delta / 2;
    delta += delta / points;
    std::uint32_t k = 0;
    while (delta > ((kBase - kTmin) * kTmax) / 2) {
      delta /= kBase - kTmin;
      k += kBase;
    }
    return k + (((kBase - kTmin + 1) * delta) / (delta + kSkew));
  };
  std::string out;
  for (char32_t c : input) {
    if (c < 0x80) out.push_back(static_cast<char>(c));
  }
  const auto basic = static_cast<std::uint32_t>(out.size());
  std::uint32_t handled = basic;
  if (basic > 0) out.push_back('-');
  std::uint32_t n = 128, delta = 0, bias = 72;
  while (handled < input.size()) {
    std::uint32_t m = UINT32_MAX;
    for (char32_t c : input) {
      if (c >= n && c < m) m = c;
    }
    delta += (m - n) * (handled + 1);
    n = m;
    for (char32_t c : input) {
      if (c < n) ++delta;
      if (c != n) continue;
      std::uint32_t q = delta;
      for (std::uint32_t k = kBase;; k += kBase) {
        const std::uint32_t t = k <= bias ? kTmin : (k >= bias + kTmax ? kTmax : k - bias);
        if (q < t) break;
        out.push_back(digit(t + (q - t) % (kBase - t)));
        q = (q - t) / (kBase - t);
      }
      out.push_back(digit(q));
      bias = adapt(delta, handled + 1, handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return out;
}

}  // namespace

std::string canonicalName(std::string_view name) {
  std::string out(name);
  while (!out.empty() && out.back() == '.') out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

std::string toAsciiName(std::string_view name) {
  std::string out;
  for (std::string_view label : labelsOf(name)) {
    if (!out.empty()) out += '.';
    const bool ascii = std::all_of(label.begin(), label.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) {
      out += label;
      continue;
    }
    std::vector<char32_t> points;
    if (!decodeUtf8(label, points)) return {};
    out += "xn--" + punycode(points);
  }
  return out;
}

PublicSuffixList::PublicSuffixList(std::string_view text, bool include_private) {
  Section section = Section::kIcann;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("//")) {
      if (line.find("===BEGIN PRIVATE DOMAINS===") != std::string_view::npos) {
        section = Section::kPrivate;
      } else if (line.find("===BEGIN ICANN DOMAINS===") != std::string_view::npos) {
        section = Section::kIcann;
      }
      continue;
    }
    // A rule is the line up to the first whitespace.
    const std::size_t space = line.find_first_of(" \t\r");
    line = line.substr(0, space);
    if (line.empty()) continue;
    if (section == Section::kPrivate && !include_private) continue;
    add(line, section);
  }
}

void PublicSuffixList::add(std::string_view rule, Section section) {
  Kind kind = Kind::kNormal;
  std::string_view name = rule;
  if (name.starts_with("!")) {
    kind = Kind::kException;
    name.remove_prefix(1);
  } else if (name.starts_with("*.")) {
    kind = Kind::kWildcard;
    name.remove_prefix(2);
  }
  auto& table = kind == Kind::kNormal ? normal_ : kind == Kind::kWildcard ? wildcard_ : exception_;
  const Rule entry{kind, section, std::string(rule)};
  const std::string key = canonicalName(name);
  if (table.emplace(key, entry).second) ++count_;
  if (std::string ascii = toAsciiName(key); !ascii.empty() && ascii != key) {
    table.emplace(ascii, entry);
  }
}

const PublicSuffixList& PublicSuffixList::system() {
  static const PublicSuffixList list = [] {
    std::ifstream file{std::string(kSystemPublicSuffixList)};
    if (!file) {
      PublicSuffixList empty;
      empty.load_error_ = "cannot read " + std::string(kSystemPublicSuffixList) +
                          " (install Debian's publicsuffix package)";
      return empty;
    }
    std::ostringstream text;
    text << file.rdbuf();
    return PublicSuffixList(text.str());
  }();
  return list;
}

PublicSuffixList::Match PublicSuffixList::publicSuffix(std::string_view name) const {
  const std::string canonical = canonicalName(name);
  const auto labels = labelsOf(canonical);
  Match best{lastLabels(labels, 1), "*", std::nullopt};
  std::size_t best_labels = 1;
  for (std::size_t count = 1; count <= labels.size(); ++count) {
    const std::string candidate = lastLabels(labels, count);
    if (auto it = exception_.find(candidate); it != exception_.end()) {
      // An exception names a registrable domain: its suffix is one label shorter, and it beats
      // every other rule.
      return Match{lastLabels(labels, count - 1), it->second.text, it->second.section};
    }
    if (auto it = normal_.find(candidate); it != normal_.end() && count >= best_labels) {
      best = Match{candidate, it->second.text, it->second.section};
      best_labels = count;
    }
    if (count + 1 <= labels.size()) {
      if (auto it = wildcard_.find(candidate); it != wildcard_.end() && count + 1 >= best_labels) {
        best = Match{lastLabels(labels, count + 1), it->second.text, it->second.section};
        best_labels = count + 1;
      }
    }
  }
  // An exception deeper than the longest match still wins (checked above for every length).
  return best;
}

std::optional<std::string> PublicSuffixList::organizationalDomain(std::string_view name) const {
  const std::string canonical = canonicalName(name);
  if (canonical.empty()) return std::nullopt;
  const auto labels = labelsOf(canonical);
  if (std::any_of(labels.begin(), labels.end(), [](std::string_view l) { return l.empty(); })) {
    return std::nullopt;
  }
  const Match match = publicSuffix(canonical);
  const std::size_t suffix_labels = match.suffix.empty() ? 0 : labelsOf(match.suffix).size();
  if (labels.size() <= suffix_labels) return std::nullopt;
  return lastLabels(labels, suffix_labels + 1);
}

}  // namespace outpost::mailauth::dmarc

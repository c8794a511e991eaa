// DMARC record parsing (RFC 7489 §6.3 tags, §6.4 ABNF). The text is untrusted DNS data: every
// value is checked before use, numbers are range-checked, nothing is trusted to be ASCII.
#include "mailauth/dmarc/record.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

namespace outpost::mailauth::dmarc {

namespace {

bool isWsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && isWsp(text.front())) text.remove_prefix(1);
  while (!text.empty() && isWsp(text.back())) text.remove_suffix(1);
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

bool allDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<Disposition> readDisposition(std::string_view value) {
  const std::string word = lower(value);
  if (word == "none") return Disposition::kNone;
  if (word == "quarantine") return Disposition::kQuarantine;
  if (word == "reject") return Disposition::kReject;
  return std::nullopt;
}

std::optional<AlignmentMode> readMode(std::string_view value) {
  const std::string word = lower(value);
  if (word == "r") return AlignmentMode::kRelaxed;
  if (word == "s") return AlignmentMode::kStrict;
  return std::nullopt;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 §2.1; nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> percentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hexValue(text[i + 1]);
    const int low = hexValue(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

bool validScheme(std::string_view scheme) {
  if (scheme.empty() || !std::isalpha(static_cast<unsigned char>(scheme.front()))) return false;
  return std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  });
}

// A URI character (RFC 3986 §2: unreserved, reserved, '%'); no spaces or controls.
bool validUriChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  return std::string_view("\"<>\\^`{|}").find(c) == std::string_view::npos;
}

std::string sizeText(std::uint64_t bytes) {
  static constexpr std::pair<char, std::uint64_t> kUnits[] = {
      {'t', std::uint64_t{1} << 40}, {'g', 1U << 30}, {'m', 1U << 20}, {'k', 1U << 10}};
  for (const auto& [unit, factor] : kUnits) {
    if (bytes % factor == 0) return std::to_string(bytes / factor) + unit;
  }
  return std::to_string(bytes);
}

std::string formatUris(const std::vector<ReportUri>& uris) {
  std::string out;
  for (const auto& uri : uris) {
    if (!out.empty()) out += ',';
    out += uri.uri;
    if (uri.max_size_bytes != 0) out += "!" + sizeText(uri.max_size_bytes);
  }
  return out;
}

constexpr std::string_view kKnownTags[] = {"v",   "p",   "sp", "adkim", "aspf", "pct",
                                           "rua", "ruf", "fo", "rf",    "ri"};

}  // namespace

std::string_view dispositionName(Disposition disposition) {
  switch (disposition) {
    case Disposition::kNone:
      return "none";
    case Disposition::kQuarantine:
      return "quarantine";
    case Disposition::kReject:
      return "reject";
  }
  return "none";
}

std::string_view alignmentModeTag(AlignmentMode mode) {
  return mode == AlignmentMode::kStrict ? "s" : "r";
}

std::string_view alignmentModeName(AlignmentMode mode) {
  return mode == AlignmentMode::kStrict ? "strict" : "relaxed";
}

std::string ReportUri::domain() const {
  const std::size_t at = address.rfind('@');
  if (at == std::string::npos) return {};
  std::string out = lower(address.substr(at + 1));
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

bool DmarcRecord::has(std::string_view tag) const {
  return std::any_of(tags.begin(), tags.end(),
                     [&](const auto& entry) { return entry.first == tag; });
}

bool isDmarcRecord(std::string_view text) {
  text = trim(text);
  const std::size_t end = text.find(';');
  const std::string_view first = trim(text.substr(0, end));
  const std::size_t equals = first.find('=');
  if (equals == std::string_view::npos) return false;
  // The tag name is case-insensitive (ABNF strings are), "DMARC1" is exact (%x44 %x4d ...).
  return lower(trim(first.substr(0, equals))) == "v" && trim(first.substr(equals + 1)) == "DMARC1";
}

UriParse parseReportUri(std::string_view text) {
  text = trim(text);
  UriParse result;
  if (text.empty()) {
    result.error = "an empty URI";
    return result;
  }
  ReportUri uri;
  // §6.2: '!' inside a URI must be percent-encoded, so the first one starts the size limit.
  const std::size_t bang = text.find('!');
  std::string_view body = trim(text.substr(0, bang));
  if (bang != std::string_view::npos) {
    // Whitespace inside the limit ("10 k") is tolerated, as mail-auth does.
    std::string size;
    for (char c : text.substr(bang + 1)) {
      if (!isWsp(c)) size.push_back(c);
    }
    std::uint64_t factor = 1;
    if (!size.empty() && !std::isdigit(static_cast<unsigned char>(size.back()))) {
      switch (std::tolower(static_cast<unsigned char>(size.back()))) {
        case 'k':
          factor = std::uint64_t{1} << 10;
          break;
        case 'm':
          factor = std::uint64_t{1} << 20;
          break;
        case 'g':
          factor = std::uint64_t{1} << 30;
          break;
        case 't':
          factor = std::uint64_t{1} << 40;
          break;
        default:
          result.error = "\"" + std::string(text) +
                         "\": the size limit after '!' must be digits and an optional k, m, g "
                         "or t";
          return result;
      }
      size.pop_back();
    }
    std::uint64_t number = 0;
    const auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), number);
    if (!allDigits(size) || ec != std::errc() || end != size.data() + size.size() ||
        number > std::numeric_limits<std::uint64_t>::max() / factor) {
      result.error = "\"" + std::string(text) +
                     "\": the size limit after '!' must be digits and an optional k, m, g or t";
      return result;
    }
    uri.max_size_bytes = number * factor;
  }
  const std::size_t colon = body.find(':');
  if (colon == std::string_view::npos || !validScheme(body.substr(0, colon))) {
    result.error = "\"" + std::string(body) + "\" is not a URI (it needs a scheme, e.g. mailto:)";
    return result;
  }
  if (!std::all_of(body.begin(), body.end(), validUriChar)) {
    result.error = "\"" + std::string(body) + "\" has characters a URI may not have";
    return result;
  }
  uri.uri = std::string(body);
  uri.scheme = lower(body.substr(0, colon));
  if (uri.scheme == "mailto") {
    std::string_view rest = body.substr(colon + 1);
    rest = rest.substr(0, rest.find('?'));
    auto address = percentDecode(rest);
    const std::size_t at = address ? address->rfind('@') : std::string::npos;
    if (!address || at == std::string::npos || at == 0 || at + 1 == address->size() ||
        address->find(',') != std::string::npos) {
      result.error = "\"" + std::string(body) + "\" is not a mailto: URI with one address";
      return result;
    }
    uri.address = std::move(*address);
  }
  result.uri = std::move(uri);
  return result;
}

ParsedRecord parseRecord(std::string_view text) {
  ParsedRecord parsed;
  DmarcRecord& record = parsed.record;
  auto& errors = parsed.errors;
  bool version_ok = false;
  bool first = true;
  std::optional<Disposition> p;
  std::optional<Disposition> sp;
  bool sp_invalid = false;
  bool rua_valid = false;

  for (std::string_view spec : split(text, ';')) {
    spec = trim(spec);
    if (spec.empty()) continue;  // "v=DMARC1;;p=none" and a final ';' are tolerated
    const std::size_t equals = spec.find('=');
    if (equals == std::string_view::npos) {
      errors.push_back({std::string(spec), "\"" + std::string(spec) + "\" is not tag=value"});
      first = false;
      continue;
    }
    const std::string name = lower(trim(spec.substr(0, equals)));
    const std::string_view value = trim(spec.substr(equals + 1));
    if (first) {
      first = false;
      if (name == "v" && value == "DMARC1") {
        version_ok = true;
        record.tags.emplace_back(name, std::string(value));
        continue;
      }
      errors.push_back({"v", "a DMARC record must start with v=DMARC1 (it starts with \"" +
                                 std::string(spec) + "\")"});
      if (name == "v") continue;
    } else if (name == "v") {
      errors.push_back({"v", "v= must be the first tag and only there"});
      continue;
    }
    if (record.has(name)) {
      errors.push_back({name, name + "= is given more than once; the first one is used"});
      continue;
    }
    record.tags.emplace_back(name, std::string(value));

    if (name == "p" || name == "sp") {
      auto disposition = readDisposition(value);
      if (!disposition) {
        errors.push_back(
            {name, name + "=" + std::string(value) + " is not none, quarantine or reject"});
        if (name == "sp") sp_invalid = true;
      } else if (name == "p") {
        p = disposition;
      } else {
        sp = disposition;
      }
    } else if (name == "adkim" || name == "aspf") {
      auto mode = readMode(value);
      if (!mode) {
        errors.push_back({name, name + "=" + std::string(value) +
                                    " is not r (relaxed) or s (strict); r is used"});
      } else if (name == "adkim") {
        record.adkim = *mode;
      } else {
        record.aspf = *mode;
      }
    } else if (name == "pct") {
      int number = -1;
      if (allDigits(value) && value.size() <= 3) {
        std::from_chars(value.data(), value.data() + value.size(), number);
      }
      if (number < 0 || number > 100) {
        errors.push_back({name, "pct=" + std::string(value) +
                                    " is not a whole number from 0 to 100; 100 is used"});
      } else {
        record.pct = number;
      }
    } else if (name == "rua" || name == "ruf") {
      auto& uris = name == "rua" ? record.rua : record.ruf;
      for (std::string_view item : split(value, ',')) {
        auto uri = parseReportUri(item);
        if (!uri.uri) {
          errors.push_back({name, name + ": " + uri.error});
          continue;
        }
        uris.push_back(std::move(*uri.uri));
      }
      if (name == "rua" && !uris.empty()) rua_valid = true;
    } else if (name == "fo") {
      bool ok = true;
      for (std::string_view option : split(value, ':')) {
        const std::string word = lower(trim(option));
        ok = ok && (word == "0" || word == "1" || word == "d" || word == "s");
      }
      if (!ok) {
        errors.push_back({name, "fo=" + std::string(value) +
                                    " must be options 0, 1, d or s separated by ':'; 0 is used"});
      } else {
        std::string written;
        for (std::string_view option : split(value, ':')) {
          if (!written.empty()) written += ':';
          written += lower(trim(option));
        }
        record.fo = written;
      }
    } else if (name == "rf") {
      bool ok = true;
      std::string written;
      for (std::string_view format : split(value, ':')) {
        const std::string word = lower(trim(format));
        ok = ok && word == "afrf";
        if (!written.empty()) written += ':';
        written += word;
      }
      if (!ok) {
        errors.push_back({name, "rf=" + std::string(value) +
                                    " names a report format other than afrf; afrf is used"});
      } else {
        record.rf = written;
      }
    } else if (name == "ri") {
      std::uint32_t number = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
      if (!allDigits(value) || ec != std::errc() || end != value.data() + value.size()) {
        errors.push_back(
            {name, "ri=" + std::string(value) +
                       " is not a number of seconds (up to 4294967295); 86400 is used"});
      } else {
        record.ri = number;
      }
    } else if (std::find(std::begin(kKnownTags), std::end(kKnownTags), name) ==
               std::end(kKnownTags)) {
      record.unknown_tags.push_back(name);
    }
  }

  if (first) errors.push_back({"v", "the record is empty; it must start with v=DMARC1"});
  if (!p && !record.has("p")) {
    errors.push_back({"p", "p= is missing; it is required (none, quarantine or reject)"});
  }
  // §6.6.3 step 6: a record without a valid p, or with an invalid sp, counts as p=none when
  // its rua has a valid URI, and is not applied at all otherwise.
  if (p) record.p = *p;
  if (sp) record.sp = *sp;
  if (!p || sp_invalid) {
    if (rua_valid) {
      record.p_assumed = true;
      record.p = Disposition::kNone;
      record.sp = Disposition::kNone;
      record.sp_given = false;
      parsed.usable = version_ok;
    }
    return parsed;
  }
  record.p = *p;
  record.sp = sp.value_or(*p);
  record.sp_given = sp.has_value();
  parsed.usable = version_ok;
  return parsed;
}

std::string formatRecord(const DmarcRecord& record) {
  std::string out = "v=DMARC1; p=" + std::string(dispositionName(record.p));
  if (record.sp_given) out += "; sp=" + std::string(dispositionName(record.sp));
  if (record.adkim == AlignmentMode::kStrict) out += "; adkim=s";
  if (record.aspf == AlignmentMode::kStrict) out += "; aspf=s";
  if (record.pct != 100) out += "; pct=" + std::to_string(record.pct);
  if (!record.rua.empty()) out += "; rua=" + formatUris(record.rua);
  if (!record.ruf.empty()) out += "; ruf=" + formatUris(record.ruf);
  if (record.fo != "0") out += "; fo=" + record.fo;
  if (record.rf != "afrf") out += "; rf=" + record.rf;
  if (record.ri != 86400) out += "; ri=" + std::to_string(record.ri);
  return out;
}

}  // namespace outpost::mailauth::dmarc

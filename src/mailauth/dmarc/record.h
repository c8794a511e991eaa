// DMARC policy records (RFC 7489 §6.3, §6.4): the tag list published at _dmarc.<domain>, parsed
// with every tag error reported and the §6.3 defaults applied. The DMARCbis draft tags (np, psd,
// t) are not RFC 7489's: they are listed as unknown tags, as RFC 7489 §6.3 says to.
// SECURITY: the text comes from DNS and is untrusted; sizes and numbers are range-checked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::mailauth::dmarc {

// The policy a Domain Owner asks receivers to apply to mail that fails DMARC (§6.3 "p").
enum class Disposition { kNone, kQuarantine, kReject };
// "none", "quarantine", "reject".
std::string_view dispositionName(Disposition disposition);

// Identifier alignment mode (§3.1): relaxed (same organizational domain) or strict (equal).
enum class AlignmentMode { kRelaxed, kStrict };
// "r", "s".
std::string_view alignmentModeTag(AlignmentMode mode);
// "relaxed", "strict".
std::string_view alignmentModeName(AlignmentMode mode);

// One URI of rua or ruf (§6.4 dmarc-uri: a URI and an optional "!" size limit).
struct ReportUri {
  std::string uri;                   // as written, without the size limit
  std::string scheme;                // lowercase: "mailto", "https", ...
  std::string address;               // for mailto: the address, percent-decoded; "" otherwise
  std::uint64_t max_size_bytes = 0;  // 0 = no limit; k/m/g/t are powers of 1024

  // The domain of a mailto address (lowercase), "" otherwise.
  std::string domain() const;
};

// A tag that could not be used, and why (a sentence).
struct TagError {
  std::string tag;
  std::string message;
};

struct DmarcRecord {
  Disposition p = Disposition::kNone;
  // p was missing or invalid and rua valid: §6.6.3 step 6 says to act as if p=none.
  bool p_assumed = false;
  Disposition sp = Disposition::kNone;  // defaults to p
  bool sp_given = false;
  AlignmentMode adkim = AlignmentMode::kRelaxed;
  AlignmentMode aspf = AlignmentMode::kRelaxed;
  int pct = 100;
  std::vector<ReportUri> rua;
  std::vector<ReportUri> ruf;
  std::string fo = "0";     // as written (colon-separated 0, 1, d, s)
  std::string rf = "afrf";  // lowercase
  std::uint32_t ri = 86400;
  // The tags the record sets, in their order, name lowercase, value as written (trimmed).
  std::vector<std::pair<std::string, std::string>> tags;
  // Tags RFC 7489 does not define (lowercase), which receivers ignore.
  std::vector<std::string> unknown_tags;

  // Whether the record sets `tag` itself (rather than leaving it to its default).
  bool has(std::string_view tag) const;
};

struct ParsedRecord {
  DmarcRecord record;
  std::vector<TagError> errors;
  // Receivers apply it (§6.6.3): it starts with v=DMARC1 and has a valid p (or no valid p but a
  // valid rua, then p=none is assumed) and no invalid sp.
  bool usable = false;
};

// Whether a TXT record is a DMARC record: its first tag is v=DMARC1 (§6.6.3 step 5 discards
// the others).
bool isDmarcRecord(std::string_view text);

// Parses a record; never fails: what cannot be used is in `errors`, defaults take its place
// (§6.3: "syntax errors in the remainder of the record SHOULD be discarded in favor of default
// values").
ParsedRecord parseRecord(std::string_view text);

// Parses one dmarc-uri ("mailto:a@example.com!10m"); an error sentence when it is not one.
struct UriParse {
  std::optional<ReportUri> uri;
  std::string error;
};
UriParse parseReportUri(std::string_view text);

// The record as text, tags in RFC order, defaults left out ("v=DMARC1; p=none; rua=...").
std::string formatRecord(const DmarcRecord& record);

}  // namespace outpost::mailauth::dmarc

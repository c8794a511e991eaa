// Provider rules: the error codes and phrases mailbox providers document for their own
// rejections, keyed by the provider's host names (after sisimai's Rhost modules and the
// providers' postmaster pages). SECURITY: the diagnostic is untrusted; labels are read by
// bounded scans, never by position arithmetic that could leave the text.
#include "bounce/provider_rules.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <utility>

#include "bounce/field_groups.h"

namespace outpost::bounce::detail {
namespace {

struct ReasonPhrases {
  std::string_view reason;
  std::initializer_list<std::string_view> phrases;  // lowercase
};

struct CodeReason {
  std::string_view code;
  std::string_view reason;
};

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// The first table entry with a phrase in the (lowercase) text.
std::string byPhrase(std::string_view lower, std::initializer_list<ReasonPhrases> table) {
  for (const auto& entry : table) {
    for (const auto phrase : entry.phrases) {
      if (lower.find(phrase) != std::string_view::npos) return std::string(entry.reason);
    }
  }
  return {};
}

template <std::size_t N>
std::string byCode(std::string_view code, const std::array<CodeReason, N>& table) {
  for (const auto& entry : table) {
    if (entry.code == code) return std::string(entry.reason);
  }
  return {};
}

// The token after `marker` up to the next space ("" if the marker is absent).
std::string tokenAfter(std::string_view text, std::string_view marker) {
  const auto at = text.find(marker);
  if (at == std::string_view::npos) return {};
  const auto start = at + marker.size();
  auto end = text.find_first_of(" \t\n", start);
  if (end == std::string_view::npos) end = text.size();
  return std::string(text.substr(start, end - start));
}

// --- the providers ------------------------------------------------------------------------

// Cox: "AUP#CXBL" style codes, https://www.cox.com/residential/support/email-error-codes.html
std::string coxReason(const ProviderFact& f, std::string_view lower) {
  static constexpr std::array<CodeReason, 29> kCodes{{
      {"CXBL", "blocked"},          {"CXDNS", "requireptr"},       {"CXSNDR", "authfailure"},
      {"CXSMTP", "rejected"},       {"CXCNCT", "toomanyconn"},     {"CXMXRT", "toomanyconn"},
      {"CDRBL", "blocked"},         {"CXTHRT", "securityerror"},   {"CXMJ", "securityerror"},
      {"IPBL0001", "blocked"},      {"IPBL0010", "blocked"},       {"IPBL0100", "blocked"},
      {"IPBL0011", "blocked"},      {"IPBL0101", "blocked"},       {"IPBL0110", "blocked"},
      {"IPBL0111", "blocked"},      {"IPBL1000", "blocked"},       {"IPBL1001", "blocked"},
      {"IPBL1010", "blocked"},      {"IPBL1011", "blocked"},       {"IPBL1100", "blocked"},
      {"IPBL1101", "blocked"},      {"IPBL1110", "blocked"},       {"IPBL1111", "blocked"},
      {"IPBL00001", "blocked"},     {"URLBL011", "spamdetected"},  {"URLBL101", "spamdetected"},
      {"URLBL110", "spamdetected"}, {"URLBL1001", "spamdetected"},
  }};
  const auto code = tokenAfter(f.diagnostic, "AUP#");
  if (!code.empty()) {
    auto reason = byCode(code, kCodes);
    if (!reason.empty()) return reason;
  }
  return byPhrase(
      lower,
      {{"blocked", {"cox too many bad commands from", "too many invalid recipients"}},
       {"requireptr", {"dns check failure - try again later", "rejected - no rdns"}},
       {"policyviolation", {"esmtp no data before greeting", "attachment extension is forbidden"}},
       {"rejected", {"sender rejected"}},
       {"systemerror", {"esmtp server temporarily not available"}},
       {"toomanyconn",
        {"too many sessions from", "requested action aborted: try again later",
         "message threshold exceeded"}},
       {"userunknown", {"recipient rejected"}}});
}

// GoDaddy: " IB607" style codes, https://ca.godaddy.com/help/40685
std::string godaddyReason(const ProviderFact& f, std::string_view lower) {
  static constexpr std::array<CodeReason, 22> kCodes{{
      {"IB401", "securityerror"}, {"IB501", "notcompliantrfc"}, {"IB502", "notcompliantrfc"},
      {"IB506", "rejected"},      {"IB508", "authfailure"},     {"IB108", "requireptr"},
      {"IB212", "spamdetected"},  {"IB705", "virusdetected"},   {"IB605", "toomanyconn"},
      {"IB007", "toomanyconn"},   {"IB101", "speeding"},        {"IB110", "blocked"},
      {"IB111", "blocked"},       {"IB112", "blocked"},         {"IB113", "blocked"},
      {"IB504", "speeding"},      {"IB510", "speeding"},        {"IB607", "speeding"},
      {"IB103", "badreputation"}, {"IB104", "blocked"},         {"IB105", "blocked"},
      {"IB106", "blocked"},
  }};
  const auto label = tokenAfter(f.diagnostic, " IB");
  if (!label.empty()) {
    auto reason = byCode("IB" + label, kCodes);
    if (!reason.empty()) return reason;
  }
  return byPhrase(lower, {{"blocked", {"rbl reject", "www.spamhaus.org/query/bl?ip="}},
                          {"expired", {"has been in the queue too long", "delivery timeout"}},
                          {"mailboxfull", {"account storage limit"}},
                          {"spamdetected", {"message rejected for spam or virus content"}},
                          {"suspend", {"account disabled"}},
                          {"systemerror", {"message is looping"}},
                          {"userunknown", {"recipient not found", "account does not exist"}}});
}

// Spectrum (Charter): "AUP#In-1310" style four-digit codes, in ranges.
std::string spectrumReason(const ProviderFact& f) {
  const auto at = f.diagnostic.find("AUP#");
  if (at == std::string::npos) return {};
  std::string digits;
  for (std::size_t i = at + 4; i < f.diagnostic.size() && digits.size() < 4; ++i) {
    const char c = f.diagnostic[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else {
      digits.clear();
    }
  }
  if (digits.size() != 4) return {};
  const int code = std::stoi(digits);
  struct Range {
    int low, high;
    std::string_view reason;
  };
  static constexpr std::array<Range, 18> kRanges{{
      {1000, 1000, "blocked"},
      {1010, 1010, "rejected"},
      {1020, 1080, "rejected"},
      {1090, 1090, "systemerror"},
      {1100, 1150, "requireptr"},
      {1160, 1190, "policyviolation"},
      {1200, 1210, "blocked"},
      {1220, 1250, "blocked"},
      {1260, 1260, "networkerror"},
      {1300, 1340, "toomanyconn"},
      {1350, 1490, "speeding"},
      {1500, 1500, "rejected"},
      {1520, 1520, "rejected"},
      {1530, 1530, "mesgtoobig"},
      {1540, 1540, "speeding"},
      {1550, 1550, "speeding"},
      {1560, 1560, "policyviolation"},
      {1580, 1580, "speeding"},
  }};
  for (const auto& range : kRanges) {
    if (code >= range.low && code <= range.high) return std::string(range.reason);
  }
  return {};
}

// La Poste and Orange: "LPN007_102", "OFR004_405" style labels whose last three digits say it.
std::string francePttReason(std::string_view lower) {
  std::string text(lower);
  std::replace(text.begin(), text.end(), '_', '-');
  static constexpr std::array<CodeReason, 30> kCodes{{
      {"101", "blocked"},
      {"102", "blocked"},
      {"103", "blocked"},
      {"104", "toomanyconn"},
      {"105", ""},
      {"107", ""},
      {"108", ""},
      {"109", ""},
      {"201", ""},
      {"305", "securityerror"},
      {"401", "authfailure"},
      {"402", "securityerror"},
      {"403", "rejected"},
      {"405", "rejected"},
      {"415", "rejected"},
      {"416", "userunknown"},
      {"417", "mailboxfull"},
      {"420", "suspend"},
      {"421", "rejected"},
      {"423", ""},
      {"424", ""},
      {"426", "suspend"},
      {"505", "systemerror"},
      {"506", "spamdetected"},
      {"510", "blocked"},
      {"513", ""},
      {"514", "mesgtoobig"},
      {"517", "authfailure"},
      {"630", "policyviolation"},
      {"999", "blocked"},
  }};
  for (const std::string_view label : {"lpn", "lpnaaa", "ofr", "ouk"}) {
    const auto at = text.rfind(label);
    if (at == std::string::npos) continue;
    auto end = text.find(' ', at);
    if (end == std::string::npos) end = text.size();
    const auto token = std::string_view(text).substr(at, end - at);
    for (const auto& entry : kCodes) {
      if (!entry.code.empty() && endsWith(token, entry.code)) return std::string(entry.reason);
    }
    break;
  }
  if (text.find("spf/dns de votre nom de domaine") != std::string::npos) return "authfailure";
  return {};
}

// Mimecast: documented replies, each only with its own reply code.
std::string mimecastReason(const ProviderFact& f, std::string_view lower) {
  if (f.reply_code.empty()) return {};
  struct Documented {
    std::string_view reply;
    std::string_view phrase;
    std::string_view reason;
  };
  static constexpr std::array<Documented, 34> kReplies{{
      {"550", "spf sender invalid - envelope rejected", "authfailure"},
      {"550", "dkim sender invalid - envelope rejected", "authfailure"},
      {"550", "dmarc sender invalid - envelope rejected", "authfailure"},
      {"451", "internal resources are temporarily unavailable", "badreputation"},
      {"550", "local ct ip reputation - (reject)", "badreputation"},
      {"421", "sender address blocked", "blocked"},
      {"451", "recipient temporarily unavailable", "blocked"},
      {"451", "ip temporarily blacklisted", "blocked"},
      {"550", "journal messages past the expiration", "expired"},
      {"553", "this route requires encryption (tls)", "failedstarttls"},
      {"553", "this route requires tls version 1.2 or greater", "failedstarttls"},
      {"553", "this route requires high-strength ciphers", "failedstarttls"},
      {"554", "configuration is invalid for this certificate", "failedstarttls"},
      {"554", "maximum email size exceeded", "mesgtoobig"},
      {"451", "the incorrect hostname used for inbounds", "networkerror"},
      {"550", "the incorrect hostname used for inbounds", "networkerror"},
      {"554", "mail loop detected", "networkerror"},
      {"451", "open relay not allowed", "norelaying"},
      {"451", "open relay is not allowed", "norelaying"},
      {"451", "account inbounds disabled", "notaccept"},
      {"550", "anti-spoofing policy - inbound not allowed", "policyviolation"},
      {"550", "rejected by header-based anti-spoofing policy", "policyviolation"},
      {"550", "message bounced due to content examination policy", "policyviolation"},
      {"554", "host network not allowed", "policyviolation"},
      {"554", "host network, not allowed", "policyviolation"},
      {"550", "administrative prohibition envelope blocked", "rejected"},
      {"550", "envelope blocked - user entry", "rejected"},
      {"550", "envelope blocked - user domain entry", "rejected"},
      {"550", "envelope rejected - block policy for envelope from address", "rejected"},
      {"535", "incorrect authentication data", "securityerror"},
      {"550", "submitter failed to authenticate", "securityerror"},
      {"451", "unable to process connection at this time", "systemerror"},
      {"452", "too many recipients", "toomanyconn"},
      {"550", "invalid recipient", "userunknown"},
  }};
  for (const auto& entry : kReplies) {
    if (entry.reply == f.reply_code && lower.find(entry.phrase) != std::string_view::npos) {
      return std::string(entry.reason);
    }
  }
  return {};
}

// NTT DOCOMO answers "550 Unknown user" both for a missing mailbox (at RCPT) and for its
// reception filter (after DATA); the status or the command tells which.
std::string nttDocomoReason(const ProviderFact& f, std::string_view lower) {
  if (f.status == "5.1.1" || f.status == "5.0.911") return "userunknown";
  if (f.status == "5.2.0") return "filtered";
  auto reason = byPhrase(
      lower,
      {{"mailboxfull", {"552 too much mail data"}},
       {"syntaxerror", {"503 bad sequence of commands", "504 command parameter not implemented"}},
       {"toomanyconn", {"552 too many recipients"}}});
  if (!reason.empty()) return reason;
  if (f.status == "5.0.0" || f.status.empty()) {
    if (f.command == "RCPT") return "userunknown";
    if (f.command == "DATA") return "rejected";
  }
  return {};
}

// Facebook: "RCP-P2" style labels, https://www.facebook.com/postmaster/response_codes
std::string facebookReason(const ProviderFact& f) {
  const auto dash = f.diagnostic.find('-');
  if (dash == std::string::npos || dash < 3 || dash + 3 > f.diagnostic.size()) return {};
  const auto label = std::string_view(f.diagnostic).substr(dash - 3, 6);
  static constexpr std::array<CodeReason, 32> kCodes{{
      {"POL-P7", "authfailure"}, {"POL-P1", "blocked"},         {"POL-P2", "blocked"},
      {"POL-P3", "blocked"},     {"POL-P4", "blocked"},         {"POL-T1", "blocked"},
      {"POL-T2", "blocked"},     {"POL-T3", "blocked"},         {"MSG-P2", "contenterror"},
      {"RCP-P2", "filtered"},    {"RCP-P3", "filtered"},        {"MSG-P1", "mesgtoobig"},
      {"INT-P2", "mesgtoobig"},  {"MSG-P3", "notcompliantrfc"}, {"DNS-P1", "rejected"},
      {"DNS-P2", "rejected"},    {"DNS-T1", "rejected"},        {"DNS-P3", "requireptr"},
      {"DNS-T2", "requireptr"},  {"POL-P6", "spamdetected"},    {"RCP-T4", "suspend"},
      {"RCP-T1", "systemerror"}, {"CON-T1", "toomanyconn"},     {"CON-T2", "toomanyconn"},
      {"CON-T3", "toomanyconn"}, {"CON-T4", "toomanyconn"},     {"MSG-T1", "toomanyconn"},
      {"RCP-P1", "userunknown"}, {"INT-P1", "userunknown"},     {"INT-P3", "userunknown"},
      {"INT-P4", "userunknown"}, {"POL-P5", "virusdetected"},
  }};
  return byCode(label, kCodes);
}

// Microsoft (Exchange Online, Office 365): documented status code and text pairs.
std::string microsoftReason(const ProviderFact& f, std::string_view lower) {
  struct Documented {
    std::string_view status;
    std::string_view phrase;
    std::string_view reason;
  };
  static constexpr std::array<Documented, 22> kReplies{{
      {"5.7.23", "the message was rejected because of sender policy framework violation",
       "authfailure"},
      {"5.7.509", "does not pass dmarc verification", "authfailure"},
      {"5.7.515", "doesn't meet the required authentication level", "authfailure"},
      {"4.7.650", "has been temporarily rate limited due to ip reputation", "badreputation"},
      {"5.7.506", "access denied, bad helo", "blocked"},
      {"5.7.507", "access denied, rejected by recipient", "blocked"},
      {"5.7.511", "access denied, banned sender", "blocked"},
      {"5.7.513", "using customer block list", "blocked"},
      {"5.7.1", "part of their network is on our block list (s3150)", "blocked"},
      {"5.2.3", "resolver.rst.recipsizelimit; message too large for this recipient", "mesgtoobig"},
      {"5.3.4", "message size exceeds fixed maximum message size", "mesgtoobig"},
      {"4.4.7", "message expired", "expired"},
      {"5.4.300", "message expired", "expired"},
      {"5.7.504", "recipient address rejected: access denied", "suspend"},
      {"5.7.505", "access denied, banned recipient", "suspend"},
      {"5.1.1", "resolver.adr.exrecipnotfound; not found", "userunknown"},
      {"5.1.1", "user unknown", "userunknown"},
      {"5.1.1", "bad destination mailbox address", "userunknown"},
      {"5.1.10", "recipient not found", "userunknown"},
      {"5.4.1", "recipient address rejected: access denied", "userunknown"},
      {"5.5.0", "requested action not taken: mailbox unavailable", "userunknown"},
      {"5.1.351", "remote server returned unknown recipient or mailbox unavailable", "userunknown"},
  }};
  for (const auto& entry : kReplies) {
    if (entry.status == f.status && lower.find(entry.phrase) != std::string_view::npos) {
      return std::string(entry.reason);
    }
  }
  return {};
}

// Google Workspace: DNS answers and its own wording; a DNS failure is only a network error
// while the reply is temporary.
std::string gsuiteReason(const ProviderFact& f, std::string_view lower) {
  const char status_class = f.status.empty() ? '\0' : f.status[0];
  const char reply_class = f.reply_code.empty() ? '\0' : f.reply_code[0];
  const bool nxdomain = lower.find(" responded with code nxdomain") != std::string_view::npos ||
                        lower.find("domain name not found") != std::string_view::npos;
  if (nxdomain && status_class == '5' && reply_class == '5') return "hostunknown";
  if ((nxdomain || lower.find(" had no relevant answers.") != std::string_view::npos) &&
      status_class != '5' && reply_class != '5') {
    return "networkerror";
  }
  if (lower.find("null mx") != std::string_view::npos) return "notaccept";
  if (lower.find("because the address couldn't be found. check for typos or unnecessary spaces "
                 "and try again.") != std::string_view::npos) {
    return "userunknown";
  }
  return {};
}

struct Provider {
  std::string_view name;
  std::array<std::string_view, 4> hosts;  // host name suffixes ("" fills the rest)
};

const std::array<Provider, 14>& providers() {
  static constexpr std::array<Provider, 14> kProviders{{
      {"aol", {".mail.aol.com", ".mx.aol.com"}},
      {"cox", {"cox.net"}},
      {"facebook", {".facebook.com"}},
      {"franceptt", {".laposte.net", ".orange.fr", ".wanadoo.fr"}},
      {"godaddy", {"smtp.secureserver.net", "mailstore1.secureserver.net"}},
      {"gsuite", {"googlemail.com"}},
      {"kddi", {".ezweb.ne.jp", "msmx.au.com"}},
      {"messagelabs", {".messagelabs.com"}},
      {"microsoft",
       {".prod.outlook.com", ".protection.outlook.com", ".onmicrosoft.com", ".exchangelabs.com"}},
      {"mimecast", {".mimecast.com"}},
      {"nttdocomo", {"mfsmax.docomo.ne.jp"}},
      {"outlook", {".hotmail.com"}},
      {"spectrum", {"charter.net"}},
      {"yahooinc", {".yahoodns.net"}},
  }};
  return kProviders;
}

std::string hostOf(std::string_view value) {
  auto host = toLower(trim(value));
  // "mx.example.jp [192.0.2.1]", "mx.example.jp. (192.0.2.1, ...)"
  const auto cut = host.find_first_of(" [(;");
  if (cut != std::string::npos) host.resize(cut);
  while (!host.empty() && host.back() == '.') host.pop_back();
  return host;
}

}  // namespace

std::string providerOf(const ProviderFact& fact) {
  const auto at = fact.recipient.rfind('@');
  const std::string domain =
      at == std::string::npos ? std::string() : toLower(fact.recipient.substr(at + 1));
  // The recipient's own domain first: the provider's name for it is one of its hosts.
  if (domain.find('.') != std::string::npos) {
    for (const auto& provider : providers()) {
      for (const auto host : provider.hosts) {
        if (host.empty()) continue;
        if (endsWith(host, domain) &&
            (host.size() == domain.size() || host[host.size() - domain.size() - 1] == '.')) {
          return std::string(provider.name);
        }
      }
    }
  }
  for (const auto& mta : {hostOf(fact.remote_mta), hostOf(fact.reporting_mta)}) {
    if (mta.empty()) continue;
    for (const auto& provider : providers()) {
      for (const auto host : provider.hosts) {
        if (!host.empty() && endsWith(mta, host)) return std::string(provider.name);
      }
    }
  }
  return {};
}

std::string providerReason(const ProviderFact& fact) {
  if (fact.diagnostic.empty()) return {};
  const auto name = providerOf(fact);
  if (name.empty()) return {};
  const auto lower = toLower(squeeze(fact.diagnostic));
  if (name == "cox") return coxReason(fact, lower);
  if (name == "godaddy") return godaddyReason(fact, lower);
  if (name == "spectrum") return spectrumReason(fact);
  if (name == "franceptt") return francePttReason(lower);
  if (name == "mimecast") return mimecastReason(fact, lower);
  if (name == "nttdocomo") return nttDocomoReason(fact, lower);
  if (name == "facebook") return facebookReason(fact);
  if (name == "microsoft") return microsoftReason(fact, lower);
  if (name == "aol") {
    return byPhrase(lower, {{"hostunknown", {"host or domain name not found"}},
                            {"notaccept", {"type=mx: malformed or unexpected name server reply"}}});
  }
  if (name == "gsuite") return gsuiteReason(fact, lower);
  if (name == "kddi") {
    return byPhrase(lower,
                    {{"filtered", {"550 : user unknown"}}, {"userunknown", {">: user unknown"}}});
  }
  if (name == "outlook") {
    return byPhrase(lower,
                    {{"hostunknown",
                      {"the mail could not be delivered to the recipient because the domain is not "
                       "reachable"}},
                     {"userunknown", {"requested action not taken: mailbox unavailable"}}});
  }
  if (name == "messagelabs") {
    return byPhrase(
        lower,
        {{"authfailure", {"domain authentication fail"}},
         {"badreputation", {"connection rejected by policy"}},
         {"blocked", {"mail rejected because your ip is in the pbl", "your ip address has been "}},
         {"contenterror", {"stray linefeeds in message"}},
         {"failedstarttls", {"tls/sslv3 connection required"}},
         {"norelaying", {" as a relay, "}},
         {"notcompliantrfc",
          {"550 requested action aborted [4]", "has detected that this message is not rfc 5322"}},
         {"rejected",
          {"sender envelope domain not allowed for sender ip address",
           "your domain has been blocked", "your email address has been blocked",
           "your envelope sender is in my badmailfrom list",
           "your email address has been blacklisted", "your domain has been blacklisted"}},
         {"securityerror", {"please turn on smtp authentication in your mail client"}},
         {"spamdetected", {"message filtered", "filtered by outbound scanning"}},
         {"toomanyconn", {"too many recipients received this hour", "too many messages"}},
         {"userunknown",
          {"no such user", "invalid recipient", "mailbox is not allowed",
           "recipient mailbox is not allowed"}}});
  }
  if (name == "yahooinc") {
    return byPhrase(
        lower,
        {{"authfailure", {"yahoo requires all senders to authenticate with either spf or dkim"}},
         {"blocked",
          {" because the ip is in spamhaus's list;",
           "not accepted from ip addresses on spamhaus xbl"}},
         {"norelaying", {"relaying denied for "}},
         {"notcompliantrfc", {"headers are not rfc compliant"}},
         {"policyviolation", {"not accepted for policy reasons"}},
         {"rejected",
          {"temporarily deferred due to unexpected volume or user complaints",
           "due to unresolvable rfc.5321 domain", " will be permanently deferred"}},
         {"speeding", {"user is receiving mail too quickly"}},
         {"suspend", {" is no longer valid.", "this mailbox is disabled"}},
         {"syntaxerror", {"syntax error in parameters or arguments"}},
         {"toomanyconn", {"max message per connection reached"}},
         {"userunknown", {"dd this user doesn't have a ", "mailbox not found"}}});
  }
  return {};
}

}  // namespace outpost::bounce::detail

// Internal: what the large mailbox providers mean by their own error codes and phrases, as each
// documents them (Cox "AUP#CXBL", GoDaddy "IB607", Spectrum "AUP#In-1310", La Poste/Orange
// "LPN007_102", Facebook "RCP-P2", ...). A provider is recognised by host name only (the
// recipient's domain, the remote MTA or the reporting MTA), as sisimai's Rhost modules do.
// Untrusted text: codes are read with bounded scans and compared against fixed tables.
#pragma once

#include <string>
#include <string_view>

namespace outpost::bounce::detail {

struct ProviderFact {
  std::string recipient;      // final recipient address, for its domain
  std::string remote_mta;     // host that rejected the message
  std::string reporting_mta;  // host that wrote the report
  std::string status;         // RFC 3463 code, or ""
  std::string reply_code;     // SMTP reply code, or ""
  std::string command;        // SMTP command the error answered, or ""
  std::string diagnostic;     // the reply text as received
};

// The provider whose rules apply ("cox", "godaddy", ...), or "" when none does.
std::string providerOf(const ProviderFact& fact);

// The reason a provider's documented code or phrase stands for, or "" when its rules say
// nothing about this reply.
std::string providerReason(const ProviderFact& fact);

}  // namespace outpost::bounce::detail

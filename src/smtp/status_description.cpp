// Plain-language explanations of SMTP replies (RFC 5321 §4.2.2-4.2.3 codes, RFC 3463 enhanced
// status codes, RFC 7372 and RFC 8601-era additions) and of session errors.
// The reply text is untrusted and only used to pick a refinement, never echoed into the hint.
#include "smtp/status_description.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace outpost::smtp {
namespace {

struct Entry {
  std::string_view key;
  std::string_view description;
  std::string_view hint;
};

// RFC 3463 "subject.detail" (the class digit is handled apart: 4 = temporary, 5 = permanent).
constexpr Entry kEnhanced[] = {
    {"0.0", "Unspecified status.", "Read the server's reply text for the reason."},
    {"1.0", "Something about the sender or recipient address is wrong.",
     "Check both addresses for typos."},
    {"1.1", "The recipient's mailbox does not exist (bad destination mailbox address).",
     "Check the address for typos; if it is right, the person no longer has a mailbox there. "
     "Stop sending to it."},
    {"1.2",
     "The recipient's domain does not exist or does not accept mail "
     "(bad destination system address).",
     "Check the domain part of the address for typos."},
    {"1.3", "The recipient address is not valid syntax (bad destination mailbox address syntax).",
     "Fix the address; it is not a well-formed e-mail address."},
    {"1.4", "The recipient address is ambiguous: it matches several mailboxes.",
     "Use a more precise address."},
    {"1.5", "The destination address is valid.", "Nothing to do."},
    {"1.6", "The mailbox has moved and no forwarding address is known.",
     "Ask the recipient for their new address."},
    {"1.7", "The sender address is not valid (bad sender's mailbox address syntax).",
     "Check the From address and the return-path configuration."},
    {"1.8", "The sender's domain is not valid or cannot receive replies.",
     "Make sure the sending domain exists in DNS and has MX or A records."},
    {"1.10", "The recipient's domain publishes a null MX: it accepts no mail (RFC 7505).",
     "The address cannot receive mail; stop sending to it."},
    {"2.0", "The recipient's mailbox has a problem.", "Read the server's reply text for details."},
    {"2.1", "The recipient's mailbox is disabled and not accepting messages.",
     "The account may be closed or suspended; contact the recipient another way."},
    {"2.2", "The recipient's mailbox is full.",
     "Nothing to do on our side: outpost retries for a while; the recipient must free space."},
    {"2.3", "The message is larger than the recipient accepts (message length exceeds limit).",
     "Send a smaller message, e.g. with a link instead of large attachments."},
    {"2.4", "A mailing list expansion problem at the recipient's side.",
     "Contact the list's administrator."},
    {"3.0", "The receiving mail system has a problem.", "Usually temporary; retry later."},
    {"3.1", "The receiving mail system is full (out of storage).",
     "Temporary on their side; outpost retries."},
    {"3.2", "The receiving system is not accepting messages now.", "Temporary; outpost retries."},
    {"3.3", "The receiving system does not support a feature the message needs.",
     "Send the message without that feature (e.g. 8-bit or SMTPUTF8 content)."},
    {"3.4", "The message is too big for the receiving system.",
     "Reduce the message size (attachments) or raise the relay's size limit."},
    {"3.5", "The receiving system is misconfigured.",
     "Contact the recipient's mail administrator."},
    {"4.0", "A network or routing problem occurred.", "Usually temporary; outpost retries."},
    {"4.1", "The receiving host did not answer.", "Temporary; outpost retries."},
    {"4.2", "The connection was dropped.", "Temporary; outpost retries."},
    {"4.3", "A directory (DNS) or routing server failed.", "Temporary; outpost retries."},
    {"4.4", "The destination cannot be routed (no mail server found).",
     "Check the recipient's domain; it may have no MX or A record."},
    {"4.5", "The receiving system is congested.", "Temporary; outpost retries later."},
    {"4.6", "A routing loop was detected.", "Check relay and forwarding configuration."},
    {"4.7", "The message was in the queue too long and expired.",
     "The recipient's system did not accept it in time; send it again later if still needed."},
    {"5.0", "A protocol error occurred.", "Read the server's reply text for details."},
    {"5.1", "The server did not accept a command.", "Usually a client or relay incompatibility."},
    {"5.2", "The command syntax was not accepted.", "Usually a client or relay incompatibility."},
    {"5.3", "Too many recipients in one message.", "Split the recipients over several messages."},
    {"5.4", "A command argument was not accepted.", "Usually a client or relay incompatibility."},
    {"5.5", "The server speaks a different protocol version.",
     "Contact the relay's administrator."},
    {"5.6", "Authentication exchange line too long.", "Contact the relay's administrator."},
    {"6.0", "The message content or media type caused a problem.", "Check the message content."},
    {"6.3", "The message needed a conversion the server could not do.",
     "Send the message in a simpler form (7-bit, no special characters in addresses)."},
    {"6.7", "The address needs SMTPUTF8 (non-ASCII characters), which the server refuses.",
     "Use an ASCII address for this recipient."},
    {"7.0", "A security or policy reason stopped the message.",
     "Read the server's reply text; it often links to the policy."},
    {"7.1",
     "Delivery was refused for policy reasons (not authorized, relaying denied, or the "
     "sender is blocked).",
     "If this is your relay, check that outpost authenticates and may send for this domain; "
     "otherwise the recipient's server refuses your mail: check block lists and reputation."},
    {"7.2", "The mailing list expansion is not allowed for this sender.",
     "Contact the list's administrator."},
    {"7.4", "A security feature the message asked for is not supported.",
     "Send without that feature."},
    {"7.5", "A cryptographic operation failed at the receiver.", "Contact the recipient."},
    {"7.7", "The message integrity check failed.", "Send the message again."},
    {"7.8", "Authentication failed: the user name or password was not accepted.",
     "Check the relay's user name and password in the SMTP settings."},
    {"7.9", "The authentication mechanism is too weak for the server.",
     "Turn TLS on or use a stronger authentication mechanism."},
    {"7.10", "Encryption is needed for this authentication mechanism.",
     "Turn TLS (STARTTLS) on for the relay."},
    {"7.11", "Encryption is required (the server refuses plain-text sessions).",
     "Turn TLS (STARTTLS) on for the relay."},
    {"7.13", "The user account is disabled.", "Contact the relay's administrator."},
    {"7.14", "Trust relationship required.", "Contact the relay's administrator."},
    {"7.15", "Priority too low for the server.", "Retry later."},
    {"7.20", "The message had no DKIM signature the receiver accepts.",
     "Enable DKIM signing for the sending domain."},
    {"7.23", "SPF validation failed: this server is not allowed to send for the domain.",
     "Add the sending IP or relay to the domain's SPF record."},
    {"7.24", "SPF validation failed with an error in the domain's record.",
     "Fix the domain's SPF record."},
    {"7.25", "The sending IP has no valid reverse DNS (PTR) record.",
     "Ask your provider to set a PTR record for the sending IP that matches its A record."},
    {"7.26", "The message failed the receiver's authentication checks (SPF, DKIM, DMARC).",
     "Check the SPF, DKIM and DMARC pages: the domain's records must authorize this server and "
     "align with the From domain."},
    {"7.27", "The sender's domain publishes a null MX and cannot receive replies.",
     "Use a sending domain that can receive mail."},
};

// Basic RFC 5321 reply codes.
constexpr Entry kBasic[] = {
    {"421",
     "The server is closing the connection (service not available, often overloaded or "
     "rate limiting).",
     "Temporary; outpost retries later."},
    {"450",
     "The mailbox is unavailable right now (busy, or a temporary policy such as "
     "greylisting).",
     "Temporary; outpost retries later."},
    {"451", "The server had a local error while processing the message.",
     "Temporary; outpost retries later."},
    {"452", "The server has insufficient storage, or too many recipients were given at once.",
     "Temporary; outpost retries later (in smaller batches if needed)."},
    {"454", "TLS or authentication is temporarily unavailable.",
     "Temporary; outpost retries later."},
    {"500", "The server did not recognize a command.", "A client or relay incompatibility."},
    {"501", "The server refused a command's arguments (often an address).",
     "Check the addresses for invalid characters."},
    {"502", "The server does not implement a command.", "A client or relay incompatibility."},
    {"503", "Commands were sent in the wrong order.", "A client or relay incompatibility."},
    {"530", "The server requires authentication (or TLS) first.",
     "Set a user name and password for the relay, and turn TLS on if required."},
    {"534", "The authentication mechanism is too weak.", "Turn TLS on for the relay."},
    {"535", "Authentication failed: the user name or password was not accepted.",
     "Check the relay's user name and password in the SMTP settings."},
    {"538", "Encryption is required for this authentication mechanism.",
     "Turn TLS (STARTTLS) on for the relay."},
    {"550", "The recipient was refused: the mailbox does not exist or policy forbids delivery.",
     "Read the reply text: check the address, or whether the server refuses your mail."},
    {"551", "The recipient is not local to this server.", "Check the recipient address."},
    {"552", "The message exceeds the storage or size the server allows.",
     "Send a smaller message."},
    {"553", "The mailbox name is not allowed (bad syntax or not permitted).",
     "Check the address; the relay may also refuse this sender address."},
    {"554", "The transaction failed (often a policy or spam rejection).",
     "Read the reply text for the reason."},
    {"555", "The server did not accept a MAIL or RCPT parameter.",
     "A client or relay incompatibility (e.g. SIZE, BODY or SMTPUTF8)."},
};

constexpr Entry kErrors[] = {
    {"net.resolve", "The relay's host name could not be resolved in DNS.",
     "Check the host name in the SMTP settings and that this server can reach its DNS resolver."},
    {"net.refused",
     "The relay refused the connection: nothing listens on that port, or a "
     "firewall rejects it.",
     "Check the host and port in the SMTP settings (usually 587 for STARTTLS, 465 for TLS)."},
    {"net.unreachable", "The relay's network cannot be reached from this server.",
     "Check this server's network, routes and firewall for outgoing connections."},
    {"net.connect", "The connection to the relay failed.",
     "Check the host, port and any firewall between this server and the relay."},
    {"smtp.timeout", "The relay did not answer in time.",
     "Outpost retries; if it keeps happening, check the relay's health and any firewall that "
     "drops packets (a blocked port often looks like a timeout)."},
    {"smtp.connection_lost", "The relay closed the connection unexpectedly.",
     "Outpost retries; if it keeps happening, check the relay's logs."},
    {"smtp.connection_lost_after_data",
     "The connection was lost after the whole message was sent but before the relay confirmed "
     "it: the relay may or may not have accepted it.",
     "Outpost retries; the recipient may receive the message twice."},
    {"smtp.protocol", "The relay sent an answer that does not follow the SMTP protocol.",
     "Check that the host and port point at an SMTP server (not e.g. an HTTP or IMAP port), and "
     "that TLS mode matches the port (465 needs implicit TLS)."},
    {"tls.handshake", "The TLS handshake with the relay failed.",
     "Check the TLS mode (STARTTLS vs implicit TLS) for this port, and that the relay supports "
     "a current TLS version."},
    {"tls.verify", "The relay's TLS certificate could not be verified.",
     "Renew or fix the relay's certificate, make sure the host name in the settings matches "
     "the certificate, or (for a private CA) install the CA on this server."},
    {"smtp.starttls_unavailable", "TLS is required but the relay does not offer STARTTLS.",
     "Turn TLS on at the relay, use implicit TLS on port 465, or (only on a trusted network) "
     "make TLS optional."},
    {"smtp.auth", "The relay did not accept the credentials.",
     "Check the user name and password in the SMTP settings."},
    {"smtp.auth_unavailable", "Credentials are set but the relay does not offer authentication.",
     "Turn TLS on (many relays offer AUTH only after STARTTLS), or remove the credentials."},
    {"smtp.reply", "The relay refused a step of the SMTP session.",
     "Read the relay's reply for the reason."},
    {"smtp.smtputf8_unavailable",
     "The message needs SMTPUTF8 (non-ASCII addresses) but the relay does not support it.",
     "Use ASCII addresses, or a relay that supports SMTPUTF8."},
    {"smtp.invalid_address", "An address contains characters that cannot be sent in SMTP.",
     "Fix the address; line breaks are never allowed in an address."},
};

// Direct delivery: the recipient's domain and its MX hosts, which the sender does not run.
constexpr Entry kMxErrors[] = {
    {"mx.null_mx",
     "The recipient's domain publishes a null MX record (RFC 7505): it accepts no e-mail at all.",
     "Check the address for typos; the domain does not receive mail, so this will not change by "
     "retrying."},
    {"mx.no_address", "None of the recipient domain's mail servers has an address in DNS.",
     "The recipient's domain has broken MX records; check the address for typos, or tell the "
     "recipient's postmaster."},
    {"dns.nxdomain", "The recipient's domain does not exist in DNS.",
     "Check the address for typos (e.g. gmial.com)."},
    {"dns.nodata", "The recipient's domain has no mail server records in DNS.",
     "Check the address for typos, or tell the recipient's postmaster."},
    {"dns.timeout", "The DNS lookup for the recipient's domain timed out.",
     "Outpost retries; if it keeps happening, check this server's DNS resolver (dns_server)."},
    {"dns.servfail",
     "The DNS servers of the recipient's domain failed to answer (SERVFAIL), often a broken or "
     "expired DNSSEC signature.",
     "Outpost retries; if it lasts, tell the recipient's postmaster."},
    {"dns.refused", "The DNS resolver refused the lookup.",
     "Check that this server may use its DNS resolver (dns_server)."},
    {"dns.error", "The DNS lookup for the recipient's domain failed.",
     "Outpost retries; check this server's DNS resolver if it keeps happening."},
    {"net.refused", "The recipient's mail server refused the connection.",
     "Outpost tries the domain's other MX hosts and retries later; nothing to change here "
     "unless every domain fails the same way (then check outgoing port 25 at your firewall or "
     "provider)."},
    {"net.unreachable", "The recipient's mail server cannot be reached from this server.",
     "If this happens for every domain, outgoing port 25 or IPv6 may be blocked here."},
    {"net.connect", "The connection to the recipient's mail server failed.",
     "Outpost retries; if every domain fails, check outgoing port 25 at your firewall or "
     "provider."},
    {"smtp.timeout", "The recipient's mail server did not answer in time.",
     "Outpost retries; a silent port 25 for every domain usually means the provider blocks it."},
    {"smtp.connection_lost", "The recipient's mail server closed the connection unexpectedly.",
     "Outpost retries with the next MX host or later."},
    {"tls.handshake", "The TLS handshake with the recipient's mail server failed.",
     "With opportunistic TLS outpost retries in plain text; with require-tls the message waits "
     "until the server's TLS works or the policy changes."},
    {"tls.verify",
     "The recipient's mail server did not present a valid certificate, and its domain's policy "
     "requires verified TLS (require-tls).",
     "Ask the recipient's postmaster to fix the certificate, or relax the domain's TLS policy "
     "in the routes if plain or unverified TLS is acceptable."},
    {"smtp.starttls_unavailable",
     "The recipient's mail server does not offer STARTTLS, and the domain's policy requires TLS.",
     "Relax the domain's TLS policy (routes) or ask the recipient's postmaster to enable TLS."},
    {"smtp.reply", "The recipient's mail server refused a step of the SMTP session.",
     "Read the server's reply for the reason."},
    {"smtp.smtputf8_unavailable",
     "The message needs SMTPUTF8 (non-ASCII addresses) but the recipient's server does not "
     "support it.",
     "Use an ASCII address for this recipient."},
};

std::string lowerCopy(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

template <std::size_t N>
const Entry* lookup(const Entry (&table)[N], std::string_view key) {
  for (const auto& entry : table) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

Explanation fromEntry(const Entry& entry) {
  return Explanation{std::string(entry.description), std::string(entry.hint)};
}

}  // namespace

Explanation explainReply(int code, std::string_view enhanced_code, std::string_view text) {
  const std::string lowered = lowerCopy(text);
  const bool temporary = code >= 400 && code < 500;
  // Wording refinements come first: they say more than the generic codes.
  if (contains(lowered, "greylist") || contains(lowered, "grey-list") ||
      contains(lowered, "graylist") || (contains(lowered, "try again later") && code == 450)) {
    return {
        "The receiving server is greylisting: it refuses a first attempt from an unknown "
        "sender on purpose.",
        "Nothing to do: outpost retries and the next attempt is normally accepted."};
  }
  if (contains(lowered, "mailbox full") || contains(lowered, "mailbox is full") ||
      contains(lowered, "over quota") || contains(lowered, "quota exceeded")) {
    return {"The recipient's mailbox is full.",
            temporary ? "Nothing to do: outpost retries for a while."
                      : "The recipient must free space; try again later or contact them "
                        "another way."};
  }
  if (contains(lowered, "spf")) {
    return {
        "The receiving server rejected the message because of SPF: this server is not "
        "listed as allowed to send for the domain.",
        "Add the relay's or this server's IP to the domain's SPF record (see the SPF page)."};
  }
  if (contains(lowered, "dmarc")) {
    return {
        "The message failed the recipient's DMARC check (SPF or DKIM not aligned with the "
        "From domain).",
        "Enable DKIM for the From domain and make SPF include this server (see the DMARC "
        "page)."};
  }
  if (contains(lowered, "spam") || contains(lowered, "blocked") || contains(lowered, "blacklist") ||
      contains(lowered, "blocklist")) {
    return {"The receiving server considered the message spam or blocks the sender.",
            "Check the sending IP on block lists, SPF/DKIM/DMARC, and the message content."};
  }
  if (!enhanced_code.empty() && enhanced_code.size() >= 5) {
    // 4.7.x from a receiving MX is usually greylisting or rate limiting.
    if (enhanced_code[0] == '4' && enhanced_code.substr(0, 4) == "4.7.") {
      const Entry* entry = lookup(kEnhanced, enhanced_code.substr(2));
      std::string description =
          entry ? std::string(entry->description) : "A temporary policy refusal.";
      return {"Temporarily refused for policy reasons (often greylisting or rate limiting): " +
                  description,
              "Nothing to do right away: outpost retries later."};
    }
    if (const Entry* entry = lookup(kEnhanced, enhanced_code.substr(2))) {
      Explanation out = fromEntry(*entry);
      if (temporary) out.hint = "Temporary; outpost retries. " + out.hint;
      return out;
    }
    // Unknown detail: fall back to the subject ("X.Y.0").
    const auto dot = enhanced_code.find('.', 2);
    if (dot != std::string_view::npos) {
      std::string subject = std::string(enhanced_code.substr(2, dot - 2)) + ".0";
      if (const Entry* entry = lookup(kEnhanced, subject)) return fromEntry(*entry);
    }
  }
  if (const Entry* entry = lookup(kBasic, std::to_string(code))) return fromEntry(*entry);
  if (code >= 200 && code < 400) return {"The server accepted the command.", "Nothing to do."};
  if (temporary) {
    return {"The server refused temporarily.", "Outpost retries later."};
  }
  if (code >= 500) {
    return {"The server refused permanently.", "Read the reply text for the reason."};
  }
  return {"The server sent an unexpected reply.", "Read the reply text."};
}

Explanation explainError(std::string_view error_code, std::string_view text) {
  if (const Entry* entry = lookup(kErrors, error_code)) {
    Explanation out = fromEntry(*entry);
    const std::string lowered = lowerCopy(text);
    if (error_code == "tls.verify") {
      if (contains(lowered, "expired")) {
        out.description = "The relay's TLS certificate has expired.";
        out.hint = "Ask the relay's administrator to renew the certificate.";
      } else if (contains(lowered, "self-signed") || contains(lowered, "self signed")) {
        out.description = "The relay presents a self-signed certificate that is not trusted.";
        out.hint =
            "Install a certificate from a trusted CA on the relay, or add its CA file "
            "to this server.";
      } else if (contains(lowered, "is for") || contains(lowered, "hostname") ||
                 contains(lowered, "host name")) {
        out.description = "The relay's certificate was issued for another host name.";
        out.hint =
            "Use the host name the certificate names in the SMTP settings, or fix the "
            "relay's certificate.";
      }
    }
    return out;
  }
  return {"The session with the relay failed.", "Read the error message; outpost retries."};
}

Explanation explainError(std::string_view error_code, std::string_view text, Peer peer) {
  if (peer == Peer::kMxHost) {
    if (const Entry* entry = lookup(kMxErrors, error_code)) return fromEntry(*entry);
    if (lookup(kErrors, error_code) == nullptr) {
      return {"The session with the recipient's mail server failed.",
              "Read the error message; outpost retries."};
    }
  }
  return explainError(error_code, text);
}

}  // namespace outpost::smtp

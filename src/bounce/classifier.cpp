// Bounce reason classification (RFC 3463 enhanced status codes, RFC 5321 reply codes, and the
// phrases MTAs and providers use in their replies), in the manner of sisimai: the status code
// decides where it is specific; phrases decide where it is not. Diagnostic text is untrusted
// and only ever compared against fixed phrases.
#include "bounce/classifier.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <map>

#include "bounce/provider_rules.h"

namespace outpost::bounce {
namespace {

using Phrases = std::initializer_list<std::string_view>;

std::string lowercase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u) != 0) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(u)));
  }
  return out;
}

// A phrase matches when its '|'-separated pieces occur in the text in that order.
bool matchesPhrase(std::string_view text, std::string_view phrase) {
  std::size_t from = 0;
  while (true) {
    const auto bar = phrase.find('|');
    const auto piece = phrase.substr(0, bar);
    const auto at = text.find(piece, from);
    if (at == std::string_view::npos) return false;
    from = at + piece.size();
    if (bar == std::string_view::npos) return true;
    phrase.remove_prefix(bar + 1);
  }
}

bool containsAny(std::string_view text, Phrases phrases) {
  if (text.empty()) return false;
  return std::any_of(phrases.begin(), phrases.end(),
                     [&](std::string_view p) { return matchesPhrase(text, p); });
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// --- Phrase tables: what each reason's replies say, lowercase, spaces squeezed. ------------

bool saysUserUnknown(std::string_view t) {
  return containsAny(t, {"recipient name is not recognized",
                         "invalid final delivery userid",
                         "user not listed in public name & address book",
                         "recipient address rejected.",
                         "address not found",
                         "address couldn't be found",
                         "adresse destinataire invalide",
                         "no such user here",
                         "unknown address",
                         "mailbox unavailable",
                         "user doesn't exist",
                         "account does not exist",
                         "does not have an account",
                         "the email account that you tried to reach does not exist",
                         "#5.1.1 bad address",
                         "550 address invalid",
                         "5.1.0 address rejected.",
                         "address does not exist",
                         "address not present in directory",
                         "address unknown",
                         "can't accept user",
                         "does not exist.",
                         "destination addresses were unknown",
                         "destination server rejected recipients",
                         "email address does not exist",
                         "email address could not be found",
                         "invalid address",
                         "invalid mailbox",
                         "invalid recipient",
                         "is not a known user",
                         "is not a valid mailbox",
                         "is not an active address at this host",
                         "mailbox does not exist",
                         "mailbox invalid",
                         "mailbox is inactive",
                         "mailbox is unavailable",
                         "mailbox not present",
                         "mailbox not found",
                         "mailbox unavaiable",
                         "nessun utente simile in questo indirizzo",
                         "no account by that name here",
                         "no existe dicha persona",
                         "no existe ese usuario ",
                         "no mail box available for this user",
                         "no mailbox by that name is currently available",
                         "no mailbox found",
                         "no such address here",
                         "no such mailbox",
                         "no such person at this address",
                         "no such recipient",
                         "no such user",
                         "no thank you rejected: account unavailable",
                         "no valid recipients, bye",
                         "not a valid recipient",
                         "not a valid user here",
                         "not a local address",
                         "not email addresses",
                         "recipient address rejected. (in reply to rcpt to command)",
                         "recipient address rejected: access denied",
                         "recipient address rejected: invalid user",
                         "recipient address rejected: invalid-recipient",
                         "recipient address rejected: unknown user",
                         "recipient address rejected: userunknown",
                         "recipient does not exist",
                         "recipient is not accepted",
                         "recipient is not local",
                         "recipient not exist",
                         "recipient not found",
                         "recipient not ok",
                         "recipient refuses to accept your mail",
                         "recipient unknown",
                         "requested action not taken: mailbox unavailable",
                         "resolver.adr.recipient notfound",
                         "resolver.adr.recipnotfound",
                         "sorry, user unknown",
                         "sorry, badrcptto",
                         "sorry, no mailbox here by that name",
                         "sorry, your envelope recipient has been denied",
                         "that domain or user isn't in my list of allowed rcpthosts",
                         "the email account that you tried to reach does not exist",
                         "the following recipients was undeliverable",
                         "the user's email name is not found",
                         "there is no one at this address",
                         "this address no longer accepts mail",
                         "this email address is wrong or no longer valid",
                         "this recipient is in my badrecipientto list",
                         "this recipient is not in my validrcptto list",
                         "this spectator does not exist",
                         "unknown mailbox",
                         "unknown recipient",
                         "unknown user",
                         "user does not exist",
                         "user missing home directory",
                         "user not active",
                         "user not exist",
                         "user not found",
                         "user not known",
                         "user unknown",
                         "utilisateur inconnu !",
                         "vdeliver: invalid or unknown virtual user",
                         "weil die adresse nicht gefunden wurde oder keine e-mails empfangen kann",
                         "your envelope recipient is in my badrcptto list",
                         "<|> not found",
                         "<|>... blocked by ",
                         "account | does not exist at the organization",
                         "bad|recipient",
                         "mailbox |does not exist",
                         "mailbox |unavailable or access denied",
                         "no | in name directory",
                         "non|existent user",
                         "rcpt <| does not exist",
                         "rcpt (|t exist ",
                         "recipient | was not found in",
                         "recipient address rejected: user | does not exist",
                         "recipient address rejected: user unknown in | table",
                         "said: 550|5.1.1 | user unknown ",
                         "this user doesn't have a | account",
                         "unknown e|mail address",
                         "unknown local|part",
                         "user | was not found",
                         "user | does not exist",
                         "user (|) unknown"});
}

// Replies that say the mailbox does not exist whichever SMTP command they answered.
bool saysNoSuchMailbox(std::string_view t) {
  return containsAny(
      t, {"recipient name is not recognized", "invalid final delivery userid",
          "(and other recipients in the same domain)", "no valid recipients for this mm",
          "unknown user: ", "user not listed in public name & address book",
          "adresse destinataire invalide"});
}

bool saysMailboxFull(std::string_view t) {
  return containsAny(t, {"452 insufficient disk space",
                         "account disabled temporarly for exceeding receiving limits",
                         "boite du destinataire pleine",
                         "exceeded storage allocation",
                         "full mailbox",
                         "mailbox exceeds allowed size",
                         "mailbox size limit exceeded",
                         "mailbox would exceed maximum allowed storage",
                         "mailfolder is full",
                         "no space left on device",
                         "not sufficient disk space",
                         "quota violation for",
                         "too much mail data",
                         "user has exceeded quota, bouncing mail",
                         "user has too many messages on the server",
                         "user's space has been used up",
                         "mailbox is full",
                         "account is | quota",
                         "disk|quota",
                         "enough | space",
                         "mailbox |exceeded| limit",
                         "mailbox |full",
                         "mailbox |quota",
                         "maildir |quota",
                         "over |quota",
                         "quota |exceeded"});
}

bool saysMesgTooBig(std::string_view t) {
  return containsAny(
      t, {"exceeded maximum inbound message size", "exceeded the maximum incoming message size",
          "line limit exceeded", "max message size exceeded", "message file too big",
          "message length exceeds administrative limit", "message size exceeds fixed limit",
          "message size exceeds fixed maximum message size", "message size exceeds maximum value",
          "message too big", "message too large for this ", "size limit",
          "taille limite du message atteinte"});
}

bool saysExceedLimit(std::string_view t) {
  return containsAny(t, {"message header size exceeds limit", "message too large"});
}

bool saysSuspend(std::string_view t) {
  return containsAny(t, {"account is disabled",
                         "account has been disabled",
                         "mailbox is disabled",
                         "user account disabled",
                         "disabled account",
                         " is currently suspended",
                         " temporary locked",
                         "archived recipient",
                         "boite du destinataire archivee",
                         "email account that you tried to reach is disabled",
                         "has been suspended",
                         "inactive account",
                         "invalid/inactive user",
                         "is a deactivated mailbox",
                         "is unavailable: user is terminated",
                         "mailbox currently suspended",
                         "mailbox disabled",
                         "mailbox is frozen",
                         "mailbox unavailable or access denied",
                         "recipient rejected: temporarily inactive",
                         "recipient suspend the service",
                         "the email account that you tried to reach is inactive",
                         "this account has been disabled or discontinued",
                         "this account has been temporarily suspended",
                         "this address no longer accepts mail",
                         "this mailbox is disabled",
                         "user or domain is disabled",
                         "user suspended",
                         "vdelivermail: account is locked email bounced"});
}

bool saysHasMoved(std::string_view t) { return containsAny(t, {" has been replaced by "}); }

bool saysNoRelaying(std::string_view t) {
  return containsAny(
      t, {"as a relay",
          "email address is not verified.",
          "insecure mail relay",
          "is not permitted to relay through this server without authentication",
          "requires authentication when attempting to send to a non-local e-mail address",
          "no relaying",
          "not a gateway",
          "not allowed to relay through this machine",
          "not an open relay, so get lost",
          "not local host",
          "relay access denied",
          "relay denied",
          "relay not permitted",
          "relaying denied",
          "relaying mail to ",
          "specified domain is not allowed",
          "that domain isn't in my list of allowed rcpthost",
          "this system is not configured to relay mail",
          "unable to relay ",
          "we don't handle mail for"});
}

bool saysAuthFailure(std::string_view t) {
  return containsAny(
      t,
      {"dmarc check failed", "fails to pass authentication",
       "does not have authentication information", "spf check", "sender policy framework",
       "//spf.pobox.com", "bad spf records for", "dmarc policy",
       "doesn't meet the required authentication level", "please inspect your spf settings",
       "sender policy framework (spf) fail", "sender policy framework violation",
       "spf (sender policy framework) domain authentication fail", "spf check: fail",
       "the 5322.from address doesn't meet the authentication requirements",
       " is not allowed to send mail.|_401", "is not allowed to send from <| per it's spf record"});
}

bool saysFiltered(std::string_view t) {
  return containsAny(
      t, {"account is protected by",
          "each of the following recipients was rejected by a remote mail server",
          "bounced address", "has restricted sms e-mail", "is not accepting any mail",
          "message filtered", "message rejected due to user rules", "not found recipient account",
          "recipient id refuse to receive mail",
          "recipient is only accepting mail from specific email addresses",
          "refused due to recipient preferences", "user not found",
          "user refuses to receive this mail", "user reject",
          "you have been blocked by the recipient"});
}

bool saysRequirePtr(std::string_view t) {
  return containsAny(
      t, {"access denied. ip name lookup failed",
          "all mail servers must have a ptr record with a valid reverse dns entry",
          "bad dns ptr resource record",
          "cannot find your hostname",
          "cannot resolve your address.",
          "client host rejected: cannot find your hostname",
          "fix reverse dns for ",
          "ips with missing ptr records",
          "no ptr record found.",
          "please get a custom reverse dns name from your isp for your host",
          "ptr record setup",
          "reverse dns failed",
          "reverse dns required",
          "sender ip reverse lookup rejected",
          "the ip address sending this message does not have a ptr record setup",
          "the corresponding forward dns entry does not point to the sending ip",
          "this system will not accept messages from servers/devices with no reverse dns",
          "unresolvable relay host name",
          "we do not accept mail from hosts with dynamic ip or generic dns ptr-records",
          "domain | mismatches client ip",
          "dns lookup failure: | try again later",
          "reverse dns lookup for host | failed permanently",
          "server access | forbidden by invalid rdns record of your mail server",
          "service permits | unverifyable sending ips"});
}

bool saysNotCompliantRfc(std::string_view t) {
  return containsAny(
      t, {"duplicate header", "this message is not rfc 5322 compliant",
          "messages with multiple addresses in from: ",
          "https://support.google.com/mail/?p=rfcmessagenoncompliant", " multiple | header"});
}

bool saysBadReputation(std::string_view t) {
  return containsAny(
      t, {"a poor email reputation score", "has been temporarily rate limited due to ip reputation",
          "ip/domain reputation problems", "likely suspicious due to the very low reputation",
          "none/bad reputation", "temporarily deferred due to unexpected volume or user complaints",
          "the sending mta's poor reputation"});
}

bool saysContentError(std::string_view t) {
  return containsAny(t, {"duplicate header", "header size exceeds maximum permitted",
                         "improper use of 8-bit data in message header",
                         "message header size, or recipient list, exceeds policy limit",
                         "message mime complexity exceeds the policy maximum",
                         "routing loop detected -- too many received: headers",
                         "this message contain invalid mime headers",
                         "this message contain improperly-formatted binary content",
                         "this message contain text that uses unnecessary base64 encoding"});
}

bool saysRejected(std::string_view t) {
  if (containsAny(t, {"5.1.0 address rejected", "recipient address rejected",
                      "sender ip address rejected"})) {
    return false;
  }
  return containsAny(
      t, {"access denied (in reply to mail from command)",
          "access denied (sender blacklisted)",
          "address rejected",
          "administrative prohibition",
          "batv failed to verify",
          "batv validation failure",
          "backscatter protection detected an invalid or expired email address",
          "because the sender isn't on the recipient's list of senders to accept mail from",
          "bogus mail from",
          "can't determine purported responsible address",
          "connections not accepted from servers without a valid sender domain",
          "denied [bouncedeny]",
          "denied by secumail valid-address-filter",
          "delivery not authorized, message refused",
          "does not exist e2110",
          "domain of sender address ",
          "email address is on senderfilterconfig list",
          "emetteur invalide",
          "empty envelope senders not allowed",
          "envelope blocked - ",
          "error: no third-party dsns",
          "from: domain is invalid. please provide a valid from:",
          "fully qualified email address required",
          "invalid domain, see <url:",
          "invalid sender",
          "is not a registered gateway user",
          "mail from not owned by user",
          "message rejected: email address is not verified",
          "mx records for ",
          "null sender is not allowed",
          "recipient addresses rejected : access denied",
          "recipient not accepted. (batv: no tag",
          "returned mail not accepted here",
          "rfc 1035 violation: recursive cname records for",
          "rule imposed mailbox access for",
          "sending this from a different address or alias using the ",
          "sender address has been blacklisted",
          "sender email address rejected",
          "sender is in my black list",
          "sender is spammer",
          "sender not pre-approved",
          "sender rejected",
          "sender domain is empty",
          "sender verify failed",
          "sender was rejected",
          "spam reporting address",
          "syntax error: empty email address",
          "the message has been rejected by batv defense",
          "this server does not accept mail from",
          "transaction failed unsigned dsn for",
          "unroutable sender address",
          "you are not allowed to post to this mailing list",
          "you are sending to/from an address that has been blacklisted",
          "your access to submit messages to this e-mail system has been rejected",
          "your email address has been blacklisted"});
}

bool saysHostUnknown(std::string_view t) {
  return containsAny(
      t, {"domain does not exist", "domain is not reachable", "domain must exist",
          "dns lookup failure: host |not found", "host or domain name not found", "host unknown",
          "host unreachable", "mail domain mentioned in email address is unknown",
          "name or service not known", "no such domain",
          "recipient address rejected: unknown domain name", "recipient domain must exist",
          "the account or domain may not exist", "unknown host", "unroutable address",
          "unrouteable address", "553 | does not exist"});
}

bool saysSpamDetected(std::string_view t) {
  return containsAny(t,
                     {" - spam",
                      "//www.spamhaus.org/help/help_spam_16.htm",
                      "//dsbl.org/help/help_spam_16.htm",
                      "//mail.163.com/help/help_spam_16.htm",
                      "554 5.7.0 reject, id=",
                      "appears to be unsolicited",
                      "blacklisted url in message",
                      "block for spam",
                      "blocked by policy: no spam please",
                      "blocked by spamassassin",
                      "blocked for abuse. see http://att.net/blocks",
                      "cannot be forwarded because it was detected as spam",
                      "considered unsolicited bulk e-mail (spam) by our mail filters",
                      "content filter rejection",
                      "cyberoam anti spam engine has identified this email as a bulk email",
                      "denied due to spam list",
                      "high probability of spam",
                      "is classified as spam and is rejected",
                      "listed in work.drbl.imedia.ru",
                      "the mail server detected your message as spam and has prevented delivery.",
                      "mail appears to be unsolicited",
                      "mail content denied",
                      "may consider spam",
                      "message considered as spam or virus",
                      "message contains spam or virus",
                      "message content rejected",
                      "message detected as spam",
                      "message filtered",
                      "message looks like spam",
                      "message is being rejected as it seems to be a spam",
                      "message refused by mailmarshal spamprofiler",
                      "message refused by trustwave seg spamprofiler",
                      "message rejected as spam",
                      "message rejected because of unacceptable content",
                      "message rejected due to suspected spam content",
                      "message rejected for policy reasons",
                      "message was rejected for possible spam/virus content",
                      "our email server thinks this email is spam",
                      "our system has detected that this message is ",
                      "probable spam",
                      "reject bulk.advertising",
                      "rejected: spamassassin score ",
                      "rejected - bulk email",
                      "rejecting banned content",
                      "rejecting mail content",
                      "related to content with spam-like characteristics",
                      "sender domain listed at ",
                      "sending address not accepted due to spam filter",
                      "spam blocked",
                      "spam check",
                      "spam content matched",
                      "spam detected",
                      "spam email",
                      "spam message rejected.",
                      "spam not accepted",
                      "spam refused",
                      "spam rejection",
                      "spam score ",
                      "spambouncer identified spam",
                      "spamming not allowed",
                      "too many spam complaints",
                      "too much spam.",
                      "the email message was detected as spam",
                      "the message has been rejected by spam filtering engine",
                      "the message was rejected due to classification as bulk mail",
                      "the content of this message looked like spam",
                      "this message appears to be spam",
                      "this message has been identified as spam",
                      "this message has been scored as spam with a probability",
                      "this message was classified as spam",
                      "this message was rejected by recurrent pattern detection system",
                      "transaction failed spam message not queued",
                      "we dont accept spam",
                      "your email appears similar to spam we have received before",
                      "your email breaches local uribl policy",
                      "your email had spam-like ",
                      "your email is considered spam",
                      "your email is probably spam",
                      "your email was detected as spam",
                      "your message as spam and has prevented delivery",
                      "your message has been temporarily blocked by our filter",
                      "your message has been rejected because it appears to be spam",
                      "your message has triggered a spam block",
                      "your message may contain the spam contents",
                      "your message failed several antispam checks",
                      "greylisted| please try again in",
                      "mail score (| over ",
                      "mail rejete. mail rejected. |506",
                      "our filters rate at and above | percent probability of being spam",
                      "rejected by | (spam)",
                      "rejected due to spam |classification",
                      "rejected due to spam |content",
                      "rule imposed as | is blacklisted on",
                      "spam | exceeded",
                      "this message scored | spam points"});
}

bool saysSpeeding(std::string_view t) {
  return containsAny(
      t, {"mail sent from your ip address has been temporarily rate limited",
          "please try again slower", "receiving mail at a rate that prevents additional messages"});
}

bool saysTooManyConn(std::string_view t) {
  return containsAny(
      t, {"connection frequency limited", "too many messages",
          "all available ips are at maximum connection limit", "connection rate limit exceeded",
          "exceeds per-domain connection limit for", "has exceeded the max emails per hour ",
          "throttling failure: daily message quota exceeded",
          "throttling failure: maximum sending rate exceeded", "too many connections",
          "too many concurrent smtp connections", "too many errors from your ip",
          "too many recipients", "too many smtp sessions for this host", "trop de connexions, ",
          "we have already made numerous attempts to deliver this message"});
}

bool saysBlocked(std::string_view t) {
  return containsAny(
      t, {"refused to talk to me",
          "connected to | but my name was rejected",
          "ip source bloquee",
          "client host blocked",
          "service refuse",
          "blocked ip",
          "access denied for ip",
          "poor reputation",
          "listed on",
          "dnsbl",
          "rbl ",
          " said: 550 blocked",
          "//www.spamcop.net/bl.",
          "bad sender ip address",
          "banned sending ip",
          "blacklisted by",
          "blocked using ",
          "blocked - see http",
          "dnsbl:attrbl",
          "client host rejected: abus detecte gu_eib_02",
          "client host rejected: abus detecte gu_eib_04",
          "client host rejected: may not be mail exchanger",
          "client host rejected: was not authenticated",
          "confirm this mail server",
          "connection dropped",
          "connection refused by",
          "connection reset by peer",
          "connection was dropped by remote host",
          "connections not accepted from ip addresses on spamhaus xbl",
          "currently sending spam see: ",
          "domain does not exist:",
          "dynamic/zombied/spam ips blocked",
          "error: no valid recipients from ",
          "esmtp not accepting connections",
          "extreme bad ip profile",
          "go away",
          "helo command rejected:",
          "host network not allowed",
          "hosts with dynamic ip",
          "invalid ip for sending mail of domain",
          "is in a black list",
          "is not allowed to send mail from",
          "mailfrom domain is listed in spamhaus",
          "no access from mail server",
          "no matches to nameserver query",
          "not currently accepting mail from your ip",
          "part of their network is on our block list",
          "please use the smtp server of your isp",
          "refused - see http",
          "rejected - multi-blacklist",
          "rejected because the sending mta or the sender has not passed validation",
          "rejecting open proxy",
          "sender ip address rejected",
          "server access forbidden by your ip ",
          "service not available, closing transmission channel",
          "smtp error from remote mail server after initial connection:",
          "sorry, that domain isn't in my list of allowed rcpthosts",
          "sorry, your remotehost looks suspiciously like spammer",
          "temporarily deferred due to unexpected volume or user complaints",
          "to submit messages to this e-mail system has been rejected",
          "too many spams from your ip",
          "too many unwanted messages have been sent from the following ip address above",
          "was blocked by ",
          "we do not accept mail from dynamic ips",
          "you are not allowed to connect",
          "you are sending spam",
          "your ip address is listed in the rbl",
          "your network is temporary blacklisted",
          "your server requires confirmation",
          "(|@|:blocked)",
          "access from ip address | blocked",
          "client host | blocked using",
          "connections will not be accepted from | because the ip is in spamhaus's list",
          "dnsbl:rbl |>_is_blocked",
          "email blocked by |.barracudacentral.org",
          "email blocked by |spamhaus",
          "host | refused to talk to me: | blocked",
          "ip | is blocked by earthlink",
          "is in an |rbl on ",
          "mail server at | is blocked",
          "mail from | refused:",
          "mail from | refused, see |orbs",
          "message from | rejected based on blacklist",
          "messages from | temporarily deferred due to user complaints",
          "server ip | listed as abusive",
          "sorry! your ip address| is blocked by rbl",
          "the domain | is blacklisted",
          "the email | is blacklisted",
          "the ip| is blacklisted",
          "veuillez essayer plus tard. service refused, please try later. |103",
          "veuillez essayer plus tard. service refused, please try later. |510",
          "your access ip| has been rejected",
          "your sender's ip address is listed at |.abuseat.org"});
}

bool saysVirusDetected(std::string_view t) {
  return containsAny(
      t,
      {"it has a potentially executable attachment",
       "the message was rejected because it contains prohibited virus or spam content",
       "this form of attachment has been used by recent viruses or other malware", "virus detected",
       "virus phishing/malicious_url detected", "your message was infected with a virus"});
}

bool saysPolicyViolation(std::string_view t) {
  return containsAny(t,
                     {"an illegal attachment on your message",
                      "because the recipient is not accepting mail with ",
                      "by non-member to a members-only list",
                      "closed mailing list",
                      "denied by policy",
                      "email not accepted for policy reasons",
                      "email rejected due to security policies",
                      "header are not accepted",
                      "header error",
                      "local policy violation",
                      "message bounced due to organizational settings",
                      "message given low priority",
                      "message not accepted for policy reasons",
                      "message rejected due to local policy",
                      "messages with multiple addresses",
                      "rejected for policy reasons",
                      "protocol violation",
                      "the email address used to send your message is not subscribed to this group",
                      "the message was rejected by organization policy",
                      "this message was blocked because its content presents a potential",
                      "we do not accept messages containing images or other attachments",
                      "you're using a mass mailer",
                      "you have exceeded the|allowable number of posts without solving a captcha"});
}

bool saysSystemError(std::string_view t) {
  return containsAny(t, {"transaction failed",
                         "unable to contact ldap server",
                         "mail system error",
                         "internal error",
                         "system error",
                         "aliasing/forwarding loop broken",
                         "can't create user output file",
                         "could not load drd for domain",
                         "internal error reading data",
                         "internal server error: operation now in progress",
                         "interrupted system call",
                         "it encountered an error while being processed",
                         "it would create a mail loop",
                         "local configuration error",
                         "local error in processing",
                         "loop was found in the mail exchanger",
                         "loops back to myself",
                         "mail system configuration error",
                         "queue file write error",
                         "recipient deferred because there is no mdb",
                         "remote server is misconfigured",
                         "server configuration error",
                         "service currently unavailable",
                         "system config error",
                         "temporary local problem",
                         "timeout waiting for input",
                         "transaction failed ",
                         "unable to connect |daemon"});
}

bool saysNetworkError(std::string_view t) {
  return containsAny(t, {"dns query failed",
                         "network error on destination mx",
                         "dns error:",
                         "dns type 'mx' lookup of",
                         "had no relevant answers",
                         "name server timeout",
                         "unable to resolve",
                         "could not connect and send the mail to",
                         "dns records for the destination computer could not be found",
                         "hop count exceeded - possible mail loop",
                         "host is unreachable",
                         "host name lookup failure",
                         "host not found, try again",
                         "mail forwarding loop for ",
                         "malformed name server reply",
                         "malformed or unexpected name server reply",
                         "maximum forwarding loop count exceeded",
                         "message looping",
                         "message probably in a routing loop",
                         "no route to host",
                         "too many hops",
                         "unable to resolve route ",
                         "unrouteable mail domain"});
}

bool saysSystemFull(std::string_view t) {
  return containsAny(
      t, {"mail system full", "requested mail action aborted: exceeded storage allocation"});
}

bool saysNotAccept(std::string_view t) {
  return containsAny(t, {"returned null mx", "an mx or srv record indicated no smtp service",
                         "couldn't find a mail exchanger or ip address", "no mx found for domain",
                         "doesn't receive email according to the administrator", "null mx",
                         "does not accept mail (nullmx)", "host/domain does not accept mail",
                         "host does not accept mail", "mail receiving disabled",
                         "no mx record found for domain=", "no route for current request",
                         "smtp protocol returned a permanent error"});
}

bool saysExpired(std::string_view t) {
  return containsAny(t, {"could not deliver for the last",
                         "giving up.",
                         "retry timeout exceeded",
                         "envelope expired",
                         "delivery failed | attempts",
                         "not delivered within",
                         "did not accept our requests to connect",
                         "remote host is not responding",
                         "host not reachable",
                         "message expired",
                         "connection timed out",
                         "could not find a gateway for",
                         "delivery attempts will continue to be",
                         "delivery expired",
                         "delivery time expired",
                         "failed to deliver to domain ",
                         "giving up on",
                         "have been failing for a long time",
                         "has been delayed",
                         "it has not been collected after",
                         "message expired after sitting in queue for",
                         "message expired, cannot connect to remote server",
                         "message expired, connection refulsed",
                         "message timed out",
                         "retry time not reached for any host after a long failure period",
                         "server did not respond",
                         "this message has been in the queue too long",
                         "unable to deliver message after multiple retries",
                         "was not reachable within the allowed queue period",
                         "your message could not be delivered for more than",
                         "could not be delivered for| days"});
}

bool saysFailedStartTls(std::string_view t) {
  return containsAny(
      t, {"tls required", "does not support tls", "requires tls", "must issue a starttls command",
          "starttls", "starttls is required to send mail", "tls required but not supported"});
}

bool saysSecurityError(std::string_view t) {
  return containsAny(
      t, {"smtp authentication", "turn on smtp authentication", "account not subscribed to ses",
          "authentication credentials invalid", "authentication failure", "authentication required",
          "authentication turned on in your email client",
          "executable files are not allowed in compressed files", "insecure mail relay",
          "recipient address rejected: access denied",
          "sorry, you don't authenticate or the domain isn't in my list of allowed rcpthosts",
          "unauthenticated senders not allowed", "verification failure",
          "you are not authorized to send mail, authentication is required",
          "authentication failed; server | said: ", "authentification invalide|305",
          "authentification requise|402", "domain | is a dead domain",
          "user | is not authorized to perform ses:sendrawemail on resource"});
}

bool saysSuppressed(std::string_view t) {
  return containsAny(
      t, {"address is on the suppression list", "is on the suppression list", "suppressed"});
}

bool saysMailerError(std::string_view t) {
  return containsAny(t, {"procmail: ", "bin/procmail", "bin/maidrop", "command failed: ",
                         "command died with status ", "command output:", "mailer error",
                         "pipe to |failed", "x-unix; ", "exit code "});
}

bool saysSyntaxError(std::string_view t) {
  return containsAny(
      t, {"improper sequence of commands", "malformed address: ", "bad sequence of commands",
          "syntax error", "command unrecognized", "unrecognized command", "line too long"});
}

bool saysVacation(std::string_view t) {
  return containsAny(t, {"i am away on vacation", "i am away until", "i am out of the office",
                         "i will be traveling for work on"});
}

// --- sisimai's decision order ------------------------------------------------------------

struct Fact {
  std::string status;
  std::string reply_code;
  std::string text;  // lowercase, squeezed
  std::string diagnostic_type;
  std::string action;
  std::string command;
  std::string hint;
};

bool isExplicit(std::string_view reason) {
  return !reason.empty() && reason != "undefined" && reason != "onhold";
}

// Reasons a status code can suggest that the text may still overrule.
bool shouldBeRetried(std::string_view reason) {
  return reason.empty() || reason == "undefined" || reason == "onhold" || reason == "systemerror" ||
         reason == "securityerror" || reason == "expired" || reason == "networkerror" ||
         reason == "hostunknown" || reason == "userunknown";
}

bool beforeData(std::string_view command) {
  return command == "CONN" || command == "EHLO" || command == "HELO" || command == "STARTTLS" ||
         command == "AUTH" || command == "MAIL" || command == "RCPT";
}

using Probe = bool (*)(const Fact&);

bool probeMailboxFull(const Fact& f) {
  return f.hint == "mailboxfull" || reasonOfStatus(f.status) == "mailboxfull" ||
         saysMailboxFull(f.text);
}
bool probeMesgTooBig(const Fact& f) {
  if (f.hint == "mesgtoobig") return true;
  const auto r = reasonOfStatus(f.status);
  if (r == "mesgtoobig") return true;
  if (r == "exceedlimit" || f.status == "5.2.3") return false;
  return saysMesgTooBig(f.text);
}
bool probeExceedLimit(const Fact& f) {
  return f.hint == "exceedlimit" || reasonOfStatus(f.status) == "exceedlimit" ||
         saysExceedLimit(f.text);
}
bool probeSuspend(const Fact& f) {
  return f.hint == "suspend" || f.reply_code == "525" || saysSuspend(f.text);
}
bool probeHasMoved(const Fact& f) { return f.hint == "hasmoved" || saysHasMoved(f.text); }
bool probeNoRelaying(const Fact& f) {
  if (f.hint == "norelaying") return true;
  if (f.command == "CONN" || f.command == "EHLO" || f.command == "HELO") return false;
  return saysNoRelaying(f.text);
}
bool probeAuthFailure(const Fact& f) {
  return f.hint == "authfailure" || reasonOfStatus(f.status) == "authfailure" ||
         saysAuthFailure(f.text);
}
bool probeUserUnknown(const Fact& f) {
  if (f.hint == "userunknown") return true;
  const auto r = reasonOfStatus(f.status);
  if (r == "userunknown") {
    return !(saysNoRelaying(f.text) || saysBlocked(f.text) || saysMailboxFull(f.text) ||
             saysHasMoved(f.text) || saysRejected(f.text) || saysNotAccept(f.text));
  }
  return (f.command == "RCPT" && saysUserUnknown(f.text)) || saysNoSuchMailbox(f.text);
}
bool probeFiltered(const Fact& f) {
  if (f.hint == "filtered") return true;
  if (reasonOfStatus(f.status) == "filtered") {
    return saysUserUnknown(f.text) || saysFiltered(f.text);
  }
  if (beforeData(f.command)) return false;
  return saysFiltered(f.text) || saysUserUnknown(f.text);
}
bool probeRequirePtr(const Fact& f) {
  return f.hint == "requireptr" || reasonOfStatus(f.status) == "requireptr" ||
         saysRequirePtr(f.text);
}
bool probeNotCompliantRfc(const Fact& f) {
  return f.hint == "notcompliantrfc" || saysNotCompliantRfc(f.text);
}
bool probeBadReputation(const Fact& f) {
  return f.hint == "badreputation" || saysBadReputation(f.text);
}
bool probeSpamDetected(const Fact& f) {
  if (f.status.empty()) return false;
  if (f.hint == "spamdetected" || reasonOfStatus(f.status) == "spamdetected") return true;
  if (beforeData(f.command)) return false;
  return saysSpamDetected(f.text);
}
bool probeContentError(const Fact& f) {
  if (f.hint == "contenterror") return true;
  if (probeSpamDetected(f)) return false;
  return reasonOfStatus(f.status) == "contenterror" || saysContentError(f.text);
}
bool probeRejected(const Fact& f) {
  if (f.hint == "rejected") return true;
  auto r = reasonOfStatus(f.status);
  if (r == "rejected") return true;
  if (r.empty()) r = "undefined";
  // A bare "Access denied" to MAIL FROM refuses the sender.
  if (f.command == "MAIL") return saysRejected(f.text) || containsAny(f.text, {" access denied"});
  if (f.command == "DATA" && r != "userunknown") return saysRejected(f.text);
  if (!isExplicit(r) || r == "securityerror" || r == "systemerror") return saysRejected(f.text);
  return false;
}
bool probeHostUnknown(const Fact& f) {
  if (f.hint == "hostunknown") return true;
  if (reasonOfStatus(f.status) == "hostunknown") {
    return !saysNetworkError(f.text) && !saysNotAccept(f.text);
  }
  return saysHostUnknown(f.text);
}
bool probeSpeeding(const Fact& f) { return f.hint == "speeding" || saysSpeeding(f.text); }
bool probeTooManyConn(const Fact& f) {
  return f.hint == "toomanyconn" || reasonOfStatus(f.status) == "toomanyconn" ||
         saysTooManyConn(f.text);
}
bool probeBlocked(const Fact& f) {
  return f.hint == "blocked" || reasonOfStatus(f.status) == "blocked" || saysBlocked(f.text);
}

struct NamedProbe {
  std::string_view reason;
  Probe probe;
};

constexpr std::array<NamedProbe, 19> kProbeOrder{{
    {"mailboxfull", probeMailboxFull},
    {"mesgtoobig", probeMesgTooBig},
    {"exceedlimit", probeExceedLimit},
    {"suspend", probeSuspend},
    {"hasmoved", probeHasMoved},
    {"norelaying", probeNoRelaying},
    {"authfailure", probeAuthFailure},
    {"userunknown", probeUserUnknown},
    {"filtered", probeFiltered},
    {"requireptr", probeRequirePtr},
    {"notcompliantrfc", probeNotCompliantRfc},
    {"badreputation", probeBadReputation},
    {"contenterror", probeContentError},
    {"rejected", probeRejected},
    {"hostunknown", probeHostUnknown},
    {"spamdetected", probeSpamDetected},
    {"speeding", probeSpeeding},
    {"toomanyconn", probeTooManyConn},
    {"blocked", probeBlocked},
}};

using Matcher = bool (*)(std::string_view);
struct NamedMatcher {
  std::string_view reason;
  Matcher matches;
};

// The phrase-only pass, for texts whose status code says little.
constexpr std::array<NamedMatcher, 19> kPhraseOrder{{
    {"mailboxfull", saysMailboxFull},
    {"authfailure", saysAuthFailure},
    {"badreputation", saysBadReputation},
    {"speeding", saysSpeeding},
    {"spamdetected", saysSpamDetected},
    {"virusdetected", saysVirusDetected},
    {"policyviolation", saysPolicyViolation},
    {"norelaying", saysNoRelaying},
    {"systemerror", saysSystemError},
    {"networkerror", saysNetworkError},
    {"suspend", saysSuspend},
    {"contenterror", saysContentError},
    {"systemfull", saysSystemFull},
    {"notaccept", saysNotAccept},
    {"expired", saysExpired},
    {"failedstarttls", saysFailedStartTls},
    {"securityerror", saysSecurityError},
    {"suppressed", saysSuppressed},
    {"mailererror", saysMailerError},
}};

std::string anotherOne(const Fact& f) {
  if (isExplicit(f.hint)) return f.hint;
  std::string reason = reasonOfStatus(f.status);
  if (!shouldBeRetried(reason) && f.diagnostic_type == "SMTP") return reason;
  for (const auto& m : kPhraseOrder) {
    if (m.matches(f.text)) return std::string(m.reason);
  }
  if (!reason.empty()) return reason;
  // The reasons the first pass could not take (their probe needed a status or a command).
  if (saysUserUnknown(f.text)) return "userunknown";
  if (saysHostUnknown(f.text)) return "hostunknown";
  if (saysBlocked(f.text)) return "blocked";
  if (saysRejected(f.text)) return "rejected";
  if (saysFiltered(f.text)) return "filtered";
  if (saysTooManyConn(f.text)) return "toomanyconn";
  if (f.status.size() > 3) {
    const auto subject = std::string_view(f.status).substr(0, 3);
    if (subject == "5.6" || subject == "4.6") return "contenterror";
    if (subject == "5.7" || subject == "4.7") return "securityerror";
  }
  if (f.diagnostic_type.rfind("X-UNIX", 0) == 0) return "mailererror";
  if (saysSyntaxError(f.text)) return "syntaxerror";
  if (f.action == "delayed" || f.action == "expired") return "expired";
  if (f.command == "EHLO" || f.command == "HELO") return "blocked";
  return reason;
}

std::string findReason(const Fact& f) {
  if (isExplicit(f.hint) && !shouldBeRetried(f.hint)) return f.hint;
  if (f.status.rfind("2.", 0) == 0) return "delivered";
  std::string reason;
  if (f.diagnostic_type == "SMTP" || f.diagnostic_type.empty()) {
    for (const auto& p : kProbeOrder) {
      if (p.probe(f)) {
        reason = std::string(p.reason);
        break;
      }
    }
  }
  if (!reason.empty() && reason != "undefined") return reason;
  reason = anotherOne(f);
  if (reason == "undefined") reason.clear();
  if (reason.empty() && f.action == "delayed") reason = "expired";
  if (!reason.empty()) return reason;
  if (saysVacation(f.text)) return "vacation";
  if (!f.text.empty()) return "onhold";
  return "undefined";
}

// sisimai's pseudo codes: x.0.9yy for a reason when the message carried no usable code.
std::string pseudoStatus(std::string_view reason, bool temporary) {
  static const std::map<std::string_view, std::string_view> codes = {
      {"authfailure", "926"},     {"badreputation", "975"},   {"blocked", "971"},
      {"contenterror", "960"},    {"exceedlimit", "923"},     {"expired", "947"},
      {"failedstarttls", "976"},  {"filtered", "910"},        {"hasmoved", "916"},
      {"hostunknown", "912"},     {"mailboxfull", "922"},     {"mailererror", "939"},
      {"mesgtoobig", "934"},      {"networkerror", "944"},    {"norelaying", "909"},
      {"notaccept", "932"},       {"notcompliantrfc", "974"}, {"onhold", "901"},
      {"policyviolation", "972"}, {"rejected", "918"},        {"requireptr", "973"},
      {"securityerror", "970"},   {"spamdetected", "980"},    {"speeding", "946"},
      {"suppressed", "903"},      {"suspend", "921"},         {"systemerror", "930"},
      {"systemfull", "931"},      {"syntaxerror", "902"},     {"toomanyconn", "945"},
      {"userunknown", "911"},     {"undefined", "900"},       {"virusdetected", "981"}};
  const auto it = codes.find(reason);
  if (it == codes.end()) return {};
  // A missing user or host is never temporary, whatever the reply said.
  const bool soft =
      temporary && reason != "userunknown" && reason != "hostunknown" && reason != "hasmoved";
  return std::string(soft ? "4.0." : "5.0.") + std::string(it->second);
}

bool saysTemporary(std::string_view lower_text) {
  // Exim's "retry timeout exceeded": the last of a run of temporary failures (GMX's "delivery
  // retry timeout exceeded" is its final verdict).
  return lower_text.find(" temporar") != std::string_view::npos ||
         lower_text.find(" persistent") != std::string_view::npos ||
         (lower_text.find("retry timeout exceeded") != std::string_view::npos &&
          lower_text.find("delivery retry timeout exceeded") == std::string_view::npos);
}

}  // namespace

std::string findEnhancedStatus(std::string_view text) {
  for (std::size_t i = 0; i + 4 < text.size(); ++i) {
    const char c = text[i];
    if (c != '2' && c != '4' && c != '5') continue;
    if (i > 0 && (isDigit(text[i - 1]) || text[i - 1] == '.')) continue;
    if (text[i + 1] != '.') continue;
    std::size_t j = i + 2;
    const std::size_t subject = j;
    while (j < text.size() && isDigit(text[j])) ++j;
    if (j == subject || j - subject > 3 || j >= text.size() || text[j] != '.') continue;
    ++j;
    const std::size_t detail = j;
    while (j < text.size() && isDigit(text[j])) ++j;
    if (j == detail || j - detail > 3) continue;
    if (j < text.size() && (text[j] == '.' || isDigit(text[j]))) {
      if (text[j] == '.' && j + 1 < text.size() && isDigit(text[j + 1])) continue;
    }
    return std::string(text.substr(i, j - i));
  }
  return {};
}

std::string findReplyCode(std::string_view text) {
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    const char c = text[i];
    if (c != '2' && c != '4' && c != '5') continue;
    if (i > 0 &&
        (std::isalnum(static_cast<unsigned char>(text[i - 1])) != 0 || text[i - 1] == '.' ||
         text[i - 1] == '-' || text[i - 1] == ':' || text[i - 1] == '/')) {
      continue;
    }
    if (!isDigit(text[i + 1]) || !isDigit(text[i + 2])) continue;
    if (text[i + 1] > '5') continue;
    const std::size_t end = i + 3;
    if (end < text.size()) {
      const char n = text[end];
      if (n != ' ' && n != '-' && n != '\t' && n != '\n' && n != '\r' && n != ',') continue;
    }
    return std::string(text.substr(i, 3));
  }
  return {};
}

std::string reasonOfStatus(std::string_view status) {
  static const std::map<std::string_view, std::string_view> names = {
      {"2.1.5", "delivered"},      {"4.1.6", "hasmoved"},       {"4.1.7", "rejected"},
      {"4.1.8", "rejected"},       {"4.1.9", "systemerror"},    {"4.2.1", "blocked"},
      {"4.2.2", "mailboxfull"},    {"4.2.3", "exceedlimit"},    {"4.2.4", "filtered"},
      {"4.3.1", "systemfull"},     {"4.3.2", "notaccept"},      {"4.3.3", "systemerror"},
      {"4.3.5", "systemerror"},    {"4.4.1", "expired"},        {"4.4.2", "networkerror"},
      {"4.4.3", "systemerror"},    {"4.4.4", "networkerror"},   {"4.4.5", "systemfull"},
      {"4.4.6", "networkerror"},   {"4.4.7", "expired"},        {"4.4.8", "networkerror"},
      {"4.5.3", "systemerror"},    {"4.5.5", "systemerror"},    {"4.6.0", "contenterror"},
      {"4.6.2", "contenterror"},   {"4.6.5", "contenterror"},   {"4.7.1", "blocked"},
      {"4.7.2", "blocked"},        {"4.7.5", "securityerror"},  {"4.7.6", "securityerror"},
      {"4.7.7", "securityerror"},  {"4.7.12", "securityerror"}, {"4.7.15", "securityerror"},
      {"4.7.16", "mesgtoobig"},    {"4.7.24", "authfailure"},   {"4.7.25", "requireptr"},
      {"4.7.26", "authfailure"},   {"5.1.0", "userunknown"},    {"5.1.1", "userunknown"},
      {"5.1.2", "hostunknown"},    {"5.1.3", "userunknown"},    {"5.1.4", "filtered"},
      {"5.1.6", "hasmoved"},       {"5.1.7", "rejected"},       {"5.1.8", "rejected"},
      {"5.1.9", "systemerror"},    {"5.1.10", "notaccept"},     {"5.2.0", "filtered"},
      {"5.2.1", "filtered"},       {"5.2.2", "mailboxfull"},    {"5.2.3", "exceedlimit"},
      {"5.2.4", "filtered"},       {"5.3.0", "systemerror"},    {"5.3.1", "systemfull"},
      {"5.3.2", "notaccept"},      {"5.3.3", "systemerror"},    {"5.3.4", "mesgtoobig"},
      {"5.3.5", "systemerror"},    {"5.4.0", "networkerror"},   {"5.4.3", "systemerror"},
      {"5.4.4", "hostunknown"},    {"5.5.2", "syntaxerror"},    {"5.5.3", "toomanyconn"},
      {"5.5.4", "systemerror"},    {"5.5.5", "systemerror"},    {"5.5.6", "syntaxerror"},
      {"5.6.0", "contenterror"},   {"5.6.1", "contenterror"},   {"5.6.2", "contenterror"},
      {"5.6.3", "contenterror"},   {"5.6.5", "contenterror"},   {"5.6.6", "contenterror"},
      {"5.6.7", "contenterror"},   {"5.6.8", "contenterror"},   {"5.6.9", "contenterror"},
      {"5.7.0", "securityerror"},  {"5.7.1", "securityerror"},  {"5.7.2", "securityerror"},
      {"5.7.3", "securityerror"},  {"5.7.4", "securityerror"},  {"5.7.5", "securityerror"},
      {"5.7.6", "securityerror"},  {"5.7.7", "securityerror"},  {"5.7.8", "securityerror"},
      {"5.7.9", "securityerror"},  {"5.7.10", "securityerror"}, {"5.7.11", "securityerror"},
      {"5.7.13", "suspend"},       {"5.7.14", "securityerror"}, {"5.7.15", "securityerror"},
      {"5.7.16", "mesgtoobig"},    {"5.7.17", "hasmoved"},      {"5.7.18", "hasmoved"},
      {"5.7.19", "securityerror"}, {"5.7.20", "authfailure"},   {"5.7.21", "authfailure"},
      {"5.7.22", "authfailure"},   {"5.7.23", "authfailure"},   {"5.7.24", "authfailure"},
      {"5.7.25", "requireptr"},    {"5.7.26", "authfailure"},   {"5.7.27", "notaccept"},
      {"5.7.28", "spamdetected"},  {"5.7.29", "authfailure"},   {"5.7.30", "failedstarttls"}};
  const auto it = names.find(status);
  return it == names.end() ? std::string() : std::string(it->second);
}

bool isHardBounce(std::string_view reason, std::string_view code_text) {
  if (reason == "hasmoved" || reason == "userunknown" || reason == "hostunknown") return true;
  if (reason != "notaccept") return false;
  if (code_text.empty()) return true;
  std::string code = findEnhancedStatus(code_text);
  if (code.empty()) code = findReplyCode(code_text);
  if (!code.empty()) return code[0] == '5';
  return !saysTemporary(lowercase(code_text));
}

Classification classify(const ClassifierInput& input) {
  Fact fact;
  fact.status = input.status;
  // x.0.0 and sisimai's own pseudo codes say nothing a phrase could not say better.
  fact.reply_code = input.reply_code;
  fact.text = " " + lowercase(input.diagnostic) + " ";
  if (fact.text == "  ") fact.text.clear();
  fact.diagnostic_type = input.diagnostic_type;
  std::transform(fact.diagnostic_type.begin(), fact.diagnostic_type.end(),
                 fact.diagnostic_type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  fact.action = lowercase(input.action);
  fact.command = input.command;
  fact.hint = input.reason_hint;

  Classification out;
  // A provider's documented codes say more than any general phrase (sisimai's Rhost step).
  if ((!isExplicit(fact.hint) || shouldBeRetried(fact.hint)) && input.status.rfind("2.", 0) != 0) {
    detail::ProviderFact provider;
    provider.recipient = input.recipient;
    provider.remote_mta = input.remote_mta;
    provider.reporting_mta = input.reporting_mta;
    provider.status = input.status;
    provider.reply_code = input.reply_code;
    provider.command = input.command;
    provider.diagnostic = input.diagnostic;
    out.reason = detail::providerReason(provider);
  }
  if (out.reason.empty()) {
    out.reason = findReason(fact);
  }
  out.status = input.status;

  const bool temporary = input.status.rfind("4.", 0) == 0 || input.reply_code.rfind('4', 0) == 0 ||
                         (input.status.empty() && input.reply_code.empty() &&
                          (fact.action == "delayed" || saysTemporary(fact.text)));
  if (out.status.empty() && out.reason != "delivered" && out.reason != "vacation" &&
      out.reason != "feedback") {
    out.status = pseudoStatus(out.reason, temporary);
  }
  const std::string& code = !input.status.empty() ? input.status : input.reply_code;
  out.hard_bounce = isHardBounce(out.reason, code.empty() ? out.status : code);
  return out;
}

}  // namespace outpost::bounce

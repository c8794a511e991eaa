// outpost's configuration: one TOML file, then OUTPOST_* environment variables, then command
// line flags, each overriding the one before. Every flag `--some-flag` is also the environment
// variable OUTPOST_SOME_FLAG and a config key (section.key in the file, see README).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.h"
#include "core/result.h"

namespace outpost {

// RFC 5321 §4.5.3.2 client timeouts, one per SMTP phase, plus connect and TLS handshake.
struct SmtpTimeouts {
  std::chrono::seconds connect{30};
  std::chrono::seconds greeting{300};  // initial 220: 5 minutes
  std::chrono::seconds ehlo{300};
  std::chrono::seconds tls_handshake{60};
  std::chrono::seconds auth{300};
  std::chrono::seconds mail{300};        // MAIL: 5 minutes
  std::chrono::seconds rcpt{300};        // RCPT: 5 minutes
  std::chrono::seconds data_init{120};   // DATA initiation: 2 minutes
  std::chrono::seconds data_block{180};  // each data block: 3 minutes
  std::chrono::seconds data_term{600};   // final dot to reply: 10 minutes
  std::chrono::seconds rset{120};
  std::chrono::seconds quit{30};
};

struct DeliveryConfig {
  // Waits after the 1st, 2nd, … failed attempt; the last one repeats until the lifetime ends.
  std::vector<std::chrono::seconds> retry_schedule{
      std::chrono::minutes(1),  std::chrono::minutes(5), std::chrono::minutes(15),
      std::chrono::minutes(30), std::chrono::hours(1),   std::chrono::hours(2),
      std::chrono::hours(4)};
  std::chrono::seconds max_lifetime{std::chrono::hours(24 * 5)};
  std::size_t max_connections = 8;  // to one relay, at once
  // Outbound SMTP sessions at once, over every relay and MX destination.
  std::size_t max_total_connections = 100;
  // Shaping defaults per destination domain (MX delivery); routes may override them per domain.
  std::size_t domain_connections = 10;
  std::size_t domain_messages_per_minute = 0;  // 0 = no limit
  // A domain that answers 421 or "too many connections" waits this long, doubling on each
  // repeat up to backoff_max; other domains keep flowing.
  std::chrono::seconds backoff_initial{60};
  std::chrono::seconds backoff_max{std::chrono::minutes(30)};
  int mx_port = 25;  // the port of MX hosts (tests use unprivileged ones)
  // MX addresses (host × IP) tried within one attempt before it counts as deferred.
  std::size_t max_mx_addresses = 5;
  std::string helo_name;          // EHLO name for MX delivery; "" = the hostname
  std::string source_address_v4;  // bind outgoing IPv4 connections here; "" = the system's choice
  std::string source_address_v6;
  // The addresses receivers see this node's MX deliveries come from, when NAT hides them (SPF
  // validation checks these); empty = the source addresses above, else the system's choice.
  std::vector<std::string> public_addresses;
  // Extra CA bundle to verify MX hosts under a require-tls policy (private CAs, tests); "" = the
  // system's trust store only.
  std::string mx_ca_file;
  std::size_t max_messages_per_connection = 100;
  std::chrono::seconds idle_connection_timeout{30};
  // Longer than the longest transaction (the sum of the phase timeouts), so a slow but live
  // delivery is never claimed twice.
  std::chrono::seconds lease_duration{std::chrono::minutes(30)};
  std::chrono::milliseconds poll_interval{1000};
  std::size_t claim_batch = 200;
  SmtpTimeouts timeouts;
};

// The routing of the configuration file ([routing]), as text: delivery/routing.h checks it.
struct RoutingConfig {
  std::string default_route;                   // "" = automatic (relay if saved, else sandbox)
  std::map<std::string, std::string> domains;  // recipient domain → route
  std::map<std::string, std::string> sender_domains;  // sender domain → route
  std::map<std::string, std::string> tls;             // recipient domain → TLS policy
  std::map<std::string, std::map<std::string, long long>> limits;  // domain → {connections, …}
};

// The SMTP submission listeners (RFC 6409 port 587 with STARTTLS, RFC 8314 port 465 with
// implicit TLS; unprivileged ports by default on a developer machine).
struct SubmissionConfig {
  std::string listen = "127.0.0.1:2587";      // STARTTLS; "" = off
  std::string tls_listen = "127.0.0.1:2465";  // implicit TLS; "" = off
  // PEM files; when both are empty, a self-signed certificate is made in the data folder.
  std::string certificate_file;
  std::string key_file;
  // Clients in these networks may submit without AUTH on the STARTTLS port ("10.0.0.0/8,::1");
  // "" = none (like Postfix's mynetworks, but empty by default).
  std::string trusted_networks;
  std::size_t max_connections = 500;              // at once, over both listeners
  std::size_t max_connections_per_client = 50;    // at once, from one IP address
  std::size_t max_errors = 10;                    // failed commands per session, then 421
  std::chrono::seconds command_timeout{300};      // RFC 5321 §4.5.3.2.7: 5 minutes
  std::chrono::seconds data_timeout{600};         // a whole DATA or BDAT transfer
  std::size_t auth_failures = 5;                  // per client IP within auth_failure_window,
  std::chrono::seconds auth_failure_window{600};  // then 454 4.7.0 (design.md)
};

// DSN and bounce processing: the listener that takes reports back, and the return path.
struct BounceConfig {
  std::string listen = "127.0.0.1:2525";  // "" = off
  // VERP return paths bounces+TOKEN@return_domain, and DSN requests, are used only once this is
  // set (its MX must lead to the listener); before, MAIL FROM is the submitter's.
  std::string return_domain;
  bool suppress_hard_bounces = true;  // a hard bounce puts the address on the suppression list
  std::size_t max_report_bytes = std::size_t{1} * 1024 * 1024;  // larger reports are refused
};

// DKIM signing (RFC 6376): which domain signs and how; the keys themselves are in the store.
struct DkimConfig {
  // Signs with this domain's active keys when the From domain has none; "" = such mail goes
  // out unsigned.
  std::string fallback_domain;
  // x= is t= plus this; 0 = no x= (signatures that expire break forwarded and delayed mail).
  std::chrono::seconds expire_after{0};
  // c=: "relaxed/relaxed" (the default), "simple/simple", "relaxed/simple", "simple/relaxed".
  std::string canonicalization = "relaxed/relaxed";
  // How often pending keys are checked in DNS (and activated once their record validates).
  std::chrono::seconds check_interval{std::chrono::minutes(15)};
  // How long the signers of a domain are kept in memory before the store is read again (keys
  // activated by the CLI, which is another process, take effect within this time).
  std::chrono::seconds key_cache_ttl{30};
};

// The web console's accounts (design.md): sessions and login rate limits.
struct ConsoleConfig {
  std::chrono::seconds session_idle{std::chrono::hours(12)};          // expires unused this long
  std::chrono::seconds session_lifetime{std::chrono::hours(24 * 7)};  // and after this in all
  std::size_t login_failures = 5;  // per account and per client IP within the window, then 429
  std::chrono::seconds login_failure_window{std::chrono::minutes(15)};
  // Marks the session cookie Secure. Also set per request when a TLS proxy in front says so
  // (X-Forwarded-Proto: https).
  bool secure_cookies = false;
};

struct Config {
  std::string data_dir = "./outpost-data";
  std::string http_listen = "127.0.0.1:8025";
  std::string hostname;   // EHLO name and Message-ID domain; the machine's name when empty
  std::string node_name;  // lease owner; the hostname when empty (must differ between nodes)
  std::string log_level = "info";
  std::size_t max_message_bytes = limits::kDefaultMaxMessageBytes;
  std::size_t max_recipients = limits::kDefaultMaxRecipients;
  std::size_t intake_threads = 16;  // threads that wait on grouped store commits
  // Every DNS lookup goes to these servers ("127.0.0.1:5353", comma-separated); "" = the
  // system's (/etc/resolv.conf).
  std::string dns_server;
  std::chrono::milliseconds dns_timeout{5000};
  DeliveryConfig delivery;
  RoutingConfig routing;
  SubmissionConfig submission;
  BounceConfig bounce;
  DkimConfig dkim;
  ConsoleConfig console;
};

// Reads a TOML file into `config` (keys not present keep their value). Unknown keys are an
// error, so a typo does not silently fall back to a default.
Result<void> loadConfigFile(const std::string& path, Config& config);
// Applies OUTPOST_* variables from the environment.
Result<void> applyEnvironment(Config& config);
// Sets one key ("delivery.max_connections") from text, as a command line flag does.
Result<void> applySetting(const std::string& key, const std::string& value, Config& config);
// The key a command line flag sets: "log-level" → log_level; a few flags have their own
// names ("default-route" → routing.default, "mx-port" → delivery.mx_port).
std::string configKeyForFlag(std::string_view flag);
// Fills hostname and node_name when empty.
void completeConfig(Config& config);

}  // namespace outpost

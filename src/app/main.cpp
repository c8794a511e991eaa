// outpost: the one binary. `serve` runs the server; the administrative commands (apikey,
// user, queue, smtp validate) open the data folder directly and work while it is stopped;
// `send` and `smtp test` talk to a running server's HTTP API; `bounce parse` reads files.
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <optional>

#include "app/bounce_commands.h"
#include "app/commands.h"
#include "app/dkim_commands.h"
#include "app/dmarc_commands.h"
#include "app/spf_commands.h"
#include "core/config.h"
#include "core/logging.h"

namespace {

// Flags that are also config keys; applied after the file and the environment.
struct ConfigFlags {
  std::string config_file;
  std::map<std::string, std::string> values;  // config key → flag value
  std::map<std::string, std::string> flags;   // config key → flag name, for errors
};

void addConfigFlags(CLI::App& command, ConfigFlags& flags) {
  command.add_option("--config", flags.config_file, "TOML configuration file");
  const std::pair<const char*, const char*> keys[] = {
      {"data", "data folder (SQLite database, master key); default ./outpost-data"},
      {"http", "HTTP API address, ADDR:PORT; default 127.0.0.1:8025"},
      {"hostname", "EHLO name and Message-ID domain; default: this machine's name"},
      {"log-level", "debug, info, warn or error; default info"},
      {"max-message-size", "largest accepted message, bytes; default 26214400 (25 MiB)"},
      {"max-recipients", "most recipients per message; default 1000"},
      {"node-name", "this node's name for leases; default: the hostname"},
      {"default-route",
       "where mail goes when no route matches: mx, relay, relay:NAME or sandbox; default: the "
       "relay once one is saved, else sandbox"},
      {"dns-server",
       "send every DNS lookup to ADDR:PORT ([v6]:PORT; comma-separated for more); "
       "default: /etc/resolv.conf's"},
      {"mx-port", "port of the MX hosts; default 25"},
      {"submission",
       "SMTP submission (STARTTLS) address, ADDR:PORT, or \"\" for none; default "
       "127.0.0.1:2587"},
      {"submissions",
       "SMTP submission with implicit TLS, ADDR:PORT, or \"\" for none; default "
       "127.0.0.1:2465"},
      {"trusted-networks",
       "clients that may submit without AUTH on the STARTTLS port: CIDR,…; default none"},
      {"bounce-listen", "bounce/DSN listener, ADDR:PORT, or \"\" for none; default 127.0.0.1:2525"},
      {"return-domain",
       "domain of the VERP return path bounces+TOKEN@DOMAIN; bounce processing and DSN requests "
       "start once it is set"},
      {"dkim-fallback-domain",
       "sign with this domain's DKIM keys when the From domain has no active key; default none"},
  };
  for (const auto& [flag, help] : keys) {
    std::string key = outpost::configKeyForFlag(flag);
    std::string name = flag;
    command.add_option_function<std::string>(
        "--" + name,
        [&flags, key, name](const std::string& value) {
          flags.values[key] = value;
          flags.flags[key] = name;
        },
        help);
  }
}

std::optional<outpost::Config> buildConfig(const ConfigFlags& flags) {
  outpost::Config config;
  if (!flags.config_file.empty()) {
    if (auto loaded = outpost::loadConfigFile(flags.config_file, config); !loaded) {
      std::cerr << "outpost: " << loaded.error().message << "\n";
      return std::nullopt;
    }
  }
  if (auto applied = outpost::applyEnvironment(config); !applied) {
    std::cerr << "outpost: " << applied.error().message << "\n";
    return std::nullopt;
  }
  for (const auto& [key, value] : flags.values) {
    if (auto applied = outpost::applySetting(key, value, config); !applied) {
      std::cerr << "outpost: --" << flags.flags.at(key) << ": " << applied.error().message << "\n";
      return std::nullopt;
    }
  }
  outpost::completeConfig(config);
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  namespace app = outpost::app;
  CLI::App cli{
      "outpost: outbound e-mail delivery server (HTTP API, durable queue, SMTP relay, sandbox)"};
  cli.require_subcommand(1);
  // Subcommands inherit this: `outpost queue show ID --data DIR` finds --data on `queue`.
  cli.fallthrough();
  ConfigFlags flags;
  int exit_code = 0;

  auto* serve = cli.add_subcommand("serve", "run the server (HTTP API and delivery)");
  addConfigFlags(*serve, flags);

  app::SendOptions send_options;
  auto* send = cli.add_subcommand("send", "send a message through a running server's HTTP API");
  send->add_option("--url", send_options.url, "server URL")->envname("OUTPOST_URL");
  send->add_option("--key", send_options.key, "API key")->envname("OUTPOST_KEY")->required();
  send->add_option("--from", send_options.from, "sender: addr or \"Name <addr>\"")->required();
  send->add_option("--to", send_options.to, "recipient (repeat for more)");
  send->add_option("--cc", send_options.cc, "Cc recipient (repeat for more)");
  send->add_option("--bcc", send_options.bcc, "Bcc recipient (repeat for more)");
  send->add_option("--subject", send_options.subject, "subject");
  auto* text = send->add_option("--text", send_options.text, "plain text body");
  send->add_option("--html", send_options.html, "HTML body");
  send->add_option("--attach", send_options.attach, "file to attach (repeat for more)")
      ->check(CLI::ExistingFile);
  send->add_option("--header", send_options.headers, "extra header \"Name: value\" (repeatable)");
  send->add_option("--tag", send_options.tags, "tag (repeatable)");
  (void)text;

  app::QueueOptions queue_options;
  auto* queue = cli.add_subcommand("queue", "inspect and act on the queue (opens --data directly)");
  queue->require_subcommand(1);
  addConfigFlags(*queue, flags);
  auto* queue_list = queue->add_subcommand("list", "list messages (default: the Outbox)");
  queue_list->add_option("--view", queue_options.view, "sent, outbox or failed")
      ->check(CLI::IsMember({"sent", "outbox", "failed"}));
  queue_list->add_option("--status", queue_options.status,
                         "queued, deferred, processing, processed, failure, cancelled, unknown, "
                         "delivered or failed");
  queue_list->add_option("--search,-q", queue_options.query,
                         "search from, to, subject, Message-ID");
  queue_list->add_option("--limit", queue_options.limit, "at most this many (1-500)")
      ->check(CLI::Range(1, 500));
  queue_list->add_flag("--json", queue_options.json, "print JSON");
  auto* queue_show = queue->add_subcommand("show", "show a message, its recipients and attempts");
  queue_show->add_option("id", queue_options.id, "message id")->required();
  queue_show->add_flag("--json", queue_options.json, "print JSON");
  std::string retry_id, cancel_id;
  auto* queue_retry = queue->add_subcommand("retry", "retry deferred and failed recipients now");
  queue_retry->add_option("id", retry_id, "message id")->required();
  auto* queue_cancel = queue->add_subcommand("cancel", "cancel recipients still queued");
  queue_cancel->add_option("id", cancel_id, "message id")->required();

  app::ApiKeyOptions apikey_options;
  auto* apikey = cli.add_subcommand("apikey", "manage API keys (opens --data directly)");
  apikey->require_subcommand(1);
  addConfigFlags(*apikey, flags);
  auto* apikey_create = apikey->add_subcommand("create", "create a key and print it (once)");
  apikey_create->add_option("--name", apikey_options.name, "unique name; SMTP user name")
      ->required();
  apikey_create->add_option("--user", apikey_options.user,
                            "owner's email; default: the first super admin");
  apikey_create->add_option("--scope", apikey_options.scope, "send or full; default send")
      ->check(CLI::IsMember({"send", "full"}));
  apikey_create->add_option("--domains", apikey_options.domains,
                            "sender domains it may use, comma-separated; default any");

  app::UserOptions user_options;
  auto* user = cli.add_subcommand("user", "manage console users (opens --data directly)");
  user->require_subcommand(1);
  addConfigFlags(*user, flags);
  auto* user_create = user->add_subcommand("create", "create a user");
  user_create->add_option("--email", user_options.email, "login email")->required();
  user_create->add_option("--role", user_options.role, "superadmin, admin, user or auditor")
      ->required()
      ->check(CLI::IsMember({"superadmin", "admin", "user", "auditor"}));
  user_create->add_flag("--password-stdin", user_options.password_stdin,
                        "read the password from standard input (else one is generated)");

  app::SmtpTestOptions smtp_test_options;
  auto* smtp = cli.add_subcommand("smtp", "check the SMTP relay settings");
  smtp->require_subcommand(1);
  addConfigFlags(*smtp, flags);
  auto* smtp_validate = smtp->add_subcommand(
      "validate", "connect to the saved relay: TLS, EHLO, AUTH (opens --data)");
  auto* smtp_test = smtp->add_subcommand(
      "test", "send a test message through the relay via a running server and wait for it");
  smtp_test->add_option("--url", smtp_test_options.url, "server URL")->envname("OUTPOST_URL");
  smtp_test->add_option("--key", smtp_test_options.key, "API key of a super admin (scope full)")
      ->envname("OUTPOST_KEY")
      ->required();
  smtp_test->add_option("--to", smtp_test_options.to, "recipient of the test")->required();
  smtp_test->add_option("--from", smtp_test_options.from, "sender; default outpost@HOSTNAME");
  smtp_test->add_option("--wait", smtp_test_options.wait_seconds,
                        "seconds to wait for the relay's answer; default 60");

  std::vector<std::string> bounce_files;
  auto* bounce = cli.add_subcommand("bounce", "bounce and DSN tools");
  bounce->require_subcommand(1);
  auto* bounce_parse = bounce->add_subcommand(
      "parse", "parse bounce/DSN messages: one JSON line per file with each recipient's status");
  bounce_parse->add_option("files", bounce_files, "message files (.eml)")->required();

  app::DkimKeygenOptions dkim_options;
  std::string dkim_domain;
  std::string dkim_selector;
  bool dkim_json = false;
  auto* dkim = cli.add_subcommand("dkim", "DKIM keys (opens --data directly)");
  dkim->require_subcommand(1);
  addConfigFlags(*dkim, flags);
  auto* dkim_keygen = dkim->add_subcommand(
      "keygen", "make (or --import) a key for a domain; prints the selector and the TXT record");
  dkim_keygen->add_option("domain", dkim_options.domain, "the signing domain (d=)")->required();
  dkim_keygen->add_option("--selector", dkim_options.selector,
                          "selector; default op<year><month>r or …e");
  dkim_keygen->add_option("--algorithm", dkim_options.algorithm,
                          "rsa-2048 (default), rsa-3072, "
                          "rsa-4096 or ed25519");
  dkim_keygen->add_option("--import", dkim_options.import_file,
                          "a PEM private key file to import instead of generating one");
  dkim_keygen->add_flag("--activate", dkim_options.activate,
                        "sign with it at once (DNS published elsewhere, tests)");
  dkim_keygen->add_flag("--json", dkim_options.json, "one JSON object");
  auto* dkim_list = dkim->add_subcommand("list", "the keys, with their states and dates");
  dkim_list->add_option("domain", dkim_domain, "only this domain");
  dkim_list->add_flag("--json", dkim_json, "a JSON array");
  auto* dkim_record = dkim->add_subcommand("record", "the TXT record's value alone");
  dkim_record->add_option("domain", dkim_domain)->required();
  dkim_record->add_option("selector", dkim_selector)->required();
  auto* dkim_activate = dkim->add_subcommand(
      "activate", "sign with this key from now on; the key it replaces is retired");
  dkim_activate->add_option("domain", dkim_domain)->required();
  dkim_activate->add_option("selector", dkim_selector)->required();
  auto* dkim_validate = dkim->add_subcommand(
      "validate",
      "check the published TXT records of the domain's keys (--dns-server); activates pending "
      "keys whose record is valid; exit 1 unless all are valid");
  dkim_validate->add_option("domain", dkim_domain)->required();
  dkim_validate->add_option("selector", dkim_selector, "only this key");
  dkim_validate->add_flag("--json", dkim_json, "one JSON object");
  auto* dkim_test = dkim->add_subcommand(
      "test", "sign a sample message with the domain's keys and verify it through DNS");
  dkim_test->add_option("domain", dkim_domain)->required();
  dkim_test->add_flag("--json", dkim_json, "one JSON object");
  std::string dkim_file;
  auto* dkim_verify = dkim->add_subcommand(
      "verify", "verify the DKIM signatures of a message file (- = standard input) through DNS");
  dkim_verify->add_option("file", dkim_file, "the message (.eml); default standard input");
  dkim_verify->add_flag("--json", dkim_json, "one JSON object");

  app::SpfCheckOptions spf_options;
  auto* spf = cli.add_subcommand("spf", "SPF of a sending domain (RFC 7208)");
  spf->require_subcommand(1);
  addConfigFlags(*spf, flags);
  auto* spf_check = spf->add_subcommand(
      "check",
      "with --ip: check_host() for that address (exit 0 on pass); without: validate the domain's "
      "SPF for the relays and routes of --data, with the record to publish (exit 0 when ok)");
  spf_check->add_option("domain", spf_options.domain, "the sending domain (optional with --batch)");
  spf_check->add_option("--ip", spf_options.ip, "the client address to evaluate");
  spf_check->add_option("--sender", spf_options.sender, "MAIL FROM; default postmaster@DOMAIN");
  spf_check->add_option("--helo", spf_options.helo, "HELO name; default the hostname");
  spf_check->add_flag("--json", spf_options.json, "one JSON line");
  spf_check->add_flag("--batch", spf_options.batch,
                      "check_host() for each JSON line of standard input ({\"ip\", \"domain\", "
                      "\"sender\", \"helo\"}), one JSON line out for each");

  std::string dmarc_domain;
  bool dmarc_json = false;
  auto* dmarc = cli.add_subcommand("dmarc", "DMARC of a sending domain (RFC 7489)");
  dmarc->require_subcommand(1);
  addConfigFlags(*dmarc, flags);
  auto* dmarc_check = dmarc->add_subcommand(
      "check",
      "the policy found (--dns-server), its tags and errors, the alignment of outpost's mail "
      "(DKIM keys of --data, --return-domain) and the record to publish; exit 0 when a valid "
      "policy is published");
  dmarc_check->add_option("domain", dmarc_domain, "the sending (From) domain")->required();
  dmarc_check->add_flag("--json", dmarc_json, "one JSON line");

  CLI11_PARSE(cli, argc, argv);

  if (send->parsed()) return app::send(send_options);
  if (bounce_parse->parsed()) return app::bounceParse(bounce_files);
  if (smtp_test->parsed()) return app::smtpTest(smtp_test_options);

  const auto config = buildConfig(flags);
  if (!config) return 2;
  outpost::setupLogging(serve->parsed() ? config->log_level : "warn");
  if (serve->parsed())
    exit_code = app::serve(*config);
  else if (queue_list->parsed())
    exit_code = app::queueList(*config, queue_options);
  else if (queue_show->parsed())
    exit_code = app::queueShow(*config, queue_options);
  else if (queue_retry->parsed())
    exit_code = app::queueRetry(*config, retry_id);
  else if (queue_cancel->parsed())
    exit_code = app::queueCancel(*config, cancel_id);
  else if (apikey_create->parsed())
    exit_code = app::apikeyCreate(*config, apikey_options);
  else if (user_create->parsed())
    exit_code = app::userCreate(*config, user_options);
  else if (smtp_validate->parsed())
    exit_code = app::smtpValidate(*config);
  else if (dkim_keygen->parsed())
    exit_code = app::dkimKeygen(*config, dkim_options);
  else if (dkim_list->parsed())
    exit_code = app::dkimList(*config, dkim_domain, dkim_json);
  else if (dkim_record->parsed())
    exit_code = app::dkimRecord(*config, dkim_domain, dkim_selector);
  else if (dkim_activate->parsed())
    exit_code = app::dkimActivate(*config, dkim_domain, dkim_selector);
  else if (dkim_validate->parsed())
    exit_code = app::dkimValidate(*config, dkim_domain, dkim_selector, dkim_json);
  else if (dkim_test->parsed())
    exit_code = app::dkimTest(*config, dkim_domain, dkim_json);
  else if (dkim_verify->parsed())
    exit_code = app::dkimVerify(*config, dkim_file, dkim_json);
  else if (dmarc_check->parsed())
    exit_code = app::dmarcCheck(*config, dmarc_domain, dmarc_json);
  else if (spf_check->parsed())
    exit_code = app::spfCheck(*config, spf_options);
  return exit_code;
}

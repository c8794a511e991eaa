"""`outpost spf check` and /api/v1/domains/{domain}/spf/{validate,test} against a real
authoritative DNS server (Knot, dns_server.py): good and broken records (none, two, a syntax
error, +all, too many lookups, an include of a domain without SPF), check_host() with --ip
(pass, fail, softfail; text and --json), and the validation of a domain for a saved relay whose
own domain's _spf record covers its address: the include is found in DNS and recommended."""
import json
import shutil
import subprocess
import tempfile
import unittest

from dns_server import DnsServer
from harness import BINARY, OutpostProcess, RelayPeer, stop_all

ZONE = "spf.test"
RELAY_ZONE = "relay-domain.test"
RELAY_HOST = "smtp.relay-domain.test"


def many_includes():
    lines = []
    includes = []
    for i in range(11):
        lines.append(f'inc{i} TXT "v=spf1 ip4:198.51.100.{i} -all"')
        includes.append(f"include:inc{i}.{ZONE}")
    lines.append('many TXT "v=spf1 ' + " ".join(includes) + ' -all"')
    return lines


RECORDS = [
    'good TXT "v=spf1 ip4:192.0.2.0/24 -all"',
    'soft TXT "v=spf1 ip4:192.0.2.0/24 ~all"',
    "norecord A 192.0.2.1",
    'norecord TXT "some-verification=abc"',
    'two TXT "v=spf1 ip4:192.0.2.1 -all"',
    'two TXT "v=spf1 ip4:192.0.2.2 ~all"',
    'syntax TXT "v=spf1 ip4:192.0.2.300 -all"',
    'plusall TXT "v=spf1 +all"',
    'inclnone TXT "v=spf1 include:nospf.spf.test -all"',
    "nospf A 192.0.2.9",
    'ptr TXT "v=spf1 ptr -all"',
    'relayed TXT "v=spf1 include:_spf.relay-domain.test -all"',
    *many_includes(),
]

RELAY_RECORDS = [
    "smtp A 127.0.0.1",
    '_spf TXT "v=spf1 ip4:127.0.0.0/8 -all"',
    '@ TXT "v=spf1 include:_spf.relay-domain.test -all"',
]


class SpfCli(unittest.TestCase):
    """The CLI alone: no data folder needed for --ip, nor to check the record itself."""

    @classmethod
    def setUpClass(cls):
        cls.dns = DnsServer(zones={ZONE: RECORDS, RELAY_ZONE: RELAY_RECORDS}).start()

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()

    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="outpost-spf-cli-")

    def tearDown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    def run_cli(self, *args, expect=0):
        result = subprocess.run([BINARY, "spf", "check", *args, "--dns-server", self.dns.address,
                                 "--data", self.folder + "/absent"],
                                capture_output=True, text=True, timeout=120)
        if expect is not None:
            self.assertEqual(result.returncode, expect, result.stdout + result.stderr)
        return result

    def check_json(self, *args, expect=0):
        result = self.run_cli(*args, "--json", expect=expect)
        lines = result.stdout.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stdout)
        return json.loads(lines[0])

    def validate(self, name, expect=1):
        return self.check_json(f"{name}.{ZONE}", expect=expect)

    @staticmethod
    def codes(answer):
        return [finding["code"] for finding in answer["domains"][0]["analysis"]["findings"]]

    def test_ip_pass_fail_softfail_with_exit_codes(self):
        answer = self.check_json(f"good.{ZONE}", "--ip", "192.0.2.7")
        self.assertEqual(answer["result"], "pass")
        self.assertEqual(answer["mechanism"], "ip4:192.0.2.0/24")
        self.assertEqual(answer["sender"], f"postmaster@good.{ZONE}")
        for key in ("explanation", "reason", "code", "dns_terms", "void_lookups", "lookups"):
            self.assertIn(key, answer)
        self.assertEqual(answer["lookups"][0]["type"], "TXT")
        fail = self.check_json(f"good.{ZONE}", "--ip", "203.0.113.1", expect=1)
        self.assertEqual(fail["result"], "fail")
        self.assertTrue(fail["explanation"])
        soft = self.check_json(f"soft.{ZONE}", "--ip", "203.0.113.1", expect=1)
        self.assertEqual(soft["result"], "softfail")
        # The sender's domain is the one checked.
        other = self.check_json(f"soft.{ZONE}", "--ip", "192.0.2.7", "--sender",
                                f"bob@good.{ZONE}", "--helo", "mail.example")
        self.assertEqual((other["result"], other["domain"], other["helo"]),
                         ("pass", f"good.{ZONE}", "mail.example"))
        none = self.check_json(f"norecord.{ZONE}", "--ip", "192.0.2.7", expect=1)
        self.assertEqual(none["result"], "none")
        perm = self.check_json(f"two.{ZONE}", "--ip", "192.0.2.1", expect=1)
        self.assertEqual(perm["result"], "permerror")

    def test_ip_text_form_shows_result_reason_and_lookups(self):
        text = self.run_cli(f"relayed.{ZONE}", "--ip", "127.0.0.1").stdout
        self.assertTrue(text.startswith("pass: "), text)
        self.assertIn("TXT relayed.spf.test", text)
        self.assertIn("    TXT _spf.relay-domain.test", text)  # indented by depth
        failed = self.run_cli(f"good.{ZONE}", "--ip", "203.0.113.1", expect=1).stdout
        self.assertIn("explanation:", failed)

    def test_bad_arguments_exit_2(self):
        self.run_cli(f"good.{ZONE}", "--ip", "not-an-ip", expect=2)
        self.run_cli("bad domain", "--ip", "192.0.2.1", expect=2)

    def test_validation_of_broken_records(self):
        self.assertEqual(self.validate("norecord")["status"], "missing")
        self.assertIn("no_record", self.codes(self.validate("norecord")))
        two = self.validate("two")
        self.assertEqual(two["status"], "error")
        self.assertIn("several_records", self.codes(two))
        # Merged into one (DNS gives the two in any order; the first all met is kept).
        merged = two["domains"][0]["recommendation"]["record"].split()
        self.assertEqual(sorted(merged[1:3]), ["ip4:192.0.2.1", "ip4:192.0.2.2"])
        self.assertIn(merged[3], ("-all", "~all"))
        self.assertEqual(len(merged), 4)
        syntax = self.validate("syntax")
        self.assertIn("syntax", self.codes(syntax))
        self.assertIn("192.0.2.300", syntax["domains"][0]["analysis"]["syntax_error"])
        plus = self.validate("plusall")
        self.assertIn("pass_all", self.codes(plus))
        self.assertEqual(plus["domains"][0]["recommendation"]["record"], "v=spf1 ~all")
        many = self.validate("many")
        self.assertIn("too_many_lookups", self.codes(many))
        self.assertEqual(many["domains"][0]["analysis"]["dns_terms"], 11)
        self.assertIn("include_none", self.codes(self.validate("inclnone")))
        self.assertIn("ptr", self.codes(self.validate("ptr")))

    def test_validation_without_data_folder_checks_the_record(self):
        good = self.validate("good")
        # No relay or route is known: the record is fine, but nothing was checked against it.
        self.assertEqual(good["status"], "warning")
        self.assertEqual(good["domains"][0]["analysis"]["findings"], [])
        self.assertTrue(any("could not be read" in note or "no data folder" in note
                            for note in good["notes"]), good["notes"])
        text = self.run_cli(f"two.{ZONE}", expect=1).stdout
        self.assertIn("SPF error", text)
        self.assertIn("several_records", text)
        self.assertIn("recommended", text)


class SpfServer(unittest.TestCase):
    """A running `outpost serve` with a relay saved: validation finds the relay's include."""

    @classmethod
    def setUpClass(cls):
        cls.started = []
        try:
            cls.dns = DnsServer(zones={ZONE: RECORDS, RELAY_ZONE: RELAY_RECORDS}).start()
            cls.started.append(cls.dns)
            cls.relay = RelayPeer().start()
            cls.started.append(cls.relay)
            cls.outpost = OutpostProcess(extra_args=["--dns-server", cls.dns.address]).start()
            cls.started.append(cls.outpost)
            status, body = cls.outpost.request("PUT", "/api/v1/settings/smtp", {
                "host": RELAY_HOST, "port": cls.relay.port, "tls": "none"})
            assert status == 200, body
        except BaseException:
            stop_all(cls.started)
            raise

    @classmethod
    def tearDownClass(cls):
        stop_all(cls.started)

    def test_validate_recommends_the_include_found_in_the_relays_domain(self):
        # norecord.spf.test publishes nothing: the include of the relay's _spf name is the fix.
        status, body = self.outpost.request("POST", f"/api/v1/domains/norecord.{ZONE}/spf/validate")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["status"], "missing")
        path = body["paths"][0]
        self.assertEqual((path["kind"], path["host"], path["addresses"]),
                         ("relay", RELAY_HOST, ["127.0.0.1"]))
        self.assertEqual(path["discovery"]["include"], f"_spf.{RELAY_ZONE}")
        recommendation = body["domains"][0]["recommendation"]
        self.assertEqual(recommendation["record"], f"v=spf1 include:_spf.{RELAY_ZONE} ~all")
        self.assertIn(recommendation["record"], body["next_step"])
        # A domain that already includes it passes for the relay's address.
        status, good = self.outpost.request("POST", f"/api/v1/domains/relayed.{ZONE}/spf/validate")
        self.assertEqual(status, 200, good)
        self.assertEqual(good["status"], "ok", good["reason"])
        self.assertEqual(good["domains"][0]["results"][0]["check"]["result"], "pass")
        self.assertFalse(good["domains"][0]["recommendation"]["changed"])

    def test_cli_validation_reads_the_relay_from_the_data_folder(self):
        result = subprocess.run([BINARY, "spf", "check", f"norecord.{ZONE}", "--json",
                                 "--dns-server", self.dns.address, "--data",
                                 self.outpost.data_dir],
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 1, result.stderr)
        answer = json.loads(result.stdout)
        self.assertEqual(answer["domains"][0]["recommendation"]["record"],
                         f"v=spf1 include:_spf.{RELAY_ZONE} ~all")

    def test_spf_test_route(self):
        status, body = self.outpost.request("POST", f"/api/v1/domains/good.{ZONE}/spf/test",
                                            {"ip": "192.0.2.5", "helo": "mail.example"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["result"], "pass")
        status, body = self.outpost.request("POST", f"/api/v1/domains/good.{ZONE}/spf/test",
                                            {"ip": "203.0.113.5"})
        self.assertEqual((status, body["result"]), (200, "fail"))
        status, body = self.outpost.request("POST", f"/api/v1/domains/good.{ZONE}/spf/test", {})
        self.assertEqual(status, 400)
        self.assertEqual(body["errors"][0]["field"], "ip")


if __name__ == "__main__":
    unittest.main()

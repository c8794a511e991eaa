"""`outpost dmarc check DOMAIN` against a real authoritative DNS server (Knot, dns_server.py):
a good policy, a policy only at the organizational domain, none, broken syntax, two records,
rua in another domain with and without its RFC 7489 §7.1 authorization record, a failing zone,
and the --json form. Exit code 0 only when a valid policy is published."""
import json
import shutil
import subprocess
import tempfile
import unittest

from dns_server import DnsServer
from harness import BINARY

ZONES = {
    "good.test": ["@ A 127.0.0.1",
                  '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:agg@good.test"'],
    "orgonly.test": ["@ A 127.0.0.1", "news A 127.0.0.1",
                     '_dmarc TXT "v=DMARC1; p=quarantine; sp=reject; rua=mailto:a@orgonly.test"'],
    "none.test": ["@ A 127.0.0.1", '@ TXT "v=spf1 -all"'],
    "broken.test": ["@ A 127.0.0.1",
                    '_dmarc TXT "v=DMARC1; p=sometimes; pct=150; rua=reports@broken.test"'],
    "two.test": ["@ A 127.0.0.1",
                 '_dmarc TXT "v=DMARC1; p=none; rua=mailto:a@two.test"',
                 '_dmarc TXT "v=DMARC1; p=reject"'],
    "ext.test": ["@ A 127.0.0.1",
                 '_dmarc TXT "v=DMARC1; p=none; rua=mailto:dmarc@reports.example"'],
    "extok.test": ["@ A 127.0.0.1",
                   '_dmarc TXT "v=DMARC1; p=none; rua=mailto:dmarc@reports.example"'],
    "reports.example": ["@ A 127.0.0.1",
                        'extok.test._report._dmarc TXT "v=DMARC1"'],
}


class DmarcCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dns = DnsServer(zones=ZONES, servfail_zones=["fail.test"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()

    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="outpost-dmarc-cli-")

    def tearDown(self):
        shutil.rmtree(self.data, ignore_errors=True)

    def run_cli(self, *args, expect=0):
        result = subprocess.run([BINARY, *args, "--data", self.data,
                                 "--dns-server", self.dns.address],
                                capture_output=True, text=True, timeout=120)
        if expect is not None:
            self.assertEqual(result.returncode, expect, result.stdout + result.stderr)
        return result

    def check(self, domain, *extra, expect=0):
        result = self.run_cli("dmarc", "check", domain, "--json", *extra, expect=expect)
        lines = result.stdout.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stdout)
        return json.loads(lines[0])

    def activate_key(self, domain):
        self.run_cli("dkim", "keygen", domain, "--algorithm", "ed25519", "--activate")

    @staticmethod
    def codes(report):
        return [finding["code"] for finding in report["recommendation"]["findings"]]

    def test_good_policy_with_an_own_key_is_ok(self):
        self.activate_key("good.test")
        report = self.check("good.test")
        self.assertEqual(report["status"], "ok", report)
        self.assertTrue(report["valid"])
        self.assertEqual(report["policy"]["location"], "domain")
        self.assertEqual(report["policy"]["name"], "_dmarc.good.test")
        self.assertEqual(report["policy"]["tags"]["p"], "reject")
        self.assertEqual(report["policy"]["tags"]["rua"][0]["address"], "agg@good.test")
        self.assertEqual(report["setup"]["dkim_domain"], "good.test")
        self.assertTrue(report["alignment"]["dkim"]["strict"])
        self.assertEqual(report["recommendation"]["steps"], [])
        self.assertFalse(report["recommendation"]["change"])
        # The text form: where, the tags, alignment, and the record ready to copy.
        text = self.run_cli("dmarc", "check", "good.test").stdout
        self.assertIn("found at _dmarc.good.test", text)
        self.assertIn("p=reject", text)
        self.assertIn("dkim: relaxed yes, strict yes", text)
        self.assertIn("status: ok", text)
        self.assertIn("v=DMARC1; p=reject; rua=mailto:agg@good.test", text)

    def test_policy_only_at_the_organizational_domain(self):
        report = self.check("news.orgonly.test", "--return-domain", "bounces.orgonly.test")
        self.assertEqual(report["policy"]["location"], "organizational_domain")
        self.assertEqual(report["policy"]["organizational_domain"], "orgonly.test")
        self.assertEqual(report["policy"]["names_queried"],
                         ["_dmarc.news.orgonly.test", "_dmarc.orgonly.test"])
        self.assertIn("org_domain_policy", self.codes(report))
        # Unsigned (no key), MAIL FROM on the return domain: SPF aligns relaxed only.
        self.assertIsNone(report["setup"]["dkim_domain"])
        self.assertEqual(report["setup"]["mail_from_domain"], "bounces.orgonly.test")
        self.assertTrue(report["alignment"]["spf"]["relaxed"])
        self.assertFalse(report["alignment"]["spf"]["strict"])
        self.assertEqual(report["status"], "warning")
        self.assertIn("no_dkim", self.codes(report))

    def test_no_policy_is_missing_and_exits_1(self):
        report = self.check("none.test", expect=1)
        self.assertEqual(report["status"], "missing")
        self.assertFalse(report["policy"]["found"])
        self.assertEqual(report["recommendation"]["record"],
                         "v=DMARC1; p=none; rua=mailto:dmarc-reports@none.test")
        text = self.run_cli("dmarc", "check", "none.test", expect=1).stdout
        self.assertIn("policy: none", text)
        self.assertIn("_dmarc.none.test TXT", text)
        self.assertIn("v=DMARC1; p=quarantine; pct=25; rua=mailto:dmarc-reports@none.test", text)

    def test_broken_syntax_lists_every_tag_error(self):
        report = self.check("broken.test", expect=1)
        self.assertEqual(report["status"], "error")
        tags = sorted(error["tag"] for error in report["policy"]["errors"])
        self.assertEqual(tags, ["p", "pct", "rua"])
        self.assertFalse(report["policy"]["applies"])
        self.assertIn("not_applied", self.codes(report))

    def test_two_records_mean_no_policy(self):
        report = self.check("two.test", expect=1)
        self.assertEqual(report["status"], "error")
        self.assertEqual(len(report["policy"]["records_found"]), 2)
        self.assertIn("several_records", self.codes(report))
        self.assertEqual(report["recommendation"]["record"],
                         "v=DMARC1; p=none; rua=mailto:a@two.test")

    def test_rua_in_another_domain_needs_its_authorization_record(self):
        self.activate_key("ext.test")
        self.activate_key("extok.test")
        without = self.check("ext.test")
        self.assertIn("rua_unauthorized", self.codes(without))
        self.assertEqual(without["status"], "warning")
        message = [f["message"] for f in without["recommendation"]["findings"]
                   if f["code"] == "rua_unauthorized"][0]
        self.assertIn("ext.test._report._dmarc.reports.example", message)
        authorized = self.check("extok.test")
        self.assertNotIn("rua_unauthorized", self.codes(authorized))
        self.assertEqual(authorized["status"], "ok", authorized)

    def test_dns_failure_is_a_temporary_error(self):
        report = self.check("fail.test", expect=1)
        self.assertEqual(report["status"], "error")
        self.assertTrue(report["temporary"])
        self.assertEqual(report["policy"]["error"]["code"], "dns.servfail")

    def test_bad_domain_is_a_usage_error(self):
        result = self.run_cli("dmarc", "check", "bad domain", expect=2)
        self.assertIn("domain", result.stderr)


if __name__ == "__main__":
    unittest.main()

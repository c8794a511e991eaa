"""`outpost dkim keygen|list|record|activate`: keys made from the command line (the server may be
stopped), with the TXT record to publish; private keys never printed and never stored in the
clear; a new key pending until activated, which retires the key it replaces.
`outpost dkim validate|test|verify` against a real authoritative DNS server (Knot, dns_server.py):
good, missing, wrong, testing and duplicated records; sign-and-verify; dkimpy's signatures."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from dns_server import DnsServer
from harness import BINARY, OutpostProcess

DOMAIN = "dkim.test"


class DkimCommands(unittest.TestCase):
    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="outpost-dkim-cli-")

    def tearDown(self):
        shutil.rmtree(self.data, ignore_errors=True)

    def run_cli(self, *args, check=True):
        result = subprocess.run([BINARY, "dkim", *args, "--data", self.data],
                                capture_output=True, text=True, timeout=120)
        if check:
            self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("PRIVATE KEY", result.stdout + result.stderr)
        return result

    def keys(self, domain="example.com"):
        return {key["selector"]: key
                for key in json.loads(self.run_cli("list", domain, "--json").stdout)}

    def test_keygen_prints_the_record_and_the_key_waits_until_activated(self):
        made = json.loads(self.run_cli("keygen", "Example.com", "--json").stdout)
        self.assertEqual(made["domain"], "example.com")
        self.assertRegex(made["selector"], r"^op\d{6}r$")
        self.assertEqual(made["name"], f"{made['selector']}._domainkey.example.com")
        self.assertEqual(made["algorithm"], "rsa-sha256")
        self.assertEqual(made["bits"], 2048)
        self.assertEqual(made["state"], "pending")
        self.assertTrue(made["record"].startswith("v=DKIM1; k=rsa; p=MII"))
        self.assertTrue(all(len(part) <= 255 for part in made["record_strings"]))
        self.assertEqual("".join(made["record_strings"]), made["record"])
        record = self.run_cli("record", "example.com", made["selector"]).stdout.strip()
        self.assertEqual(record, made["record"])
        # The human form says where to publish it and how to activate it.
        text = self.run_cli("keygen", "example.com", "--algorithm", "ed25519").stdout
        self.assertIn("._domainkey.example.com", text)
        self.assertIn('"v=DKIM1; k=ed25519; p=', text)
        self.assertIn("outpost dkim activate example.com", text)

    def test_activating_a_new_key_retires_the_one_of_the_same_algorithm(self):
        self.run_cli("keygen", "example.com", "--selector", "old", "--activate")
        self.run_cli("keygen", "example.com", "--selector", "ed", "--algorithm", "ed25519",
                     "--activate")
        self.run_cli("keygen", "example.com", "--selector", "new", "--algorithm", "rsa-3072")
        states = {selector: key["state"] for selector, key in self.keys().items()}
        self.assertEqual(states, {"old": "active", "ed": "active", "new": "pending"})
        self.assertEqual(self.keys()["new"]["bits"], 3072)
        self.run_cli("activate", "example.com", "new")
        keys = self.keys()
        self.assertEqual(keys["new"]["state"], "active")
        self.assertEqual(keys["old"]["state"], "retired")
        self.assertRegex(keys["old"]["retired_at"], r"^\d{4}-\d\d-\d\dT")
        self.assertRegex(keys["new"]["activated_at"], r"^\d{4}-\d\d-\d\dT")
        self.assertEqual(keys["ed"]["state"], "active")  # dual signing goes on

    def test_weak_keys_taken_selectors_and_bad_names_are_refused(self):
        weak = self.run_cli("keygen", "example.com", "--algorithm", "rsa-1024", check=False)
        self.assertEqual(weak.returncode, 1)
        self.assertIn("1024", weak.stderr)
        self.run_cli("keygen", "example.com", "--selector", "s1", "--algorithm", "ed25519")
        taken = self.run_cli("keygen", "example.com", "--selector", "S1", check=False)
        self.assertEqual(taken.returncode, 1)
        self.assertIn("selector", taken.stderr)
        bad = self.run_cli("keygen", "exa mple.com", check=False)
        self.assertEqual(bad.returncode, 1)
        missing = self.run_cli("record", "example.com", "nope", check=False)
        self.assertEqual(missing.returncode, 1)

    def test_an_imported_key_keeps_its_public_half_and_is_stored_sealed(self):
        pem = os.path.join(self.data, "import.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", pem], check=True,
                       capture_output=True)
        public = subprocess.run(["openssl", "pkey", "-in", pem, "-pubout", "-outform", "DER"],
                                check=True, capture_output=True).stdout
        made = json.loads(self.run_cli("keygen", "example.com", "--selector", "imp",
                                       "--import", pem, "--json").stdout)
        import base64
        self.assertEqual(made["record"],
                         "v=DKIM1; k=ed25519; p=" + base64.b64encode(public[-32:]).decode())
        os.remove(pem)
        for name in os.listdir(self.data):
            path = os.path.join(self.data, name)
            if os.path.isfile(path):
                with open(path, "rb") as handle:
                    self.assertNotIn(b"PRIVATE KEY", handle.read(), name)


def zone_txt(value):
    """The zone-file form of a TXT value: quoted character-strings of at most 255 octets."""
    parts = [value[i:i + 255] for i in range(0, len(value), 255)]
    return " ".join('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"'
                    for part in parts)


class DkimDns(unittest.TestCase):
    """validate, test and verify through Knot on 127.0.0.1."""

    @classmethod
    def setUpClass(cls):
        cls.dns = DnsServer(zones={DOMAIN: ["@ A 127.0.0.1"]}).start()

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()

    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="outpost-dkim-dns-")

    def tearDown(self):
        shutil.rmtree(self.data, ignore_errors=True)

    def run_cli(self, *args, expect=0):
        result = subprocess.run([BINARY, "dkim", *args, "--data", self.data,
                                 "--dns-server", self.dns.address],
                                capture_output=True, text=True, timeout=120)
        if expect is not None:
            self.assertEqual(result.returncode, expect, result.stdout + result.stderr)
        self.assertNotIn("PRIVATE KEY", result.stdout + result.stderr)
        return result

    def keygen(self, selector, algorithm="ed25519", *extra):
        return json.loads(self.run_cli("keygen", DOMAIN, "--selector", selector, "--algorithm",
                                       algorithm, "--json", *extra).stdout)

    def publish(self, *records):
        self.dns.set_zone(DOMAIN, ["@ A 127.0.0.1", *records])

    def states(self):
        keys = json.loads(self.run_cli("list", DOMAIN, "--json").stdout)
        return {key["selector"]: key["state"] for key in keys}

    @staticmethod
    def codes(check):
        return [finding["code"] for finding in check["findings"]]

    def test_validate_activates_a_pending_key_whose_record_is_published(self):
        good = self.keygen("good", "rsa-2048")
        self.publish(f"good._domainkey TXT {zone_txt(good['record'])}")
        answer = json.loads(self.run_cli("validate", DOMAIN, "--json").stdout)
        self.assertTrue(answer["ok"])
        check = answer["keys"][0]
        self.assertEqual((check["status"], check["state_before"], check["state"]),
                         ("ok", "pending", "active"))
        self.assertTrue(check["activated"])
        self.assertEqual(check["records_found"], [good["record"]])
        self.assertEqual(self.states(), {"good": "active"})
        text = self.run_cli("validate", DOMAIN, "good").stdout
        self.assertIn("good._domainkey.dkim.test", text)
        self.assertIn("ok", text)

    def test_validate_says_what_is_wrong_and_exits_1(self):
        self.keygen("missing")
        self.keygen("wrong")
        self.keygen("testing")
        self.keygen("twice")
        testing = json.loads(self.run_cli("list", DOMAIN, "--json").stdout)
        record = {key["selector"]: key["record"] for key in testing}
        other = self.keygen("other")  # its record is published at "wrong"
        self.run_cli("activate", DOMAIN, "other")
        self.publish(f"wrong._domainkey TXT {zone_txt(other['record'])}",
                     f"testing._domainkey TXT {zone_txt(record['testing'] + '; t=y')}",
                     f"twice._domainkey TXT {zone_txt(record['twice'])}",
                     f"twice._domainkey TXT {zone_txt(other['record'])}",
                     f"other._domainkey TXT {zone_txt(other['record'])}")
        result = self.run_cli("validate", DOMAIN, "--json", expect=1)
        checks = {check["selector"]: check for check in json.loads(result.stdout)["keys"]}
        self.assertEqual(checks["missing"]["status"], "missing")
        self.assertIn("nxdomain", self.codes(checks["missing"]))
        self.assertIn("different_key", self.codes(checks["wrong"]))
        self.assertIn("several_records", self.codes(checks["twice"]))
        # t=y is a warning: the record works, and the key becomes active, but it should go.
        self.assertIn("testing", self.codes(checks["testing"]))
        self.assertEqual(checks["testing"]["status"], "ok")
        self.assertEqual(checks["other"]["status"], "ok")
        states = self.states()
        for selector in ("missing", "wrong", "twice"):
            self.assertEqual(states[selector], "pending", selector)
        self.assertEqual(states["testing"], "active")
        # The text form names each finding by its code.
        text = self.run_cli("validate", DOMAIN, "missing", expect=1).stdout
        self.assertIn("nxdomain", text)

    def test_validate_follows_cnames_and_tells_empty_names_bad_syntax_and_short_keys(self):
        delegated = self.keygen("delegated", "rsa-2048")
        self.keygen("empty")
        self.keygen("broken")
        self.keygen("short", "rsa-2048")
        short_pem = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                                    "rsa_keygen_bits:1024"], check=True, capture_output=True)
        short_der = subprocess.run(["openssl", "pkey", "-pubout", "-outform", "DER"],
                                   input=short_pem.stdout, check=True, capture_output=True)
        short_record = "v=DKIM1; k=rsa; p=" + base64.b64encode(short_der.stdout).decode()
        # A delegated record (as mail providers ask for) behind a CNAME chain of two links.
        self.publish("delegated._domainkey CNAME hop.provider",
                     "hop.provider CNAME keys.provider",
                     f"keys.provider TXT {zone_txt(delegated['record'])}",
                     "empty._domainkey A 127.0.0.1",
                     'broken._domainkey TXT "v=DKIM1; k=rsa; p=not base64!"',
                     f"short._domainkey TXT {zone_txt(short_record)}")
        result = self.run_cli("validate", DOMAIN, "--json", expect=1)
        checks = {check["selector"]: check for check in json.loads(result.stdout)["keys"]}
        self.assertEqual(checks["delegated"]["status"], "ok", checks["delegated"])
        self.assertEqual(checks["delegated"]["state"], "active")
        # NODATA is told apart from NXDOMAIN: the name is there, its TXT record is not.
        self.assertEqual(checks["empty"]["status"], "missing")
        self.assertIn("no_txt", self.codes(checks["empty"]))
        self.assertNotIn("nxdomain", self.codes(checks["empty"]))
        self.assertIn("syntax", self.codes(checks["broken"]))
        self.assertIn("key_too_short", self.codes(checks["short"]))
        self.assertIn("different_key", self.codes(checks["short"]))
        message = next(finding["message"] for finding in checks["short"]["findings"]
                       if finding["code"] == "key_too_short")
        self.assertIn("1024", message)

    def test_test_signs_and_verifies_through_dns(self):
        rsa = self.keygen("r1", "rsa-2048", "--activate")
        ed = self.keygen("e1", "ed25519", "--activate")
        self.publish(f"r1._domainkey TXT {zone_txt(rsa['record'])}",
                     f"e1._domainkey TXT {zone_txt(ed['record'])}")
        answer = json.loads(self.run_cli("test", DOMAIN, "--json").stdout)
        self.assertEqual(answer["result"], "pass")
        self.assertEqual(len(answer["signature_headers"]), 2)
        self.assertEqual({verdict["result"] for verdict in answer["verdicts"]}, {"pass"})
        self.assertEqual({verdict["selector"] for verdict in answer["verdicts"]}, {"r1", "e1"})
        text = self.run_cli("test", DOMAIN).stdout
        self.assertIn("DKIM-Signature:", text)
        self.assertIn("result: pass", text)

    def test_verify_accepts_dkimpy_signatures_and_rejects_tampering(self):
        import dkim  # python3-dkim
        pem = os.path.join(self.data, "dkimpy.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "rsa", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", pem], check=True, capture_output=True)
        public = subprocess.run(["openssl", "pkey", "-in", pem, "-pubout", "-outform", "DER"],
                                check=True, capture_output=True).stdout
        self.publish("py._domainkey TXT " +
                     zone_txt("v=DKIM1; k=rsa; p=" + base64.b64encode(public).decode()))
        with open(pem, "rb") as handle:
            private = handle.read()
        message = (b"From: Shop <shop@dkim.test>\r\nTo: alice@example.net\r\n"
                   b"Subject: Signed by dkimpy\r\nDate: Sun, 29 Nov 2026 08:30:41 +0000\r\n"
                   b"Message-ID: <py.1@dkim.test>\r\n\r\nHello from dkimpy.\r\n")
        signature = dkim.sign(message, b"py", DOMAIN.encode(), private,
                              include_headers=[b"from", b"to", b"subject", b"date",
                                               b"message-id"])
        signed = os.path.join(self.data, "signed.eml")
        with open(signed, "wb") as handle:
            handle.write(signature + message)
        answer = json.loads(self.run_cli("verify", signed, "--json").stdout)
        self.assertEqual(answer["result"], "pass")
        self.assertEqual(answer["signatures"][0]["domain"], DOMAIN)
        self.assertEqual(answer["signatures"][0]["selector"], "py")
        self.assertEqual(answer["signatures"][0]["algorithm"], "rsa-sha256")
        # A file with LF line ends (as saved by many tools) verifies the same.
        lf = os.path.join(self.data, "lf.eml")
        with open(lf, "wb") as handle:
            handle.write((signature + message).replace(b"\r\n", b"\n"))
        self.assertIn("result: pass", self.run_cli("verify", lf).stdout)
        tampered = os.path.join(self.data, "tampered.eml")
        with open(tampered, "wb") as handle:
            handle.write(signature + message.replace(b"Hello", b"Jello"))
        failed = json.loads(self.run_cli("verify", tampered, "--json", expect=1).stdout)
        self.assertEqual(failed["result"], "fail")
        self.assertEqual(failed["signatures"][0]["code"], "body_hash")
        self.assertIn("d=dkim.test s=py a=rsa-sha256 fail",
                      self.run_cli("verify", tampered, expect=1).stdout)

    def test_serve_activates_pending_keys_once_dns_has_them_and_the_api_agrees(self):
        outpost = OutpostProcess(extra_env={"OUTPOST_DNS_SERVER": self.dns.address,
                                            "OUTPOST_DKIM_CHECK_INTERVAL": "1s"})
        try:
            outpost.start()
            status, made = outpost.request("POST", f"/api/v1/domains/{DOMAIN}/dkim/keys",
                                           {"selector": "later", "algorithm": "ed25519"})
            self.assertEqual(status, 201, made)
            self.assertEqual(made["state"], "pending")
            self.publish(f"later._domainkey TXT {zone_txt(made['record']['value'])}")
            deadline = time.time() + 30
            state = "pending"
            while time.time() < deadline and state != "active":
                time.sleep(0.5)
                status, listed = outpost.request("GET", f"/api/v1/domains/{DOMAIN}/dkim/keys")
                state = listed["items"][0]["state"]
            self.assertEqual(state, "active", outpost.log())
            self.assertIn("later._domainkey.dkim.test is active", outpost.log())
            status, tested = outpost.request("POST", f"/api/v1/domains/{DOMAIN}/dkim/test", {})
            self.assertEqual(status, 200, tested)
            self.assertEqual(tested["result"], "pass", tested)
        finally:
            outpost.stop()
            outpost.cleanup()


if __name__ == "__main__":
    unittest.main()

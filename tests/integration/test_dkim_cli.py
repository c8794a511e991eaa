"""`outpost dkim keygen|list|record|activate`: keys made from the command line (the server may be
stopped), with the TXT record to publish; private keys never printed and never stored in the
clear; a new key pending until activated, which retires the key it replaces."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BINARY


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


if __name__ == "__main__":
    unittest.main()

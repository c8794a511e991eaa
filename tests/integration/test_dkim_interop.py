"""DKIM interop, end to end: messages of every awkward kind go into outpost (HTTP and SMTP
submission), come out signed with an RSA-2048 and an Ed25519 key at a real relay peer, and verify
with two independent verifiers, dkimpy (Debian's python3-dkim) and npm mailauth, and with
outpost's own verifier against a real DNS server (Knot) publishing the keys. The other way round,
outpost's verifier agrees with dkimpy and mailauth on messages they sign, tampered or not. And a
message that goes through a real Postfix on its way still verifies."""
import base64
import json
import os
import shutil
import smtplib
import ssl
import subprocess
import tempfile
import unittest

from dns_server import DnsServer
from harness import (OutpostProcess, PostfixRelay, RelayPeer, relay_settings, stop_all,
                     wait_for)

CLIENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients")
DOMAIN = "example.com"

# Each case: (name, raw message without the X-Case header). Line ends are written as \n and
# turned into CRLF, except where a case is about line ends.
LONG_REFERENCES = " ".join(f"<ref{number}.{'x' * 40}@example.com>" for number in range(40))
MANY = [f"person{number}@example.org" for number in range(60)]


def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


CASES = {
    "plain": crlf("From: Shop <shop@example.com>\nTo: buyer@example.org\nSubject: Your order\n"
                  "Date: Sun, 29 Nov 2026 10:00:00 +0000\nMessage-ID: <plain@example.com>\n\n"
                  "Thank you for your order.\n\n-- \nShop\n"),
    "folded_long_headers": crlf(
        "From: Shop <shop@example.com>\nTo: buyer@example.org\n"
        "Subject: A subject that is folded\n\tover several lines   with  odd\n   spacing\n"
        "References: " + LONG_REFERENCES.replace(" ", "\n ") + "\n"
        "X-Long: " + "y" * 900 + "\n"
        "X-Spaced:    value   with\t inner   space   \n\n"
        "Body after long headers.\n"),
    # No octet 0xA0 in the UTF-8 here (as in "你", E4 BD A0): npm mailauth's relaxed
    # canonicalization reads headers as Latin-1 and its \s turns that octet into a space, so it
    # disagrees with RFC 6376 (and with dkimpy and outpost) on such headers.
    "eight_bit_smtputf8": (
        "From: Grüße <verkauf@example.com>\r\nTo: kunde@example.org\r\n"
        "Subject: Grüße aus Köln — ünïcødé ✓\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\nMIME-Version: 1.0\r\n\r\n"
        "Straße, Größe, naïve café.\r\n").encode(),
    "empty_body": crlf("From: shop@example.com\nTo: buyer@example.org\nSubject: empty\n\n"),
    "no_body_separator": crlf("From: shop@example.com\nTo: buyer@example.org\n"
                              "Subject: headers only\n"),
    "trailing_whitespace": ("From: shop@example.com\r\nTo: buyer@example.org\r\n"
                            "Subject: trailing\r\n\r\nline with spaces   \r\n"
                            "line with tab\t\r\n \t \r\nfoo  bar\t\tbaz\r\n\r\n\r\n\r\n"),
    "crlf_edges": ("From: shop@example.com\r\nTo: buyer@example.org\r\nSubject: edges\r\n\r\n"
                   ".a line starting with a dot\r\n..two dots\r\n.\r\n"
                   "no final line end"),
    "many_recipients": crlf("From: shop@example.com\nTo: " + ",\n ".join(MANY) + "\n"
                            "Subject: to many\n\nHello all.\n"),
    "duplicate_headers": crlf("Received: from a by b; Sun, 29 Nov 2026 10:00:00 +0000\n"
                              "Received: from c by d; Sun, 29 Nov 2026 09:59:00 +0000\n"
                              "From: shop@example.com\nTo: a@example.org\nTo: b@example.org\n"
                              "Subject: dup\nsubject: second subject in lower case\n\nbody\n"),
}


def with_case(name, message):
    data = message if isinstance(message, bytes) else message.encode()
    return f"X-Case: {name}\r\n".encode() + data


def zone_txt(name, record):
    strings = " ".join('"' + record[i:i + 255] + '"' for i in range(0, len(record), 255))
    return f"{name} TXT ( {strings} )"


def run_json(args, **kwargs):
    result = subprocess.run(args, capture_output=True, timeout=120, **kwargs)
    if result.returncode not in (0, 1) or not result.stdout.strip():
        raise AssertionError(f"{args[:3]} failed ({result.returncode}): "
                             f"{result.stderr.decode(errors='replace')}")
    return json.loads(result.stdout)


class Verifiers:
    """The three verifiers over one message file, with the records outpost publishes."""

    def __init__(self, folder, outpost, dns, records):
        self.folder = folder
        self.outpost = outpost
        self.dns = dns
        self.records_file = os.path.join(folder, "records.json")
        with open(self.records_file, "w") as out:
            json.dump(records, out)
        self.count = 0

    def write(self, data):
        self.count += 1
        path = os.path.join(self.folder, f"message{self.count}.eml")
        with open(path, "wb") as out:
            out.write(data)
        return path

    def dkimpy(self, path):
        found = run_json(["/usr/bin/python3", os.path.join(CLIENTS, "verify_dkim.py"), path,
                          self.records_file])
        return [(entry["selector"], entry["result"]) for entry in found["results"]]

    def mailauth(self, path):
        found = run_json(["node", os.path.join(CLIENTS, "verify_dkim.js"), path,
                          self.records_file])
        # mailauth words a changed body "neutral (body hash did not verify)" where RFC 6376 and
        # the other two say fail; the verdict is the same, only the word differs.
        return [(entry["selector"],
                 "fail" if entry["result"] == "neutral"
                 and "body hash did not verify" in entry.get("comment", "") else entry["result"])
                for entry in found["results"]]

    def outpost_verifier(self, path):
        found = run_json([self.outpost.binary, "dkim", "verify", path, "--dns-server",
                          self.dns.address, "--json", "--data", self.outpost.data_dir])
        return [(entry["selector"], entry["result"]) for entry in found["signatures"]], found


class SignedByOutpost(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.started = []
        cls.folder = tempfile.mkdtemp(prefix="outpost-dkim-interop-")
        try:
            cls.relay = RelayPeer().start()
            cls.started.append(cls.relay)
            cls.outpost = OutpostProcess()
            cls.records = {}
            for selector, algorithm in (("rsa", "rsa-2048"), ("ed", "ed25519")):
                made = json.loads(cls.outpost.cli("dkim", "keygen", DOMAIN, "--selector",
                                                  selector, "--algorithm", algorithm,
                                                  "--activate", "--json").stdout)
                cls.records[made["name"]] = made["record"]
            cls.dns = DnsServer(zones={DOMAIN: [
                zone_txt(name[:-len(DOMAIN) - 1], record)
                for name, record in cls.records.items()]}).start()
            cls.started.append(cls.dns)
            cls.outpost.env["OUTPOST_DNS_SERVER"] = cls.dns.address
            cls.outpost.start()
            cls.started.append(cls.outpost)
            status, body = cls.outpost.request("PUT", "/api/v1/settings/smtp",
                                               relay_settings(cls.relay.port))
            assert status == 200, body
            cls.verifiers = Verifiers(cls.folder, cls.outpost, cls.dns, cls.records)
        except BaseException:
            stop_all(cls.started)
            shutil.rmtree(cls.folder, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        stop_all(cls.started)
        shutil.rmtree(cls.folder, ignore_errors=True)

    def received(self, case):
        marker = f"X-Case: {case}\r\n".encode()

        def find():
            for record in self.relay.messages():
                if marker in record["data"]:
                    return record
            return None
        return wait_for(find, timeout=60, what=f"the relay to receive case {case}")

    def assert_all_verify(self, case, data):
        path = self.verifiers.write(data)
        expected = [("ed", "pass"), ("rsa", "pass")]
        self.assertEqual(sorted(self.verifiers.dkimpy(path)), expected, f"dkimpy, {case}")
        self.assertEqual(sorted(self.verifiers.mailauth(path)), expected, f"mailauth, {case}")
        ours, report = self.verifiers.outpost_verifier(path)
        self.assertEqual(sorted(ours), expected, f"outpost, {case}: {report}")
        self.assertEqual(report["result"], "pass")
        # Tampered after signing: all three say fail, for both signatures.
        header_end = data.find(b"\r\n\r\n")
        tampered = data + b"appended\r\n" if header_end >= 0 else data.replace(
            b"Subject: ", b"Subject: Re: ", 1)
        path = self.verifiers.write(tampered)
        failed = [("ed", "fail"), ("rsa", "fail")]
        self.assertEqual(sorted(self.verifiers.dkimpy(path)), failed, f"dkimpy, {case}")
        self.assertEqual(sorted(self.verifiers.mailauth(path)), failed, f"mailauth, {case}")
        self.assertEqual(sorted(self.verifiers.outpost_verifier(path)[0]), failed,
                         f"outpost, {case}")

    def test_raw_messages_of_every_kind_verify_everywhere(self):
        for case, message in CASES.items():
            data = with_case(case, message)
            rcpt = MANY if case == "many_recipients" else ["buyer@example.org"]
            status, body = self.outpost.request("POST", "/api/v1/messages/raw", {
                "mail_from": "shop@example.com", "rcpt_to": rcpt,
                "message_base64": base64.b64encode(data).decode()})
            self.assertEqual(status, 201, f"{case}: {body}")
        for case in CASES:
            with self.subTest(case=case):
                record = self.received(case)
                self.assertTrue(record["data"].startswith(b"DKIM-Signature: "), case)
                self.assert_all_verify(case, record["data"])

    def test_composed_html_with_attachments_verifies(self):
        self.outpost.send(**{
            "from": "Shop <shop@example.com>", "to": ["buyer@example.org"],
            "cc": ["accounts@example.org"], "subject": "Invoice — März",
            "text": "Your invoice is attached.\n", "html": "<p>Your <b>invoice</b></p>\n",
            "headers": {"X-Case": "composed", "List-Unsubscribe": "<mailto:u@example.com>"},
            "attachments": [
                {"filename": "invoice.pdf", "content_type": "application/pdf",
                 "content": base64.b64encode(os.urandom(30000)).decode()},
                {"filename": "notes.txt", "content_type": "text/plain",
                 "content": base64.b64encode(b"line\n" * 100).decode()}]})
        record = self.received("composed")
        self.assert_all_verify("composed", record["data"])
        # List-Unsubscribe is among the signed headers when present.
        header = record["data"].split(b"\r\n\r\n", 1)[0].decode()
        self.assertRegex(header.replace("\r\n", ""), r"h=[^;]*list-unsubscribe")

    def test_smtp_submission_is_signed_too(self):
        key = self.outpost.create_key(name="interop-smtp")
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        data = with_case("smtp", CASES["plain"])
        with smtplib.SMTP("127.0.0.1", self.outpost.submission_port, timeout=30) as client:
            client.starttls(context=context)
            client.login("interop-smtp", key)
            client.sendmail("shop@example.com", ["buyer@example.org"], data)
        self.assert_all_verify("smtp", self.received("smtp")["data"])


def make_key(folder, algorithm, name):
    """A key pair made with the openssl command: (private PEM, p= value, dkimpy private key)."""
    pem_path = os.path.join(folder, f"{name}.pem")
    if algorithm == "rsa":
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", pem_path], check=True,
                       capture_output=True)
    else:
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", pem_path],
                       check=True, capture_output=True)
    with open(pem_path, "rb") as handle:
        pem = handle.read()
    public_der = subprocess.run(["openssl", "pkey", "-in", pem_path, "-pubout", "-outform",
                                 "DER"], check=True, capture_output=True).stdout
    if algorithm == "rsa":
        return pem, base64.b64encode(public_der).decode(), pem
    private_der = subprocess.run(["openssl", "pkey", "-in", pem_path, "-outform", "DER"],
                                 check=True, capture_output=True).stdout
    # Raw 32-byte public key (RFC 8463 §4) and the base64 seed dkimpy signs with.
    return (pem, base64.b64encode(public_der[-32:]).decode(),
            base64.b64encode(private_der[-32:]))


class SignedByOthers(unittest.TestCase):
    """outpost's verifier agrees with dkimpy and mailauth on what they sign."""

    @classmethod
    def setUpClass(cls):
        import dkim
        cls.dkim = dkim
        cls.folder = tempfile.mkdtemp(prefix="outpost-dkim-others-")
        cls.keys = {}
        zone = []
        records = {}
        for name, algorithm in (("prsa", "rsa"), ("ped", "ed25519"), ("mrsa", "rsa"),
                                ("med", "ed25519")):
            cls.keys[name] = make_key(cls.folder, algorithm, name)
            record = f"v=DKIM1; k={algorithm}; p={cls.keys[name][1]}"
            records[f"{name}._domainkey.{DOMAIN}"] = record
            zone.append(zone_txt(f"{name}._domainkey", record))
        cls.dns = DnsServer(zones={DOMAIN: zone}).start()
        cls.outpost = OutpostProcess()
        cls.verifiers = Verifiers(cls.folder, cls.outpost, cls.dns, records)

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()
        shutil.rmtree(cls.outpost.data_dir, ignore_errors=True)
        shutil.rmtree(cls.folder, ignore_errors=True)

    def sign_dkimpy(self, data, canonicalization):
        header, body = canonicalization.split("/")
        signed = data
        for selector, algorithm in (("prsa", b"rsa-sha256"), ("ped", b"ed25519-sha256")):
            signature = self.dkim.sign(
                signed, selector.encode(), DOMAIN.encode(), self.keys[selector][2],
                canonicalize=(header.encode(), body.encode()), signature_algorithm=algorithm,
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
            signed = signature + signed
        return signed

    def sign_mailauth(self, data, canonicalization):
        message = self.verifiers.write(data)
        spec = os.path.join(self.folder, "sign.json")
        with open(spec, "w") as out:
            json.dump([{"domain": DOMAIN, "selector": selector, "algorithm": algorithm,
                        "private_key_pem": self.keys[selector][0].decode(),
                        "canonicalization": canonicalization}
                       for selector, algorithm in (("mrsa", "rsa-sha256"),
                                                   ("med", "ed25519-sha256"))], out)
        result = subprocess.run(["node", os.path.join(CLIENTS, "sign_dkim.js"), message, spec],
                                capture_output=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr.decode(errors="replace"))
        return result.stdout

    def test_outpost_agrees_with_dkimpy_and_mailauth_on_their_signatures(self):
        cases = {name: CASES[name] for name in ("plain", "folded_long_headers", "empty_body",
                                                "trailing_whitespace", "duplicate_headers")}
        for case, message in cases.items():
            data = with_case(case, message)
            for canonicalization in ("relaxed/relaxed", "simple/simple", "relaxed/simple"):
                for signer in (self.sign_dkimpy, self.sign_mailauth):
                    signed = signer(data, canonicalization)
                    for label, variant in (("as signed", signed),
                                           ("tampered", signed + b"tampered\r\n")):
                        with self.subTest(case=case, c=canonicalization,
                                          signer=signer.__name__, variant=label):
                            path = self.verifiers.write(variant)
                            theirs = sorted(self.verifiers.dkimpy(path))
                            self.assertEqual(sorted(self.verifiers.mailauth(path)), theirs)
                            ours, report = self.verifiers.outpost_verifier(path)
                            self.assertEqual(sorted(ours), theirs, report)
                            expected = "pass" if label == "as signed" else "fail"
                            self.assertTrue(all(result == expected for _, result in ours),
                                            report)


@unittest.skipIf(PostfixRelay.unavailable(), PostfixRelay.unavailable() or "")
class ThroughPostfix(unittest.TestCase):
    """outpost → a real Postfix relay → the capture peer: Postfix adds its Received header and
    re-encodes nothing that was signed."""

    def test_signatures_still_verify_after_a_postfix_hop(self):
        started = []
        folder = tempfile.mkdtemp(prefix="outpost-dkim-postfix-")
        try:
            sink = RelayPeer().start()
            started.append(sink)
            postfix = PostfixRelay({"example.org": f"smtp:[127.0.0.1]:{sink.port}"}).start()
            started.append(postfix)
            outpost = OutpostProcess()
            records = {}
            for selector, algorithm in (("rsa", "rsa-2048"), ("ed", "ed25519")):
                made = json.loads(outpost.cli("dkim", "keygen", DOMAIN, "--selector", selector,
                                              "--algorithm", algorithm, "--activate",
                                              "--json").stdout)
                records[made["name"]] = made["record"]
            dns = DnsServer(zones={DOMAIN: [zone_txt(name[:-len(DOMAIN) - 1], record)
                                            for name, record in records.items()]}).start()
            started.append(dns)
            outpost.start()
            started.append(outpost)
            status, body = outpost.request("PUT", "/api/v1/settings/smtp",
                                           relay_settings(postfix.port))
            self.assertEqual(status, 200, body)
            verifiers = Verifiers(folder, outpost, dns, records)
            for case in ("plain", "eight_bit_smtputf8", "trailing_whitespace", "crlf_edges"):
                data = with_case(case, CASES[case])
                status, body = outpost.request("POST", "/api/v1/messages/raw", {
                    "mail_from": "shop@example.com", "rcpt_to": ["buyer@example.org"],
                    "message_base64": base64.b64encode(data).decode()})
                self.assertEqual(status, 201, body)
            for case in ("plain", "eight_bit_smtputf8", "trailing_whitespace", "crlf_edges"):
                marker = f"X-Case: {case}\r\n".encode()
                record = wait_for(lambda: next((r for r in sink.messages()
                                                if marker in r["data"]), None),
                                  timeout=60, what=f"Postfix to pass on {case}")
                self.assertIn(b"Received: ", record["data"].split(marker)[0])
                path = verifiers.write(record["data"])
                expected = [("ed", "pass"), ("rsa", "pass")]
                self.assertEqual(sorted(verifiers.dkimpy(path)), expected, case)
                self.assertEqual(sorted(verifiers.mailauth(path)), expected, case)
                self.assertEqual(sorted(verifiers.outpost_verifier(path)[0]), expected, case)
        finally:
            stop_all(started)
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()

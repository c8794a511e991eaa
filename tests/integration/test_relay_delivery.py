"""Delivery through a real relay (aiosmtpd) with STARTTLS, a private CA and AUTH PLAIN."""
import tempfile
import shutil
import unittest

from harness import OutpostProcess, RelayPeer, make_certificates, relay_settings, wait_for


class RelayDelivery(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certificates_folder = tempfile.mkdtemp(prefix="outpost-certs-")
        cls.certificates = make_certificates(cls.certificates_folder)
        cls.relay = RelayPeer("--starttls", "--cert", cls.certificates["cert"], "--key",
                              cls.certificates["key"], "--require-auth", "relayuser:s3cret-pass",
                              "--require-tls").start()
        cls.outpost = OutpostProcess().start()
        status, body = cls.outpost.request("PUT", "/api/v1/settings/smtp", relay_settings(
            cls.relay.port, tls="starttls", username="relayuser", password="s3cret-pass",
            ca_file=cls.certificates["ca"]))
        assert status == 200, body

    @classmethod
    def tearDownClass(cls):
        cls.outpost.cleanup()
        cls.relay.stop()
        shutil.rmtree(cls.certificates_folder, ignore_errors=True)

    def test_settings_never_return_the_password(self):
        status, body = self.outpost.request("GET", "/api/v1/settings/smtp")
        self.assertEqual(status, 200)
        self.assertTrue(body["has_password"])
        self.assertNotIn("s3cret-pass", str(body))

    def test_messages_are_processed_with_the_relay_recorded_in_each_attempt(self):
        ids = []
        for number in range(3):
            ids.append(self.outpost.send(**{
                "from": "shop@example.com", "to": [f"customer{number}@example.org"],
                "subject": f"Order {number}", "text": f".leading dot line\nbody {number}\n"})["id"])
        for message_id in ids:
            detail = self.outpost.wait_status(message_id, "processed")
            self.assertEqual(detail["delivery_status"], "unknown")  # awaiting a report
            attempt = detail["attempts"][-1]
            self.assertEqual(attempt["code"], 250)
            self.assertEqual(attempt["ip"], "127.0.0.1")
            self.assertEqual(attempt["port"], self.relay.port)
            self.assertTrue(attempt["tls_version"].startswith("TLS"))
            self.assertTrue(attempt["remote_queue_id"].startswith("Q"))
            status, transcript = self.outpost.request(
                "GET", f"/api/v1/messages/{message_id}/attempts/{attempt['number']}/transcript")
            self.assertEqual(status, 200)
            self.assertIn("STARTTLS", transcript)
            self.assertNotIn("s3cret-pass", transcript)
        # The relay got every message byte for byte as GET /raw shows it.
        received = wait_for(lambda: len(self.relay.messages()) >= 3 and self.relay.messages())
        by_subject = {}
        for record in received:
            for line in record["data"].split(b"\r\n"):
                if line.startswith(b"Subject: "):
                    by_subject[line[9:].decode()] = record
        for number, message_id in enumerate(ids):
            record = by_subject[f"Order {number}"]
            status, raw = self.outpost.request("GET", f"/api/v1/messages/{message_id}/raw",
                                               raw=True)
            self.assertEqual(record["data"], raw)
            self.assertEqual(record["rcpt_tos"], [f"customer{number}@example.org"])
            self.assertEqual(record["mail_from"], "shop@example.com")
            self.assertTrue(record["tls"])
            self.assertEqual(record["auth_user"], "relayuser")

    def test_validate_reports_every_step_ok(self):
        status, report = self.outpost.request("POST", "/api/v1/settings/smtp/validate")
        self.assertEqual(status, 200, report)
        self.assertTrue(report["ok"], report)
        names = [step["name"] for step in report["steps"]]
        for expected in ("connect", "ehlo", "starttls", "auth"):
            self.assertIn(expected, names)
        cli = self.outpost.cli("smtp", "validate")
        self.assertIn("auth", cli.stdout)

    def test_smtp_test_sends_through_the_relay(self):
        status, body = self.outpost.request("POST", "/api/v1/settings/smtp/test",
                                            {"to": "admin@example.org"})
        self.assertEqual(status, 201, body)
        detail = self.outpost.wait_status(body["id"], "processed")
        self.assertEqual(detail["attempts"][-1]["code"], 250)


if __name__ == "__main__":
    unittest.main()

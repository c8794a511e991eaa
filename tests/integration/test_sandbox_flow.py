"""A newcomer's first run: no relay saved, so the sandbox captures mail end to end."""
import base64
import subprocess
import unittest

from harness import BINARY, OutpostProcess


class SandboxFlow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.outpost = OutpostProcess().start()

    @classmethod
    def tearDownClass(cls):
        cls.outpost.cleanup()

    def test_message_goes_from_outbox_to_processed_and_delivered_in_the_sandbox(self):
        accepted = self.outpost.send(**{
            "from": "Shop <shop@example.com>", "to": ["ann@example.org"],
            "cc": ["Bob <bob@example.org>"], "subject": "Your order", "text": "It ships today.",
            "html": "<p>It ships <b>today</b>.</p>"})
        self.assertEqual(len(accepted["id"]), 26)
        self.assertTrue(accepted["message_id"].startswith("<"))
        self.assertTrue(accepted["message_id"].endswith("@outpost.test>"))
        self.assertEqual([r["address"] for r in accepted["recipients"]],
                         ["ann@example.org", "bob@example.org"])
        detail = self.outpost.wait_status(accepted["id"], "processed")
        self.assertEqual(detail["delivery_status"], "delivered")
        self.assertEqual(detail["server"], "sandbox")
        self.assertEqual({r["processing_status"] for r in detail["recipients"]}, {"processed"})
        self.assertEqual(len(detail["attempts"]), 2)
        self.assertEqual(detail["attempts"][0]["code"], 250)
        self.assertTrue(detail["attempts"][0]["description"])
        status, captured = self.outpost.request("GET", "/api/v1/sandbox/messages")
        self.assertEqual(status, 200)
        self.assertIn(accepted["id"], [item["id"] for item in captured["items"]])

    def test_raw_message_is_crlf_multipart_with_encoded_subject(self):
        accepted = self.outpost.send(**{
            "from": "shop@example.com", "to": ["ann@example.org"], "subject": "Grüße aus Köln",
            "text": "Hallo", "html": "<p>Hallo</p>",
            "attachments": [{"filename": "a.txt", "content_type": "text/plain",
                             "content": base64.b64encode(b"attached").decode()}]})
        status, raw = self.outpost.request("GET", f"/api/v1/messages/{accepted['id']}/raw",
                                           raw=True)
        self.assertEqual(status, 200)
        self.assertNotIn(b"\n", raw.replace(b"\r\n", b""))
        headers = raw.split(b"\r\n\r\n", 1)[0]
        self.assertIn(b"Subject: =?", headers)
        self.assertIn(b"multipart/mixed", raw)
        self.assertIn(b"multipart/alternative", raw)
        self.assertIn(base64.b64encode(b"attached"), raw)

    def test_invalid_input_gets_field_errors_and_nothing_is_stored(self):
        before = self.outpost.request("GET", "/api/v1/messages?view=sent&limit=500")[1]["items"]
        status, body = self.outpost.request("POST", "/api/v1/messages", {
            "from": "shop@example.com", "to": ["not an address", "ok@example.org"],
            "subject": "x\r\nBcc: victim@example.net", "text": "t", "colour": "blue"})
        self.assertEqual(status, 400)
        self.assertEqual(body["error"], "invalid_request")
        fields = {error["field"] for error in body["errors"]}
        self.assertIn("to[0]", fields)
        self.assertIn("colour", fields)
        after = self.outpost.request("GET", "/api/v1/messages?view=sent&limit=500")[1]["items"]
        self.assertEqual(len(before), len(after))

    def test_requests_without_a_valid_key_are_refused(self):
        status, body = self.outpost.request("GET", "/api/v1/messages", key="")
        self.assertEqual(status, 401)
        status, body = self.outpost.request("GET", "/api/v1/messages",
                                            key="op_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
        self.assertEqual(status, 401)
        self.assertEqual(body["error"], "unauthorized")

    def test_cli_queue_show_prints_the_attempts(self):
        accepted = self.outpost.send(**{"from": "shop@example.com", "to": ["cli@example.org"],
                                        "subject": "CLI", "text": "x"})
        self.outpost.wait_status(accepted["id"], "processed")
        shown = self.outpost.cli("queue", "show", accepted["id"]).stdout
        self.assertIn("cli@example.org", shown)
        self.assertIn("via sandbox", shown)
        listed = self.outpost.cli("queue", "list", "--view", "sent", "-q", "CLI").stdout
        self.assertIn(accepted["id"], listed)

    def test_cli_send_submits_through_the_api(self):
        result = subprocess.run(
            [BINARY, "send", "--url", self.outpost.url, "--key", self.outpost.key,
             "--from", "shop@example.com", "--to", "send@example.org", "--subject", "via CLI",
             "--text", "hello"], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('"id"', result.stdout)


if __name__ == "__main__":
    unittest.main()

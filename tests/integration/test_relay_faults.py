"""Relay faults, each ending in the status and attempt record a user would expect. The relay is
tests/peers/fault_peer.py, scripted per test; nothing here is mocked."""
import shutil
import tempfile
import unittest

from harness import (FaultPeer, OutpostProcess, RelayPeer, free_port, make_certificates,
                     relay_settings, wait_for)


class RelayFaults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certificates_folder = tempfile.mkdtemp(prefix="outpost-certs-")
        cls.certificates = make_certificates(cls.certificates_folder)
        cls.outpost = OutpostProcess(extra_env={
            "OUTPOST_DELIVERY_TIMEOUTS_GREETING": "2", "OUTPOST_DELIVERY_TIMEOUTS_DATA_TERM": "3",
            "OUTPOST_DELIVERY_RETRY_SCHEDULE": "60s"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.outpost.cleanup()
        shutil.rmtree(cls.certificates_folder, ignore_errors=True)

    def use_relay(self, port, **extra):
        status, body = self.outpost.request("PUT", "/api/v1/settings/smtp",
                                            relay_settings(port, **extra))
        self.assertEqual(status, 200, body)

    def first_attempt(self, *peer_options, relay=None, to="rcpt@example.org"):
        """Sends one message through a fault peer; returns the message after its first attempt."""
        peer = FaultPeer(*peer_options)
        try:
            self.use_relay(peer.port, **(relay or {}))
            accepted = self.outpost.send(**{"from": "app@example.com", "to": [to],
                                            "subject": "fault", "text": "body\n"})
            detail = wait_for(lambda: (lambda d: d if d["attempts"] else None)(
                self.outpost.message(accepted["id"])), 30, what="the first attempt")
        finally:
            peer.stop()
        self.addCleanup(self.outpost.request, "DELETE", f"/api/v1/messages/{accepted['id']}")
        return detail

    def assertDeferred(self, detail):
        self.assertEqual(detail["processing_status"], "queued")
        self.assertEqual(detail["delivery_status"], "unknown")
        self.assertIsNotNone(detail["recipients"][0]["next_attempt_at"])
        self.assertTrue(detail["has_warning"])
        status, outbox = self.outpost.request("GET", "/api/v1/messages?view=outbox&status=deferred")
        self.assertIn(detail["id"], [item["id"] for item in outbox["items"]])

    def assertFailed(self, detail):
        self.assertEqual(detail["processing_status"], "failure")
        self.assertEqual(detail["delivery_status"], "failed")
        status, failed = self.outpost.request("GET", "/api/v1/messages?view=failed")
        self.assertIn(detail["id"], [item["id"] for item in failed["items"]])

    def test_unknown_mailbox_at_rcpt_is_a_failure_with_the_enhanced_code(self):
        detail = self.first_attempt("--rcpt-reply", "550 5.1.1 <rcpt@example.org>: no such user")
        self.assertFailed(detail)
        attempt = detail["attempts"][0]
        self.assertEqual((attempt["code"], attempt["enhanced_code"]), (550, "5.1.1"))
        self.assertIn("no such user", attempt["text"])
        self.assertIn("mailbox", attempt["description"].lower())
        self.assertTrue(attempt["hint"])

    def test_temporary_rejection_at_mail_is_deferred_with_the_reason_in_the_outbox(self):
        detail = self.first_attempt("--mail-reply", "451 4.3.0 Temporary local problem")
        self.assertDeferred(detail)
        self.assertEqual(detail["attempts"][0]["code"], 451)
        self.assertIn("Temporary local problem", detail["last_error"])

    def test_permanent_rejection_after_the_final_dot_is_a_failure(self):
        detail = self.first_attempt("--final-reply", "554 5.7.1 Message rejected as spam")
        self.assertFailed(detail)
        self.assertEqual(detail["attempts"][0]["enhanced_code"], "5.7.1")

    def test_temporary_rejection_of_data_is_deferred(self):
        detail = self.first_attempt("--data-reply", "452 4.3.1 Insufficient system storage")
        self.assertDeferred(detail)
        self.assertEqual(detail["attempts"][0]["code"], 452)

    def test_disconnect_in_the_middle_of_data_is_deferred(self):
        detail = self.first_attempt("--disconnect-at", "body")
        self.assertDeferred(detail)
        self.assertEqual(detail["attempts"][0]["code"], 0)

    def test_disconnect_after_the_final_dot_is_retried_rather_than_lost(self):
        detail = self.first_attempt("--disconnect-at", "after-dot")
        self.assertDeferred(detail)
        self.assertEqual(detail["attempts"][0]["code"], 0)
        # The relay recovers: a retry delivers it (a possible duplicate beats a loss).
        relay = RelayPeer().start()
        try:
            self.use_relay(relay.port)
            status, body = self.outpost.request("POST", f"/api/v1/messages/{detail['id']}/retry")
            self.assertEqual(status, 200, body)
            done = self.outpost.wait_status(detail["id"], "processed", timeout=30)
            self.assertEqual(done["attempts"][-1]["code"], 250)
            self.assertEqual(len(relay.messages()), 1)
        finally:
            relay.stop()

    def test_relay_that_never_answers_times_out_and_is_deferred(self):
        detail = self.first_attempt("--hang-at", "greeting")
        self.assertDeferred(detail)
        self.assertIn("greeting", detail["attempts"][0]["text"])

    def test_untrusted_certificate_is_deferred_with_the_verification_error(self):
        detail = self.first_attempt("--starttls", "--cert", self.certificates["cert"], "--key",
                                    self.certificates["key"], relay={"tls": "starttls"})
        self.assertDeferred(detail)
        attempt = detail["attempts"][0]
        self.assertEqual(attempt["code"], 0)
        self.assertIn("certificate", (attempt["text"] + attempt["description"]).lower())

    def test_rejected_credentials_are_deferred_with_the_auth_dialogue(self):
        detail = self.first_attempt("--auth", "relayuser:right-password",
                                    relay={"username": "relayuser", "password": "wrong-password"})
        self.assertDeferred(detail)
        attempt = detail["attempts"][0]
        self.assertEqual(attempt["code"], 535)
        self.assertIn("auth", attempt["text"])
        status, transcript = self.outpost.request(
            "GET", f"/api/v1/messages/{detail['id']}/attempts/1/transcript")
        self.assertIn("AUTH PLAIN ****", transcript)
        self.assertIn("535", transcript)
        self.assertNotIn("wrong-password", transcript)

    def test_relay_that_refuses_connections_is_deferred(self):
        port = free_port()
        self.use_relay(port)
        accepted = self.outpost.send(**{"from": "app@example.com", "to": ["x@example.org"],
                                        "subject": "dead relay", "text": "body"})
        self.addCleanup(self.outpost.request, "DELETE", f"/api/v1/messages/{accepted['id']}")
        detail = wait_for(lambda: (lambda d: d if d["attempts"] else None)(
            self.outpost.message(accepted["id"])), 30)
        self.assertDeferred(detail)
        self.assertIn("refused", detail["attempts"][0]["text"])

    def test_cancel_removes_a_deferred_message_from_the_outbox(self):
        detail = self.first_attempt("--mail-reply", "421 4.7.0 Too busy, try later")
        status, body = self.outpost.request("DELETE", f"/api/v1/messages/{detail['id']}")
        self.assertEqual(status, 200, body)
        detail = self.outpost.message(detail["id"])
        self.assertEqual(detail["processing_status"], "cancelled")
        self.assertEqual(detail["delivery_status"], "failed")


class RetriesExhausted(unittest.TestCase):
    def test_a_recipient_deferred_past_its_lifetime_fails_and_says_why(self):
        peer = FaultPeer("--rcpt-reply", "450 4.2.1 Mailbox busy")
        outpost = OutpostProcess(extra_env={"OUTPOST_DELIVERY_RETRY_SCHEDULE": "1s",
                                            "OUTPOST_DELIVERY_MAX_LIFETIME": "3s"}).start()
        try:
            status, body = outpost.request("PUT", "/api/v1/settings/smtp",
                                           relay_settings(peer.port))
            self.assertEqual(status, 200, body)
            accepted = outpost.send(**{"from": "app@example.com", "to": ["busy@example.org"],
                                       "subject": "lifetime", "text": "body"})
            detail = outpost.wait_status(accepted["id"], "failure", timeout=30)
            self.assertGreaterEqual(len(detail["attempts"]), 2)
            self.assertIn("Retries exhausted", detail["attempts"][-1]["description"])
            self.assertEqual(detail["delivery_status"], "failed")
        finally:
            outpost.cleanup()
            peer.stop()


if __name__ == "__main__":
    unittest.main()

"""Pausing and resuming delivery through the API, with a real relay (aiosmtpd): paused mail
stays queued with the reason in the Outbox, other destinations go on, and a resume sends it."""
import time
import unittest

from harness import OutpostProcess, RelayPeer, relay_settings, wait_for


class DeliveryPauses(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.relay = RelayPeer().start()
        cls.outpost = OutpostProcess().start()
        status, body = cls.outpost.request("PUT", "/api/v1/settings/smtp",
                                           relay_settings(cls.relay.port))
        assert status == 200, body

    @classmethod
    def tearDownClass(cls):
        cls.outpost.cleanup()
        cls.relay.stop()

    def tearDown(self):
        self.pause(all_paused=False, destinations=[])

    def pause(self, all_paused, destinations):
        status, body = self.outpost.request("PUT", "/api/v1/delivery/pauses",
                                            {"all": all_paused, "destinations": destinations})
        self.assertEqual(status, 200, body)
        return body

    def send(self, to, subject):
        return self.outpost.send(**{"from": "shop@example.com", "to": [to], "subject": subject,
                                    "text": "hello"})["id"]

    def received_subjects(self):
        subjects = set()
        for record in self.relay.messages():
            for line in record["data"].split(b"\r\n"):
                if line.startswith(b"Subject: "):
                    subjects.add(line[len(b"Subject: "):].decode())
        return subjects

    def test_a_paused_queue_keeps_its_mail_until_resumed(self):
        body = self.pause(all_paused=True, destinations=[])
        self.assertTrue(body["all"])
        self.assertEqual(body["changed_by"].split("@")[0], "admin")
        message = self.send("ann@example.org", "held while paused")
        time.sleep(3)  # a few scheduler rounds
        detail = self.outpost.message(message)
        self.assertEqual(detail["processing_status"], "queued")
        self.assertEqual(detail["attempts"], [])
        self.assertNotIn("held while paused", self.received_subjects())

        self.pause(all_paused=False, destinations=[])
        self.outpost.wait_status(message, "processed", timeout=30)
        self.assertIn("held while paused", self.received_subjects())

    def test_a_paused_destination_waits_with_its_reason_while_others_go(self):
        self.pause(all_paused=False, destinations=["Paused.Example"])
        held = self.send("bob@paused.example", "held for one domain")
        sent = self.send("carol@example.org", "not held")
        self.outpost.wait_status(sent, "processed", timeout=30)

        def reason():
            detail = self.outpost.message(held)
            return detail["recipients"][0]["waiting_reason"]
        text = wait_for(reason, timeout=30, what="the Outbox's reason")
        self.assertIn("delivery to paused.example is paused by admin@", text)
        self.assertEqual(self.outpost.message(held)["processing_status"], "queued")
        self.assertNotIn("held for one domain", self.received_subjects())

        status, audit = self.outpost.request("GET", "/api/v1/audit?limit=5")
        self.assertEqual(status, 200)
        self.assertEqual(audit["items"][0]["action"], "delivery.pause")
        self.assertEqual(audit["items"][0]["detail"], "paused: paused.example")

        # Resumed mail waits out the rest of its minute at most, then goes.
        self.pause(all_paused=False, destinations=[])
        self.outpost.wait_status(held, "processed", timeout=90)
        self.assertIn("held for one domain", self.received_subjects())

    def test_only_admins_pause_and_bad_domains_are_refused(self):
        status, body = self.outpost.request("PUT", "/api/v1/delivery/pauses",
                                            {"destinations": ["not a domain"]})
        self.assertEqual(status, 400)
        self.assertEqual(body["errors"][0]["field"], "destinations[0]")
        self.outpost.cli("user", "create", "--email", "u@example.com", "--role", "user")
        key = self.outpost.create_key(name="user-key", scope="full", user="u@example.com")
        status, body = self.outpost.request("PUT", "/api/v1/delivery/pauses", {"all": True},
                                            key=key)
        self.assertEqual(status, 403)
        status, body = self.outpost.request("GET", "/api/v1/delivery/pauses", key=key)
        self.assertEqual(status, 200)
        self.assertFalse(body["all"])


if __name__ == "__main__":
    unittest.main()

"""Volume: 400 messages from 8 concurrent clients through Postfix's smtp-sink, all processed,
over a bounded number of SMTP sessions (several messages per connection)."""
import threading
import unittest

from harness import OutpostProcess, SmtpSink, relay_settings, wait_for

MESSAGES = 400
CLIENTS = 8


class Volume(unittest.TestCase):
    def setUp(self):
        self.sink = SmtpSink().start()
        self.outpost = OutpostProcess(extra_env={"OUTPOST_DELIVERY_MAX_CONNECTIONS": "4"}).start()
        status, body = self.outpost.request("PUT", "/api/v1/settings/smtp",
                                            relay_settings(self.sink.port))
        self.assertEqual(status, 200, body)

    def tearDown(self):
        self.outpost.cleanup()
        self.sink.stop()

    def test_every_message_is_processed_by_smtp_sink(self):
        ids = []
        lock = threading.Lock()

        def client(number):
            for sequence in range(MESSAGES // CLIENTS):
                accepted = self.outpost.send(**{
                    "from": "bulk@example.com", "to": [f"r{number}-{sequence}@example.org"],
                    "subject": f"volume {number}-{sequence}", "text": "line\n" * 40})
                with lock:
                    ids.append(accepted["id"])

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        self.assertEqual(len(ids), MESSAGES)

        def outbox_empty():
            status, page = self.outpost.request("GET", "/api/v1/messages?view=outbox&limit=10")
            return status == 200 and not page["items"]
        wait_for(outbox_empty, 180, interval=0.5, what="the Outbox to empty")
        status, page = self.outpost.request("GET", "/api/v1/messages?view=failed&limit=10")
        self.assertEqual(page["items"], [])
        # Sessions carried several messages each: fewer distinct connection setups than messages.
        setups = 0
        for message_id in ids[:40]:
            detail = self.outpost.message(message_id)
            self.assertEqual(detail["processing_status"], "processed")
            attempt = detail["attempts"][-1]
            self.assertEqual(attempt["code"], 250)
            status, transcript = self.outpost.request(
                "GET", f"/api/v1/messages/{message_id}/attempts/{attempt['number']}/transcript")
            if "session reused" not in transcript:
                setups += 1
        self.assertLess(setups, 40)


if __name__ == "__main__":
    unittest.main()

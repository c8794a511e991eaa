"""Shaping per destination domain, end to end with a real DNS server and real SMTP peers on
loopback addresses: a domain whose MX answers 421 "too many connections" is backed off alone
while another domain keeps flowing, and a messages-per-minute limit holds mail back with the
reason shown in the Outbox. Bounded: a fixed number of messages, each test stops by itself."""
import time
import unittest

from dns_server import DnsServer
from harness import FaultPeer, OutpostProcess, RelayPeer, free_port, stop_all, wait_for
from test_mx_delivery import port_free_everywhere

DOMAIN = "shaping.test"
ZONE = """
slow  MX 10 mx-slow
fast  MX 10 mx-fast
rate  MX 10 mx-rate
mx-slow A 127.0.0.8
mx-fast A 127.0.0.9
mx-rate A 127.0.0.12
"""
SLOW_MESSAGES = 12
FAST_MESSAGES = 30
DOMAIN_CONNECTIONS = 2


class Shaping(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.started = []
        hosts = ["127.0.0.8", "127.0.0.9", "127.0.0.12"]
        port = free_port()
        while not port_free_everywhere(port, hosts):
            port = free_port()
        try:
            cls.slow = FaultPeer("--greeting", "421 4.7.0 Too many connections, try again later",
                                 host="127.0.0.8", port=port)
            cls.started.append(cls.slow)
            cls.fast = RelayPeer(host="127.0.0.9", port=port).start()
            cls.started.append(cls.fast)
            cls.rate = RelayPeer(host="127.0.0.12", port=port).start()
            cls.started.append(cls.rate)
            cls.dns = DnsServer(zones={DOMAIN: ZONE}).start()
            cls.started.append(cls.dns)
            cls.outpost = OutpostProcess(extra_env={
                "OUTPOST_DNS_SERVER": cls.dns.address, "OUTPOST_MX_PORT": str(port),
                "OUTPOST_DEFAULT_ROUTE": "mx",
                "OUTPOST_DELIVERY_DOMAIN_CONNECTIONS": str(DOMAIN_CONNECTIONS),
                "OUTPOST_DELIVERY_BACKOFF_INITIAL": "10m",
                "OUTPOST_DELIVERY_RETRY_SCHEDULE": "1m"}).start()
            cls.started.append(cls.outpost)
            status, body = cls.outpost.request("PUT", "/api/v1/settings/routes", {
                "default": "mx", "limits": {f"rate.{DOMAIN}": {"messages_per_minute": 1}}})
            assert status == 200, body
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        stop_all(cls.started)

    def send(self, to, subject):
        return self.outpost.send(**{"from": "app@sender.example", "to": [to],
                                    "subject": subject, "text": "hello\n"})["id"]

    def settled(self, ids):
        """The messages once none of them is being processed any more."""
        def all_settled():
            details = [self.outpost.message(i) for i in ids]
            return details if all(d["processing_status"] != "processing" for d in details) else None
        return wait_for(all_settled, 60, what="the messages to settle")

    def test_a_throttling_domain_is_backed_off_alone(self):
        slow_ids = [self.send(f"s{n}@slow.{DOMAIN}", f"slow {n}") for n in range(SLOW_MESSAGES)]
        fast_ids = [self.send(f"f{n}@fast.{DOMAIN}", f"fast {n}") for n in range(FAST_MESSAGES)]

        fast = [self.outpost.wait_status(i, ("processed", "failure"), timeout=60) for i in fast_ids]
        self.assertTrue(all(d["delivery_status"] == "delivered" for d in fast))
        self.assertTrue(all(len(d["attempts"]) == 1 for d in fast))
        self.assertEqual(len(self.fast.messages()), FAST_MESSAGES)

        slow = self.settled(slow_ids)
        self.assertTrue(all(d["processing_status"] == "queued" for d in slow))
        tried = [d for d in slow if d["attempts"]]
        waiting = [d for d in slow if not d["attempts"]]
        # Only the connections open when the 421 came made an attempt; the rest wait unsent.
        self.assertGreaterEqual(len(tried), 1)
        self.assertLessEqual(len(tried), DOMAIN_CONNECTIONS)
        for detail in tried:
            self.assertEqual(detail["attempts"][0]["code"], 421)
            self.assertEqual(detail["attempts"][0]["server"], f"mx-slow.{DOMAIN}")
        self.assertEqual(len(waiting), SLOW_MESSAGES - len(tried))
        for detail in waiting:
            self.assertIn(f"slow.{DOMAIN} asked to slow down", detail["waiting_reason"])
            self.assertIn("421", detail["waiting_reason"])
        # Nothing of the slow domain is due before the back-off (10 minutes) ends.
        backoff_ends = min(d["next_attempt_at"] for d in slow)
        soon = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 9 * 60))
        self.assertGreater(backoff_ends, soon)

        # The Outbox shows why they wait.
        status, outbox = self.outpost.request("GET", "/api/v1/messages?view=outbox&limit=100")
        self.assertEqual(status, 200)
        shown = {item["id"]: item for item in outbox["items"]}
        self.assertIn("asked to slow down", shown[waiting[0]["id"]]["waiting_reason"])

    def test_a_messages_per_minute_limit_holds_mail_back_with_the_reason(self):
        ids = [self.send(f"r{n}@rate.{DOMAIN}", f"rate {n}") for n in range(3)]
        wait_for(lambda: len(self.rate.messages()) >= 1, 30, what="the first rated message")
        # The limit allows one a minute: the others wait, one of them put back with the reason.
        def one_waits_with_reason():
            details = [self.outpost.message(i) for i in ids]
            reasons = [d["waiting_reason"] for d in details if d["waiting_reason"]]
            return reasons or None
        reasons = wait_for(one_waits_with_reason, 30, what="a message waiting for the rate limit")
        self.assertIn(f"rate.{DOMAIN} is limited to 1 message(s) a minute", reasons[0])
        self.assertEqual(len(self.rate.messages()), 1)


if __name__ == "__main__":
    unittest.main()

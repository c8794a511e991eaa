"""Crash test: under load from 8 concurrent clients, `kill -9` the server 5 times at random
moments. After the last restart every message that got a 201 must reach the relay. Duplicates
(a message resent because the crash came between the relay's 250 and our commit) are counted
and printed; losses fail the test. Bounded: at most 4000 messages and 120 s of load."""
import random
import re
import threading
import time
import unittest
import urllib.error

from harness import OutpostProcess, RelayPeer, relay_settings, wait_for

CLIENTS = 8
KILLS = 5
MAX_MESSAGES = 4000
MAX_LOAD_SECONDS = 120


class CrashSafety(unittest.TestCase):
    def setUp(self):
        self.relay = RelayPeer().start()
        self.outpost = OutpostProcess().start()
        status, body = self.outpost.request("PUT", "/api/v1/settings/smtp",
                                            relay_settings(self.relay.port))
        self.assertEqual(status, 200, body)

    def tearDown(self):
        self.outpost.cleanup()
        self.relay.stop()

    def test_every_acknowledged_message_is_delivered_after_repeated_kill_9(self):
        accepted = {}  # outpost id -> Message-ID
        lock = threading.Lock()
        stop = threading.Event()
        refused = [0]

        def client(number):
            sequence = 0
            while not stop.is_set():
                with lock:
                    if len(accepted) >= MAX_MESSAGES:
                        return
                sequence += 1
                try:
                    status, body = self.outpost.request("POST", "/api/v1/messages", {
                        "from": "load@example.com", "to": [f"c{number}@example.org"],
                        "subject": f"crash {number}-{sequence}", "text": "payload " * 50})
                except (OSError, urllib.error.URLError):
                    status, body = 0, None
                if status == 201:
                    with lock:
                        accepted[body["id"]] = body["message_id"]
                else:
                    with lock:
                        refused[0] += 1
                    time.sleep(0.05)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        try:
            for kill in range(KILLS):
                time.sleep(random.uniform(0.3, 1.5))
                self.outpost.kill9()
                with lock:
                    print(f"kill -9 #{kill + 1}: {len(accepted)} acknowledged so far", flush=True)
                self.outpost.start()
                if time.monotonic() - started > MAX_LOAD_SECONDS:
                    break
            time.sleep(1.0)
        finally:
            stop.set()
            for thread in threads:
                thread.join(60)

        self.assertGreater(len(accepted), 0)
        expected = set(accepted.values())

        def delivered_ids():
            seen = {}
            for record in self.relay.messages():
                match = re.search(rb"^Message-ID: *(<[^>]+>)", record["data"], re.M | re.I)
                if match:
                    key = match.group(1).decode()
                    seen[key] = seen.get(key, 0) + 1
            return seen

        def all_arrived():
            seen = delivered_ids()
            return seen if expected <= set(seen) else None

        try:
            seen = wait_for(all_arrived, 180, interval=1.0,
                            what="every acknowledged message to reach the relay")
        except AssertionError:
            seen = delivered_ids()
            missing = expected - set(seen)
            self.fail(f"{len(missing)} of {len(expected)} acknowledged messages were lost, "
                      f"e.g. {sorted(missing)[:5]}\n{self.outpost.log()}")
        duplicates = sum(count - 1 for key, count in seen.items() if key in expected)
        print(f"crash test: {len(expected)} acknowledged, {KILLS} kill -9, "
              f"0 lost, {duplicates} duplicates, {refused[0]} requests refused while down",
              flush=True)
        # Every message also ends processed in outpost's own records.
        for message_id in list(accepted)[:50]:
            self.outpost.wait_status(message_id, "processed", timeout=60)


if __name__ == "__main__":
    unittest.main()

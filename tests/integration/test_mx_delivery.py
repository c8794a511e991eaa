"""Direct delivery to MX hosts, end to end: a real Knot DNS server on 127.0.0.1 serves the zones,
and every MX host is a real SMTP peer on its own loopback address (127.0.0.2, 127.0.0.3, ...,
and ::1 through an AAAA record), all on one unprivileged port (--mx-port). Each test sends a
message through the HTTP API and checks what a user would: the statuses, and each attempt's MX
host and IP."""
import shutil
import socket
import tempfile
import unittest

from dns_server import DnsServer
from harness import (FaultPeer, OutpostProcess, RelayPeer, free_port, make_certificates,
                     relay_settings, stop_all, wait_for)

ZONE = """
pref      MX 10 mx1
pref      MX 20 mx2
mx1       A 127.0.0.2
mx2       A 127.0.0.3
failover  MX 10 dead
failover  MX 20 mx2
dead      A 127.0.0.6
tempfail  MX 10 busy
tempfail  MX 20 mx2
busy      A 127.0.0.7
spread    MX 10 a
spread    MX 10 b
a         A 127.0.0.4
b         A 127.0.0.5
nomx      A 127.0.0.3
nullmx    MX 0 .
nullmx    A 127.0.0.3
v6        MX 10 mx6
mx6       AAAA ::1
tls       MX 10 mx-tls
strict    MX 10 mx-tls
plain     MX 10 mx-tls
mx-tls    A 127.0.0.10
badtls    MX 10 mx-badtls
strictbad MX 10 mx-badtls
mx-badtls A 127.0.0.11
slow      A 127.0.0.3
viarelay  MX 10 mx1
"""
DOMAIN = "outpost.test"


def ipv6_loopback_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


def port_free_everywhere(port, hosts):
    for host in hosts:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                return False
    return True


class MxDelivery(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.started = []
        cls.folder = tempfile.mkdtemp(prefix="outpost-mx-")
        cls.certificates = make_certificates(cls.folder, host=f"mx-tls.{DOMAIN}")
        cls.has_ipv6 = ipv6_loopback_available()
        hosts = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.7", "127.0.0.10",
                 "127.0.0.11"] + (["::1"] if cls.has_ipv6 else [])
        # Every MX host listens on the same port, as real ones all listen on 25.
        port = free_port()
        while not port_free_everywhere(port, hosts):
            port = free_port()
        cls.mx_port = port
        try:
            cls.mx1 = cls.peer(RelayPeer(host="127.0.0.2", port=port))
            cls.mx2 = cls.peer(RelayPeer(host="127.0.0.3", port=port))
            cls.spread_a = cls.peer(RelayPeer(host="127.0.0.4", port=port))
            cls.spread_b = cls.peer(RelayPeer(host="127.0.0.5", port=port))
            cls.mx6 = cls.peer(RelayPeer(host="::1", port=port)) if cls.has_ipv6 else None
            cls.mx_tls = cls.peer(RelayPeer("--starttls", "--cert", cls.certificates["cert"],
                                            "--key", cls.certificates["key"],
                                            host="127.0.0.10", port=port))
            cls.busy = FaultPeer("--rcpt-reply", "451 4.3.0 Mailbox temporarily unavailable",
                                 host="127.0.0.7", port=port)
            cls.started.append(cls.busy)
            # Offers STARTTLS, then drops the connection instead of the TLS handshake.
            cls.bad_tls = FaultPeer("--starttls", "--cert", cls.certificates["cert"],
                                    "--key", cls.certificates["key"], "--disconnect-at", "tls",
                                    "--output", f"{cls.folder}/badtls.jsonl",
                                    host="127.0.0.11", port=port)
            cls.started.append(cls.bad_tls)
            cls.dns = DnsServer(zones={DOMAIN: ZONE}, servfail_zones=["broken.test"],
                                timeout_names=[f"slow.{DOMAIN}"]).start()
            cls.started.append(cls.dns)
            cls.outpost = OutpostProcess(extra_env={
                "OUTPOST_DNS_SERVER": cls.dns.address, "OUTPOST_MX_PORT": str(port),
                "OUTPOST_DEFAULT_ROUTE": "mx", "OUTPOST_DNS_TIMEOUT": "1s",
                "OUTPOST_DELIVERY_MX_CA_FILE": cls.certificates["ca"],
                "OUTPOST_DELIVERY_SOURCE_ADDRESS_V4": "127.0.0.13",
                "OUTPOST_DELIVERY_HELO_NAME": f"out.{DOMAIN}",
                "OUTPOST_DELIVERY_RETRY_SCHEDULE": "10m"}).start()
            cls.started.append(cls.outpost)
            cls.dead_relay_port = free_port()
            status, body = cls.outpost.request(
                "PUT", "/api/v1/settings/relays/primary",
                dict(relay_settings(cls.dead_relay_port), fallback="mx"))
            assert status in (200, 201), body
            status, body = cls.outpost.request("PUT", "/api/v1/settings/routes", {
                "default": "mx",
                "domains": {f"viarelay.{DOMAIN}": "relay:primary"},
                "tls": {f"strict.{DOMAIN}": "require-tls", f"strictbad.{DOMAIN}": "require-tls",
                        f"plain.{DOMAIN}": "none"}})
            assert status == 200, body
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def peer(cls, peer):
        peer.start()
        cls.started.append(peer)
        return peer

    @classmethod
    def tearDownClass(cls):
        stop_all(cls.started)
        shutil.rmtree(cls.folder, ignore_errors=True)

    def send(self, to, subject="mx test"):
        return self.outpost.send(**{"from": "app@sender.example", "to": [to],
                                    "subject": subject, "text": "hello\n"})["id"]

    def final(self, message_id, statuses=("processed", "failure")):
        return self.outpost.wait_status(message_id, statuses, timeout=60)

    def after_first_attempt(self, message_id):
        return wait_for(lambda: (lambda d: d if d["attempts"] and d["processing_status"] != "processing"
                                 else None)(self.outpost.message(message_id)), 60,
                        what="the first attempt to be recorded")

    def transcript(self, message_id, number):
        status, body = self.outpost.request(
            "GET", f"/api/v1/messages/{message_id}/attempts/{number}/transcript", raw=True)
        self.assertEqual(status, 200)
        return body.decode() if isinstance(body, bytes) else body

    def received_by(self, peer, address):
        return [m for m in peer.messages() if address in m["rcpt_tos"]]

    def test_the_most_preferred_mx_takes_the_message(self):
        to = f"ann@pref.{DOMAIN}"
        detail = self.final(self.send(to))
        self.assertEqual(detail["processing_status"], "processed")
        self.assertEqual(detail["delivery_status"], "delivered")
        self.assertEqual(len(detail["attempts"]), 1)
        attempt = detail["attempts"][0]
        self.assertEqual(attempt["server"], f"mx1.{DOMAIN}")
        self.assertEqual(attempt["ip"], "127.0.0.2")
        self.assertEqual(attempt["port"], self.mx_port)
        self.assertEqual(attempt["code"], 250)
        received = self.received_by(self.mx1, to)
        self.assertEqual(len(received), 1)
        self.assertEqual(self.received_by(self.mx2, to), [])
        # From the configured source address, with the configured EHLO name.
        self.assertEqual(received[0]["peer"], "127.0.0.13")
        self.assertEqual(received[0]["helo"], f"out.{DOMAIN}")

    def test_later_messages_reuse_the_idle_session(self):
        ids = []
        for number in range(3):
            ids.append(self.send(f"reuse{number}@pref.{DOMAIN}", subject=f"reuse {number}"))
            self.final(ids[-1])
        transcripts = [self.transcript(i, 1) for i in ids]
        # The first may find a session from an earlier test; the later ones find this one's.
        for transcript in transcripts[1:]:
            self.assertIn("session reused", transcript)
            self.assertIn("EHLO", transcript)  # the setup is repeated for the reader

    def test_a_refused_connection_fails_over_to_the_next_mx(self):
        to = f"bob@failover.{DOMAIN}"
        message_id = self.send(to)
        detail = self.final(message_id)
        self.assertEqual(detail["delivery_status"], "delivered")
        servers = [(a["server"], a["ip"], a["code"]) for a in detail["attempts"]]
        self.assertEqual(servers, [(f"dead.{DOMAIN}", "127.0.0.6", 0),
                                   (f"mx2.{DOMAIN}", "127.0.0.3", 250)])
        self.assertIn("refused", detail["attempts"][0]["text"])
        self.assertTrue(detail["has_warning"])
        self.assertEqual(detail["recipients"][0]["attempts"], 1)  # one try, two servers
        self.assertEqual(len(self.received_by(self.mx2, to)), 1)

    def test_a_4xx_reply_fails_over_to_the_next_mx_within_the_attempt(self):
        to = f"cid@tempfail.{DOMAIN}"
        detail = self.final(self.send(to))
        self.assertEqual(detail["delivery_status"], "delivered")
        self.assertEqual([(a["server"], a["code"]) for a in detail["attempts"]],
                         [(f"busy.{DOMAIN}", 451), (f"mx2.{DOMAIN}", 250)])
        self.assertEqual(len(self.received_by(self.mx2, to)), 1)

    def test_equal_preferences_spread_the_load(self):
        ids = []
        for number in range(16):
            ids.append(self.send(f"user{number}@spread.{DOMAIN}", subject=f"spread {number}"))
            self.final(ids[-1])  # one at a time: each message picks its own host
        ips = [self.outpost.message(i)["attempts"][0]["ip"] for i in ids]
        self.assertEqual(set(ips), {"127.0.0.4", "127.0.0.5"})
        self.assertEqual(len(self.spread_a.messages()) + len(self.spread_b.messages()), 16)

    def test_a_domain_without_mx_gets_mail_at_its_own_address(self):
        to = f"dan@nomx.{DOMAIN}"
        detail = self.final(self.send(to))
        self.assertEqual(detail["delivery_status"], "delivered")
        attempt = detail["attempts"][0]
        self.assertEqual((attempt["server"], attempt["ip"]), (f"nomx.{DOMAIN}", "127.0.0.3"))
        self.assertIn("no MX record", self.transcript(detail["id"], 1))
        self.assertEqual(len(self.received_by(self.mx2, to)), 1)

    def test_a_null_mx_fails_at_once(self):
        to = f"eve@nullmx.{DOMAIN}"
        detail = self.final(self.send(to))
        self.assertEqual(detail["processing_status"], "failure")
        self.assertEqual(detail["delivery_status"], "failed")
        attempt = detail["attempts"][0]
        self.assertEqual(attempt["enhanced_code"], "5.1.10")
        self.assertIn("null MX", attempt["text"])
        self.assertIn("accepts no e-mail", attempt["description"])
        self.assertEqual(self.received_by(self.mx2, to), [])

    def test_a_domain_that_does_not_exist_fails(self):
        detail = self.final(self.send(f"fay@nosuch.{DOMAIN}"))
        self.assertEqual(detail["processing_status"], "failure")
        attempt = detail["attempts"][0]
        self.assertEqual(attempt["enhanced_code"], "5.1.2")
        self.assertIn("NXDOMAIN", attempt["text"])
        self.assertIn(f"nosuch.{DOMAIN}", attempt["text"])

    def test_servfail_defers(self):
        detail = self.after_first_attempt(self.send("gil@mail.broken.test"))
        self.assertEqual(detail["processing_status"], "queued")
        self.assertIsInstance(detail["next_attempt_at"], str)  # an RFC 3339 time
        attempt = detail["attempts"][0]
        self.assertEqual(attempt["code"], 0)
        self.assertEqual(attempt["enhanced_code"], "4.4.3")
        self.assertIn("SERVFAIL", attempt["text"])

    def test_a_dns_timeout_defers_and_never_falls_back_to_the_address(self):
        to = f"hal@slow.{DOMAIN}"  # slow has an A record pointing at mx2's address
        detail = self.after_first_attempt(self.send(to))
        self.assertEqual(detail["processing_status"], "queued")
        self.assertEqual(len(detail["attempts"]), 1)
        self.assertIn("timed out", detail["attempts"][0]["text"])
        self.assertEqual(self.received_by(self.mx2, to), [])

    def test_ipv6_mx_host(self):
        if not self.has_ipv6:
            self.skipTest("this machine has no IPv6 loopback")
        to = f"ida@v6.{DOMAIN}"
        detail = self.final(self.send(to))
        self.assertEqual(detail["delivery_status"], "delivered")
        self.assertEqual(detail["attempts"][0]["ip"], "::1")
        self.assertEqual(len(self.received_by(self.mx6, to)), 1)

    def test_opportunistic_tls_encrypts_without_checking_the_certificate(self):
        # The peer's certificate comes from a private CA: opportunistic TLS still encrypts.
        to = f"jon@tls.{DOMAIN}"
        detail = self.final(self.send(to))
        self.assertEqual(detail["delivery_status"], "delivered")
        self.assertTrue(detail["attempts"][0]["tls_version"].startswith("TLSv1"))
        self.assertTrue(self.received_by(self.mx_tls, to)[0]["tls"])

    def test_a_failed_tls_handshake_retries_in_plain_text_and_says_so(self):
        detail = self.final(self.send(f"kim@badtls.{DOMAIN}"))
        self.assertEqual(detail["delivery_status"], "delivered")
        attempt = detail["attempts"][-1]
        self.assertEqual(attempt["tls_version"], "")
        self.assertIn("without TLS", self.transcript(detail["id"], attempt["number"]))

    def test_require_tls_delivers_over_a_verified_certificate(self):
        to = f"lea@strict.{DOMAIN}"
        detail = self.after_first_attempt(self.send(to))
        self.assertEqual(detail["delivery_status"], "delivered")
        self.assertTrue(detail["attempts"][0]["tls_version"].startswith("TLSv1"))

    def test_require_tls_never_falls_back_to_plain_text(self):
        to = f"max@strictbad.{DOMAIN}"
        detail = self.after_first_attempt(self.send(to))
        self.assertEqual(detail["processing_status"], "queued")
        self.assertNotIn("without TLS", self.transcript(detail["id"], 1))
        with open(f"{self.folder}/badtls.jsonl", "a+") as handle:
            handle.seek(0)
            self.assertNotIn(to, handle.read())

    def test_tls_policy_none_never_starts_tls(self):
        to = f"ora@plain.{DOMAIN}"
        detail = self.final(self.send(to))
        self.assertEqual(detail["delivery_status"], "delivered")
        self.assertEqual(detail["attempts"][0]["tls_version"], "")
        self.assertFalse(self.received_by(self.mx_tls, to)[0]["tls"])

    def test_a_dead_relay_falls_back_to_mx(self):
        to = f"ned@viarelay.{DOMAIN}"
        detail = self.final(self.send(to))
        self.assertEqual(detail["delivery_status"], "delivered")
        attempt = detail["attempts"][-1]
        self.assertEqual(attempt["server"], f"mx1.{DOMAIN}")
        transcript = self.transcript(detail["id"], attempt["number"])
        self.assertIn('the relay "primary"', transcript)
        self.assertIn("falling back to mx", transcript)
        self.assertEqual(len(self.received_by(self.mx1, to)), 1)


if __name__ == "__main__":
    unittest.main()

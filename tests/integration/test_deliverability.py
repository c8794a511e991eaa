"""GET /api/v1/deliverability on a running `outpost serve`, with DNS from a real authoritative
server (Knot, dns_server.py) and a saved relay: a domain set up the way the product teaches (SPF
including the relay's _spf record, an Ed25519 DKIM key published and activated, a DMARC policy)
and one that signs with DKIM while it has no SPF, which is told to fix SPF first."""
import unittest

from dns_server import DnsServer
from harness import OutpostProcess, RelayPeer, stop_all

ZONE = "deliv.test"
RELAY_ZONE = "relay-net.test"
RELAY_HOST = "smtp.relay-net.test"

RECORDS = [
    f'good TXT "v=spf1 include:_spf.{RELAY_ZONE} -all"',
    f'_dmarc.good TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@good.{ZONE}"',
]
RELAY_RECORDS = [
    "smtp A 127.0.0.1",
    '_spf TXT "v=spf1 ip4:127.0.0.0/8 -all"',
]


class Deliverability(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.started = []
        try:
            cls.dns = DnsServer(zones={ZONE: list(RECORDS), RELAY_ZONE: RELAY_RECORDS}).start()
            cls.started.append(cls.dns)
            cls.relay = RelayPeer().start()
            cls.started.append(cls.relay)
            cls.outpost = OutpostProcess(extra_args=["--dns-server", cls.dns.address]).start()
            cls.started.append(cls.outpost)
            status, body = cls.outpost.request("PUT", "/api/v1/settings/smtp", {
                "host": RELAY_HOST, "port": cls.relay.port, "tls": "none"})
            assert status == 200, body
            published = list(RECORDS)
            for domain in (f"good.{ZONE}", f"nospf.{ZONE}"):
                status, key = cls.outpost.request(
                    "POST", f"/api/v1/domains/{domain}/dkim/keys", {"algorithm": "ed25519"})
                assert status == 201, key
                name = key["record"]["name"][: -len(ZONE) - 1]
                published.append(f'{name} TXT "{key["record"]["value"]}"')
            cls.dns.set_zone(ZONE, published)
            for domain in (f"good.{ZONE}", f"nospf.{ZONE}"):
                status, body = cls.outpost.request("POST", f"/api/v1/domains/{domain}/dkim/validate")
                assert status == 200 and body["ok"], body
        except BaseException:
            stop_all(cls.started)
            raise

    @classmethod
    def tearDownClass(cls):
        stop_all(cls.started)

    def checklist(self):
        status, body = self.outpost.request("GET", "/api/v1/deliverability")
        self.assertEqual(status, 200, body)
        return {entry["domain"]: entry for entry in body["domains"]}

    def test_lists_every_sending_domain_with_the_four_checks_in_order(self):
        domains = self.checklist()
        self.assertEqual(sorted(domains), [f"good.{ZONE}", f"nospf.{ZONE}"])
        for entry in domains.values():
            self.assertEqual([check["check"] for check in entry["checks"]],
                             ["smtp", "spf", "dkim", "dmarc"])
            for check in entry["checks"]:
                self.assertIn(check["status"], ["ok", "warning", "missing", "error"])
                self.assertTrue(check["reason"], check)

    def test_a_domain_set_up_as_taught_passes_spf_dkim_and_dmarc(self):
        checks = {check["check"]: check for check in self.checklist()[f"good.{ZONE}"]["checks"]}
        # The relay takes mail without TLS here (a loopback test peer): that is a warning.
        self.assertEqual(checks["smtp"]["status"], "warning", checks["smtp"])
        self.assertIn("not encrypted", checks["smtp"]["reason"])
        self.assertEqual(checks["spf"]["status"], "ok", checks["spf"])
        self.assertEqual(checks["dkim"]["status"], "ok", checks["dkim"])
        self.assertEqual(checks["dmarc"]["status"], "ok", checks["dmarc"])

    def test_dkim_without_spf_is_told_to_fix_spf_first(self):
        entry = self.checklist()[f"nospf.{ZONE}"]
        checks = {check["check"]: check for check in entry["checks"]}
        self.assertEqual(checks["spf"]["status"], "missing", checks["spf"])
        self.assertIn(f"include:_spf.{RELAY_ZONE}", checks["spf"]["next_step"])
        self.assertEqual(checks["dkim"]["status"], "warning", checks["dkim"])
        self.assertIn("fix SPF first", checks["dkim"]["reason"])
        self.assertEqual(checks["dmarc"]["status"], "missing", checks["dmarc"])
        self.assertEqual(entry["status"], "missing")


if __name__ == "__main__":
    unittest.main()

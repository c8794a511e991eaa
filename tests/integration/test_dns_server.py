"""Self-test of the DNS harness (dns_server.py): the Knot server it starts answers the zones it was
given, over UDP and TCP, and stages SERVFAIL and timeouts the way engine tests rely on."""
import os
import time
import unittest

import dns.exception
import dns.rcode
import dns.rdatatype

from dns_server import DnsServer

EXAMPLE = """
@        MX  20 mx2
@        MX  10 mx1
@   600  TXT "v=spf1 -all"
mx1      A   127.0.0.2
mx2      A   127.0.0.3
mx2      AAAA ::1
onlya    A   127.0.0.4
nomail   MX  0 .
"""


def records(reply, rdtype):
    return sorted(rdata.to_text() for rrset in reply.answer if rrset.rdtype == rdtype
                  for rdata in rrset)


class DnsServerAnswers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = DnsServer(zones={"example.test": EXAMPLE,
                                      "other.test": ["@ MX 5 mail", "mail A 127.0.0.5"]},
                               servfail_zones=["broken.test"], timeout_names=["slow.test"],
                               negative_ttl=30).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_address_is_host_and_port(self):
        self.assertEqual(self.server.address, f"127.0.0.1:{self.server.port}")

    def test_answers_mx_a_and_aaaa_over_udp_and_tcp(self):
        for tcp in (False, True):
            mx = self.server.query("example.test", "MX", tcp=tcp)
            self.assertEqual(mx.rcode(), dns.rcode.NOERROR)
            self.assertEqual(records(mx, dns.rdatatype.MX),
                             ["10 mx1.example.test.", "20 mx2.example.test."])
            self.assertEqual(records(self.server.query("mx1.example.test", "A", tcp=tcp),
                                     dns.rdatatype.A), ["127.0.0.2"])
            self.assertEqual(records(self.server.query("mx2.example.test", "AAAA", tcp=tcp),
                                     dns.rdatatype.AAAA), ["::1"])
        self.assertEqual(records(self.server.query("other.test", "MX"), dns.rdatatype.MX),
                         ["5 mail.other.test."])

    def test_uses_the_default_ttl_unless_a_record_gives_one(self):
        self.assertEqual(self.server.query("example.test", "MX").answer[0].ttl, 300)
        self.assertEqual(self.server.query("example.test", "TXT").answer[0].ttl, 600)

    def test_null_mx(self):
        self.assertEqual(records(self.server.query("nomail.example.test", "MX"),
                                 dns.rdatatype.MX), ["0 ."])

    def test_nxdomain_and_nodata_carry_the_negative_ttl(self):
        missing = self.server.query("missing.example.test", "MX")
        self.assertEqual(missing.rcode(), dns.rcode.NXDOMAIN)
        self.assertEqual(missing.authority[0].rdtype, dns.rdatatype.SOA)
        self.assertEqual(missing.authority[0].ttl, 30)
        self.assertEqual(missing.authority[0][0].minimum, 30)
        nodata = self.server.query("onlya.example.test", "MX")
        self.assertEqual(nodata.rcode(), dns.rcode.NOERROR)
        self.assertEqual(nodata.answer, [])
        self.assertEqual(nodata.authority[0].ttl, 30)

    def test_servfail_zone_answers_servfail_for_every_name(self):
        for name, rdtype in (("broken.test", "MX"), ("mx.broken.test", "A")):
            for tcp in (False, True):
                reply = self.server.query(name, rdtype, tcp=tcp)
                self.assertEqual(dns.rcode.to_text(reply.rcode()), "SERVFAIL")

    def test_timeout_names_and_names_below_get_no_answer(self):
        for name in ("slow.test", "mx.slow.test"):
            for tcp in (False, True):
                started = time.monotonic()
                with self.assertRaises(dns.exception.Timeout):
                    self.server.query(name, "MX", tcp=tcp, timeout=0.5)
                self.assertGreaterEqual(time.monotonic() - started, 0.45)
        # The forwarder keeps answering everything else, on the same port.
        self.assertEqual(self.server.query("example.test", "MX").rcode(), dns.rcode.NOERROR)
        self.assertEqual(self.server.query("notslow.test", "MX").rcode(), dns.rcode.REFUSED)


class DnsServerChanges(unittest.TestCase):
    def test_zones_change_break_and_recover_while_running(self):
        with DnsServer(zones={"example.test": "@ MX 10 mx1"}, proxy=True) as server:
            server.set_zone("example.test", "@ MX 20 mx2")
            self.assertEqual(records(server.query("example.test", "MX"), dns.rdatatype.MX),
                             ["20 mx2.example.test."])

            server.break_zone("example.test")
            self.assertEqual(server.query("example.test", "MX").rcode(), dns.rcode.SERVFAIL)
            server.set_zone("example.test", "@ MX 30 mx3")
            self.assertEqual(records(server.query("example.test", "MX"), dns.rdatatype.MX),
                             ["30 mx3.example.test."])

            server.set_zone("new.test", ["@ A 127.0.0.9"])
            self.assertEqual(records(server.query("new.test", "A"), dns.rdatatype.A),
                             ["127.0.0.9"])
            self.assertEqual(server.query("example.test", "MX").rcode(), dns.rcode.NOERROR)

            server.set_timeout("example.test")
            with self.assertRaises(dns.exception.Timeout):
                server.query("example.test", "MX", timeout=0.3)
            server.set_timeout("example.test", enabled=False)
            self.assertEqual(server.query("example.test", "MX").rcode(), dns.rcode.NOERROR)

    def test_a_zone_with_its_own_soa_is_served_as_written(self):
        zone = ("@ 3600 SOA ns.own.test. hostmaster.own.test. 7 3600 600 86400 900\n"
                "@ NS ns.own.test.\n@ MX 10 mx\n")
        with DnsServer(zones={"own.test": zone}) as server:
            soa = server.query("own.test", "SOA").answer[0]
            self.assertEqual((soa[0].serial, soa[0].minimum, soa.ttl), (7, 900, 3600))

    def test_stop_ends_knotd_and_removes_its_folder(self):
        server = DnsServer(zones={"example.test": "@ A 127.0.0.2"}, timeout_names=["x.test"])
        server.start()
        process, folder = server._process, server._folder
        server.stop()
        self.assertIsNotNone(process.poll())
        self.assertFalse(os.path.exists(folder))
        with self.assertRaises((dns.exception.Timeout, ConnectionError, OSError)):
            server.query("example.test", "A", tcp=True, timeout=0.3)
        server.stop()  # twice is fine


if __name__ == "__main__":
    unittest.main()

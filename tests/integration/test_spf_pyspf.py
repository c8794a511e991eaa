"""outpost's SPF check_host() agrees with pyspf (Debian python3-spf, RFC 7208 mode) on the generated
corpus of spf_corpus.py: every mechanism with and without CIDR lengths, every qualifier, redirect=
and exp=, unknown modifiers, the macro language, nested includes, the DNS-term, void-lookup and MX
limits, multiple records, syntax errors, IPv4, IPv6 and IPv4-mapped clients, NXDOMAIN and SERVFAIL.

Both read the same data from a real authoritative server (Knot, dns_server.py) on 127.0.0.1: pyspf
through its own dnspython lookup (spf.DNSLookup_dnspython) with dnspython's default resolver
pointed at Knot, outpost through `outpost spf check --batch --dns-server`. The categories left out because
pyspf departs from RFC 7208 are listed, with the RFC sections, in spf_corpus.py."""
import collections
import concurrent.futures
import json
import subprocess
import sys
import time
import unittest
import warnings

import dns.resolver
import spf

import spf_corpus
from dns_server import DnsServer
from harness import BINARY

MIN_CASES = 1000
WORKERS = 4


def pyspf_check(case):
    """pyspf's (result, explanation) for `case`, strict RFC 7208 processing (spf.query's default:
    10 DNS terms, 2 void lookups, 10 MX/PTR names)."""
    with warnings.catch_warnings():
        # spf.DNSLookup_dnspython still calls dns.resolver.query (deprecated, same behaviour).
        warnings.simplefilter("ignore", DeprecationWarning)
        query = spf.query(i=case.ip, s=case.sender, h=case.helo, strict=True, querytime=20)
        result, _code, explanation = query.check()
    return result, explanation


def outpost_checks(cases, server):
    """outpost's JSON answer for each case, in order: one `outpost spf check --batch` process per
    half of the cases (two cores), each running every check_host() of its half on one resolver."""
    def run(part):
        lines = "".join(json.dumps({"domain": case.domain, "ip": case.ip,
                                    "sender": case.sender or f"postmaster@{case.helo}",
                                    "helo": case.helo}) + "\n" for case in part)
        done = subprocess.run([BINARY, "spf", "check", "--batch", "--dns-server", server],
                              input=lines, capture_output=True, text=True, timeout=500)
        answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        missing = {"result": "(no output)", "explanation": "", "code": f"exit {done.returncode}",
                   "reason": done.stderr.strip()[-500:]}
        return answers + [missing] * (len(part) - len(answers))

    half = len(cases) // 2
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first, second = pool.map(run, [cases[:half], cases[half:]])
    return first + second


def same_explanation(case, ours, theirs):
    """pyspf writes the nibbles of an IPv6 %{i} in upper case whatever the address looked like;
    outpost keeps the case the address was given in, which gives RFC 7208 §7.4's lower-case
    example and the RFC 7208 suite's upper-case "CAFE:BABE::1" test. The letters are hex digits
    of the address either way: for IPv6 clients explanations compare without case."""
    if ours is None or theirs is None:
        return ours == theirs
    if ":" in case.ip and not case.ip.lower().startswith("::ffff:"):
        return ours.lower() == theirs.lower()
    return ours == theirs


class SpfAgreesWithPyspf(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.corpus = spf_corpus.build()
        cls.dns = DnsServer(zones={zone: lines for zone, lines in cls.corpus.zones.items()},
                            servfail_zones=cls.corpus.servfail_zones).start()
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [cls.dns.host]
        resolver.port = cls.dns.port
        resolver.timeout = 5
        resolver.lifetime = 10
        cls.saved_resolver = dns.resolver.default_resolver
        dns.resolver.default_resolver = resolver
        # pyspf picked dnspython at import; make sure nothing else answers it.
        spf.DNSLookup = spf.DNSLookup_dnspython

    @classmethod
    def tearDownClass(cls):
        dns.resolver.default_resolver = cls.saved_resolver
        cls.dns.stop()

    def test_knot_serves_the_corpus(self):
        some = self.corpus.cases[0]
        reply = self.dns.query(some.domain, "TXT")
        self.assertTrue(reply.answer, f"no TXT for {some.domain}:\n{self.dns.log()[-2000:]}")

    @unittest.skipUnless(BINARY, "set OUTPOST_BINARY to the outpost binary")
    def test_outpost_agrees_with_pyspf_on_every_case(self):
        cases = self.corpus.cases
        self.assertGreaterEqual(len(cases), MIN_CASES)
        started = time.monotonic()

        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            theirs_all = list(pool.map(pyspf_check, cases))
        ours_all = outpost_checks(cases, self.dns.address)
        outcomes = list(zip(cases, theirs_all, ours_all))
        elapsed = time.monotonic() - started

        distribution = collections.Counter()
        by_category = collections.defaultdict(collections.Counter)
        disagreements = []
        for case, (theirs, their_exp), ours in outcomes:
            distribution[theirs] += 1
            by_category[case.category][theirs] += 1
            if ours.get("result") != theirs:
                disagreements.append(
                    f"{case}\n    pyspf: {theirs}   outpost: {ours.get('result')} "
                    f"({ours.get('code')}: {ours.get('reason')})")
            elif case.compare_exp and theirs == "fail" and not same_explanation(
                    case, ours.get("explanation"), their_exp):
                disagreements.append(
                    f"{case}\n    explanation: pyspf {their_exp!r}   outpost "
                    f"{ours.get('explanation')!r}")
        summary = (f"{len(outcomes)} cases compared in {elapsed:.0f}s; results: "
                   + ", ".join(f"{name} {count}" for name, count in distribution.most_common()))
        print("\n" + summary, file=sys.stderr)
        for category in sorted(by_category):
            print(f"  {category}: " + ", ".join(
                f"{name} {count}" for name, count in sorted(by_category[category].items())),
                file=sys.stderr)
        self.assertEqual(disagreements, [], f"{len(disagreements)} disagreements ({summary}):\n"
                         + "\n".join(disagreements))
        for result in ["pass", "fail", "softfail", "neutral", "none", "permerror", "temperror"]:
            self.assertGreater(distribution[result], 0, f"no case gives {result}: {summary}")


if __name__ == "__main__":
    unittest.main()

"""The benchmark harness itself, so that it keeps measuring what it claims (ctest bench.harness):
a signed row through Postfix + OpenDKIM and through outpost, with every figure taken, and the
signature check that guards every signed row refusing what it must refuse.

Figures are not asserted (timed assertions do not belong in tests); that each one was taken is.
Needs root for the private Postfix, like bench/run; skipped otherwise.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import compare  # noqa: E402
import harness  # noqa: E402
import peers  # noqa: E402

PROBE = os.environ.get("OUTPOST_LATENCY_PROBE", "")


def bench_args():
    return argparse.Namespace(binary=harness.BINARY, probe=PROBE, sessions=4, connections=4,
                              probe_seconds=1, http_seconds=2)


@unittest.skipIf(harness.PostfixRelay.unavailable(), harness.PostfixRelay.unavailable())
class BenchHarness(unittest.TestCase):
    def assert_measured(self, row):
        for figure in ("accepted", "delivered", "cpu_per_1000", "peak_mib", "p50_ms", "p99_ms",
                       "half_load"):
            self.assertGreater(getattr(row, figure) or 0, 0, f"{row.system}: {figure}")
        self.assertLessEqual(row.p50_ms, row.p99_ms)

    def test_rsa_signed_row_through_postfix_with_opendkim_and_through_outpost(self):
        signer = peers.OpenDkim(compare.SIGNING_DOMAIN, "rsa2048", compare.SELECTOR).start()
        try:
            signer.record = compare.dkim_record_of(signer.key_path, "rsa2048")
            postfix = compare.run_postfix(
                compare.Row("postfix", 2048, "rsa2048", 150), bench_args(), signer)
        finally:
            signer.stop()
        self.assert_measured(postfix)
        system = compare.OutpostUnderTest(bench_args(), "rsa2048")
        try:
            outpost = compare.run_outpost(compare.Row("outpost", 2048, "rsa2048", 150),
                                          bench_args(), system)
            http = compare.run_outpost_http(compare.Row("outpost", 2048, "rsa2048", 0, "http"),
                                            bench_args(), system)
        finally:
            system.stop()
        self.assert_measured(outpost)
        self.assert_measured(http)
        self.assertGreater(http.count, 0)
        self.assertIn("| 2 KiB | rsa2048 | outpost | smtp-source, 4 sessions |",
                      compare.table([postfix, outpost, http]))

    def test_signature_check_refuses_unsigned_tampered_and_unexpected_signatures(self):
        import dkim
        folder = tempfile.mkdtemp(prefix="outpost-bench-test-")
        key_path = os.path.join(folder, "key.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", key_path], check=True,
                       capture_output=True, timeout=60)
        record = compare.dkim_record_of(key_path, "rsa2048")
        with open(key_path, "rb") as handle:
            private_key = handle.read()
        message = (b"From: <bench@example.com>\r\nTo: <r@example.org>\r\nSubject: probe\r\n\r\n"
                   b"Body line.\r\n")
        signature = dkim.sign(message, compare.SELECTOR.encode(), b"example.com", private_key,
                              include_headers=[b"from", b"to", b"subject"])
        # As smtp-sink dumps it: its own X- fields and Received: first, LF line ends.
        prefix = (b"X-Client-Addr: 127.0.0.1\nX-Mail-Args: <bench@example.com>\n"
                  b"Received: from client ([127.0.0.1])\n\tby smtp-sink (smtp-sink) with SMTP;\n"
                  b"\tMon, 30 Nov 2026 00:00:00 +0000\n")
        signed = prefix + (signature + message).replace(b"\r\n", b"\n")
        compare.check_signatures([signed], "rsa2048", record)
        with self.assertRaisesRegex(AssertionError, "does not verify"):
            compare.check_signatures([signed.replace(b"Body line.", b"Body lime.")], "rsa2048",
                                     record)
        with self.assertRaisesRegex(AssertionError, "expected a rsa-sha256 signature"):
            compare.check_signatures([prefix + message], "rsa2048", record)
        with self.assertRaisesRegex(AssertionError, "expected a ed25519-sha256 signature"):
            compare.check_signatures([signed], "ed25519", record)
        with self.assertRaisesRegex(AssertionError, "unsigned row delivered a signed message"):
            compare.check_signatures([signed], None, None)
        with self.assertRaisesRegex(AssertionError, "no message reached"):
            compare.check_signatures([], None, None)


if __name__ == "__main__":
    unittest.main()

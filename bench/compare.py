"""outpost beside Postfix (+ OpenDKIM) on the same machine, in the same run.

Each system gets the same load from Postfix's smtp-source (20 sessions, many messages per
session) and relays to its own Postfix smtp-sink that counts what arrives; outpost is also loaded
through its HTTP API (wrk). Per message size and signing: messages/s accepted (smtp-source done)
and delivered (the sink has them all), CPU seconds per 1,000 messages (every process of the
system, not the load generator or the sink), peak memory (PSS summed over the system's
processes), and the accept latency at half of the system's own accepted rate
(bench/latency_probe.cpp, over SMTP or the HTTP API). Before each measured run a few messages go
to a dumping sink and their DKIM signatures are verified with dkimpy, so a signed row is known
to sign.

Beside them, the machine's ceilings: `openssl speed -multi 2` RSA-2048 and Ed25519 sign/s and
the disk's fsync rate. See docs/benchmarks.md.
"""
import argparse
import base64
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402
import peers  # noqa: E402

SENDER = "bench@example.com"
RECIPIENT = "r@example.org"
SIGNING_DOMAIN = "example.com"
SELECTOR = "bench"


class Row:
    def __init__(self, system, size, signing, count, load="smtp"):
        self.system, self.size, self.signing, self.count, self.load = (system, size, signing,
                                                                       count, load)
        self.accepted = self.delivered = self.cpu_per_1000 = self.peak_mib = None
        self.half_load = self.p50_ms = self.p99_ms = None
        self.sessions = None

    def as_dict(self):
        return dict(self.__dict__)


def smtp_source(port, count, size, sessions):
    # -d: many messages per session (a client that keeps its connection), which suits both
    # systems; -M: the HELO name and default domain.
    subprocess.run(["smtp-source", "-d", "-s", str(sessions), "-m", str(count), "-l", str(size),
                    "-f", SENDER, "-t", RECIPIENT, "-M", "client.bench.test",
                    f"127.0.0.1:{port}"], check=True, capture_output=True, timeout=900)


def probe_latency(probe, port, rate, seconds, size, key=None):
    protocol = ["--protocol", "http", "--key", key] if key else []
    result = subprocess.run([probe, "--port", str(port), "--rate", f"{rate:.0f}", "--seconds",
                             str(seconds), "--sessions", "10", "--size", str(size),
                             "--from", SENDER, "--to", RECIPIENT, *protocol],
                            capture_output=True, text=True, timeout=seconds + 120)
    figures = json.loads(result.stdout)
    if figures["failed"]:
        raise AssertionError(f"the latency probe had {figures['failed']} failures: "
                             f"{figures['first_error']}")
    return figures


def check_signatures(messages, signing, record):
    """Every message carries one DKIM-Signature of the expected algorithm that verifies against
    `record` (the TXT record a receiver would fetch), or none when unsigned."""
    import dkim
    if not messages:
        raise AssertionError("no message reached the dumping sink")
    algorithm = {"rsa2048": b"rsa-sha256", "ed25519": b"ed25519-sha256"}.get(signing)
    for message in messages:
        relayed = relayed_message(message)
        signed = b"DKIM-Signature:" in relayed
        if not algorithm:
            if signed:
                raise AssertionError("an unsigned row delivered a signed message")
            continue
        if not signed or b"a=" + algorithm not in relayed:
            raise AssertionError(f"expected a {algorithm.decode()} signature in:\n"
                                 f"{relayed[:800].decode(errors='replace')}")
        if not dkim.verify(relayed, dnsfunc=lambda name, timeout=5: record.encode()):
            raise AssertionError("the DKIM signature does not verify:\n"
                                 f"{relayed[:800].decode(errors='replace')}")


def relayed_message(dumped):
    """The message as the system relayed it, in CRLF lines: smtp-sink's dump starts with X-
    fields describing the session and a Received: field of its own."""
    lines = dumped.replace(b"\r\n", b"\n").split(b"\n")
    index = 0
    while index < len(lines) and lines[index].startswith(b"X-"):
        index += 1
    if index < len(lines) and lines[index].startswith(b"Received:"):
        index += 1
        while index < len(lines) and lines[index][:1] in (b" ", b"\t"):
            index += 1
    return b"\r\n".join(lines[index:])


def dkim_record_of(key_path, signing):
    der = subprocess.run(["openssl", "pkey", "-in", key_path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True, timeout=30).stdout
    if signing == "ed25519":
        return f"v=DKIM1; k=ed25519; p={base64.b64encode(der[-32:]).decode()}"
    return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"


def measure(row, port, sink, meter, sessions):
    row.sessions = sessions
    meter.start()
    try:
        started = time.monotonic()
        smtp_source(port, row.count, row.size, sessions)
        accepted_at = time.monotonic()
        delivered_at = sink.wait_for(row.count, timeout=900)
    finally:
        cpu, peak = meter.stop()
    row.accepted = row.count / (accepted_at - started)
    row.delivered = row.count / (delivered_at - started)
    row.cpu_per_1000 = cpu * 1000 / row.count
    row.peak_mib = peak / 1024


def measure_latency(row, args, port, key=None):
    row.half_load = row.accepted / 2
    figures = probe_latency(args.probe, port, row.half_load, args.probe_seconds, row.size, key)
    row.p50_ms, row.p99_ms = figures["p50_ms"], figures["p99_ms"]


def run_postfix(row, args, signer):
    milter = signer.socket_path if signer else None
    # First a check that what arrives is signed as it should be, through a dumping sink.
    dump = tempfile.mkdtemp(prefix="outpost-bench-dump-")
    check_sink = peers.CountingSink(dump_folder=dump).start()
    postfix = peers.TunedPostfix(check_sink.port, milter).start()
    try:
        smtp_source(postfix.port, 3, 512, 1)
        check_sink.wait_for(3, timeout=60)
        check_signatures(check_sink.dumped_messages(), row.signing,
                         signer.record if signer else None)
    finally:
        postfix.stop()
        check_sink.stop()
        shutil.rmtree(dump, ignore_errors=True)
    sink = peers.CountingSink().start()
    postfix = peers.TunedPostfix(sink.port, milter).start()
    try:
        # Warm-up: the first messages start Postfix's daemons (smtpd, cleanup, qmgr, smtp).
        smtp_source(postfix.port, 60, row.size, 6)
        sink.wait_for(60, timeout=60)
        sink.messages = 0
        meter = peers.ProcessMeter(lambda: peers.session_pids(postfix.session_id()) +
                                   ([signer.pid()] if signer else []))
        measure(row, postfix.port, sink, meter, args.sessions)
        measure_latency(row, args, postfix.port)
    finally:
        postfix.stop()
        sink.stop()
    return row


class OutpostUnderTest:
    """outpost with trusted-network submission for smtp-source, relaying to a sink, signing with
    a key of the row's algorithm when there is one."""

    def __init__(self, args, signing):
        self.outpost = harness.OutpostProcess(binary=args.binary, extra_env={
            "OUTPOST_LOG_LEVEL": "warn", "OUTPOST_SUBMISSION_TRUSTED_NETWORKS": "127.0.0.1/32",
            "OUTPOST_DELIVERY_MAX_CONNECTIONS": str(args.connections),
            "OUTPOST_DELIVERY_MAX_MESSAGES_PER_CONNECTION": "10000"})
        self.record = None
        try:
            if signing:
                algorithm = "ed25519" if signing == "ed25519" else "rsa-2048"
                created = json.loads(self.outpost.cli(
                    "dkim", "keygen", SIGNING_DOMAIN, "--algorithm", algorithm, "--activate",
                    "--json").stdout)
                self.record = created["record"]
            self.outpost.start()
        except BaseException:
            self.outpost.cleanup()  # its data folder too
            raise

    def relay_to(self, port):
        self.outpost.request("PUT", "/api/v1/settings/smtp", harness.relay_settings(port))

    def stop(self):
        self.outpost.cleanup()


def run_outpost(row, args, system):
    dump = tempfile.mkdtemp(prefix="outpost-bench-dump-")
    check_sink = peers.CountingSink(dump_folder=dump).start()
    sink = peers.CountingSink().start()
    outpost = system.outpost
    try:
        system.relay_to(check_sink.port)
        smtp_source(outpost.submission_port, 3, 512, 1)
        check_sink.wait_for(3, timeout=60)
        check_signatures(check_sink.dumped_messages(), row.signing, system.record)
        system.relay_to(sink.port)
        smtp_source(outpost.submission_port, 60, row.size, 6)
        sink.wait_for(60, timeout=60)
        sink.messages = 0
        pid = outpost.process.pid
        meter = peers.ProcessMeter(lambda: [pid])
        measure(row, outpost.submission_port, sink, meter, args.sessions)
        measure_latency(row, args, outpost.submission_port)
    finally:
        check_sink.stop()
        sink.stop()
        shutil.rmtree(dump, ignore_errors=True)
    return row


def run_outpost_http(row, args, system):
    """The HTTP API under wrk (16 connections, a fixed time): accepted = 201 answers per second,
    delivered = those messages at the sink; then the latency probe at half that rate. wrk's own
    latencies (at full load, 16 requests always in flight) go to the JSON results only."""
    sink = peers.CountingSink().start()
    outpost = system.outpost
    try:
        system.relay_to(sink.port)
        pid = outpost.process.pid
        meter = peers.ProcessMeter(lambda: [pid]).start()
        try:
            env = dict(os.environ, OUTPOST_KEY=outpost.key, OUTPOST_BENCH_SIZE=str(row.size))
            started = time.monotonic()
            result = subprocess.run(
                ["wrk", "-t1", "-c16", f"-d{args.http_seconds}s", "-s",
                 os.path.join(HERE, "intake.lua"), outpost.url + "/api/v1/messages"],
                env=env, capture_output=True, text=True, timeout=args.http_seconds + 60)
            accepted_at = time.monotonic()
            found = re.search(r"wrk: (\d+) requests, (\d+) errors \(non-2xx (\d+)\), "
                              r"p50 ([\d.]+) ms, p99 ([\d.]+) ms", result.stdout)
            if not found:
                raise AssertionError(f"wrk said: {result.stdout}{result.stderr}")
            requests, errors, non2xx = (int(found.group(n)) for n in (1, 2, 3))
            created = requests - non2xx
            if errors or non2xx:
                raise AssertionError(f"wrk: {errors} errors and {non2xx} answers other than 201")
            delivered_at = sink.wait_for(created, timeout=900)
        finally:
            cpu, peak = meter.stop()
        row.count = created
        row.accepted = created / (accepted_at - started)
        row.delivered = created / (delivered_at - started)
        row.cpu_per_1000 = cpu * 1000 / created
        row.peak_mib = peak / 1024
        row.full_load_p50_ms, row.full_load_p99_ms = float(found.group(4)), float(found.group(5))
        measure_latency(row, args, outpost.port, outpost.key)
    finally:
        sink.stop()
    return row


# --- the machine's ceilings --------------------------------------------------------------------

def openssl_sign_rates(seconds):
    """sign/s of `openssl speed -multi 2` for RSA-2048 and Ed25519 (both cores)."""
    rates = {}
    for algorithm, pattern in (("rsa2048", r"^rsa\s+2048 bits\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)"),
                               ("ed25519", r"^\s*253 bits EdDSA \(Ed25519\)\s+[\d.]+s\s+[\d.]+s"
                                           r"\s+([\d.]+)")):
        output = subprocess.run(["openssl", "speed", "-multi", str(os.cpu_count() or 2),
                                 "-seconds", str(seconds), algorithm], capture_output=True,
                                text=True, timeout=seconds * 4 + 60).stdout
        found = re.search(pattern, output, re.M)
        rates[algorithm] = float(found.group(1)) if found else None
    return rates


def fsync_rate(folder, seconds):
    """Appends of 4 KiB each followed by fdatasync, per second: what one committer can reach."""
    path = os.path.join(folder, "fsync-probe")
    block = os.urandom(4096)
    count = 0
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            os.write(descriptor, block)
            os.fdatasync(descriptor)
            count += 1
    finally:
        os.close(descriptor)
        os.unlink(path)
    return count / seconds


# --- reporting ---------------------------------------------------------------------------------

SIZE_NAMES = {2048: "2 KiB", 20480: "20 KiB", 102400: "100 KiB"}


def size_name(size):
    return SIZE_NAMES.get(size, f"{size} B")


def table(rows):
    lines = ["| size | signing | system | load | accepted msg/s | delivered msg/s | ratio "
             "(delivered) | CPU s / 1000 msg | peak memory MiB | accept latency p50 / p99 ms |",
             "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    postfix = {(row.size, row.signing): row for row in rows if row.system == "postfix"}
    for row in rows:
        peer = postfix.get((row.size, row.signing))
        ratio = f"{row.delivered / peer.delivered:.2f}x" if (
            peer and row is not peer and row.delivered) else ""
        latency = (f"{row.p50_ms:.1f} / {row.p99_ms:.1f} at {row.half_load:.0f} msg/s"
                   if row.half_load else "")
        system = "Postfix + OpenDKIM" if row.system == "postfix" and row.signing else (
            "Postfix" if row.system == "postfix" else "outpost")
        load = (f"smtp-source, {row.sessions} sessions" if row.load == "smtp"
                else "HTTP API, wrk 16 conn.")
        lines.append(f"| {size_name(row.size)} | {row.signing or 'unsigned'} | {system} | {load} "
                     f"| {row.accepted:,.0f} | {row.delivered:,.0f} | {ratio} | "
                     f"{row.cpu_per_1000:.2f} | {row.peak_mib:.0f} | {latency} |")
    return "\n".join(lines)


def machine_description():
    model = ""
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = 0
    with open("/proc/meminfo") as handle:
        memory = int(handle.readline().split()[1]) // (1024 * 1024)
    return (f"{model}, {os.cpu_count()} cores, {memory} GiB, Linux {platform.release()}, "
            f"{datetime.date.today().isoformat()}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--probe", required=True)
    parser.add_argument("--quick", action="store_true",
                        help="2 KiB unsigned and RSA-2048 only, fewer messages (under a minute)")
    parser.add_argument("--messages", type=int, default=None)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--sizes", default="2048,20480,102400")
    parser.add_argument("--signing", default="none,rsa2048,ed25519")
    parser.add_argument("--json", help="write the results here too")
    args = parser.parse_args()
    peers.stop_on_signals()
    args.binary = os.path.abspath(args.binary)
    args.probe = os.path.abspath(args.probe)
    if args.quick:
        args.sizes, args.signing = "2048", "none,rsa2048"
    args.messages = args.messages or (1200 if args.quick else 5000)
    args.probe_seconds = 2 if args.quick else 5
    args.http_seconds = 5
    ceilings = {}
    if not args.quick:
        ceilings = openssl_sign_rates(3)
        ceilings["fsync"] = fsync_rate(tempfile.gettempdir(), 3)
    rows = []
    for size in (int(value) for value in args.sizes.split(",")):
        for signing in args.signing.split(","):
            signing = None if signing == "none" else signing
            signer = None
            if signing:
                signer = peers.OpenDkim(SIGNING_DOMAIN, signing, SELECTOR).start()
                signer.record = dkim_record_of(signer.key_path, signing)
            try:
                rows.append(run_postfix(Row("postfix", size, signing, args.messages), args,
                                        signer))
            finally:
                if signer:
                    signer.stop()
            print(table(rows[-1:]).splitlines()[-1], flush=True)
            system = OutpostUnderTest(args, signing)
            try:
                rows.append(run_outpost(Row("outpost", size, signing, args.messages), args,
                                        system))
                print(table(rows[-1:]).splitlines()[-1], flush=True)
                if not args.quick:
                    rows.append(run_outpost_http(Row("outpost", size, signing, 0, "http"), args,
                                                 system))
                    print(table(rows[-1:]).splitlines()[-1], flush=True)
            finally:
                system.stop()
    print()
    print(f"Machine: {machine_description()}")
    if ceilings:
        print(f"Ceilings: openssl speed -multi {os.cpu_count()}: RSA-2048 "
              f"{ceilings['rsa2048']:,.0f} sign/s, Ed25519 {ceilings['ed25519']:,.0f} sign/s; "
              f"fdatasync {ceilings['fsync']:,.0f}/s")
    print()
    print(table(rows))
    delivered = {(row.system, row.size, row.signing): row.delivered for row in rows
                 if row.load == "smtp"}
    for signing in args.signing.split(","):
        key = None if signing == "none" else signing
        outpost_rate = delivered.get(("outpost", 2048, key))
        if ceilings.get(key) and outpost_rate:
            print(f"{signing}: outpost delivered {outpost_rate:,.0f} signed msg/s, "
                  f"{outpost_rate / ceilings[key]:.0%} of openssl's {ceilings[key]:,.0f} sign/s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"machine": machine_description(), "ceilings": ceilings,
                       "rows": [row.as_dict() for row in rows]}, handle, indent=1)
    ratios = []
    for signing in ("none", "rsa2048"):
        key = None if signing == "none" else signing
        mine, theirs = delivered.get(("outpost", 2048, key)), delivered.get(("postfix", 2048, key))
        if mine and theirs:
            ratios.append(f"{'unsigned' if key is None else signing} {mine / theirs:.2f}")
    print(f"outpost/postfix delivered: {' '.join(ratios)}")


if __name__ == "__main__":
    main()

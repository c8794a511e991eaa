#!/usr/bin/python3
"""DKIM signing speed next to `openssl speed`, measured on the same machine in the same run
(issue 5, "Speed").

rsa2048:  outpost signing a 2 KiB message whole (split, relaxed body canonicalization +
          SHA-256, header canonicalization, SHA-256 + RSASSA-PKCS1-v1_5) vs `openssl speed
          rsa2048` sign/s (a bare private-key operation on a ready digest). Target >= 90%.
ed25519:  the same message with Ed25519 vs `openssl speed ed25519` sign/s. Target >= 80%.
body:     relaxed body canonicalization + SHA-256 of a 1 MiB text body vs SHA-256 alone of
          the same bytes (both rows of outpost_dkim_bench). Target >= 70%.

Both sides run on one core and count CPU time (openssl speed divides by user CPU time unless
-elapsed; Google Benchmark's rates use CPU time), so a neighbour on the shared cores costs
less than it would in wall-clock rates. Rounds alternate the order of the three runs and the
median of each figure is reported; the per-round ratio range shows the noise. Targets are
reported, not asserted: the exit status is 0 whenever the measurements could be made.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

TARGETS = {"rsa2048": 0.90, "ed25519": 0.80, "body": 0.70}


def openssl_sign_rate(algorithm, seconds):
    """sign/s from the table `openssl speed` prints last, e.g. (OpenSSL 3.0):
                      sign    verify    sign/s verify/s
    rsa 2048 bits 0.000380s 0.000025s   2634.6  40241.8
     253 bits EdDSA (Ed25519)   0.0001s   0.0001s  17441.5   7060.0
    The row's last columns line up with the header's, whatever the row's label holds."""
    result = subprocess.run(["openssl", "speed", "-seconds", str(seconds), algorithm],
                            capture_output=True, text=True, timeout=seconds * 4 + 60)
    if result.returncode != 0:
        raise RuntimeError(f"openssl speed {algorithm} failed: {result.stderr.strip()}")
    lines = result.stdout.splitlines()
    for i, line in enumerate(lines):
        columns = line.split()
        if "sign/s" not in columns:
            continue
        for row in lines[i + 1:]:
            values = row.split()
            if len(values) >= len(columns):
                return float(values[len(values) - len(columns) + columns.index("sign/s")])
    raise RuntimeError(f"no sign/s row in the output of openssl speed {algorithm}:\n"
                       + result.stdout)


def outpost_rates(binary, min_time):
    """Signatures per CPU-second for the two signing rows, bytes per CPU-second for the two
    1 MiB rows."""
    result = subprocess.run([binary, "--benchmark_format=json",
                             f"--benchmark_min_time={min_time}"],
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"{binary} failed: {result.stderr.strip()}")
    rows = {}
    for row in json.loads(result.stdout)["benchmarks"]:
        if row.get("error_occurred"):
            raise RuntimeError(f"{row['name']}: {row.get('error_message')}")
        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[row["time_unit"]]
        rows[row["name"]] = row.get("bytes_per_second") or 1.0 / (row["cpu_time"] * scale)
    return {"rsa2048": rows["signRsa2048"], "ed25519": rows["signEd25519"],
            "body": rows["relaxedBodyHash1MiB"], "sha256": rows["plainSha256_1MiB"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    parser.add_argument("--bench", default=os.path.join(root, "build", "release", "bench",
                                                        "outpost_dkim_bench"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=2,
                        help="per openssl speed phase (sign, then verify: twice this per run)")
    parser.add_argument("--min-time", type=float, default=0.3,
                        help="Google Benchmark's --benchmark_min_time per row")
    args = parser.parse_args()
    if not os.access(args.bench, os.X_OK):
        print(f"dkim_speed: {args.bench} is missing; build the target outpost_dkim_bench of "
              "the release preset", file=sys.stderr)
        return 1

    rows = [("rsa2048", "RSA-2048 sign, 2 KiB message", "sign/s", "openssl speed rsa2048"),
            ("ed25519", "Ed25519 sign, 2 KiB message", "sign/s", "openssl speed ed25519"),
            ("body", "relaxed body canon + SHA-256, 1 MiB", "MB/s", "SHA-256 alone, same bytes")]
    samples = {key: {"outpost": [], "peer": [], "ratio": []} for key, *_ in rows}
    runs = [lambda f: f.update(peer_rsa2048=openssl_sign_rate("rsa2048", args.seconds)),
            lambda f: f.update(outpost_rates(args.bench, args.min_time)),
            lambda f: f.update(peer_ed25519=openssl_sign_rate("ed25519", args.seconds))]
    for round_index in range(args.rounds):
        print(f"dkim_speed: round {round_index + 1}/{args.rounds}", file=sys.stderr, flush=True)
        figures = {}
        for run in runs if round_index % 2 == 0 else reversed(runs):
            run(figures)
        pairs = {"rsa2048": (figures["rsa2048"], figures["peer_rsa2048"]),
                 "ed25519": (figures["ed25519"], figures["peer_ed25519"]),
                 "body": (figures["body"] / 1e6, figures["sha256"] / 1e6)}
        for key, (outpost, peer) in pairs.items():
            samples[key]["outpost"].append(outpost)
            samples[key]["peer"].append(peer)
            samples[key]["ratio"].append(outpost / peer)

    header = ("row", "outpost", "peer", "ratio (rounds)", "target", "")
    table = []
    for key, label, unit, peer_label in rows:
        outpost = statistics.median(samples[key]["outpost"])
        peer = statistics.median(samples[key]["peer"])
        ratio = outpost / peer
        ratios = samples[key]["ratio"]
        table.append((label, f"{outpost:,.0f} {unit}", f"{peer:,.0f} {unit} ({peer_label})",
                      f"{ratio:.2f} ({min(ratios):.2f}-{max(ratios):.2f})",
                      f">= {TARGETS[key]:.2f}", "met" if ratio >= TARGETS[key] else "NOT MET"))
    widths = [max(len(line[i]) for line in [header] + table) for i in range(len(header))]
    print(f"DKIM speed, median of {args.rounds} rounds, one core, rates per CPU-second")
    for line in [header, tuple("-" * w for w in widths)] + table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())

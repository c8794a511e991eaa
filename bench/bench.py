"""outpost benchmarks, each reported with the rate of a peer measured in the same run.

intake:   POST /api/v1/messages with wrk (16 connections, 10 s), durable (201 after commit).
          peer: the same rows committed one transaction (one fsync) per message with SQLite
          WAL + synchronous=FULL on the same disk, the rate a server without grouped commits
          could reach at best.
delivery: 3000 queued messages drained into Postfix's smtp-sink through the relay route.
          peer: Postfix's smtp-source sending the same number and size of messages to the
          same smtp-sink with as many sessions as outpost's max_connections.
"""
import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import harness  # noqa: E402


def wrk(url, key, seconds, connections=16):
    env = dict(os.environ, OUTPOST_KEY=key)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "intake.lua")
    result = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script,
                             url + "/api/v1/messages"], env=env, capture_output=True, text=True,
                            timeout=seconds + 60)
    requests = int(re.search(r"(\d+) requests in", result.stdout).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    summary = re.search(r"^wrk: .*$", result.stdout, re.M)
    return requests - (int(non2xx.group(1)) if non2xx else 0), summary.group(0) if summary else ""


def naive_commit_rate(folder, seconds=5.0):
    path = os.path.join(folder, "naive.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, body BLOB)")
    body = os.urandom(1400)
    count = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.execute("BEGIN")
        db.execute("INSERT INTO m (body) VALUES (?)", (body,))
        db.execute("COMMIT")
        count += 1
    db.close()
    return count / seconds


def bench_intake(binary, seconds):
    outpost = harness.OutpostProcess(extra_env={"OUTPOST_LOG_LEVEL": "warn"}, binary=binary)
    outpost.start()
    try:
        created, summary = wrk(outpost.url, outpost.key, seconds)
        rate = created / seconds
        naive = naive_commit_rate(outpost.data_dir)
    finally:
        outpost.cleanup()
    print(f"intake:   {rate:8.0f} messages/s durable via the HTTP API ({created} in {seconds} s; "
          f"{summary})")
    print(f"          {naive:8.0f} messages/s peer: one SQLite commit (fsync) per message")
    print(f"          ratio {rate / naive:.1f}x")
    return rate, naive


def bench_delivery(binary, count, connections):
    sink = harness.SmtpSink().start()
    dead_port = harness.free_port()
    outpost = harness.OutpostProcess(extra_env={
        "OUTPOST_LOG_LEVEL": "warn", "OUTPOST_DELIVERY_RETRY_SCHEDULE": "600s",
        "OUTPOST_DELIVERY_MAX_CONNECTIONS": str(connections),
        "OUTPOST_DELIVERY_MAX_MESSAGES_PER_CONNECTION": "1000"}, binary=binary)
    outpost.start()
    try:
        # Queue `count` messages while the relay is unreachable (they defer), then point the
        # relay at smtp-sink and retry them all at once: the drain is delivery alone.
        outpost.request("PUT", "/api/v1/settings/smtp", harness.relay_settings(dead_port))
        body = "Lorem ipsum dolor sit amet. " * 40
        import concurrent.futures
        def submit(number):
            return outpost.send(**{"from": "bench@example.com", "to": [f"r{number}@example.org"],
                                   "subject": f"delivery {number}", "text": body})["id"]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(submit, range(count)))
        harness.wait_for(lambda: not outpost.request(
            "GET", "/api/v1/messages?view=outbox&status=processing&limit=1")[1]["items"], 120)
        outpost.request("PUT", "/api/v1/settings/smtp", harness.relay_settings(sink.port))
        db = sqlite3.connect(os.path.join(outpost.data_dir, "outpost.db"), isolation_level=None,
                             timeout=30)
        db.execute("UPDATE recipients SET next_attempt_at = 0 WHERE processing_status = 'queued'")
        db.close()
        started = time.monotonic()
        harness.wait_for(lambda: not outpost.request(
            "GET", "/api/v1/messages?view=outbox&limit=1")[1]["items"], 300, interval=0.05,
            what="the Outbox to drain into smtp-sink")
        elapsed = time.monotonic() - started
        db = sqlite3.connect(os.path.join(outpost.data_dir, "outpost.db"))
        delivered = db.execute("SELECT count(*) FROM attempts WHERE code = 250").fetchone()[0]
        first, last = db.execute(
            "SELECT min(at), max(at + duration_ms) FROM attempts WHERE code = 250").fetchone()
        db.close()
        size = len(outpost.request("GET", f"/api/v1/messages/{ids[0]}/raw", raw=True)[1])
    finally:
        outpost.cleanup()
    # The rate over the span of the successful attempts: the scheduler's poll interval (up to 1 s
    # before it sees the retried recipients) is not delivery time.
    span = (last - first) / 1000
    rate = delivered / span
    # The peer: smtp-source with the same count, size and sessions against the same sink.
    started = time.monotonic()
    subprocess.run(["smtp-source", "-s", str(connections), "-m", str(count), "-l", str(size),
                    "-f", "bench@example.com", "-t", "r@example.org", f"127.0.0.1:{sink.port}"],
                   check=True, capture_output=True, timeout=600)
    peer_elapsed = time.monotonic() - started
    sink.stop()
    peer_rate = count / peer_elapsed
    print(f"delivery: {rate:8.0f} messages/s to smtp-sink ({delivered} of {count} messages of "
          f"{size} bytes; attempts span {span:.2f} s, {elapsed:.2f} s until the Outbox was empty; "
          f"{connections} sessions)")
    print(f"          {peer_rate:8.0f} messages/s peer: Postfix smtp-source, same sink, count, "
          f"size and sessions")
    print(f"          ratio {rate / peer_rate:.2f}x")
    return rate, peer_rate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", choices=["intake", "delivery"], default=None)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    print(f"outpost benchmarks ({binary}), {os.cpu_count()} cores")
    if args.only != "delivery":
        bench_intake(binary, args.seconds)
    if args.only != "intake":
        bench_delivery(binary, args.messages, args.connections)


if __name__ == "__main__":
    main()

"""outpost benchmarks, each reported with the rate of a peer measured in the same run.

intake:   POST /api/v1/messages with wrk (16 connections, 10 s), durable (201 after commit).
          peers: (1) a private Postfix instance's SMTP intake (smtpd + cleanup, queue file
          fsync'd before the 250) fed by smtp-source with 16 sessions, messages of the same size;
          (2) bare SQLite, one transaction (one fsync) per 1.4 KB row, WAL + synchronous=FULL on
          the same disk: what a store without grouped commits could reach at best.
mx:       queued messages drained straight to four MX hosts (Postfix smtp-sink on 127.0.0.2-5,
          found through a real Knot DNS server), once with connection reuse (100 messages per
          session) and once without (one message per session), in the same run.
delivery: 3000 queued messages drained into Postfix's smtp-sink through the relay route.
          peer: Postfix's smtp-source sending the same number and size of messages to the
          same smtp-sink with as many sessions as outpost's max_connections.
"""
import argparse
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


POSTFIX_MAIN_CF = """compatibility_level = 3.6
queue_directory = {folder}/queue
data_directory = {folder}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = bench.test
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
default_transport = discard
alias_maps =
local_recipient_maps =
smtpd_recipient_restrictions = permit_mynetworks, reject
maillog_file = {folder}/maillog
maillog_file_prefixes = {folder}
"""


def postfix_intake_rate(count, size, sessions=16):
    """Postfix's durable SMTP intake, as a private instance (needs root, as Postfix does)."""
    if os.geteuid() != 0:
        return None
    folder = tempfile.mkdtemp(prefix="outpost-postfix-")
    os.chmod(folder, 0o755)
    port = harness.free_port()
    try:
        for sub in ("etc", "queue", "data"):
            os.mkdir(os.path.join(folder, sub))
        shutil.chown(os.path.join(folder, "data"), "postfix")
        with open(os.path.join(folder, "etc", "main.cf"), "w") as main_cf:
            main_cf.write(POSTFIX_MAIN_CF.format(folder=folder))
        with open("/etc/postfix/master.cf") as source:
            master = re.sub(r"^smtp\s+inet\s+n\s+-\s+y\s+-\s+-\s+smtpd",
                            f"127.0.0.1:{port} inet n - n - - smtpd", source.read(), flags=re.M)
        with open(os.path.join(folder, "etc", "master.cf"), "w") as master_cf:
            master_cf.write(master)
        subprocess.run(["postfix", "-c", os.path.join(folder, "etc"), "start"], check=True,
                       capture_output=True, timeout=60)
        harness.wait_listening(port)
        started = time.monotonic()
        subprocess.run(["smtp-source", "-s", str(sessions), "-m", str(count), "-l", str(size),
                        "-f", "bench@example.com", "-t", "r@example.org", f"127.0.0.1:{port}"],
                       check=True, capture_output=True, timeout=600)
        return count / (time.monotonic() - started)
    finally:
        subprocess.run(["postfix", "-c", os.path.join(folder, "etc"), "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def bench_intake(binary, seconds):
    outpost = harness.OutpostProcess(extra_env={"OUTPOST_LOG_LEVEL": "warn"}, binary=binary)
    outpost.start()
    try:
        created, summary = wrk(outpost.url, outpost.key, seconds)
        rate = created / seconds
        naive = naive_commit_rate(outpost.data_dir)
    finally:
        outpost.cleanup()
    postfix = postfix_intake_rate(3000, 1434)
    print(f"intake:   {rate:8.0f} messages/s durable via the HTTP API ({created} in {seconds} s; "
          f"{summary})")
    if postfix:
        print(f"          {postfix:8.0f} messages/s peer: Postfix SMTP intake (smtp-source, 16 "
              f"sessions, 1434-byte messages) -> ratio {rate / postfix:.2f}x")
    print(f"          {naive:8.0f} messages/s peer: bare SQLite, one commit (fsync) per row "
          f"-> ratio {rate / naive:.2f}x")
    return rate, naive


def bench_submission(binary, count, size=1434, sessions=16):
    """SMTP intake: smtp-source into outpost's submission port (a trusted network, as smtp-source
    has no AUTH or TLS), 250 after the durable commit, beside Postfix's smtpd in the same run."""
    outpost = harness.OutpostProcess(extra_env={
        "OUTPOST_LOG_LEVEL": "warn", "OUTPOST_SUBMISSION_TRUSTED_NETWORKS": "127.0.0.1/32"},
        binary=binary)
    outpost.start()
    try:
        started = time.monotonic()
        subprocess.run(["smtp-source", "-s", str(sessions), "-m", str(count), "-l", str(size),
                        "-f", "bench@example.com", "-t", "r@example.org",
                        f"127.0.0.1:{outpost.submission_port}"],
                       check=True, capture_output=True, timeout=600)
        rate = count / (time.monotonic() - started)
        status, body = outpost.request("GET", "/api/v1/messages?view=sent&limit=1")
        assert status == 200 and body["items"], body
    finally:
        outpost.cleanup()
    postfix = postfix_intake_rate(count, size, sessions)
    print(f"smtp:     {rate:8.0f} messages/s durable via SMTP submission (smtp-source, {sessions} "
          f"sessions, {count} messages of {size} bytes)")
    if postfix:
        print(f"          {postfix:8.0f} messages/s peer: Postfix SMTP intake, same load "
              f"-> ratio {rate / postfix:.2f}x")
    return rate


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


def start_sink(host, port):
    binary = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
    process = subprocess.Popen([binary, "-u", user, f"{host}:{port}", "256"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    harness.wait_listening(port, host=host)
    return process


def drain_to_mx(binary, dns, mx_port, count, per_connection, domains):
    """Queues `count` messages to `domains` while their MX port is closed, then restarts outpost
    with the right port and measures the drain: messages/s over the successful attempts' span."""
    env = {"OUTPOST_LOG_LEVEL": "warn", "OUTPOST_DELIVERY_RETRY_SCHEDULE": "600s",
           "OUTPOST_DNS_SERVER": dns.address, "OUTPOST_DEFAULT_ROUTE": "mx",
           "OUTPOST_DELIVERY_DOMAIN_CONNECTIONS": "4",
           "OUTPOST_DELIVERY_MAX_MESSAGES_PER_CONNECTION": str(per_connection)}
    queueing = harness.OutpostProcess(extra_env=dict(env, OUTPOST_MX_PORT=str(harness.free_port())),
                                      binary=binary).start()
    data_dir = queueing.data_dir
    body = "Lorem ipsum dolor sit amet. " * 40
    import concurrent.futures
    def submit(number):
        return queueing.send(**{"from": "bench@example.com",
                                "to": [f"r{number}@{domains[number % len(domains)]}"],
                                "subject": f"mx {number}", "text": body})["id"]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(submit, range(count)))
    harness.wait_for(lambda: not queueing.request(
        "GET", "/api/v1/messages?view=outbox&status=processing&limit=1")[1]["items"], 300)
    queueing.stop()
    db = sqlite3.connect(os.path.join(data_dir, "outpost.db"), isolation_level=None, timeout=30)
    db.execute("UPDATE recipients SET next_attempt_at = 0 WHERE processing_status = 'queued'")
    db.close()
    draining = harness.OutpostProcess(data_dir=data_dir, binary=binary,
                                      extra_env=dict(env, OUTPOST_MX_PORT=str(mx_port)))
    draining.key = queueing.key
    draining.start()
    try:
        harness.wait_for(lambda: not draining.request(
            "GET", "/api/v1/messages?view=outbox&limit=1")[1]["items"], 600, interval=0.05,
            what="the Outbox to drain to the MX hosts")
        db = sqlite3.connect(os.path.join(data_dir, "outpost.db"))
        delivered, first, last = db.execute(
            "SELECT count(*), min(at), max(at + duration_ms) FROM attempts WHERE code = 250"
        ).fetchone()
        db.close()
    finally:
        draining.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return delivered, delivered / ((last - first) / 1000)


def bench_mx(binary, count):
    from dns_server import DnsServer
    hosts = [f"127.0.0.{n}" for n in range(2, 6)]
    domains = [f"d{n}.bench.test" for n in range(len(hosts))]
    zone = "\n".join(f"d{n} MX 10 mx{n}\nmx{n} A {host}" for n, host in enumerate(hosts))
    port = harness.free_port()
    sinks = [start_sink(host, port) for host in hosts]
    try:
        with DnsServer(zones={"bench.test": zone}) as dns:
            reused, reuse_rate = drain_to_mx(binary, dns, port, count, 100, domains)
            single, single_rate = drain_to_mx(binary, dns, port, count, 1, domains)
    finally:
        for sink in sinks:
            sink.terminate()
            sink.wait(10)
    print(f"mx:       {reuse_rate:8.0f} messages/s to {len(hosts)} MX hosts with connection reuse "
          f"({reused} of {count} delivered; up to 100 messages per session, 4 sessions per domain)")
    print(f"          {single_rate:8.0f} messages/s without reuse ({single} of {count}; one message "
          f"per session)")
    print(f"          ratio {reuse_rate / single_rate:.2f}x")
    return reuse_rate, single_rate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", choices=["intake", "smtp", "delivery", "mx"], default=None)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    print(f"outpost benchmarks ({binary}), {os.cpu_count()} cores")
    if args.only in (None, "intake"):
        bench_intake(binary, args.seconds)
    if args.only in (None, "smtp"):
        bench_submission(binary, args.messages)
    if args.only in (None, "delivery"):
        bench_delivery(binary, args.messages, args.connections)
    if args.only in (None, "mx"):
        bench_mx(binary, args.messages)


if __name__ == "__main__":
    main()

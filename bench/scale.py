"""The scale rows of the benchmarks: N messages (default one million) queued while the relay is
down, then what that depth costs and how it drains.

1. `outpost serve` (the given binary) with the relay pointing at a closed port on 127.0.0.1 and a
   6 h retry schedule: every message fails its first attempt and waits, deferred, in the Outbox.
2. Intake: Postfix's smtp-source (20 sessions, several messages per session, 2 KiB messages) into
   the submission port (a trusted network: smtp-source has no AUTH). Progress from the database,
   read-only.
3. At depth: RSS (VmRSS, VmHWM), disk per message, list API latency (the Outbox's first page, a
   deep keyset page, the Sent view) over one persistent HTTP connection; then SIGTERM, restart
   on the same data folder, the time until /api/v1/health and the first list page answer, RSS
   again.
4. Drain: Postfix's smtp-sink counts what arrives; the relay points at it and, while outpost is
   stopped once more, every queued recipient is made due (the UPDATE bench.py uses). Measured:
   messages/s until all N arrived, and the RSS peak meanwhile.

Prints a markdown table (| what | figure | target |) and a last line `scale-json: {...}`.
Every wait is bounded; outpost and smtp-sink are stopped in `finally` blocks.

    /usr/bin/python3 bench/scale.py --binary build/release/src/app/outpost --messages 1000000
"""
import argparse
import base64
import http.client
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import harness  # noqa: E402
import peers  # noqa: E402

SENDER = "bench@example.com"
RECIPIENT = "r@example.org"
MIB = 1024 * 1024

# The WHERE expression of the partial index recipients_due, word for word, so that SQLite counts
# through that (small) index instead of scanning every recipient.
DUE_SQL = ("SELECT count(*) FROM recipients WHERE processing_status IN ('queued', 'processing')"
           " AND next_attempt_at <= ?")


def log(text):
    print(text, flush=True)


# --- the database, read-only -------------------------------------------------------------------

class Db:
    """A read-only connection to outpost's database, opened per use: a reader that lingers
    would hold back WAL checkpoints."""

    def __init__(self, data_dir):
        self.path = os.path.join(data_dir, "outpost.db")

    def query(self, sql, *args):
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def one(self, sql, *args):
        return self.query(sql, *args)[0][0]

    def messages(self):
        # seq is the INTEGER PRIMARY KEY: max() is one b-tree descent, count(*) a full scan.
        return self.one("SELECT coalesce(max(seq), 0) FROM messages")

    def due_now(self):
        return self.one(DUE_SQL, int(time.time() * 1000))


def table_bytes(path, seconds=180):
    """{table or index: bytes} from SQLite's dbstat (every page is read: tens of seconds at a
    million messages); None if dbstat is missing or it took longer than `seconds`."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    deadline = time.monotonic() + seconds
    db.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 100000)
    try:
        rows = db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"
                          " ORDER BY 2 DESC").fetchall()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return dict(rows)


def folder_bytes(folder):
    """{file name: (apparent bytes, allocated bytes)} of the files directly in `folder`."""
    sizes = {}
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False):
            stat = entry.stat(follow_symlinks=False)
            sizes[entry.name] = (stat.st_size, stat.st_blocks * 512)
    return sizes


def disk_figures(folder, count):
    sizes = folder_bytes(folder)
    db_names = [name for name in sizes if name.startswith("outpost.db")]
    apparent = sum(sizes[name][0] for name in db_names)
    allocated = sum(sizes[name][1] for name in db_names)
    return {
        "db_bytes": apparent,
        "db_allocated_bytes": allocated,
        "folder_bytes": sum(size for size, _ in sizes.values()),
        "files": {name: sizes[name][0] for name in sorted(sizes)},
        "bytes_per_message": apparent / count,
        "log_bytes_per_message": sizes.get("server.log", (0, 0))[0] / count,
    }


# --- HTTP over one persistent connection ------------------------------------------------------

class Api:
    def __init__(self, port, key):
        self.port = port
        self.key = key
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path):
        """(status, decoded JSON, seconds)."""
        headers = {"Authorization": f"Bearer {self.key}"}
        started = time.perf_counter()
        try:
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
            payload = response.read()
        except (http.client.HTTPException, OSError):
            # The server closed the kept-alive connection: once more on a new one.
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            started = time.perf_counter()
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
            payload = response.read()
        elapsed = time.perf_counter() - started
        body = json.loads(payload) if payload else None
        return response.status, body, elapsed

    def timed(self, path, repeat):
        """Median and max milliseconds of `repeat` requests (after one untimed warm-up), and the
        last answer's items."""
        status, body, _ = self.get(path)
        if status != 200:
            raise AssertionError(f"GET {path}: {status} {body}")
        times = []
        for _ in range(repeat):
            status, body, elapsed = self.get(path)
            if status != 200:
                raise AssertionError(f"GET {path}: {status} {body}")
            times.append(elapsed * 1000)
        return {"median_ms": statistics.median(times), "max_ms": max(times),
                "min_ms": min(times), "items": len(body["items"])}, body

    def close(self):
        self.connection.close()


def encode_cursor(created_at, message_id):
    """The list API's keyset cursor as src/store/sqlite/queries.cpp encodeCursor writes it:
    unpadded base64url of "<created_at ms>.<message id>"; the next page holds the messages
    strictly before (created_at, id) in (created_at DESC, id DESC) order."""
    raw = f"{created_at}.{message_id}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# --- outpost ------------------------------------------------------------------------------------

def outpost_env(args):
    return {
        "OUTPOST_LOG_LEVEL": "warn",
        "OUTPOST_SUBMISSION_TRUSTED_NETWORKS": "127.0.0.1/32",
        "OUTPOST_DELIVERY_RETRY_SCHEDULE": "6h",
        "OUTPOST_DELIVERY_MAX_CONNECTIONS": str(args.connections),
        "OUTPOST_DELIVERY_MAX_MESSAGES_PER_CONNECTION": "1000",
    }


def timed_start(outpost, list_path):
    """Starts outpost; returns (seconds until /api/v1/health answered 200, seconds until the
    first list page answered 200 after that, the list page's own milliseconds), timed from the
    spawn by a thread polling every 10 ms (the harness's own poll has 100 ms steps)."""
    seen = {}

    def poll(started):
        deadline = started + 120
        while time.perf_counter() < deadline and "health" not in seen:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", outpost.port, timeout=5)
                connection.request("GET", "/api/v1/health")
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status == 200:
                    seen["health"] = time.perf_counter() - started
                    break
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.01)

    started = time.perf_counter()
    thread = threading.Thread(target=poll, args=(started,), daemon=True)
    thread.start()
    outpost.start()
    thread.join(130)
    if "health" not in seen:
        raise AssertionError("outpost answered the harness's health check but not ours")
    api = Api(outpost.port, outpost.key)
    try:
        status, body, elapsed = api.get(list_path)
        listed = time.perf_counter() - started
        if status != 200:
            raise AssertionError(f"first list page after start: {status} {body}")
    finally:
        api.close()
    return seen["health"], listed, elapsed * 1000


def timed_stop(outpost):
    """SIGTERM and the seconds until the process exited (None if it needed SIGKILL after 60 s)."""
    process = outpost.process
    started = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(30)
        outpost.process = None
        return None
    outpost.process = None
    return time.perf_counter() - started


def memory(pid):
    return {"rss_mib": peers.resident_kib(pid) / 1024,
            "hwm_mib": peers.peak_resident_kib(pid) / 1024}


# --- the steps ----------------------------------------------------------------------------------

def queue_messages(outpost, db, args, results):
    count = args.messages
    timeout = 300 + count / 100  # 100 messages/s at worst: 1M within 3 h
    command = ["smtp-source", "-s", str(args.sessions), "-d", "-m", str(count), "-l",
               str(args.size), "-f", SENDER, "-t", RECIPIENT, "-M", "client.bench.test",
               f"127.0.0.1:{outpost.submission_port}"]
    pid = outpost.process.pid
    # VmRSS sampled, as VmHWM already holds the first start's peak: creating the first super
    # admin hashes its password with libsodium's crypto_pwhash (64 MiB).
    meter = peers.ProcessMeter(lambda: [pid], interval=0.5,
                               memory_kib=peers.resident_kib).start()
    log(f"intake: smtp-source {args.sessions} sessions, {count} messages of {args.size} bytes")
    started = time.monotonic()
    # A file, not a pipe: smtp-source's complaints (one per failed message) could fill a pipe
    # nobody reads until it exits, and stall it.
    errors = tempfile.TemporaryFile()
    source = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
    try:
        step = max(1, count // 10)
        next_report = step
        last_count, last_time = 0, started
        while True:
            try:
                source.wait(1.0)
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if now - started > timeout:
                raise AssertionError(f"smtp-source did not finish within {timeout:.0f} s")
            queued = db.messages()
            if queued >= next_report:
                rate = (queued - last_count) / (now - last_time)
                due = db.due_now()
                log(f"  {queued:>9} queued ({100 * queued / count:3.0f}%) {now - started:7.1f} s  "
                    f"{rate:6.0f}/s lately, {queued / (now - started):6.0f}/s overall; "
                    f"not yet attempted {due}; VmRSS {peers.resident_kib(pid) / 1024:.0f} MiB")
                last_count, last_time = queued, now
                while next_report <= queued:
                    next_report += step
        elapsed = time.monotonic() - started
    finally:
        cpu, peak_kib = meter.stop()
        results["intake_peak_rss_mib"] = peak_kib / 1024
        if source.poll() is None:
            source.kill()
            source.wait(30)
    errors.seek(0)
    stderr = errors.read().decode(errors="replace")
    errors.close()
    if source.returncode != 0:
        raise AssertionError(f"smtp-source exited with {source.returncode}: {stderr[-2000:]}")
    queued = db.messages()
    if queued != count:
        raise AssertionError(f"smtp-source finished but outpost holds {queued} of {count} messages"
                             f" ({stderr[-2000:]})")
    results["intake_per_s"] = count / elapsed
    results["intake_seconds"] = elapsed
    results["intake_cpu_s_per_1000"] = cpu * 1000 / count
    log(f"  intake done: {count} in {elapsed:.1f} s = {count / elapsed:.0f} messages/s")


def wait_all_deferred(outpost, db, args, results):
    """Until no recipient is due or leased: each has had its first (failed) attempt."""
    count = args.messages
    timeout = 300 + count / 200
    started = time.monotonic()
    last_print = started
    while True:
        due = db.due_now()
        now = time.monotonic()
        if due == 0:
            break
        if now - started > timeout:
            raise AssertionError(f"{due} recipients still without a first attempt after "
                                 f"{timeout:.0f} s")
        if now - last_print >= 10:
            log(f"  waiting for first attempts: {due} left")
            last_print = now
        time.sleep(0.5)
    results["deferring_wait_s"] = time.monotonic() - started
    # Once, at the end: a full scan of recipients.
    states = dict(((status, attempted), n) for status, attempted, n in db.query(
        "SELECT processing_status, attempts > 0, count(*) FROM recipients GROUP BY 1, 2"))
    deferred = states.get(("queued", 1), 0)
    results["deferred"] = deferred
    results["recipient_states"] = {f"{status}{'/attempted' if attempted else ''}": n
                                   for (status, attempted), n in states.items()}
    if deferred != count:
        raise AssertionError(f"expected {count} deferred recipients, found {states}")
    status, body = outpost.request("GET", "/api/v1/messages?view=outbox&status=processing&limit=1")
    if status != 200 or body["items"]:
        raise AssertionError(f"still processing in the Outbox: {status} {body}")
    log(f"  all {count} deferred (first attempt failed) {results['deferring_wait_s']:.1f} s after "
        f"the intake ended")


def measure_lists(outpost, db, args, results, prefix=""):
    count = args.messages
    api = Api(outpost.port, outpost.key)
    try:
        first, body = api.timed("/api/v1/messages?view=outbox&limit=50", args.repeat)
        if first["items"] != min(50, count) or body["items"][0]["processing_status"] != "queued":
            raise AssertionError(f"unexpected Outbox page: {body['items'][:1]}")
        # A cursor deep in the list, made from the row that a page boundary would have there:
        # the offset counts from the newest, as the list is newest first.
        offset = min(count - 1, int(count * args.depth))
        created_at, message_id = db.query(
            "SELECT created_at, id FROM messages"
            " WHERE processing_status IN ('queued', 'processing')"
            " ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?", offset)[0]
        expected = db.query(
            "SELECT id FROM messages WHERE processing_status IN ('queued', 'processing')"
            " ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?", offset + 1)
        cursor = encode_cursor(created_at, message_id)
        deep, body = api.timed(f"/api/v1/messages?view=outbox&limit=50&cursor={cursor}",
                               args.repeat)
        if expected and (not body["items"] or body["items"][0]["id"] != expected[0][0]):
            raise AssertionError(f"the deep page starts at {body['items'][:1]}, expected "
                                 f"{expected[0][0]}")
        deferred, _ = api.timed("/api/v1/messages?view=outbox&status=deferred&limit=50",
                                args.repeat)
        sent, _ = api.timed("/api/v1/messages?view=sent&limit=50", args.repeat)
        sent_deep, _ = api.timed(f"/api/v1/messages?view=sent&limit=50&cursor={cursor}",
                                 args.repeat)
    finally:
        api.close()
    results[prefix + "list_outbox_first"] = first
    results[prefix + "list_outbox_deep"] = dict(deep, offset=offset + 1)
    results[prefix + "list_outbox_deferred_first"] = deferred
    results[prefix + "list_sent_first"] = sent
    results[prefix + "list_sent_deep"] = sent_deep
    log(f"  list ({prefix or 'at depth'}): outbox first {first['median_ms']:.1f}/"
        f"{first['max_ms']:.1f} ms, deep (after {offset + 1}) {deep['median_ms']:.1f}/"
        f"{deep['max_ms']:.1f} ms, deferred first {deferred['median_ms']:.1f}/"
        f"{deferred['max_ms']:.1f} ms, sent first {sent['median_ms']:.1f}/{sent['max_ms']:.1f} ms,"
        f" sent deep {sent_deep['median_ms']:.1f}/{sent_deep['max_ms']:.1f} ms (median/max)")


def drain(outpost, sink, args, results):
    count = args.messages
    timeout = 300 + count / 50
    pid = outpost.process.pid
    meter = peers.ProcessMeter(lambda: [pid], interval=0.2, memory_kib=peers.resident_kib).start()
    started = time.monotonic()
    try:
        for tenth in range(1, 11):
            target = count * tenth // 10
            left = timeout - (time.monotonic() - started)
            at = sink.wait_for(target, timeout=max(1.0, left))
            log(f"  {target:>9} at the sink ({tenth * 10:3}%) {at - started:7.1f} s  "
                f"{target / (at - started):6.0f}/s overall; VmRSS "
                f"{peers.resident_kib(pid) / 1024:.0f} MiB")
        done = at
    finally:
        cpu, peak_kib = meter.stop()
    results["drain_seconds"] = done - started
    results["drain_per_s"] = count / (done - started)
    results["drain_cpu_s_per_1000"] = cpu * 1000 / count
    results["drain_peak_rss_mib"] = peak_kib / 1024
    results["drain_hwm_mib"] = peers.peak_resident_kib(pid) / 1024
    # The sink has every message; outpost records the 250s an instant later.
    harness.wait_for(lambda: not outpost.request(
        "GET", "/api/v1/messages?view=outbox&limit=1")[1]["items"], 120, interval=0.5,
        what="the Outbox to be empty after the drain")
    results["after_drain"] = memory(pid)


def run(args):
    results = {"messages": args.messages, "size": args.size, "sessions": args.sessions,
               "connections": args.connections}
    data_dir = tempfile.mkdtemp(prefix="outpost-scale-")
    db = Db(data_dir)
    env = outpost_env(args)
    outpost = sink = None
    try:
        outpost = harness.OutpostProcess(data_dir=data_dir, binary=args.binary, extra_env=env)
        outpost.start()
        key = outpost.key
        dead_port = harness.free_port()
        status, body = outpost.request("PUT", "/api/v1/settings/smtp",
                                       harness.relay_settings(dead_port))
        if status != 200:
            raise AssertionError(f"PUT /settings/smtp: {status} {body}")
        results["idle"] = memory(outpost.process.pid)

        queue_messages(outpost, db, args, results)
        wait_all_deferred(outpost, db, args, results)
        pid = outpost.process.pid
        results["queued"] = memory(pid)
        results["disk"] = disk_figures(data_dir, args.messages)
        log(f"  queued: VmRSS {results['queued']['rss_mib']:.1f} MiB, VmHWM "
            f"{results['queued']['hwm_mib']:.1f} MiB; database "
            f"{results['disk']['db_bytes'] / MIB:.1f} MiB = "
            f"{results['disk']['bytes_per_message']:.0f} bytes/message "
            f"({results['disk']['files']})")
        measure_lists(outpost, db, args, results)
        results["queued_after_lists"] = memory(pid)
        # After the list timings (it reads every page, so the page cache is warm from here on,
        # as it would be on a server that has been running).
        results["disk_by_table"] = table_bytes(db.path)
        if results["disk_by_table"]:
            log("  bytes per message by table/index: " + ", ".join(
                f"{name} {size / args.messages:.0f}"
                for name, size in results["disk_by_table"].items() if size / args.messages >= 10))

        # Restart with nothing due: the cost of the depth alone.
        results["stop_seconds"] = timed_stop(outpost)
        results["disk_after_stop"] = disk_figures(data_dir, args.messages)
        outpost = harness.OutpostProcess(data_dir=data_dir, binary=args.binary, extra_env=env)
        outpost.key = key
        health, listed, page_ms = timed_start(outpost, "/api/v1/messages?view=outbox&limit=50")
        results["restart_health_s"] = health
        results["restart_first_list_s"] = listed
        results["restart_first_list_ms"] = page_ms
        results["restarted"] = memory(outpost.process.pid)
        log(f"  stop {results['stop_seconds'] if results['stop_seconds'] is not None else 'killed'}"
            f" s; restart: health after {health:.3f} s, first list page after {listed:.3f} s "
            f"(its request {page_ms:.1f} ms); VmRSS {results['restarted']['rss_mib']:.1f} MiB")
        time.sleep(2)
        results["restarted_settled"] = memory(outpost.process.pid)
        measure_lists(outpost, db, args, results, prefix="restarted_")

        # Drain: the relay comes back. Point it at the sink (nothing is due for 6 h), stop, make
        # every queued recipient due now, start and count what arrives.
        sink = peers.CountingSink().start()
        status, body = outpost.request("PUT", "/api/v1/settings/smtp",
                                       harness.relay_settings(sink.port))
        if status != 200:
            raise AssertionError(f"PUT /settings/smtp: {status} {body}")
        timed_stop(outpost)
        writer = sqlite3.connect(os.path.join(data_dir, "outpost.db"), isolation_level=None,
                                 timeout=60)
        try:
            made_due = writer.execute("UPDATE recipients SET next_attempt_at = 0"
                                      " WHERE processing_status = 'queued'").rowcount
        finally:
            writer.close()
        if made_due != args.messages:
            raise AssertionError(f"made {made_due} of {args.messages} recipients due")
        outpost = harness.OutpostProcess(data_dir=data_dir, binary=args.binary, extra_env=env)
        outpost.key = key
        health, listed, page_ms = timed_start(outpost, "/api/v1/messages?view=outbox&limit=50")
        results["restart_all_due_health_s"] = health
        results["restart_all_due_first_list_s"] = listed
        log(f"drain: {args.messages} due; health after {health:.3f} s, first list page after "
            f"{listed:.3f} s")
        drain(outpost, sink, args, results)
        log(f"  drained at {results['drain_per_s']:.0f} messages/s; peak VmRSS "
            f"{results['drain_peak_rss_mib']:.1f} MiB (VmHWM {results['drain_hwm_mib']:.1f} MiB)")
        results["disk_after_drain"] = disk_figures(data_dir, args.messages)
    except BaseException:
        if outpost and outpost.process:
            sys.stderr.write(f"outpost's log (tail):\n{outpost.log()}\n")
        raise
    finally:
        if outpost:
            outpost.stop()
        if sink:
            sink.stop()
        if args.keep:
            log(f"data folder kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return results


def table(results):
    n = results["messages"]

    def ms(entry):
        return f"{entry['median_ms']:.1f} ms median, {entry['max_ms']:.1f} ms max"

    stop = results["stop_seconds"]
    rows = [
        ("messages queued (relay down)", f"{n:,} × {results['size']} bytes", ""),
        ("intake, smtp-source " f"{results['sessions']} sessions",
         f"{results['intake_per_s']:.0f} messages/s ({results['intake_seconds']:.1f} s, "
         f"{results['intake_cpu_s_per_1000']:.2f} CPU s/1000)", ""),
        ("until all had their first attempt", f"{results['deferring_wait_s']:.1f} s after intake",
         ""),
        ("RSS with all queued (VmRSS)", f"{results['queued']['rss_mib']:.1f} MiB", "≤ 300 MiB"),
        ("peak RSS during intake (VmRSS sampled every 0.5 s)",
         f"{results['intake_peak_rss_mib']:.1f} MiB (VmHWM {results['queued']['hwm_mib']:.1f} MiB"
         f" includes the first start's 64 MiB password hash)", ""),
        ("disk per message (outpost.db + WAL + SHM)",
         f"{results['disk']['bytes_per_message']:.0f} bytes "
         f"({results['disk']['db_bytes'] / MIB:.1f} MiB)", ""),
        ("disk per message after stop (WAL checkpointed)",
         f"{results['disk_after_stop']['bytes_per_message']:.0f} bytes", ""),
        ("of which, per message (dbstat)", ", ".join(
            f"{name} {size / n:.0f}" for name, size in sorted(
                (results.get("disk_by_table") or {}).items(), key=lambda item: -item[1])[:6])
            or "n/a", ""),
        ("server.log per message (log level warn)",
         f"{results['disk']['log_bytes_per_message']:.0f} bytes", ""),
        ("list Outbox, first page (50)", ms(results["list_outbox_first"]), "≤ 50 ms"),
        (f"list Outbox, deep cursor (after {results['list_outbox_deep']['offset']:,})",
         ms(results["list_outbox_deep"]), ""),
        ("list Outbox status=deferred, first page", ms(results["list_outbox_deferred_first"]), ""),
        ("list Sent, first page", ms(results["list_sent_first"]), ""),
        ("list Sent, deep cursor", ms(results["list_sent_deep"]), ""),
        ("stop (SIGTERM until exit)", f"{stop:.2f} s" if stop is not None else "killed after 60 s",
         ""),
        ("restart: until /health answers", f"{results['restart_health_s']:.3f} s", ""),
        ("restart: until the first list page answers",
         f"{results['restart_first_list_s']:.3f} s (the page itself "
         f"{results['restart_first_list_ms']:.1f} ms)", ""),
        ("RSS after restart (VmRSS)", f"{results['restarted_settled']['rss_mib']:.1f} MiB", ""),
        ("list Outbox first page after restart", ms(results["restarted_list_outbox_first"]),
         "≤ 50 ms"),
        ("list Outbox deep cursor after restart", ms(results["restarted_list_outbox_deep"]), ""),
        ("restart with all due: until /health answers",
         f"{results['restart_all_due_health_s']:.3f} s", ""),
        ("drain to smtp-sink when the relay is back",
         f"{results['drain_per_s']:.0f} messages/s ({results['drain_seconds']:.1f} s, "
         f"{results['drain_cpu_s_per_1000']:.2f} CPU s/1000, {results['connections']} "
         f"connections)", ""),
        ("peak RSS during the drain (VmRSS sampled)",
         f"{results['drain_peak_rss_mib']:.1f} MiB (VmHWM {results['drain_hwm_mib']:.1f} MiB)", ""),
    ]
    lines = ["| what | figure | target |", "| --- | --- | --- |"]
    lines += [f"| {what} | {figure} | {target} |" for what, figure, target in rows]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True, help="the outpost binary (a release build)")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=2048, help="message size in bytes")
    parser.add_argument("--sessions", type=int, default=20, help="smtp-source sessions")
    parser.add_argument("--connections", type=int, default=20,
                        help="outpost's delivery connections during the drain")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per list row")
    parser.add_argument("--depth", type=float, default=0.9,
                        help="where the deep cursor points, as a fraction of the list")
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    parser.add_argument("--json-only", action="store_true",
                        help="print only the scale-json line (progress still goes to stderr)")
    args = parser.parse_args()
    peers.stop_on_signals()
    args.binary = os.path.abspath(args.binary)
    if args.messages < 100:
        parser.error("--messages must be at least 100")
    if args.json_only:
        global log

        def log(text):  # noqa: F811
            print(text, file=sys.stderr, flush=True)
    results = run(args)
    if not args.json_only:
        print(table(results), flush=True)
    print("scale-json: " + json.dumps(results, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()

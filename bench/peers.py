"""The benchmark's peers and meters: Postfix tuned for relaying, OpenDKIM as its milter, a counting
smtp-sink, and process CPU and memory read from /proc.

Everything listens on 127.0.0.1 on free ports, lives in a temporary folder and is stopped by
`stop()` (or by the harness's leftover sweep should the benchmark die).
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import harness

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def stop_on_signals():
    """SIGTERM (a stopped benchmark, a CI timeout) unwinds like an exception: the `finally`
    blocks stop outpost, Postfix, OpenDKIM and the sinks, and the harness's exit hook kills any
    child left. Without it Python would die at once and leave them running."""
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))


# --- /proc meters -------------------------------------------------------------------------------

def _stat_fields(pid):
    with open(f"/proc/{pid}/stat") as handle:
        text = handle.read()
    # The command name may hold spaces and parentheses: fields start after the last ')'.
    return text[text.rindex(")") + 2:].split()


def process_cpu_seconds(pid):
    """User + system CPU of the process and of its children it has reaped."""
    fields = _stat_fields(pid)
    # Fields 14-17 of proc(5) (utime, stime, cutime, cstime) sit at 11-14 once pid and comm are
    # gone.
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def session_pids(session_id):
    """The processes of a session (a Postfix master started with start_new_session and every
    daemon it forked)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if int(_stat_fields(entry)[3]) == session_id:
                pids.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def _field_kib(path, field):
    try:
        with open(path) as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def proportional_set_kib(pid):
    """The process's share of the memory it maps (PSS): shared pages (libraries, Postfix's
    daemons' common code) are divided among the processes mapping them, so a sum over processes
    counts each page once, where a sum of RSS would count a library once per process."""
    return _field_kib(f"/proc/{pid}/smaps_rollup", "Pss")


def peak_resident_kib(pid):
    return _field_kib(f"/proc/{pid}/status", "VmHWM")


def resident_kib(pid):
    return _field_kib(f"/proc/{pid}/status", "VmRSS")


class ProcessMeter:
    """CPU seconds and memory of a set of processes, given by a callable that lists their pids
    (it is called again on each sample: Postfix forks and retires daemons as load changes).
    Memory (`memory_kib(pid)`: PSS by default, which sums fairly over processes) is sampled every
    `interval` seconds in a thread; the peak is the largest sum seen."""

    def __init__(self, list_pids, interval=0.1, memory_kib=None):
        self.list_pids = list_pids
        self.interval = interval
        self.memory_kib = memory_kib or proportional_set_kib
        self.peak_rss_kib = 0
        self._stop = threading.Event()
        self._thread = None
        self._cpu_at_start = 0.0

    def cpu_seconds(self):
        total = 0.0
        for pid in self.list_pids():
            try:
                total += process_cpu_seconds(pid)
            except OSError:
                continue  # exited between the listing and the read; its parent has reaped it
        return total

    def rss_kib(self):
        return sum(self.memory_kib(pid) for pid in self.list_pids())

    def start(self):
        self._cpu_at_start = self.cpu_seconds()
        self.peak_rss_kib = self.rss_kib()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(self.interval):
            self.peak_rss_kib = max(self.peak_rss_kib, self.rss_kib())

    def stop(self):
        """Ends sampling; returns (CPU seconds used since start, peak RSS in KiB)."""
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.peak_rss_kib = max(self.peak_rss_kib, self.rss_kib())
        return self.cpu_seconds() - self._cpu_at_start, self.peak_rss_kib


# --- smtp-sink with a message counter ----------------------------------------------------------

class CountingSink:
    """Postfix's smtp-sink (accepts everything, stores nothing) with `-c`: it prints
    "sess=N quit=N mesg=N" after every message, which a thread reads to know when the Nth message
    arrived."""

    def __init__(self, host="127.0.0.1", port=None, backlog=512, dump_folder=None):
        self.host = host
        self.port = port or harness.free_port(host)
        self.backlog = backlog
        # With a folder, every message is written to a file of its own there (smtp-sink -d):
        # for checking what arrived (the warm-up's signatures), never while measuring.
        self.dump_folder = dump_folder
        self.process = None
        self.messages = 0
        self._lock = threading.Condition()
        self._thread = None

    def start(self):
        binary = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
        user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
        dump = ["-d", os.path.join(self.dump_folder, "%H%M%S.")] if self.dump_folder else []
        self.process = harness._track(subprocess.Popen(
            [binary, "-c", "-u", user, *dump, f"{self.host}:{self.port}", str(self.backlog)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0))
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        harness.wait_listening(self.port, host=self.host)
        return self

    def _read(self):
        pattern = re.compile(rb"mesg=(\d+)")
        pending = b""
        while True:
            chunk = self.process.stdout.read(65536)
            if not chunk:
                return
            pending += chunk
            *records, pending = pending.split(b"\r")
            if records:
                found = pattern.search(records[-1])
                if found:
                    with self._lock:
                        self.messages = int(found.group(1))
                        self._lock.notify_all()

    def wait_for(self, count, timeout):
        """Blocks until `count` messages have arrived in all; returns the monotonic time it saw
        the last of them, or raises after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self.messages < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"smtp-sink got {self.messages} of {count} messages "
                                         f"within {timeout} s")
                self._lock.wait(min(left, 0.5))
            return time.monotonic()

    def dumped_messages(self):
        """The messages smtp-sink wrote to dump_folder, as bytes."""
        messages = []
        for folder, _, files in os.walk(self.dump_folder):
            for name in sorted(files):
                with open(os.path.join(folder, name), "rb") as handle:
                    messages.append(handle.read())
        return messages

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


# --- OpenDKIM ----------------------------------------------------------------------------------

class OpenDkim:
    """OpenDKIM (Debian's opendkim) as a signing milter on a unix socket, with one key for
    `domain`: RSA-2048 or Ed25519 made with openssl. Signs mail from 127.0.0.1 (its default
    InternalHosts), relaxed/relaxed like outpost."""

    def __init__(self, domain, algorithm="rsa2048", selector="bench"):
        self.domain = domain
        self.algorithm = algorithm
        self.selector = selector
        self.folder = None
        self.process = None
        self.socket_path = None

    def start(self):
        self.folder = tempfile.mkdtemp(prefix="outpost-opendkim-")
        os.chmod(self.folder, 0o755)  # Postfix's cleanup (the postfix account) opens the socket
        key_path = self.key_path = os.path.join(self.folder, "bench.key")
        if self.algorithm == "ed25519":
            command = ["openssl", "genpkey", "-algorithm", "ed25519", "-out", key_path]
        else:
            command = ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                       "rsa_keygen_bits:2048", "-out", key_path]
        subprocess.run(command, check=True, capture_output=True, timeout=60)
        self.socket_path = os.path.join(self.folder, "opendkim.sock")
        settings = {
            "Mode": "s",
            "Domain": self.domain,
            "Selector": self.selector,
            "KeyFile": key_path,
            "Socket": f"local:{self.socket_path}",
            "UMask": "000",
            "Canonicalization": "relaxed/relaxed",
            "SignatureAlgorithm": "ed25519-sha256" if self.algorithm == "ed25519"
            else "rsa-sha256",
            "Syslog": "no",
            "Background": "no",
            "PidFile": os.path.join(self.folder, "opendkim.pid"),
            "UserID": "root",
            "RequireSafeKeys": "no",
        }
        config = os.path.join(self.folder, "opendkim.conf")
        with open(config, "w") as handle:
            handle.writelines(f"{key} {value}\n" for key, value in settings.items())
        log = open(os.path.join(self.folder, "opendkim.out"), "wb")
        self.process = harness._track(subprocess.Popen(
            ["/usr/sbin/opendkim", "-f", "-x", config], stdout=log, stderr=log,
            start_new_session=True))
        log.close()
        harness.wait_for(
            lambda: os.path.exists(self.socket_path) or self.process.poll() is not None, 30,
            what="OpenDKIM's socket")
        if self.process.poll() is not None:
            with open(os.path.join(self.folder, "opendkim.out"), errors="replace") as handle:
                raise AssertionError(f"opendkim exited: {handle.read()}")
        return self

    def pid(self):
        return self.process.pid

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


# --- Postfix, tuned for relaying ---------------------------------------------------------------

# What a tuned admin sets on a Postfix that relays everything to one smart host at volume. Queue
# file fsync stays on (Postfix has no switch for it: cleanup fsyncs every queue file before the
# 250). Each line says why.
TUNED_POSTFIX = {
    # No reverse DNS lookup of each SMTP client: there is no DNS here, and relay admins turn
    # it off for known submitters anyway.
    "smtpd_peername_lookup": "no",
    # cleanup would otherwise slow clients down by up to 1 s per message whenever the queue
    # manager lags behind intake: a feedback loop that throttles a benchmark, not a real defense
    # on a relay fed by trusted applications.
    "in_flow_delay": "0s",
    # Enough smtpd, cleanup and smtp processes for 20 client sessions and 20 relay sessions.
    "default_process_limit": "200",
    # A daemon serves 10,000 clients before it exits instead of 100: fewer fork and exec (and
    # library loading) under load. Measured here: 256 instead of 201 delivered/s.
    "max_use": "10000",
    "smtpd_client_connection_count_limit": "0",
    "smtpd_client_connection_rate_limit": "0",
    # Open 20 sessions to the relay at once instead of the slow start from 5.
    "initial_destination_concurrency": "20",
    "smtp_destination_concurrency_limit": "20",
    # Plain SMTP on loopback, no TLS, no DNS (the relay is an address).
    "smtp_tls_security_level": "none",
    "smtpd_tls_security_level": "none",
    "smtp_dns_support_level": "disabled",
    "smtpd_relay_restrictions": "permit_mynetworks, reject",
    "smtpd_recipient_restrictions": "",
    "append_dot_mydomain": "no",
    # Long queue ids, as current defaults recommend.
    "enable_long_queue_ids": "yes",
}


class TunedPostfix(harness.PostfixRelay):
    """A private Postfix instance (see harness.PostfixRelay) relaying all mail to
    `relay_port` on 127.0.0.1, with TUNED_POSTFIX and, for signed rows, OpenDKIM's socket as its
    milter."""

    def __init__(self, relay_port, milter_socket=None):
        extra = dict(TUNED_POSTFIX, relayhost=f"[127.0.0.1]:{relay_port}")
        if milter_socket:
            extra.update({"smtpd_milters": f"unix:{milter_socket}",
                          "milter_default_action": "tempfail",
                          "milter_protocol": "6"})
        super().__init__({}, hostname="postfix.bench.test", extra_main=extra)

    def start(self):
        super().start()
        # Kept: the meter's thread may still ask after stop() has dropped the process.
        self.master_pid = self.process.process.pid
        return self

    def session_id(self):
        return self.master_pid

    def queue_is_empty(self):
        """No queue file left in incoming, active or deferred."""
        spool = os.path.join(self.folder, "spool")
        for sub in ("incoming", "active", "deferred", "maildrop", "hold"):
            for _, _, files in os.walk(os.path.join(spool, sub)):
                if files:
                    return False
        return True

"""Process-level test harness: runs the real `outpost` binary and real SMTP peers on 127.0.0.1.

Every server a test needs is started here on a free port and stopped afterwards:
  OutpostProcess  - `outpost serve` on a temporary data folder, with an API key made by the CLI
  RelayPeer       - tests/peers/relay_peer.py (aiosmtpd; STARTTLS, AUTH; records each message)
  SmtpSink        - Postfix's smtp-sink (volume)
  PostfixRelay    - a private Postfix instance as a real relay (bounces and DSNs)
The binary comes from $OUTPOST_BINARY (set by ctest). Only Debian's python3 is used.
"""
import atexit
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
_STARTED = []  # every child process started here, stopped at exit if a test did not


def _track(process):
    _STARTED.append(process)
    return process


@atexit.register
def _stop_leftovers():
    """A setUpClass that fails half-way never reaches tearDownClass: its peers end here."""
    for process in _STARTED:
        if process.poll() is None:
            process.kill()
            process.wait(10)
PEERS = os.path.join(os.path.dirname(HERE), "peers")
BINARY = os.environ.get("OUTPOST_BINARY", "")


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout=30.0, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def wait_listening(port, host="127.0.0.1", timeout=30.0):
    def connectable():
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            return False
    wait_for(connectable, timeout, what=f"{host}:{port} to listen")


def make_certificates(folder, host="127.0.0.1"):
    """A throwaway CA and a server certificate for `host`: an IP (as IP SAN, plus DNS localhost)
    or a host name (as DNS SAN)."""
    def run(*args):
        subprocess.run(args, check=True, cwd=folder, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=outpost test CA", "-keyout", "ca.key", "-out", "ca.pem")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={host}",
        "-keyout", "server.key", "-out", "server.csr")
    is_ip = all(part.isdigit() for part in host.split(".")) or ":" in host
    with open(os.path.join(folder, "san.ext"), "w") as ext:
        ext.write(f"subjectAltName=IP:{host},DNS:localhost\n" if is_ip
                  else f"subjectAltName=DNS:{host}\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.pem")
    return {name: os.path.join(folder, f) for name, f in
            (("ca", "ca.pem"), ("cert", "server.pem"), ("key", "server.key"))}


class HttpError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


class OutpostProcess:
    def __init__(self, data_dir=None, extra_env=None, extra_args=None, binary=None):
        self.binary = binary or BINARY
        assert self.binary, "set OUTPOST_BINARY to the outpost binary"
        self.owns_data = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="outpost-it-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Every listener on a free port of its own, so tests can run side by side.
        self.submission_port = free_port()
        self.submissions_port = free_port()
        self.bounce_port = free_port()
        self.env = dict(os.environ, OUTPOST_LOG_LEVEL="info", OUTPOST_HOSTNAME="outpost.test",
                        OUTPOST_DELIVERY_POLL_INTERVAL="1",
                        OUTPOST_DELIVERY_RETRY_SCHEDULE="2s,4s",
                        OUTPOST_DELIVERY_TIMEOUTS_CONNECT="5")
        self.env.update(extra_env or {})
        self.extra_args = extra_args or []
        self.process = None
        self.log_path = os.path.join(self.data_dir, "server.log")
        self.key = None

    def cli(self, *args, input_text=None, check=True):
        result = subprocess.run([self.binary, *args, "--data", self.data_dir], env=self.env,
                                input=input_text, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(f"outpost {' '.join(args)} failed: {result.stderr}")
        return result

    def create_key(self, name="tests", scope="full", user=None, domains=None):
        args = ["apikey", "create", "--name", name, "--scope", scope]
        if user:
            args += ["--user", user]
        if domains:
            args += ["--domains", domains]
        return self.cli(*args).stdout.strip()

    def start(self):
        log = open(self.log_path, "ab")
        self.process = _track(subprocess.Popen(
            [self.binary, "serve", "--data", self.data_dir, "--http", f"127.0.0.1:{self.port}",
             "--submission", f"127.0.0.1:{self.submission_port}",
             "--submissions", f"127.0.0.1:{self.submissions_port}",
             "--bounce-listen", f"127.0.0.1:{self.bounce_port}",
             *self.extra_args], env=self.env, stdout=log, stderr=log))
        log.close()
        def healthy():
            if self.process.poll() is not None:
                raise AssertionError(f"outpost exited with {self.process.returncode}:\n{self.log()}")
            try:
                return self.request("GET", "/api/v1/health", key="")[0] == 200
            except (OSError, HttpError):
                return False
        wait_for(healthy, 60, what="outpost to answer /api/v1/health")
        if self.key is None:
            self.key = self.create_key()
        return self

    def log(self):
        with open(self.log_path, errors="replace") as handle:
            return handle.read()[-6000:]

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("outpost did not stop within 30 s of SIGTERM")
        self.process = None

    def kill9(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def cleanup(self):
        self.stop()
        if self.owns_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def request(self, method, path, body=None, key=None, headers=None, raw=False):
        data = None
        all_headers = {"Content-Type": "application/json"}
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        auth = self.key if key is None else key
        if auth:
            all_headers["Authorization"] = f"Bearer {auth}"
        all_headers.update(headers or {})
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                payload = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            payload = error.read()
            status = error.code
        if raw:
            return status, payload
        text = payload.decode("utf-8", "replace")
        try:
            return status, json.loads(text) if text else None
        except json.JSONDecodeError:
            return status, text

    def send(self, **message):
        status, body = self.request("POST", "/api/v1/messages", message)
        if status != 201:
            raise HttpError(status, body)
        return body

    def message(self, message_id):
        status, body = self.request("GET", f"/api/v1/messages/{message_id}")
        if status != 200:
            raise HttpError(status, body)
        return body

    def wait_status(self, message_id, statuses, timeout=60, field="processing_status"):
        statuses = {statuses} if isinstance(statuses, str) else set(statuses)
        def reached():
            detail = self.message(message_id)
            return detail if detail[field] in statuses else None
        return wait_for(reached, timeout, interval=0.2,
                        what=f"message {message_id} to reach {field} in {statuses}")


class RelayPeer:
    """tests/peers/relay_peer.py; `messages()` reads what it accepted."""

    def __init__(self, *options, host="127.0.0.1", port=None):
        self.host = host
        self.port = port or free_port()
        self.folder = tempfile.mkdtemp(prefix="outpost-relay-")
        self.output = os.path.join(self.folder, "received.jsonl")
        self.options = list(options)
        self.process = None

    def start(self):
        self.process = _track(subprocess.Popen(
            ["/usr/bin/python3", os.path.join(PEERS, "relay_peer.py"), "--host", self.host,
             "--port", str(self.port), "--output", self.output, *self.options],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        line = self.process.stdout.readline()
        if "READY" not in line:
            raise AssertionError(f"relay peer did not start: {line}{self.process.stdout.read()}")
        return self

    def messages(self):
        if not os.path.exists(self.output):
            return []
        with open(self.output) as handle:
            records = [json.loads(line) for line in handle if line.strip()]
        for record in records:
            record["data"] = base64.b64decode(record["data_b64"])
        return records

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        if self.process and self.process.stdout:
            self.process.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class FaultPeer:
    """tests/peers/fault_peer.py: an SMTP server scripted to misbehave (see its options)."""

    def __init__(self, *options, host="127.0.0.1", port=None):
        self.host = host
        self.port = port or free_port()
        self.process = _track(subprocess.Popen(
            ["/usr/bin/python3", os.path.join(PEERS, "fault_peer.py"), "--host", host,
             "--port", str(self.port), *options],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        line = self.process.stdout.readline()
        if "READY" not in line:
            raise AssertionError(f"fault peer did not start: {line}")

    def stop(self):
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()


class SmtpSink:
    """Postfix's smtp-sink: accepts everything, stores nothing."""

    def __init__(self, *options):
        self.port = free_port()
        self.options = list(options)
        self.process = None

    def start(self):
        binary = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
        self.process = _track(subprocess.Popen(
            [binary, "-u", "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody"),
             *self.options, f"127.0.0.1:{self.port}", "256"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_listening(self.port)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def stop_all(started):
    """Stops what a test class started, newest first: outpost processes are cleaned up (data
    folder removed), peers and servers stopped."""
    for item in reversed(started):
        if isinstance(item, OutpostProcess):
            item.cleanup()
        else:
            item.stop()


def relay_settings(port, **extra):
    settings = {"host": "127.0.0.1", "port": port, "tls": "none", "verify_certificate": True}
    settings.update(extra)
    return settings


# --- A private Postfix instance ---------------------------------------------------------------

class PostfixRelay:
    """A private Postfix (Debian's postfix package) on 127.0.0.1:`port` as a relay under test.

    Its own config, queue and data folders live in a temporary folder; nothing of the system's
    Postfix (/etc/postfix/main.cf, /var/spool/postfix) is used or started. `transports` maps a
    domain to a Postfix next hop (transport_maps), e.g. {"example.org":
    "lmtp:inet:127.0.0.1:2400", "bounces.test": "smtp:[127.0.0.1]:2525"}; other domains have no
    route (no DNS). Clients on 127.0.0.0/8 may relay. The lmtp transport has flags=X (final
    delivery): a success DSN for mail it hands to an LMTP server that offers no DSN says
    "Action: delivered", not "relayed". Postfix logs to `maillog()` (there is no syslog here).

    The master daemon refuses to run unless started by root (it drops privileges to the
    `postfix` account for its children), so `unavailable()` says why it cannot run elsewhere;
    tests skip then. It runs in the foreground (`master -d`) in a session of its own, and
    `stop()` ends it and every child process it started (SIGTERM to the master, which passes
    it on; then SIGKILL to what is left of its process group).
    """

    DAEMONS = "/usr/lib/postfix/sbin"

    def __init__(self, transports, hostname="relay.postfix.test", port=None, extra_main=None):
        self.port = port or free_port()
        self.hostname = hostname
        self.transports = dict(transports)
        self.extra_main = dict(extra_main or {})
        self.folder = None
        self.process = None

    @classmethod
    def unavailable(cls):
        """Why a private Postfix cannot run here, or None when it can."""
        import pwd
        if not os.path.exists(os.path.join(cls.DAEMONS, "master")):
            return "Postfix is not installed (apt-get install postfix)"
        if os.geteuid() != 0:
            return "the Postfix master daemon runs only as root"
        try:
            pwd.getpwnam("postfix")
        except KeyError:
            return "there is no postfix account (install Debian's postfix package)"
        return None

    def _write_config(self):
        etc, spool, data = (os.path.join(self.folder, name) for name in ("etc", "spool", "data"))
        for path in (etc, spool, data):
            os.makedirs(path)
        main = {
            "compatibility_level": "3.6",
            "queue_directory": spool,
            "data_directory": data,
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": self.hostname,
            "mydomain": self.hostname.partition(".")[2] or self.hostname,
            "mydestination": "",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "smtpd_relay_restrictions": "permit_mynetworks, reject",
            "transport_maps": f"texthash:{etc}/transport",
            "smtp_dns_support_level": "disabled",
            "alias_maps": "",
            "alias_database": "",
            "biff": "no",
            "maillog_file": os.path.join(self.folder, "maillog"),
            "maillog_file_prefixes": self.folder,
            # Deferred mail comes back quickly, should a peer be slow to start.
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
        }
        main.update(self.extra_main)
        with open(os.path.join(etc, "main.cf"), "w") as handle:
            handle.writelines(f"{key} = {value}\n" for key, value in main.items())
        services = [
            f"127.0.0.1:{self.port} inet n - n - - smtpd",
            "pickup unix n - n 60 1 pickup",
            "cleanup unix n - n - 0 cleanup",
            "qmgr unix n - n 300 1 qmgr",
            "rewrite unix - - n - - trivial-rewrite",
            "bounce unix - - n - 0 bounce",
            "defer unix - - n - 0 bounce",
            "trace unix - - n - 0 bounce",
            "verify unix - - n - 1 verify",
            "flush unix n - n 1000? 0 flush",
            "proxymap unix - - n - - proxymap",
            "smtp unix - - n - - smtp",
            "relay unix - - n - - smtp",
            "showq unix n - n - - showq",
            "error unix - - n - - error",
            "retry unix - - n - - error",
            "discard unix - - n - - discard",
            "lmtp unix - - n - - lmtp flags=X",
            "anvil unix - - n - 1 anvil",
            "scache unix - - n - 1 scache",
            "postlog unix-dgram n - n - 1 postlogd",
        ]
        with open(os.path.join(etc, "master.cf"), "w") as handle:
            handle.write("\n".join(services) + "\n")
        with open(os.path.join(etc, "transport"), "w") as handle:
            handle.writelines(f"{domain} {nexthop}\n" for domain, nexthop in
                              self.transports.items())
        return etc, data

    def start(self):
        reason = self.unavailable()
        if reason:
            raise AssertionError(f"cannot run a private Postfix: {reason}")
        self.folder = tempfile.mkdtemp(prefix="outpost-postfix-")
        os.chmod(self.folder, 0o755)  # the postfix account works in the queue folder below
        etc, data = self._write_config()
        shutil.chown(data, user="postfix")
        # `postfix check` creates the queue folders with the owners Postfix insists on.
        check = subprocess.run(["/usr/sbin/postfix", "-c", etc, "check"], capture_output=True,
                               text=True, timeout=60)
        if check.returncode != 0:
            raise AssertionError(f"postfix check failed: {check.stdout}{check.stderr}")
        output = open(os.path.join(self.folder, "master.out"), "wb")
        self.process = _track(_ProcessGroup(subprocess.Popen(
            [os.path.join(self.DAEMONS, "master"), "-c", etc, "-d"], stdin=subprocess.DEVNULL,
            stdout=output, stderr=output, start_new_session=True)))
        output.close()
        def listening():
            if self.process.poll() is not None:
                with open(os.path.join(self.folder, "master.out"), errors="replace") as handle:
                    output = handle.read()
                # Early failures (a port in use) are logged nowhere: postlogd is not up yet.
                raise AssertionError(
                    f"the Postfix master exited with {self.process.poll()} (port "
                    f"{self.port} in use?):\n{output}{self.maillog()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                return False
        wait_for(listening, 30, what=f"Postfix to listen on {self.port}")
        return self

    def maillog(self):
        path = os.path.join(self.folder or "", "maillog")
        if not self.folder or not os.path.exists(path):
            return ""
        with open(path, errors="replace") as handle:
            return handle.read()

    def stop(self):
        if self.process:
            self.process.kill()
            self.process = None
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


class _ProcessGroup:
    """A leader process and the children it starts in its own session (the Postfix master and
    its daemons), stopped together: SIGTERM to the leader, then SIGKILL to the group."""

    def __init__(self, process):
        self.process = process
        self.group = process.pid  # start_new_session: the leader's pid is the group's id

    def poll(self):
        return self.process.poll()

    def kill(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        # Children that did not go with the master; then until init has reaped them all.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.group, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.05)

    def wait(self, timeout=None):
        return self.process.wait(timeout)

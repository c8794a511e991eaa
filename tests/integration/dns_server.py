"""DnsServer: a real authoritative DNS server (Knot DNS) on 127.0.0.1 for integration tests.

Zones are given as Python text; knotd runs as the current user with its config, rundir, storage and
control socket in a temporary folder, on a free port (UDP and TCP). Two kinds of failure can be
staged, each checked against Knot and c-ares here (tests/integration/test_dns_server.py):
  SERVFAIL - a zone whose file Knot cannot load answers SERVFAIL for every name in it.
  timeout  - names whose queries get no answer at all. Knot cannot do that (a delegation gives a
             referral, which a stub resolver such as c-ares reads as NODATA, and mod-dnsproxy
             answers SERVFAIL), so a small forwarder in front of Knot drops those queries.

    with DnsServer(zones={"example.test": "@ MX 10 mx1\\nmx1 A 127.0.0.2"},
                   servfail_zones=["broken.test"], timeout_names=["slow.test"]) as dns:
        outpost = OutpostProcess(extra_args=["--dns-server", dns.address]).start()

Queries come from code under test and are trusted; only Debian's /usr/bin/python3 and
python3-dnspython are used.
"""
import os
import re
import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading
import time

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype

KNOTD = shutil.which("knotd") or "/usr/sbin/knotd"
KNOTC = shutil.which("knotc") or "/usr/sbin/knotc"


def free_udp_tcp_port(host="127.0.0.1"):
    """A port free for both TCP and UDP on `host` a moment ago (DNS listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((host, 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((host, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no port free for both TCP and UDP")


def _normalize(name):
    return name.lower().rstrip(".")


def _has_soa(text):
    """Whether zone text has its own SOA record (comments and quoted strings ignored)."""
    for line in text.splitlines():
        line = re.sub(r'"[^"]*"', "", line).split(";", 1)[0]
        if re.search(r"(^|\s)SOA(\s|$)", line, re.IGNORECASE):
            return True
    return False


class DnsServer:
    """knotd serving `zones` on host:port (UDP and TCP); stop() (or leaving `with`) ends it.

    zones          {domain: records}; records is zone-file text relative to the domain (the
                   harness adds $ORIGIN and $TTL), or a list of such lines. Without an SOA of its
                   own, the zone gets one (serial bumped on each change, MINIMUM = negative_ttl)
                   and an NS record.
    servfail_zones domains Knot is configured for but cannot load: SERVFAIL for every name.
    timeout_names  names whose queries, and those of every name below them, get no answer.
    default_ttl    $TTL of every zone (records may give their own).
    negative_ttl   SOA MINIMUM (and SOA TTL) of generated SOAs: how long NXDOMAIN/NODATA may be
                   cached (RFC 2308).
    proxy          put the dropping forwarder in front of Knot; default: only when timeout_names
                   is not empty. Pass True to be able to call set_timeout() later.
    """

    def __init__(self, zones=None, servfail_zones=(), timeout_names=(), default_ttl=300,
                 negative_ttl=60, proxy=None, host="127.0.0.1"):
        self.host = host
        self.port = None
        self.default_ttl = default_ttl
        self.negative_ttl = negative_ttl
        self._zones = {}      # domain -> zone text as written (None = broken, SERVFAIL)
        self._serials = {}    # domain -> SOA serial the harness generated
        for domain, records in (zones or {}).items():
            self._zones[_normalize(domain)] = self._text(records)
        for domain in servfail_zones:
            self._zones[_normalize(domain)] = None
        self._timeouts = {_normalize(name) for name in timeout_names}
        self._use_proxy = bool(self._timeouts) if proxy is None else proxy
        self._folder = None
        self._process = None
        self._log = None
        self._knot_port = None
        self._proxy = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, timeout=20.0):
        """Starts knotd (and the forwarder) and returns once every zone answers as staged."""
        self._folder = tempfile.mkdtemp(prefix="outpost-dns-")
        self.port = free_udp_tcp_port(self.host)
        self._knot_port = free_udp_tcp_port(self.host) if self._use_proxy else self.port
        for domain in self._zones:
            self._write_zone(domain)
        self._write_config()
        self._log = open(os.path.join(self._folder, "knotd.log"), "w+")
        self._process = subprocess.Popen([KNOTD, "-c", self._config_path()], stdout=self._log,
                                         stderr=subprocess.STDOUT)
        try:
            if self._use_proxy:
                self._proxy = _DroppingForwarder(self.host, self.port, self._knot_port,
                                                 self._dropped)
            for domain in self._zones:
                self._wait_zone(domain, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        """Stops the forwarder and knotd and removes the temporary folder; safe to call twice."""
        if self._proxy is not None:
            self._proxy.close()
            self._proxy = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self):
        return self if self._process is not None else self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- what tests use ----------------------------------------------------------------------

    @property
    def address(self):
        """"127.0.0.1:PORT", the form of `outpost serve --dns-server` and CaresOptions.servers."""
        return f"{self.host}:{self.port}"

    def log(self):
        """Everything knotd printed so far."""
        if self._log is None:
            return ""
        self._log.flush()
        with open(self._log.name) as log:
            return log.read()

    def query(self, name, rdtype="A", tcp=False, timeout=2.0):
        """Asks the server (through the forwarder, as outpost would) and returns the reply
        (a dns.message.Message); raises dns.exception.Timeout when no answer comes."""
        request = dns.message.make_query(name, rdtype)
        ask = dns.query.tcp if tcp else dns.query.udp
        return ask(request, self.host, port=self.port, timeout=timeout)

    def set_zone(self, domain, records, timeout=20.0):
        """Serves `records` for `domain` from now on: a new zone, new content for a served one,
        or a SERVFAIL zone repaired. Returns once Knot answers with the new content."""
        domain = _normalize(domain)
        is_new = domain not in self._zones
        self._zones[domain] = self._text(records)
        self._write_zone(domain)
        if is_new:
            self._write_config()
            self._knotc("reload")
        elif self._knotc("zone-reload", domain, check=False).returncode != 0:
            # A zone purged by break_zone cannot be reloaded alone; a server reload loads it.
            self._knotc("reload")
        self._wait_zone(domain, timeout)

    def break_zone(self, domain, timeout=20.0):
        """Makes a served zone answer SERVFAIL from now on (its data is purged from Knot)."""
        domain = _normalize(domain)
        if domain not in self._zones:
            raise KeyError(f"{domain} is not a zone of this server")
        # zone-purge removes the zone file too; the broken one is written afterwards so that a
        # later server reload keeps the zone failing.
        self._knotc("zone-purge", "-f", domain)
        self._zones[domain] = None
        self._write_zone(domain)
        self._wait_zone(domain, timeout)

    def set_timeout(self, name, enabled=True):
        """Drops (or, with enabled=False, answers again) queries for `name` and below."""
        if not self._use_proxy:
            raise RuntimeError("set_timeout needs DnsServer(proxy=True) or timeout_names")
        if enabled:
            self._timeouts.add(_normalize(name))
        else:
            self._timeouts.discard(_normalize(name))

    # -- internals ---------------------------------------------------------------------------

    @staticmethod
    def _text(records):
        if isinstance(records, str):
            return records
        return "\n".join(records)

    def _dropped(self, qname):
        name = _normalize(qname)
        return any(name == t or name.endswith("." + t) for t in self._timeouts)

    def _config_path(self):
        return os.path.join(self._folder, "knot.conf")

    def _zone_path(self, domain):
        return os.path.join(self._folder, f"{domain}.zone")

    def _write_zone(self, domain):
        text = self._zones[domain]
        header = f"$ORIGIN {domain}.\n$TTL {self.default_ttl}\n"
        if text is None:
            # Not loadable ("broken" is no address): Knot answers SERVFAIL for the zone.
            body = (f"@ SOA ns.{domain}. hostmaster.{domain}. 1 3600 600 86400 "
                    f"{self.negative_ttl}\n@ NS ns.{domain}.\nns A broken\n")
        elif _has_soa(text):
            body = text + "\n"
        else:
            serial = self._serials.get(domain, 0) + 1
            self._serials[domain] = serial
            body = (f"@ {self.negative_ttl} SOA ns.{domain}. hostmaster.{domain}. {serial} 3600 "
                    f"600 86400 {self.negative_ttl}\n@ NS ns.{domain}.\n{text}\n")
        with open(self._zone_path(domain), "w") as out:
            out.write(header + body)

    def _write_config(self):
        folder = self._folder
        lines = [
            "server:",
            f'    rundir: "{folder}"',
            f"    listen: {self.host}@{self._knot_port}",
            "    udp-workers: 1",
            "    tcp-workers: 1",
            "    background-workers: 1",
            "control:",
            f'    listen: "{folder}/knot.sock"',
            "database:",
            f'    storage: "{folder}"',
            "log:",
            "  - target: stderr",
            "    any: info",
            "template:",
            "  - id: default",
            f'    storage: "{folder}"',
            # Zone files are the tests' input: Knot must never rewrite them or keep old versions.
            "    zonefile-sync: -1",
            "    journal-content: none",
            "zone:",
        ]
        for domain in self._zones:
            lines += [f"  - domain: {domain}", f'    file: "{self._zone_path(domain)}"']
        with open(self._config_path(), "w") as out:
            out.write("\n".join(lines) + "\n")

    def _knotc(self, *args, check=True):
        result = subprocess.run([KNOTC, "-s", os.path.join(self._folder, "knot.sock"), *args],
                                capture_output=True, text=True, timeout=20)
        if check and result.returncode != 0:
            raise RuntimeError(f"knotc {' '.join(args)} failed: {result.stdout}{result.stderr}\n"
                               f"{self.log()}")
        return result

    def _wait_zone(self, domain, timeout):
        """Waits until Knot itself (not the forwarder) answers for `domain` as staged: SERVFAIL
        for a broken zone, else the SOA serial of the file just written."""
        expected_serial = self._expected_serial(domain)
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"knotd exited ({self._process.returncode}):\n{self.log()}")
            try:
                reply = dns.query.udp(dns.message.make_query(domain + ".", "SOA"), self.host,
                                      port=self._knot_port, timeout=0.5)
                last = dns.rcode.to_text(reply.rcode())
                if expected_serial is None:
                    if reply.rcode() == dns.rcode.SERVFAIL:
                        return
                elif reply.rcode() == dns.rcode.NOERROR and reply.answer:
                    serial = reply.answer[0][0].serial
                    if serial == expected_serial:
                        return
                    last = f"serial {serial}"
            except (dns.exception.Timeout, OSError) as error:
                last = repr(error)
            time.sleep(0.05)
        raise RuntimeError(f"knotd did not serve {domain} as staged within {timeout}s "
                           f"(last: {last}):\n{self.log()}")

    def _expected_serial(self, domain):
        text = self._zones[domain]
        if text is None:
            return None
        if domain in self._serials and not _has_soa(text):
            return self._serials[domain]
        # The zone's own SOA: serial is the third field after "SOA".
        for line in text.splitlines():
            line = line.split(";", 1)[0]
            match = re.search(r"(^|\s)SOA\s+(\S+)\s+(\S+)\s+(\d+)", line, re.IGNORECASE)
            if match:
                return int(match.group(4))
        raise ValueError(f"cannot read the SOA serial of {domain} (put the SOA on one line)")


class _DroppingForwarder:
    """Listens on host:port (UDP and TCP) and forwards every query to Knot on knot_port, except
    those `dropped(qname)` selects: those get no answer at all, as from a dead server."""

    UPSTREAM_TIMEOUT = 5.0

    def __init__(self, host, port, knot_port, dropped):
        forwarder = self
        self.upstream = (host, knot_port)
        self.dropped = dropped
        self.connections = set()
        self.lock = threading.Lock()

        class UdpHandler(socketserver.BaseRequestHandler):
            def handle(self):
                data, sock = self.request
                reply = forwarder.forward(data, tcp=False)
                if reply is not None:
                    sock.sendto(reply, self.client_address)

        class TcpHandler(socketserver.BaseRequestHandler):
            def handle(self):
                with forwarder.lock:
                    forwarder.connections.add(self.request)
                try:
                    while True:
                        data = forwarder.read_framed(self.request)
                        if data is None:
                            return
                        reply = forwarder.forward(data, tcp=True)
                        if reply is not None:
                            self.request.sendall(len(reply).to_bytes(2, "big") + reply)
                except OSError:
                    return
                finally:
                    with forwarder.lock:
                        forwarder.connections.discard(self.request)

        class UdpServer(socketserver.ThreadingUDPServer):
            daemon_threads = True
            block_on_close = False

        class TcpServer(socketserver.ThreadingTCPServer):
            daemon_threads = True
            block_on_close = False
            allow_reuse_address = True

        self.udp = UdpServer((host, port), UdpHandler)
        self.tcp = TcpServer((host, port), TcpHandler)
        self.threads = [threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                         daemon=True) for server in (self.udp, self.tcp)]
        for thread in self.threads:
            thread.start()

    @staticmethod
    def read_framed(sock):
        """One length-prefixed DNS message from a TCP stream (RFC 1035 §4.2.2), None at EOF."""
        def exactly(count):
            data = b""
            while len(data) < count:
                chunk = sock.recv(count - len(data))
                if not chunk:
                    return None
                data += chunk
            return data
        prefix = exactly(2)
        return None if prefix is None else exactly(int.from_bytes(prefix, "big"))

    def forward(self, data, tcp):
        """Knot's reply to `data`, or None when the query is to go unanswered."""
        try:
            qname = dns.message.from_wire(data).question[0].name.to_text()
        except Exception:  # not a query we can read: let Knot judge it
            qname = None
        if qname is not None and self.dropped(qname):
            return None
        try:
            if tcp:
                with socket.create_connection(self.upstream, timeout=self.UPSTREAM_TIMEOUT) as up:
                    up.sendall(len(data).to_bytes(2, "big") + data)
                    return self.read_framed(up)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as up:
                up.settimeout(self.UPSTREAM_TIMEOUT)
                up.sendto(data, self.upstream)
                return up.recv(65535)
        except OSError:
            return None

    def close(self):
        for server in (self.udp, self.tcp):
            server.shutdown()
            server.server_close()
        with self.lock:
            for connection in list(self.connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for thread in self.threads:
            thread.join(timeout=5)

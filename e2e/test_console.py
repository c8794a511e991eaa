"""End-to-end browser tests of the web console (issue 7).

Python starts the real peers on 127.0.0.1 (tests/integration/harness.py and dns_server.py):
Knot with the test zone, a good relay (AUTH), two failing relays (4xx, and 535 5.7.8 on AUTH)
and `outpost serve`; it makes one console user per role and an API key, writes what the
browser side needs to a JSON file and runs `node --test console.test.mjs` (playwright-core
driving Debian's chromium, axe-core). A small HTTP endpoint lets the browser side publish a DNS
record in the Knot zone (the DKIM scenario), as an operator would in their DNS provider.

Run: cd e2e && OUTPOST_BINARY=... /usr/bin/python3 -m unittest -v test_console
"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))

DEFAULT_BINARY = "/work/main/build/asan-ubsan/src/app/outpost"
os.environ.setdefault("OUTPOST_BINARY", DEFAULT_BINARY)

import harness  # noqa: E402  (needs the path above)
from dns_server import DnsServer  # noqa: E402
from harness import FaultPeer, OutpostProcess, RelayPeer, relay_settings, stop_all  # noqa: E402

ZONE = "e2e.test"
ZONE_RECORDS = [
    '@ TXT "v=spf1 ip4:127.0.0.0/8 -all"',
    '_dmarc TXT "v=DMARC1; p=none"',
    "smtp A 127.0.0.1",
]
RELAY_USER = "relayuser"
RELAY_PASSWORD = "s3cret-relay-pass"
NODE_TIMEOUT = 420  # the whole browser run; each wait inside it is bounded far lower

ROLES = {
    "superadmin": "sa@e2e.test",
    "admin": "admin@e2e.test",
    "user": "user@e2e.test",
    "auditor": "auditor@e2e.test",
}


class PublishServer:
    """POST /publish {"name": "sel._domainkey.e2e.test", "value": "v=DKIM1; ..."} adds a TXT
    record to the Knot zone and returns once Knot serves it."""

    def __init__(self, dns):
        self.dns = dns
        self.records = list(ZONE_RECORDS)
        self.lock = threading.Lock()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                try:
                    body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                    owner.publish(body["name"], body["value"])
                    status, answer = 200, b'{"ok":true}'
                except Exception as error:  # the browser side prints it
                    status, answer = 500, json.dumps({"error": str(error)}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/publish"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def publish(self, name, value):
        name = name.rstrip(".")
        if not name.endswith("." + ZONE):
            raise ValueError(f"{name} is not in {ZONE}")
        relative = name[: -len(ZONE) - 1]
        # TXT strings are at most 255 bytes: split long values (RSA keys) into several.
        chunks = " ".join(f'"{value[i:i + 250]}"' for i in range(0, len(value), 250))
        with self.lock:
            self.records.append(f"{relative} TXT {chunks}")
            self.dns.set_zone(ZONE, self.records)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class ConsoleInBrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        binary = os.environ["OUTPOST_BINARY"]
        assert os.access(binary, os.X_OK), f"no outpost binary at {binary}: build it first"
        harness.BINARY = binary
        cls.started = []
        cls.folder = tempfile.mkdtemp(prefix="outpost-e2e-")
        try:
            cls.dns = DnsServer(zones={ZONE: list(ZONE_RECORDS)}).start()
            cls.started.append(cls.dns)
            cls.publisher = PublishServer(cls.dns)
            cls.started.append(cls.publisher)
            cls.good = RelayPeer("--require-auth", f"{RELAY_USER}:{RELAY_PASSWORD}",
                                 "--auth-without-tls").start()
            cls.started.append(cls.good)
            # Answers every RCPT with a temporary error: the message waits in the Outbox.
            cls.deferring = FaultPeer("--rcpt-reply", "451 4.3.0 Mailbox busy, try again later")
            cls.started.append(cls.deferring)
            # Refuses the login (535 5.7.8): outpost keeps the mail queued, as the fix is ours.
            cls.refusing = FaultPeer("--auth", f"{RELAY_USER}:the-right-password")
            cls.started.append(cls.refusing)
            # Wants a login outpost does not give: refuses MAIL for good.
            cls.unauthenticated = FaultPeer("--mail-reply", "530 5.7.0 Authentication required")
            cls.started.append(cls.unauthenticated)
            # Long retry waits: a deferred message stays in the Outbox until "Retry now".
            cls.outpost = OutpostProcess(
                extra_args=["--dns-server", cls.dns.address],
                extra_env={"OUTPOST_DELIVERY_RETRY_SCHEDULE": "120s,120s"})
            cls.outpost.start()
            cls.started.append(cls.outpost)
            passwords = {}
            for role, email in ROLES.items():
                password = f"e2e-{role}-password-123"
                cls.outpost.cli("user", "create", "--email", email, "--role", role,
                                "--password-stdin", input_text=password + "\n")
                passwords[role] = password
            key = cls.outpost.create_key(name="e2e", scope="full", user=ROLES["superadmin"])
            status, body = cls.outpost.request("PUT", "/api/v1/settings/smtp", relay_settings(
                cls.good.port, username=RELAY_USER, password=RELAY_PASSWORD), key=key)
            assert status == 200, body
            cls.config_path = os.path.join(cls.folder, "e2e.json")
            with open(cls.config_path, "w") as out:
                json.dump({
                    "url": cls.outpost.url,
                    "api_key": key,
                    "users": {role: {"email": ROLES[role], "password": passwords[role]}
                              for role in ROLES},
                    "zone": ZONE,
                    "dns_server": cls.dns.address,
                    "publish_url": cls.publisher.url,
                    "relays": {
                        "good": {"host": "127.0.0.1", "port": cls.good.port,
                                 "username": RELAY_USER, "password": RELAY_PASSWORD},
                        "deferring": {"host": "127.0.0.1", "port": cls.deferring.port},
                        "refusing": {"host": "127.0.0.1", "port": cls.refusing.port,
                                     "username": RELAY_USER, "password": "a-wrong-password"},
                        "unauthenticated": {"host": "127.0.0.1", "port": cls.unauthenticated.port},
                    },
                    "screenshots": os.path.join(HERE, "screenshots"),
                }, out, indent=2)
        except BaseException:
            stop_all(cls.started)
            shutil.rmtree(cls.folder, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        stop_all(cls.started)
        shutil.rmtree(cls.folder, ignore_errors=True)

    def test_console_scenarios_pass_in_chromium(self):
        if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
            self.fail("run `npm ci` in e2e/ first (playwright-core, axe-core)")
        command = ["node", "--test", "--test-reporter=spec", "console.test.mjs"]
        only = os.environ.get("E2E_ONLY")  # a name pattern, to run one scenario
        if only:
            command[2:2] = ["--test-name-pattern", only]
        try:
            result = subprocess.run(command, cwd=HERE, timeout=NODE_TIMEOUT, capture_output=True,
                                    text=True, env=dict(os.environ, E2E_CONFIG=self.config_path))
        except subprocess.TimeoutExpired as expired:
            print(expired.stdout or "", expired.stderr or "")
            raise AssertionError(f"the browser tests took more than {NODE_TIMEOUT}s\n"
                                 f"outpost log:\n{self.outpost.log()}")
        print(result.stdout)
        print(result.stderr, file=sys.stderr)
        if result.returncode != 0:
            print("--- outpost log (end) ---\n" + self.outpost.log(), file=sys.stderr)
        self.assertEqual(result.returncode, 0, "node --test console.test.mjs failed (see above)")


if __name__ == "__main__":
    unittest.main()

"""SMTP submission: real clients (swaks, Python smtplib, nodemailer) over STARTTLS + AUTH and
implicit TLS hand mail to outpost, which relays it to a real SMTP peer; and the probes an
attacker or a broken client would try (open relay, AUTH in the clear, password guessing, SMTP
smuggling, STARTTLS command injection, oversize, long lines, too many recipients, a client
that vanishes mid-DATA, an idle client). Each ends with the right reply and nothing lost or
accepted wrongly."""
import base64
import json
import os
import smtplib
import socket
import ssl
import subprocess
import time
import unittest

from harness import OutpostProcess, RelayPeer, relay_settings, stop_all, wait_for

CLIENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients")
MAX_MESSAGE = 200_000
MAX_RECIPIENTS = 5


def tls_context():
    # outpost made a self-signed certificate on first start; clients are told to accept it.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class RawClient:
    """A line-level SMTP client for probes that real clients would never send."""

    def __init__(self, port, source="127.0.0.1", implicit_tls=False):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=15,
                                             source_address=(source, 0))
        if implicit_tls:
            self.sock = tls_context().wrap_socket(self.sock)
        self.buffer = b""
        self.greeting = self.reply()

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed; buffered {self.buffer!r}")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line.decode()

    def reply(self):
        lines = [self.line()]
        while len(lines[-1]) > 3 and lines[-1][3] == "-":
            lines.append(self.line())
        return "\n".join(lines)

    def command(self, text):
        self.send(text + "\r\n")
        return self.reply()

    def starttls(self):
        reply = self.command("STARTTLS")
        assert reply.startswith("220"), reply
        self.sock = tls_context().wrap_socket(self.sock)
        return reply

    def login(self, user, password):
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        return self.command(f"AUTH PLAIN {token}")

    def closed(self):
        """True when the server closed the connection (nothing more to read)."""
        try:
            self.sock.settimeout(10)
            return self.sock.recv(1) == b""
        except (ConnectionError, ssl.SSLError):
            return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def message_text(subject, sender="app@example.com", to="someone@example.org"):
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nHello over SMTP.\r\n")


class Submission(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.started = []
        try:
            cls.relay = RelayPeer().start()
            cls.started.append(cls.relay)
            cls.outpost = OutpostProcess(extra_env={
                "OUTPOST_MAX_MESSAGE_SIZE": str(MAX_MESSAGE),
                "OUTPOST_MAX_RECIPIENTS": str(MAX_RECIPIENTS),
                "OUTPOST_SUBMISSION_TRUSTED_NETWORKS": "127.0.0.2/32",
                "OUTPOST_SUBMISSION_COMMAND_TIMEOUT": "3",
            }).start()
            cls.started.append(cls.outpost)
            status, body = cls.outpost.request("PUT", "/api/v1/settings/smtp",
                                               relay_settings(cls.relay.port, tls="none"))
            assert status == 200, body
            cls.password = cls.outpost.create_key(name="billing-app", scope="send",
                                                  domains="example.com")
            cls.user = "billing-app"
        except BaseException:
            stop_all(cls.started)
            raise

    @classmethod
    def tearDownClass(cls):
        stop_all(cls.started)

    # --- helpers ---------------------------------------------------------------------------

    def stored_count(self):
        status, body = self.outpost.request("GET", "/api/v1/messages?view=sent&limit=500")
        self.assertEqual(status, 200, body)
        return len(body["items"])

    def queued_id(self, reply):
        self.assertRegex(reply, r"^250 2\.0\.0 Ok: queued as [0-9a-z]+")
        return reply.rsplit(" ", 1)[1].strip()

    def assert_relayed(self, outpost_id, subject):
        """The message with this id reaches the relay peer and is processed."""
        self.outpost.wait_status(outpost_id, {"processed"})

        def arrived():
            return any(subject.encode() in m["data"] for m in self.relay.messages())
        wait_for(arrived, 30, what=f"'{subject}' at the relay")

    def authenticated(self):
        client = RawClient(self.outpost.submission_port)
        client.command("EHLO probe.example")
        client.starttls()
        client.command("EHLO probe.example")
        reply = client.login(self.user, self.password)
        assert reply.startswith("235"), reply
        return client

    def swaks(self, *arguments):
        result = subprocess.run(["swaks", *arguments], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        reply = [line for line in result.stdout.splitlines() if "queued as" in line][0]
        return self.queued_id(reply.split("<~", 1)[1].strip())

    # --- real clients ----------------------------------------------------------------------

    def test_swaks_over_starttls_with_auth_plain(self):
        outpost_id = self.swaks(
            "--server", f"127.0.0.1:{self.outpost.submission_port}", "--tls", "--auth", "PLAIN",
            "--auth-user", self.user, "--auth-password", self.password,
            "--from", "app@example.com", "--to", "customer@example.org",
            "--header", "Subject: swaks starttls")
        self.assert_relayed(outpost_id, "swaks starttls")

    def test_swaks_over_implicit_tls_with_auth_login(self):
        outpost_id = self.swaks(
            "--server", f"127.0.0.1:{self.outpost.submissions_port}", "--tlsc", "--auth",
            "LOGIN", "--auth-user", self.user, "--auth-password", self.password,
            "--from", "app@example.com", "--to", "customer@example.org",
            "--header", "Subject: swaks implicit")
        self.assert_relayed(outpost_id, "swaks implicit")

    def test_smtplib_starttls_and_implicit_tls(self):
        with smtplib.SMTP("127.0.0.1", self.outpost.submission_port, timeout=30) as client:
            client.starttls(context=tls_context())
            client.login(self.user, self.password)
            refused = client.sendmail("app@example.com", ["a@example.org", "b@example.net"],
                                      message_text("smtplib starttls"))
            self.assertEqual(refused, {})
        with smtplib.SMTP_SSL("127.0.0.1", self.outpost.submissions_port, timeout=30,
                              context=tls_context()) as client:
            client.login(self.user, self.password)
            client.sendmail("app@example.com", ["c@example.org"], message_text("smtplib ssl"))
        for subject in ("smtplib starttls", "smtplib ssl"):
            wait_for(lambda: any(subject.encode() in m["data"] for m in self.relay.messages()),
                     30, what=f"'{subject}' at the relay")
        starttls = [m for m in self.relay.messages() if b"smtplib starttls" in m["data"]][0]
        self.assertEqual(sorted(starttls["rcpt_tos"]), ["a@example.org", "b@example.net"])

    def test_nodemailer_starttls_and_implicit_tls(self):
        if not os.path.isdir(os.path.join(CLIENTS, "node_modules", "nodemailer")):
            self.fail("nodemailer is not installed: run scripts/setup")
        for mode, port in (("starttls", self.outpost.submission_port),
                           ("implicit", self.outpost.submissions_port)):
            result = subprocess.run(
                ["node", os.path.join(CLIENTS, "send_nodemailer.js"), "127.0.0.1", str(port),
                 mode, self.user, self.password, "app@example.com", "node@example.org"],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            outcome = json.loads(result.stdout)
            outpost_id = self.queued_id(outcome["response"])
            status, body = self.outpost.request("GET", f"/api/v1/messages/{outpost_id}")
            self.assertEqual(status, 200, body)
            self.assertEqual(body["message_id"], outcome["messageId"])
            self.assert_relayed(outpost_id, "Hello from nodemailer")

    # --- no open relay ---------------------------------------------------------------------

    def test_no_mail_without_auth_on_either_port(self):
        before = self.stored_count()
        client = RawClient(self.outpost.submission_port)
        self.assertIn("250", client.command("EHLO probe.example"))
        self.assertRegex(client.command("MAIL FROM:<app@example.com>"), r"^530 5\.7\.0")
        self.assertRegex(client.command("RCPT TO:<victim@example.org>"), r"^503")
        self.assertRegex(client.command("DATA"), r"^503")
        client.close()
        client = RawClient(self.outpost.submissions_port, implicit_tls=True)
        client.command("EHLO probe.example")
        self.assertRegex(client.command("MAIL FROM:<app@example.com>"), r"^530 5\.7\.0")
        client.close()
        self.assertEqual(self.stored_count(), before)

    def test_address_tricks_are_refused(self):
        client = self.authenticated()
        self.assertTrue(client.command("MAIL FROM:<app@example.com>").startswith("250"))
        for trick in ("<victim%elsewhere.example@example.org>",
                      "<elsewhere.example!victim@example.org>",
                      "<@relay.example:victim@example.org>",
                      '<"victim@elsewhere.example"@example.org>'):
            self.assertRegex(client.command(f"RCPT TO:{trick}"), r"^5\d\d", trick)
        client.close()

    def test_auth_is_refused_before_tls_and_not_offered(self):
        client = RawClient(self.outpost.submission_port)
        ehlo = client.command("EHLO probe.example")
        self.assertIn("STARTTLS", ehlo)
        self.assertNotIn("AUTH", ehlo)
        token = base64.b64encode(f"\0{self.user}\0{self.password}".encode()).decode()
        self.assertRegex(client.command(f"AUTH PLAIN {token}"), r"^538 5\.7\.11")
        client.starttls()
        self.assertIn("AUTH PLAIN LOGIN", client.command("EHLO probe.example"))
        client.close()

    def test_sender_domain_outside_the_key_is_refused_with_the_reason(self):
        client = self.authenticated()
        reply = client.command("MAIL FROM:<ceo@bank.example>")
        self.assertRegex(reply, r"^550 5\.7\.1 ")
        self.assertIn("bank.example", reply)
        self.assertIn("example.com", reply)
        # The From header is checked too: an allowed MAIL FROM does not cover a forged From.
        self.assertTrue(client.command("MAIL FROM:<app@example.com>").startswith("250"))
        client.command("RCPT TO:<x@example.org>")
        client.command("DATA")
        client.send(message_text("forged from", sender="ceo@bank.example") + ".\r\n")
        reply = client.reply()
        self.assertRegex(reply, r"^550 5\.7\.1 ")
        self.assertIn("bank.example", reply)
        client.close()

    def test_trusted_network_submits_without_auth_on_the_starttls_port_only(self):
        client = RawClient(self.outpost.submission_port, source="127.0.0.2")
        client.command("EHLO app-server.example")
        self.assertTrue(client.command("MAIL FROM:<app@any-domain.example>").startswith("250"))
        self.assertTrue(client.command("RCPT TO:<t@example.org>").startswith("250"))
        self.assertTrue(client.command("DATA").startswith("354"))
        client.send(message_text("trusted network", sender="app@any-domain.example") + ".\r\n")
        outpost_id = self.queued_id(client.reply())
        client.close()
        status, body = self.outpost.request("GET", f"/api/v1/messages/{outpost_id}")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["api_key_name"], "trusted:127.0.0.2")
        client = RawClient(self.outpost.submissions_port, source="127.0.0.2", implicit_tls=True)
        client.command("EHLO app-server.example")
        self.assertRegex(client.command("MAIL FROM:<app@example.com>"), r"^530")
        client.close()

    def test_wrong_passwords_are_rate_limited_per_client_address(self):
        # 127.0.0.3 guesses; the other tests' 127.0.0.1 must keep working.
        def attempt(source, password):
            client = RawClient(self.outpost.submission_port, source=source)
            client.command("EHLO guesser.example")
            client.starttls()
            client.command("EHLO guesser.example")
            reply = client.login(self.user, password)
            client.close()
            return reply
        replies = [attempt("127.0.0.3", f"op_guess_{n}") for n in range(6)]
        self.assertTrue(all(r.startswith("535 5.7.8") for r in replies[:5]), replies)
        self.assertRegex(replies[5], r"^454 4\.7\.0 Too many failed logins")
        # Even the right password is refused from there now; elsewhere it still works.
        self.assertRegex(attempt("127.0.0.3", self.password), r"^454 4\.7\.0")
        self.assertTrue(attempt("127.0.0.1", self.password).startswith("235"))

    # --- protocol probes -------------------------------------------------------------------

    def test_smuggled_end_of_data_neither_ends_the_message_nor_starts_another(self):
        sequences = [b"\n.\n", b"\n.\r\n", b"\r.\r", b"\r.\n", b"\n.\r", b"\r\n.\n", b"\r.\r\n",
                     b"\r\n.\r", b"\r\n\x00.\r\n", b"\r\n.\x00\r\n"]
        before = self.stored_count()
        for sequence in sequences:
            client = self.authenticated()
            client.command("MAIL FROM:<app@example.com>")
            client.command("RCPT TO:<first@example.org>")
            self.assertTrue(client.command("DATA").startswith("354"))
            smuggled = (b"MAIL FROM:<app@example.com>\r\nRCPT TO:<smuggled@example.org>\r\n"
                        b"DATA\r\n" + message_text("smuggled").encode() + b".\r\n")
            client.send(message_text("carrier").encode().rstrip(b"\r\n") + sequence + smuggled)
            # The only end of data is the real one at the end; everything before it was one
            # message with a bare line break (or a NUL), which is refused as a whole.
            reply = client.reply()
            self.assertRegex(reply, r"^55[04] 5\.6\.(11|0) ", repr(sequence))
            self.assertTrue(client.command("RSET").startswith("250"), repr(sequence))
            client.close()
        self.assertEqual(self.stored_count(), before)
        self.assertFalse(any(b"smuggled" in m["data"] for m in self.relay.messages()))

    def test_commands_pipelined_with_starttls_are_discarded(self):
        client = RawClient(self.outpost.submission_port)
        client.command("EHLO probe.example")
        token = base64.b64encode(f"\0{self.user}\0{self.password}".encode()).decode()
        client.send(f"STARTTLS\r\nAUTH PLAIN {token}\r\nMAIL FROM:<app@example.com>\r\n")
        self.assertTrue(client.reply().startswith("220"))
        client.sock = tls_context().wrap_socket(client.sock)
        client.buffer = b""
        # Had the injected commands survived, MAIL would now be accepted without EHLO and AUTH.
        self.assertRegex(client.command("MAIL FROM:<app@example.com>"),
                         r"^503 5\.5\.1 EHLO first")
        self.assertIn("AUTH PLAIN LOGIN", client.command("EHLO probe.example"))
        client.close()

    def test_oversize_is_refused_at_mail_and_after_data(self):
        client = self.authenticated()
        self.assertRegex(client.command(f"MAIL FROM:<app@example.com> SIZE={MAX_MESSAGE + 1}"),
                         r"^552 5\.3\.4")
        self.assertTrue(client.command("MAIL FROM:<app@example.com>").startswith("250"))
        client.command("RCPT TO:<big@example.org>")
        client.command("DATA")
        body = ("x" * 900 + "\r\n") * (MAX_MESSAGE // 900 + 10)
        client.send(message_text("oversize") + body + ".\r\n")
        self.assertRegex(client.reply(), r"^552 5\.3\.4")
        self.assertTrue(client.command("NOOP").startswith("250"))
        client.close()

    def test_long_lines_are_refused(self):
        client = self.authenticated()
        self.assertRegex(client.command("NOOP " + "a" * 1200), r"^500 5\.5\.2")
        client.command("MAIL FROM:<app@example.com>")
        client.command("RCPT TO:<long@example.org>")
        client.command("DATA")
        client.send(message_text("long line") + "y" * 1200 + "\r\n.\r\n")
        self.assertRegex(client.reply(), r"^5\d\d 5\.")
        client.close()

    def test_too_many_recipients_are_refused_beyond_the_limit(self):
        client = self.authenticated()
        client.command("MAIL FROM:<app@example.com>")
        replies = [client.command(f"RCPT TO:<r{i}@example.org>")
                   for i in range(MAX_RECIPIENTS + 1)]
        self.assertTrue(all(r.startswith("250") for r in replies[:MAX_RECIPIENTS]), replies)
        self.assertRegex(replies[-1], r"^452 4\.5\.3")
        client.command("DATA")
        client.send(message_text("many recipients") + ".\r\n")
        outpost_id = self.queued_id(client.reply())
        status, body = self.outpost.request("GET", f"/api/v1/messages/{outpost_id}")
        self.assertEqual(status, 200, body)
        self.assertEqual(len(body["recipients"]), MAX_RECIPIENTS)
        client.close()

    def test_a_client_that_stops_mid_data_stores_nothing(self):
        before = self.stored_count()
        client = self.authenticated()
        client.command("MAIL FROM:<app@example.com>")
        client.command("RCPT TO:<cut@example.org>")
        client.command("DATA")
        client.send(message_text("cut off") + "half a message")
        client.close()
        time.sleep(1)
        self.assertEqual(self.stored_count(), before)
        # The server is still there for the next client.
        client = self.authenticated()
        self.assertTrue(client.command("NOOP").startswith("250"))
        client.close()

    def test_an_idle_client_is_disconnected_with_421(self):
        client = RawClient(self.outpost.submission_port)
        client.command("EHLO idle.example")
        time.sleep(4)  # command_timeout is 3 s here
        self.assertRegex(client.reply(), r"^421 4\.4\.2")
        self.assertTrue(client.closed())
        client.close()

    def test_bdat_chunks_make_one_message(self):
        client = self.authenticated()
        self.assertIn("CHUNKING", client.command("EHLO probe.example"))
        client.command("MAIL FROM:<app@example.com> BODY=8BITMIME")
        client.command("RCPT TO:<chunks@example.org>")
        text = message_text("bdat chunks").encode()
        half = len(text) // 2
        client.send(f"BDAT {half}\r\n".encode() + text[:half])
        self.assertTrue(client.reply().startswith("250"))
        client.send(f"BDAT {len(text) - half} LAST\r\n".encode() + text[half:])
        self.assert_relayed(self.queued_id(client.reply()), "bdat chunks")
        client.close()


if __name__ == "__main__":
    unittest.main()

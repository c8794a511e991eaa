#!/usr/bin/python3
"""A scriptable, misbehaving SMTP server for tests (plain asyncio, no SMTP library).

Listens on 127.0.0.1:--port and prints "READY". Every connection plays the same script,
chosen with flags; by default it behaves like a small correct server that offers
PIPELINING, SIZE, 8BITMIME, SMTPUTF8 and ENHANCEDSTATUSCODES.

Replies (each a whole reply line such as "451 4.3.0 try again later"; use "\\n" inside the
argument for a multi-line reply, e.g. "250-first\\n250 second"):
  --greeting LINE          the greeting (default "220 fault.test ESMTP")
  --mail-reply LINE        reply to MAIL
  --rcpt-reply LINE        reply to every RCPT
  --rcpt-reply-for A=LINE  reply to RCPT TO:<A> only (repeatable)
  --data-reply LINE        reply to DATA instead of 354
  --final-reply LINE       reply after the final dot
  --rset-reply LINE        reply to RSET
Faults at a phase (greeting, ehlo, starttls, tls, auth, mail, rcpt, data, body, after-dot):
  --disconnect-at PHASE    close the connection at that phase instead of replying
  --hang-at PHASE          never answer at that phase (keep the connection open)
Capabilities:
  --no-ehlo                refuse EHLO with 502 (HELO only)
  --no-pipelining          do not offer PIPELINING
  --starttls --cert F --key F   offer STARTTLS with that certificate
  --implicit-tls --cert F --key F   TLS from the first byte
  --inject-after-starttls  send a stray reply right after "220" to STARTTLS (injection test)
  --auth USER:PASS         offer AUTH (after STARTTLS when --starttls)
  --auth-mechanisms "M N"  the mechanisms offered (default "PLAIN LOGIN")
  --output FILE            append each received message as a JSON line (see relay_peer.py)
Each command line received is also printed to stdout as "C: <line>" for debugging.
SECURITY: a test fixture on loopback; it trusts nothing and keeps nothing but --output.
"""
import argparse
import asyncio
import base64
import json
import ssl
import sys

PHASES = {"greeting", "ehlo", "starttls", "tls", "auth", "mail", "rcpt", "data", "body",
          "after-dot"}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--greeting", default="220 fault.test ESMTP fault peer")
    parser.add_argument("--mail-reply", default="250 2.1.0 Ok")
    parser.add_argument("--rcpt-reply", default="250 2.1.5 Ok")
    parser.add_argument("--rcpt-reply-for", action="append", default=[])
    parser.add_argument("--data-reply", default="")
    parser.add_argument("--final-reply", default="")
    parser.add_argument("--rset-reply", default="250 2.0.0 Ok")
    parser.add_argument("--disconnect-at", default="", choices=sorted(PHASES | {""}))
    parser.add_argument("--hang-at", default="", choices=sorted(PHASES | {""}))
    parser.add_argument("--no-ehlo", action="store_true")
    parser.add_argument("--no-pipelining", action="store_true")
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--cert", default="")
    parser.add_argument("--key", default="")
    parser.add_argument("--inject-after-starttls", action="store_true")
    parser.add_argument("--auth", default="")
    parser.add_argument("--auth-mechanisms", default="PLAIN LOGIN")
    parser.add_argument("--output", default="")
    return parser.parse_args()


ARGS = parse_args()


def tls_context():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(ARGS.cert, ARGS.key)
    return context


class Session:
    def __init__(self, reader, writer, tls):
        self.reader = reader
        self.writer = writer
        self.tls = tls
        self.mail_from = None
        self.mail_options = []
        self.recipients = []
        self.authenticated = ""
        self.count = 0

    async def send(self, reply):
        lines = reply.replace("\\n", "\n").split("\n")
        # One write per reply: a multi-line reply leaves in one segment.
        self.writer.write(b"".join(line.encode("utf-8") + b"\r\n" for line in lines))
        await self.writer.drain()

    async def fault(self, phase):
        """Plays a fault at `phase`; True when the session must end."""
        if ARGS.hang_at == phase:
            await asyncio.sleep(3600)
            return True
        if ARGS.disconnect_at == phase:
            self.writer.close()
            return True
        return False

    async def read_line(self):
        line = await self.reader.readline()
        if not line:
            return None
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        print("C: " + text, flush=True)
        return text

    def ehlo_lines(self):
        lines = ["fault.test"]
        if not ARGS.no_pipelining:
            lines.append("PIPELINING")
        lines += ["SIZE 10240000", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES"]
        if ARGS.starttls and not self.tls:
            lines.append("STARTTLS")
        if ARGS.auth and (self.tls or not ARGS.starttls):
            lines.append("AUTH " + ARGS.auth_mechanisms)
        return "\n".join(("250-" if i < len(lines) - 1 else "250 ") + line
                         for i, line in enumerate(lines))

    def check_credentials(self, user, password):
        expected_user, _, expected_password = ARGS.auth.partition(":")
        return user == expected_user and password == expected_password

    async def auth(self, argument):
        if await self.fault("auth"):
            return False
        parts = argument.split()
        mechanism = parts[0].upper() if parts else ""
        if mechanism == "PLAIN":
            token = parts[1] if len(parts) > 1 else None
            if token is None:
                await self.send("334 ")
                token = await self.read_line()
                if token is None:
                    return False
            fields = base64.b64decode(token + "===").split(b"\0")
            ok = len(fields) == 3 and self.check_credentials(fields[1].decode(), fields[2].decode())
            user = fields[1].decode() if len(fields) == 3 else ""
        elif mechanism == "LOGIN":
            await self.send("334 VXNlcm5hbWU6")
            user_line = await self.read_line()
            await self.send("334 UGFzc3dvcmQ6")
            password_line = await self.read_line()
            if user_line is None or password_line is None:
                return False
            user = base64.b64decode(user_line + "===").decode()
            ok = self.check_credentials(user, base64.b64decode(password_line + "===").decode())
        else:
            await self.send("504 5.5.4 Unrecognized authentication type")
            return True
        if ok:
            self.authenticated = user
            await self.send("235 2.7.0 Authentication successful")
        else:
            await self.send("535 5.7.8 Error: authentication failed: bad user name or password")
        return True

    async def receive_body(self):
        """Reads the body up to the final dot; None when the connection ended."""
        lines = []
        while True:
            line = await self.reader.readline()
            if not line:
                return None
            if ARGS.disconnect_at == "body" or ARGS.hang_at == "body":
                await self.fault("body")
                return None
            if line == b".\r\n":
                break
            if line.startswith(b"."):
                line = line[1:]
            lines.append(line)
        return b"".join(lines)

    def record(self, data):
        if not ARGS.output:
            return
        record = {"mail_from": self.mail_from, "rcpt_tos": self.recipients,
                  "mail_options": self.mail_options, "rcpt_options": [],
                  "data_b64": base64.b64encode(data).decode("ascii"), "tls": self.tls,
                  "auth_user": self.authenticated, "queue_id": f"F{self.count:06d}"}
        with open(ARGS.output, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")

    def reset(self):
        self.mail_from = None
        self.mail_options = []
        self.recipients = []

    async def run(self):
        if await self.fault("greeting"):
            return
        await self.send(ARGS.greeting)
        if not ARGS.greeting.startswith("220"):
            # Like real servers that refuse at the greeting: answer QUIT, nothing else.
            line = await self.read_line()
            if line is not None:
                await self.send("221 2.0.0 Bye")
            return
        rcpt_replies = dict(item.split("=", 1) for item in ARGS.rcpt_reply_for)
        while True:
            line = await self.read_line()
            if line is None:
                return
            verb, _, argument = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                if await self.fault("ehlo"):
                    return
                await self.send("502 5.5.2 Error: command not recognized" if ARGS.no_ehlo
                                else self.ehlo_lines())
            elif verb == "HELO":
                if await self.fault("ehlo"):
                    return
                await self.send("250 fault.test")
            elif verb == "STARTTLS" and ARGS.starttls and not self.tls:
                if await self.fault("starttls"):
                    return
                if ARGS.inject_after_starttls:
                    # One write, so the stray reply arrives with the 220 (as in CVE-2011-0411).
                    await self.send("220 2.0.0 Ready to start TLS\n250 injected reply")
                else:
                    await self.send("220 2.0.0 Ready to start TLS")
                if await self.fault("tls"):
                    return
                try:
                    await self.writer.start_tls(tls_context())
                except (ssl.SSLError, ConnectionError, OSError) as error:
                    print(f"TLS failed: {error}", flush=True)
                    return
                self.tls = True
                self.reset()
            elif verb == "AUTH" and ARGS.auth:
                if not await self.auth(argument):
                    return
            elif verb == "MAIL":
                if await self.fault("mail"):
                    return
                self.reset()
                address, _, options = argument.partition(">")
                self.mail_from = address.partition("<")[2]
                self.mail_options = options.split()
                if ARGS.mail_reply.startswith("2"):
                    await self.send(ARGS.mail_reply)
                else:
                    self.mail_from = None
                    await self.send(ARGS.mail_reply)
            elif verb == "RCPT":
                if await self.fault("rcpt"):
                    return
                address = argument.partition("<")[2].partition(">")[0]
                if self.mail_from is None:
                    await self.send("503 5.5.1 Error: need MAIL command")
                    continue
                reply = rcpt_replies.get(address, ARGS.rcpt_reply)
                if reply.startswith("2"):
                    self.recipients.append(address)
                await self.send(reply)
            elif verb == "DATA":
                if await self.fault("data"):
                    return
                if ARGS.data_reply:
                    await self.send(ARGS.data_reply)
                    if not ARGS.data_reply.startswith("354"):
                        continue
                elif self.mail_from is None or not self.recipients:
                    await self.send("554 5.5.1 Error: no valid recipients")
                    continue
                else:
                    await self.send("354 End data with <CR><LF>.<CR><LF>")
                data = await self.receive_body()
                if data is None:
                    return
                if await self.fault("after-dot"):
                    return
                self.count += 1
                if ARGS.final_reply:
                    await self.send(ARGS.final_reply)
                else:
                    if self.recipients:
                        self.record(data)
                    await self.send(f"250 2.0.0 Ok: queued as F{self.count:06d}")
                self.reset()
            elif verb == "RSET":
                self.reset()
                await self.send(ARGS.rset_reply)
            elif verb == "NOOP":
                await self.send("250 2.0.0 Ok")
            elif verb == "QUIT":
                await self.send("221 2.0.0 Bye")
                self.writer.close()
                return
            else:
                await self.send("500 5.5.2 Error: command not recognized")


async def serve(reader, writer):
    try:
        await Session(reader, writer, ARGS.implicit_tls).run()
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    finally:
        try:
            writer.close()
        except Exception:  # noqa: BLE001 - the connection is gone either way
            pass


async def main():
    if (ARGS.starttls or ARGS.implicit_tls) and not (ARGS.cert and ARGS.key):
        sys.exit("--starttls and --implicit-tls need --cert and --key")
    if ARGS.implicit_tls and ARGS.hang_at == "tls":
        # Never complete the handshake: a plain listener that stays silent.
        server = await asyncio.start_server(lambda r, w: asyncio.sleep(3600), ARGS.host, ARGS.port)
    else:
        server = await asyncio.start_server(serve, ARGS.host, ARGS.port,
                                            ssl=tls_context() if ARGS.implicit_tls else None)
    print("READY", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass

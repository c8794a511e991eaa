#!/usr/bin/python3
"""A well-behaved SMTP relay for tests, built on aiosmtpd (Debian's python3-aiosmtpd).

Listens on 127.0.0.1:--port, prints "READY" once listening, and appends each message it
accepts to --output as one JSON line:
  {"mail_from": "...", "rcpt_tos": [...], "mail_options": [...], "rcpt_options": [...],
   "data_b64": "<the message after dot-unstuffing, base64>", "tls": true, "auth_user": "...",
   "queue_id": "Q000001", "peer": "<client IP>", "helo": "<EHLO name>"}
and answers the final dot with "250 2.0.0 Ok: queued as Q000001" (Postfix's wording).

Options:
  --starttls --cert F --key F     offer STARTTLS with that certificate
  --implicit-tls --cert F --key F TLS from the first byte (port 465 style)
  --require-tls                   refuse MAIL before STARTTLS (530)
  --require-auth USER:PASS        offer AUTH PLAIN LOGIN and require it; by default only
                                  after STARTTLS (aiosmtpd's auth_require_tls), unless
  --auth-without-tls              AUTH is also offered in plain text
  --max-size N                    announce and enforce SIZE N
  --no-smtputf8                   do not offer SMTPUTF8
  --reject-recipient ADDR         answer "550 5.1.1 <ADDR>: Recipient address rejected: User
                                  unknown" to RCPT TO:<ADDR> (without case; may be repeated)
  --lmtp                          speak LMTP (RFC 2033: LHLO, one DATA reply per accepted
                                  recipient) instead of SMTP, as a final-delivery mailbox store
                                  does; it offers no DSN, so a Postfix in front of it reports
                                  "delivered" (its lmtp transport has flags=X) not "relayed"
Untrusted input: none beyond what aiosmtpd parses; this is a test fixture on loopback only.
"""
import argparse
import asyncio
import base64
import json
import ssl
import sys

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, path, rejected=(), lmtp=False):
        self.path = path
        self.count = 0
        self.rejected = {address.lower() for address in rejected}
        self.lmtp = lmtp

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rejected:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        queue_id = f"Q{self.count:06d}"
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "mail_options": list(envelope.mail_options),
            "rcpt_options": list(envelope.rcpt_options),
            "data_b64": base64.b64encode(envelope.original_content or b"").decode("ascii"),
            "tls": session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None,
            "auth_user": (session.auth_data.login.decode("utf-8", "replace")
                          if isinstance(session.auth_data, LoginPassword) else ""),
            "queue_id": queue_id,
            "peer": session.peer[0] if session.peer else "",
            "helo": session.host_name or "",
        }
        if self.path:
            with open(self.path, "a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")
        reply = f"250 2.0.0 Ok: queued as {queue_id}"
        # LMTP answers the final dot once per accepted recipient.
        return "\r\n".join([reply] * len(envelope.rcpt_tos)) if self.lmtp else reply


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if (isinstance(auth_data, LoginPassword)
                and auth_data.login == user.encode()
                and auth_data.password == password.encode()):
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)
    return authenticate


def tls_context(args):
    if not args.cert or not args.key:
        sys.exit("--starttls and --implicit-tls need --cert and --key")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    return context


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--output", default="")
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--cert", default="")
    parser.add_argument("--key", default="")
    parser.add_argument("--require-tls", action="store_true")
    parser.add_argument("--require-auth", default="")
    parser.add_argument("--auth-without-tls", action="store_true")
    parser.add_argument("--max-size", type=int, default=33554432)
    parser.add_argument("--no-smtputf8", action="store_true")
    parser.add_argument("--reject-recipient", action="append", default=[])
    parser.add_argument("--lmtp", action="store_true")
    args = parser.parse_args()

    handler = Recorder(args.output, args.reject_recipient, args.lmtp)
    options = dict(hostname="relay.test", ident="outpost test relay", decode_data=False,
                   enable_SMTPUTF8=not args.no_smtputf8, data_size_limit=args.max_size)
    if args.starttls:
        options["tls_context"] = tls_context(args)
        options["require_starttls"] = args.require_tls
    if args.require_auth:
        user, _, password = args.require_auth.partition(":")
        options["authenticator"] = make_authenticator(user, password)
        options["auth_required"] = True
        # Implicit TLS is TLS too, though aiosmtpd only knows STARTTLS.
        options["auth_require_tls"] = not (args.auth_without_tls or args.implicit_tls)
    server_tls = tls_context(args) if args.implicit_tls else None

    loop = asyncio.get_running_loop()
    protocol = LMTP if args.lmtp else SMTP
    server = await loop.create_server(lambda: protocol(handler, loop=loop, **options),
                                      args.host, args.port, ssl=server_tls)
    print("READY", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass

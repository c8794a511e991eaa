"""DSN and bounce processing end to end, with a real Postfix as the relay.

    outpost ──SMTP──► Postfix (private) ──LMTP──► sink (tests/peers/relay_peer.py --lmtp):
       ▲                 │                        accepts good@sink.test,
       └── bounce ◄──────┘ its DSNs, SMTP to      550 5.1.1 for bad@sink.test
          listener         the VERP address

outpost runs with a return-path domain (bounces.test), so each recipient goes to Postfix in a
transaction of its own, MAIL FROM bounces+<recipient id>-<tag>@bounces.test, with NOTIFY=
SUCCESS,FAILURE,DELAY, RET=HDRS and ENVID. Postfix's transport_maps send sink.test to the sink
and bounces.test back to outpost's bounce listener, as a company relay routes the return
domain to outpost.

Why LMTP to the sink: Postfix itself says "Action: delivered" in a success DSN only when it
makes the final delivery; handing mail to a next hop over SMTP it says "relayed" (next hop
without DSN: outpost then keeps the recipient "awaiting report") or nothing at all (next hop with
DSN: the report is the next hop's business). The real deployment where Postfix is the last hop is
a relay that hands mail to the mailbox store over LMTP (Dovecot, Cyrus): an lmtp transport with
flags=X (final delivery; the old lmtp_assume_final), whose server offers no DSN. So the sink
speaks LMTP, and Postfix emits "Action: delivered" for the accepted recipient and
"Action: failed" (5.1.1, the sink's 550 reply as Diagnostic-Code) for the rejected one. The
other case is covered too: onward.test goes on over SMTP to a next hop without DSN, and
Postfix's "relayed" report leaves that recipient awaiting a report, with a "relayed" event.

Postfix's master daemon runs only as root (it drops privileges to the postfix account); as
another user the tests are skipped.
"""
import json
import re
import smtplib
import unittest

from harness import (OutpostProcess, PostfixRelay, RelayPeer, relay_settings, stop_all,
                     wait_for)

RETURN_DOMAIN = "bounces.test"
GOOD = "good@sink.test"
BAD = "bad@sink.test"
REFUSED = "refused@sink.test"  # also rejected by the sink; used with a submitter's own DSN request
VERP = re.compile(r"^bounces\+(\d+)-([0-9a-f]{16})@bounces\.test$")
BODY_MARKER = "body-marker-7f3a: only headers come back (RET=HDRS)"


@unittest.skipIf(PostfixRelay.unavailable(), PostfixRelay.unavailable() or "")
class BouncesThroughPostfix(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.started = []
        try:
            cls.sink = RelayPeer("--lmtp", "--reject-recipient", BAD, "--reject-recipient",
                                 REFUSED)
            cls.started.append(cls.sink)
            cls.sink.start()
            cls.smtp_hop = RelayPeer()  # an SMTP next hop that offers no DSN
            cls.started.append(cls.smtp_hop)
            cls.smtp_hop.start()
            cls.outpost = OutpostProcess(extra_args=["--return-domain", RETURN_DOMAIN])
            cls.started.append(cls.outpost)  # its data folder exists from here on
            cls.postfix = PostfixRelay({
                "sink.test": f"lmtp:inet:127.0.0.1:{cls.sink.port}",
                "onward.test": f"smtp:[127.0.0.1]:{cls.smtp_hop.port}",
                RETURN_DOMAIN: f"smtp:[127.0.0.1]:{cls.outpost.bounce_port}",
            })
            cls.started.append(cls.postfix)
            cls.postfix.start()
            cls.outpost.start()
            status, body = cls.outpost.request("PUT", "/api/v1/settings/smtp",
                                               relay_settings(cls.postfix.port))
            assert status == 200, body
            cls.message_id = cls.outpost.send(**{
                "from": "shop@example.com", "to": [GOOD, BAD], "subject": "Your order",
                "text": f"Hello,\n{BODY_MARKER}\n"})["id"]
        except BaseException:
            stop_all(cls.started)
            raise
        cls._settled = None

    @classmethod
    def tearDownClass(cls):
        stop_all(cls.started)

    # --- helpers ---------------------------------------------------------------------------

    def diagnostics(self):
        return (f"\n--- outpost log ---\n{self.outpost.log()}"
                f"\n--- postfix maillog ---\n{self.postfix.maillog()[-6000:]}")

    def recipient(self, detail, address):
        return next(r for r in detail["recipients"] if r["address"] == address)

    def reports_for(self, detail, address):
        return [report for report in detail["reports"] if report["recipient"] == address]

    def settled(self):
        """The message once Postfix took both recipients and both DSNs were recorded."""
        if BouncesThroughPostfix._settled is None:
            self.outpost.wait_status(self.message_id, "processed", timeout=60)
            def reported():
                detail = self.outpost.message(self.message_id)
                done = all(self.recipient(detail, address)["delivery_status"] != "unknown"
                           and self.reports_for(detail, address) for address in (GOOD, BAD))
                return detail if done else None
            try:
                BouncesThroughPostfix._settled = wait_for(
                    reported, 60, interval=0.25, what="both DSNs to be recorded")
            except AssertionError as error:
                raise AssertionError(
                    f"{error}\n{json.dumps(self.outpost.message(self.message_id), indent=1)}"
                    f"{self.diagnostics()}") from None
        return BouncesThroughPostfix._settled

    def raw_report(self, report):
        status, raw = self.outpost.request("GET", report["raw_url"], raw=True)
        self.assertEqual(status, 200, raw)
        return raw.decode("utf-8", "replace")

    # --- tests -----------------------------------------------------------------------------

    def test_postfix_took_each_recipient_in_its_own_transaction_with_a_verp_return_path(self):
        detail = self.settled()
        for address in (GOOD, BAD):
            recipient = self.recipient(detail, address)
            self.assertEqual(recipient["processing_status"], "processed", recipient)
            attempt = [a for a in detail["attempts"] if a["recipient"] == address][-1]
            self.assertEqual(attempt["code"], 250, attempt)
            self.assertEqual(attempt["port"], self.postfix.port)
            self.assertRegex(attempt["remote_queue_id"], r"^[0-9A-F]{6,}$")  # Postfix's queue id
        # Postfix logged one envelope sender per recipient, each a VERP address of its own.
        queue_ids = {a["remote_queue_id"] for a in detail["attempts"]}
        senders = {sender for queue_id, sender in re.findall(
                       r"qmgr\[\d+\]: ([0-9A-F]+): from=<(bounces\+[^>]*)>",
                       self.postfix.maillog()) if queue_id in queue_ids}
        self.assertEqual(len(senders), 2, self.postfix.maillog())
        ids = set()
        for sender in senders:
            match = VERP.match(sender)
            self.assertIsNotNone(match, sender)
            ids.add(match.group(1))
        self.assertEqual(len(ids), 2, senders)
        # The sink got the accepted recipient only, with the VERP return path passed on.
        records = self.sink.messages()
        self.assertEqual([record["rcpt_tos"] for record in records], [[GOOD]])
        self.assertIn(records[0]["mail_from"], senders)
        self.assertIn(BODY_MARKER.encode(), records[0]["data"])

    def test_rejected_recipient_fails_with_postfix_failure_report(self):
        detail = self.settled()
        recipient = self.recipient(detail, BAD)
        self.assertEqual(recipient["delivery_status"], "failed", recipient)
        self.assertEqual(recipient["processing_status"], "processed", recipient)
        reports = self.reports_for(detail, BAD)
        self.assertEqual(len(reports), 1, reports)
        report = reports[0]
        self.assertEqual(report["kind"], "dsn", report)
        self.assertEqual(report["action"], "failed", report)
        self.assertEqual(report["status"], "5.1.1", report)
        self.assertEqual(report["reason"], "userunknown", report)
        self.assertTrue(report["hard_bounce"], report)
        diagnostic = " ".join(report["diagnostic_code"].split())
        self.assertIn("550 5.1.1 <bad@sink.test>: Recipient address rejected: User unknown",
                      diagnostic)
        self.assertIn("127.0.0.1", report["remote_mta"])
        self.assertIn(self.postfix.hostname, report["reporting_mta"])
        events = [e for e in detail["events"] if e["recipient"] == BAD]
        self.assertIn("bounced", [e["type"] for e in events], events)

    def test_accepted_recipient_is_delivered_with_postfix_success_report(self):
        detail = self.settled()
        recipient = self.recipient(detail, GOOD)
        self.assertEqual(recipient["delivery_status"], "delivered", recipient)
        self.assertEqual(recipient["processing_status"], "processed", recipient)
        reports = self.reports_for(detail, GOOD)
        self.assertEqual(len(reports), 1, reports)
        report = reports[0]
        self.assertEqual(report["kind"], "dsn", report)
        self.assertEqual(report["action"], "delivered", report)
        self.assertEqual(report["status"], "2.0.0", report)
        self.assertFalse(report["hard_bounce"], report)
        self.assertIn(self.postfix.hostname, report["reporting_mta"])
        events = [e for e in detail["events"] if e["recipient"] == GOOD]
        self.assertIn("delivered", [e["type"] for e in events], events)

    def test_message_summary_is_processed_and_failed(self):
        detail = self.settled()
        self.assertEqual(detail["processing_status"], "processed")
        self.assertEqual(detail["delivery_status"], "failed")
        status, listing = self.outpost.request("GET", "/api/v1/messages?view=sent&limit=50")
        self.assertEqual(status, 200, listing)
        item = next(i for i in listing["items"] if i["id"] == self.message_id)
        self.assertEqual(item["delivery_status"], "failed")

    def test_raw_report_route_returns_each_dsn_as_postfix_sent_it(self):
        detail = self.settled()
        failure = self.raw_report(self.reports_for(detail, BAD)[0])
        success = self.raw_report(self.reports_for(detail, GOOD)[0])
        for raw in (failure, success):
            self.assertIn("Content-Type: multipart/report; report-type=delivery-status", raw)
            self.assertIn(f"Reporting-MTA: dns; {self.postfix.hostname}", raw)
            # ENVID came back, and RET=HDRS: headers of the message, not its body.
            self.assertIn(f"Original-Envelope-Id: {self.message_id}", raw)
            self.assertIn("Subject: Your order", raw)
            self.assertNotIn("body-marker-7f3a", raw)
            # Addressed to a VERP return path.
            to = re.search(r"^To: (\S+)\r?$", raw, re.MULTILINE)
            self.assertIsNotNone(to, raw)
            self.assertRegex(to.group(1), VERP)
        self.assertIn("Final-Recipient: rfc822; bad@sink.test", failure)
        self.assertIn("Action: failed", failure)
        self.assertIn("Status: 5.1.1", failure)
        self.assertIn("Final-Recipient: rfc822; good@sink.test", success)
        self.assertIn("Action: delivered", success)
        # One report, one recipient: each DSN went to its own recipient's return path.
        self.assertNotEqual(re.search(r"^To: (\S+)", failure, re.MULTILINE).group(1),
                            re.search(r"^To: (\S+)", success, re.MULTILINE).group(1))
        status, _ = self.outpost.request(
            "GET", f"/api/v1/messages/{self.message_id}/reports/999999/raw")
        self.assertEqual(status, 404)

    def test_hard_bounce_suppresses_the_address_and_later_mail_fails_at_once(self):
        self.settled()
        status, listing = self.outpost.request("GET", "/api/v1/suppressions")
        self.assertEqual(status, 200, listing)
        entries = [item for item in listing["items"] if item["address"] == BAD]
        self.assertEqual(len(entries), 1, listing)
        self.assertEqual(entries[0]["source"], "bounce")
        self.assertIn("5.1.1", entries[0]["reason"])
        self.assertNotIn(GOOD, [item["address"] for item in listing["items"]])

        before = len(self.sink.messages())
        later = self.outpost.send(**{"from": "shop@example.com", "to": [BAD],
                                     "subject": "Another order", "text": "Hello again\n"})["id"]
        detail = self.outpost.wait_status(later, "failure", timeout=30)
        self.assertEqual(detail["delivery_status"], "failed")
        attempts = detail["attempts"]
        self.assertEqual(len(attempts), 1, attempts)
        self.assertEqual(attempts[0]["server"], "suppression list")
        self.assertIn("suppression list", attempts[0]["text"])
        self.assertEqual(len(self.sink.messages()), before)

    def test_a_submitters_own_dsn_parameters_are_passed_on_from_smtp_submission(self):
        # An application submits over SMTP with its own ENVID and RET=FULL; outpost stores them
        # and passes them on, so Postfix's report carries them (and the body comes back).
        import ssl
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # outpost's self-signed first certificate
        key = self.outpost.create_key(name="dsn-app", scope="send")
        marker = "full-body-marker-91c2"
        text = (f"From: shop@example.com\r\nTo: {REFUSED}\r\nSubject: Own DSN request\r\n\r\n"
                f"{marker}\r\n")
        with smtplib.SMTP("127.0.0.1", self.outpost.submission_port, timeout=30) as client:
            client.starttls(context=context)
            client.login("dsn-app", key)
            client.ehlo()
            code, reply = client.mail("shop@example.com",
                                      ["RET=FULL", "ENVID=order+2D4711"])
            self.assertEqual(code, 250, reply)
            code, reply = client.rcpt(REFUSED, ["NOTIFY=FAILURE", "ORCPT=rfc822;refused@sink.test"])
            self.assertEqual(code, 250, reply)
            code, reply = client.data(text)
            self.assertEqual(code, 250, reply)
        outpost_id = reply.decode().rsplit(" ", 1)[1]
        def reported():
            detail = self.outpost.message(outpost_id)
            return detail if detail["reports"] else None
        detail = wait_for(reported, 60, interval=0.25, what="the report of the own DSN request")
        self.assertEqual(detail["recipients"][0]["delivery_status"], "failed")
        raw = self.raw_report(detail["reports"][0])
        self.assertIn("Original-Envelope-Id: order-4711", raw)
        self.assertIn(marker, raw)  # RET=FULL: the whole message came back

    def test_relayed_to_a_next_hop_without_dsn_stays_awaiting_report(self):
        # Postfix hands the mail on over SMTP to a host that offers no DSN: its success report
        # says "relayed", which tells nothing about the final delivery.
        message_id = self.outpost.send(**{"from": "shop@example.com", "to": ["someone@onward.test"],
                                          "subject": "Relayed onward", "text": "Hello\n"})["id"]
        self.outpost.wait_status(message_id, "processed", timeout=60)
        def reported():
            detail = self.outpost.message(message_id)
            return detail if detail["reports"] else None
        detail = wait_for(reported, 60, interval=0.25, what="the relayed report")
        report = detail["reports"][0]
        self.assertEqual(report["kind"], "dsn", report)
        self.assertEqual(report["action"], "relayed", report)
        self.assertEqual(report["recipient"], "someone@onward.test")
        self.assertEqual(detail["recipients"][0]["delivery_status"], "unknown")
        self.assertEqual(detail["delivery_status"], "unknown")
        self.assertIn("relayed", [event["type"] for event in detail["events"]], detail["events"])
        self.assertEqual([r["rcpt_tos"] for r in self.smtp_hop.messages()],
                         [["someone@onward.test"]])
        self.assertRegex(self.smtp_hop.messages()[0]["mail_from"], VERP)
        status, listing = self.outpost.request("GET", "/api/v1/suppressions")
        self.assertNotIn("someone@onward.test", [item["address"] for item in listing["items"]])

    def test_forged_bounces_are_refused_at_rcpt(self):
        self.settled()
        genuine = sorted(set(re.findall(r"from=<(bounces\+[^>]*)>", self.postfix.maillog())))
        self.assertTrue(genuine, self.postfix.maillog())
        real_id = VERP.match(genuine[0]).group(1)
        refused = (f"bounces+{real_id}-0000000000000000@{RETURN_DOMAIN}",  # a real id, bad tag
                   f"bounces+1-0000000000000000@{RETURN_DOMAIN}",
                   f"bounces+999999-0123456789abcdef@{RETURN_DOMAIN}",
                   genuine[0].replace(RETURN_DOMAIN, "other.test"),  # another domain
                   f"postmaster@{RETURN_DOMAIN}",
                   GOOD)  # no relaying through the bounce listener
        with smtplib.SMTP("127.0.0.1", self.outpost.bounce_port, timeout=30) as client:
            client.ehlo("forger.test")
            # An MX for the return domain: STARTTLS for whoever wants it, and no AUTH at all.
            self.assertTrue(client.has_extn("starttls"))
            self.assertFalse(client.has_extn("auth"))
            self.assertEqual(client.docmd("AUTH", "PLAIN AGFwcABzZWNyZXQ=")[0], 502)
            for address in refused:
                self.assertEqual(client.mail("")[0], 250)
                code, text = client.rcpt(address)
                self.assertEqual(code, 550, (address, text))
                client.rset()
            # The tag is what is refused: the genuine address passes RCPT (in any case).
            self.assertEqual(client.mail("")[0], 250)
            self.assertEqual(client.rcpt(genuine[0].upper())[0], 250)
            client.rset()
        # Nothing changed for the message.
        detail = self.outpost.message(self.message_id)
        self.assertEqual(len(detail["reports"]), 2, detail["reports"])


if __name__ == "__main__":
    unittest.main()

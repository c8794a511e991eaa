"""`outpost bounce parse FILE…`: one JSON line per file, in the order given, with every field a
support person or a script reads; a file that cannot be read gives an error line and exit 1."""
import json
import os
import subprocess
import tempfile
import unittest

from harness import BINARY

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
                      "testdata", "bounces")
FIELDS = {"recipient", "action", "status", "reply_code", "diagnostic_code", "remote_mta",
          "reason", "hard_bounce", "feedback_type"}

DSN = """From: MAILER-DAEMON@relay.example (Mail Delivery System)
To: bounces+12-0123456789abcdef@bounces.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

The mail system could not deliver your message.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example
Original-Envelope-Id: 01kbxyz

Final-Recipient: rfc822; gone@example.org
Original-Recipient: rfc822;gone@example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown

Final-Recipient: rfc822; later@example.org
Action: delayed
Status: 4.2.2
Diagnostic-Code: smtp; 452 4.2.2 Mailbox full

--b--
"""


class BounceParseCommand(unittest.TestCase):
    def run_parse(self, *files):
        return subprocess.run([BINARY, "bounce", "parse", *files], capture_output=True,
                              text=True, timeout=60)

    def test_a_dsn_gives_each_recipient_in_order_with_every_field(self):
        with tempfile.NamedTemporaryFile("w", suffix=".eml", delete=False) as handle:
            handle.write(DSN)
        try:
            result = self.run_parse(handle.name)
        finally:
            os.unlink(handle.name)
        self.assertEqual(result.returncode, 0, result.stderr)
        line = json.loads(result.stdout)
        self.assertEqual(line["file"], handle.name)
        self.assertTrue(line["bounce"])
        first, second = line["recipients"]
        for recipient in (first, second):
            self.assertEqual(set(recipient), FIELDS)
        self.assertEqual(first["recipient"], "gone@example.org")
        self.assertEqual(first["action"], "failed")
        self.assertEqual(first["status"], "5.1.1")
        self.assertEqual(first["reply_code"], "550")
        self.assertEqual(first["reason"], "userunknown")
        self.assertIs(first["hard_bounce"], True)
        self.assertEqual(first["remote_mta"], "mx.example.org")
        self.assertIn("User unknown", first["diagnostic_code"])
        self.assertEqual(second["recipient"], "later@example.org")
        self.assertEqual(second["action"], "delayed")
        self.assertEqual(second["reason"], "mailboxfull")
        self.assertIs(second["hard_bounce"], False)

    def test_several_files_one_line_each_and_mail_that_is_no_bounce(self):
        files = [os.path.join(CORPUS, "eml", "lhost-postfix-01.eml"),
                 os.path.join(CORPUS, "not-bounce", "is-not-bounce-01.eml"),
                 os.path.join(CORPUS, "eml", "arf-01.eml")]
        result = self.run_parse(*files)
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = [json.loads(text) for text in result.stdout.splitlines()]
        self.assertEqual([line["file"] for line in lines], files)
        self.assertTrue(lines[0]["bounce"])
        self.assertFalse(lines[1]["bounce"])
        self.assertEqual(lines[1]["recipients"], [])
        self.assertEqual(lines[2]["recipients"][0]["reason"], "feedback")
        self.assertEqual(lines[2]["recipients"][0]["feedback_type"], "abuse")

    def test_an_unreadable_file_is_an_error_line_and_exit_1(self):
        result = self.run_parse("/nonexistent/bounce.eml")
        self.assertEqual(result.returncode, 1)
        line = json.loads(result.stdout)
        self.assertEqual(line["file"], "/nonexistent/bounce.eml")
        self.assertIn("error", line)


if __name__ == "__main__":
    unittest.main()

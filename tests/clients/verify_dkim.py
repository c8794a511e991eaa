#!/usr/bin/python3
"""Verifies the DKIM signatures of one message with dkimpy (Debian's python3-dkim), the second
independent verifier of outpost's interop tests. DNS answers come from a JSON file:
  {"selector._domainkey.example.com": "v=DKIM1; k=rsa; p=…", …}
Usage: verify_dkim.py MESSAGE_FILE RECORDS_JSON
Prints {"results": [{"domain", "selector", "result"}]}, one per signature, in message order."""
import json
import sys

import dkim
from dkim.util import parse_tag_value


def main():
    message_file, records_file = sys.argv[1:3]
    with open(message_file, "rb") as handle:
        message = handle.read()
    with open(records_file) as handle:
        records = {name.lower(): value for name, value in json.load(handle).items()}

    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        return records.get(name.rstrip(".").lower(), "").encode()

    results = []
    fields = [value for name, value in dkim.DKIM(message).headers
              if name.lower() == b"dkim-signature"]
    for index, value in enumerate(fields):
        try:
            tags = parse_tag_value(b"".join(value.split()))
        except Exception:  # an unparsable field: reported without d= and s=
            tags = {}
        checker = dkim.DKIM(message)
        try:
            result = "pass" if checker.verify(idx=index, dnsfunc=dnsfunc) else "fail"
        except dkim.ValidationError as error:
            # dkimpy raises for a changed body instead of returning False: still a failed
            # verification (RFC 6376 "fail"); other faults are permanent errors.
            result = "fail" if "body hash mismatch" in str(error) else "permerror"
        except (dkim.KeyFormatError, dkim.MessageFormatError):
            result = "permerror"
        results.append({"domain": tags.get(b"d", b"").decode(),
                        "selector": tags.get(b"s", b"").decode(),
                        "result": result})
    print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()

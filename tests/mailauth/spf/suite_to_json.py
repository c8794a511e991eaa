#!/usr/bin/python3
"""Turns the RFC 7208 SPF test suite (YAML) into JSON for the C++ suite test.

The suite's zone data holds octet strings that are not UTF-8 (e.g. "\\x80"), which YAML gives
as code points below 256: TXT and SPF strings are written as hex of those octets. Every other
value stays as the suite has it. Usage: suite_to_json.py SUITE.yml OUT.json
"""
import json
import sys

import yaml


def octets(text):
    """Hex of a YAML string whose code points are octets (Latin-1), else of its UTF-8."""
    text = str(text)
    try:
        return text.encode("latin-1").hex()
    except UnicodeEncodeError:
        return text.encode("utf-8").hex()


def record(entry):
    if isinstance(entry, str):  # "TIMEOUT"
        return {"type": entry}
    ((kind, value),) = entry.items()
    if kind in ("TXT", "SPF"):
        if value == "NONE":
            return {"type": kind, "none": True}
        parts = value if isinstance(value, list) else [value]
        return {"type": kind, "hex": [octets(part) for part in parts]}
    if kind == "MX":
        return {"type": kind, "preference": value[0], "exchange": str(value[1])}
    return {"type": kind, "value": str(value)}


def main():
    source, target = sys.argv[1], sys.argv[2]
    with open(source, "rb") as stream:
        documents = [d for d in yaml.safe_load_all(stream) if d]
    scenarios = []
    for document in documents:
        zone = {str(name): [record(entry) for entry in (entries or [])]
                for name, entries in (document.get("zonedata") or {}).items()}
        tests = []
        for name, test in document["tests"].items():
            result = test["result"]
            tests.append({
                "name": name,
                "helo": str(test.get("helo", "")),
                "host": str(test["host"]),
                "mailfrom": str(test.get("mailfrom", "")),
                "results": result if isinstance(result, list) else [result],
                "explanation": test.get("explanation"),
                "spec": str(test.get("spec", "")),
            })
        scenarios.append({"description": document["description"], "tests": tests, "zone": zone})
    with open(target, "w") as out:
        json.dump({"scenarios": scenarios}, out, indent=1)


if __name__ == "__main__":
    main()

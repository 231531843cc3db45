#!/usr/bin/env python3
"""The README's table of what was tested on which pair of Kafka and
librdkafka, made from the JUnit results of one CI run (each pytest run
records its pair: tests/e2e/conftest.py).

    tests/matrix.py [--check README.md] WHAT=RESULTS.xml ...

prints the table; with --check it also compares it with the one between
the README's matrix markers and fails, showing the new table, where they
differ: the table is filled in from a run, not from memory."""
import argparse
import sys
import xml.etree.ElementTree as ET

BEGIN, END = "<!-- matrix: begin -->", "<!-- matrix: end -->"


def row(what, path):
    suites = ET.parse(path).getroot()
    suite = suites if suites.tag == "testsuite" else suites.find("testsuite")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    total = int(suite.get("tests"))
    failed = int(suite.get("failures")) + int(suite.get("errors"))
    skipped = int(suite.get("skipped"))
    result = f"{total - failed - skipped} passed"
    if failed:
        result += f", {failed} failed"
    if skipped:
        result += f", {skipped} skipped"
    return f"| {props.get('kafka', '?')} | {props.get('librdkafka', '?')} | {what} | {result} |"


def table(runs):
    lines = ["| Kafka | librdkafka | what ran | result |", "|---|---|---|---|"]
    lines += [row(*run.split("=", 1)) for run in runs]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", metavar="README")
    ap.add_argument("runs", nargs="+", metavar="WHAT=RESULTS.xml")
    args = ap.parse_args()
    made = table(args.runs)
    print(made, end="")
    if not args.check:
        return 0
    text = open(args.check, encoding="utf-8").read()
    if BEGIN not in text or END not in text:
        print(f"matrix: no {BEGIN} ... {END} in {args.check}", file=sys.stderr)
        return 1
    shown = text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    if shown != made:
        print(f"matrix: {args.check} shows another table than this run made; put the one "
              "above between its matrix markers", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

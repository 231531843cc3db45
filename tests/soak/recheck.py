#!/usr/bin/env python3
"""Judges a soak again from what it kept in its folder, with today's
tests/soak/check.py: each reader's runs from their output files and how
they ended from soak.log, the topic from topic.kcat and topic.console.
Prints the verdicts and rewrites summary.json (its faults and problems
from the log).

    .venv/bin/python tests/soak/recheck.py build-soak/RUN-FOLDER
"""
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check import check_reader, check_topic  # noqa: E402
from readers import Parser  # noqa: E402
from check import Run  # noqa: E402
from soak import line_number  # noqa: E402

READERS = {"consumer_chat": (".out", False), "kafka-chat": (".tty", True)}
KILLED = re.compile(r"fault \d+: (\S+) SIGKILLed .*group committed up to offset (\w+)\); "
                    r"started again \(run (\d+)\)")
HUNG = re.compile(r"fault \d+: (\S+) hung up \(SIGHUP\).*exit status (\w+); "
                  r"(?:group committed up to offset (\w+); )?started again \(run (\d+)\)")
DIED = re.compile(r"PROBLEM: (\S+) run (\d+) ended by itself, status (\w+)")


def number(text):
    return None if text == "None" else int(text)


def runs_of(folder, name, log):
    suffix, terminal = READERS[name]
    files = sorted(folder.glob(f"{name}-[0-9][0-9][0-9]{suffix}"))
    runs = []
    for path in files:
        run = Run()
        parser = Parser(run, history=terminal)
        parser.feed(path.read_bytes(), terminal=terminal)
        parser.close()
        runs.append(run)
    for line in log:
        m = KILLED.search(line)
        if m and m.group(1) == name:
            before = runs[int(m.group(3)) - 1]
            before.end, before.committed = "kill", number(m.group(2))
        m = HUNG.search(line)
        if m and m.group(1) == name:
            before = runs[int(m.group(4)) - 1]
            before.end, before.status = "hangup", number(m.group(2))
            before.committed = number(m.group(3)) if m.group(3) else None
        m = DIED.search(line)
        if m and m.group(1) == name:
            runs[int(m.group(2))].end = "died"
            runs[int(m.group(2))].status = number(m.group(3))
    # The run that saw the exit record (or was left with /quit) and the
    # last start, which ends at once.
    for run in runs[-2:]:
        if run.end == "open":
            run.end, run.status = "clean", 0
    return runs


def main(folder):
    folder = Path(folder)
    log = (folder / "soak.log").read_text(encoding="utf-8").splitlines()
    summary = json.loads((folder / "summary.json").read_text())
    lines = summary["lines"]
    offsets, by_kcat = [], []
    with open(folder / "topic.kcat", "rb") as f:
        for record in f:
            offset, _, value = record.partition(b" ")
            offsets.append(int(offset))
            by_kcat.append(line_number(value))
    with open(folder / "topic.console", "rb") as f:
        by_console = [line_number(record) for record in f]
    topic = {"kcat": check_topic("topic (kcat)", by_kcat, lines, offsets),
             "console consumer": check_topic("topic (console consumer)", by_console, lines)}
    line_at = {o: n for o, n in zip(offsets, by_kcat) if n is not None}
    readers = {}
    for name in summary["readers"]:
        runs = runs_of(folder, name, log)
        for run in runs:
            if run.committed is not None:
                run.committed = line_at.get(run.committed, lines)
        readers[name] = (len(runs), check_reader(name, runs, lines))
    harness = [line.split("PROBLEM: ", 1)[1] for line in log if "PROBLEM: " in line]
    problems = harness + [p for v in topic.values() for p in v.problems] + \
        [p for _, v in readers.values() for p in v.problems]
    ok = not problems
    for name, v in topic.items():
        print(f"{name}: {v.records:,} records, lost {v.lost}, doubled {v.doubled}, "
              f"out of order {v.out_of_order}")
    for name, (count, v) in readers.items():
        print(f"{name} ({count} runs): shown {v.shown:,}, lost {v.lost}, doubled {v.doubled} "
              f"(in a run {v.doubled_in_run}, after a hang-up or end {v.doubled_after_end}, "
              f"after a kill {v.doubled_after_kill}); shown again after a SIGKILL, not committed "
              f"yet: {v.repeated_after_kill:,}; left out with a notice: {v.skipped:,}")
    for p in problems:
        print(f"  problem: {p}")
    print(f"result: {'PASS' if ok else 'FAIL'}")
    summary["topic"] = {k: {"lost": v.lost, "doubled": v.doubled, "out_of_order": v.out_of_order,
                            "doubles": v.offsets_of_doubles} for k, v in topic.items()}
    summary["readers"] = {k: {"runs": count, "shown": v.shown, "lost": v.lost,
                              "doubled": v.doubled, "doubled_in_run": v.doubled_in_run,
                              "doubled_after_end": v.doubled_after_end,
                              "doubled_after_kill": v.doubled_after_kill,
                              "repeated_after_kill": v.repeated_after_kill,
                              "skipped": v.skipped} for k, (count, v) in readers.items()}
    summary["problems"] = problems
    summary["pass"] = ok
    summary["rechecked"] = True
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

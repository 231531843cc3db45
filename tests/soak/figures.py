#!/usr/bin/env python3
"""The README's table of soaks, from their summary.json files:

    .venv/bin/python tests/soak/figures.py build-soak/*/summary.json

One row per soak: the pair, where it ran, minutes, faults of each kind,
lines, and what was lost and doubled in the topic (read back with kcat and
Kafka's console consumer) and by each reader."""
import json
import sys

KINDS = ("broker-restart", "leader-kill", "broker-pause", "reader-kill", "reader-hangup")
HEADER = ("| Kafka | librdkafka | brokers | minutes | faults: restart, leader kill, pause, "
          "reader kill, reader hang-up (total) | lines | lost (topic / consumer_chat / "
          "kafka-chat) | doubled (topic / consumer_chat / kafka-chat) | result |\n"
          "|---|---|---|---|---|---|---|---|---|")


def row(s):
    faults = s["faults"]
    kinds = ", ".join(str(faults.get(k, 0)) for k in KINDS)
    topic_lost = max(v["lost"] for v in s["topic"].values())
    topic_doubled = max(v["doubled"] for v in s["topic"].values())
    readers = s["readers"]

    def per_reader(key):
        return " / ".join(str(readers[r][key]) if r in readers else "-"
                          for r in ("consumer_chat", "kafka-chat"))

    return (f"| {s['kafka']} | {s['librdkafka']} | "
            f"{'3 nodes' if s['mode'] == 'cluster' else '1 node'} | {s['minutes']:g} | "
            f"{kinds} ({sum(faults.values())}) | {s['lines']:,} | "
            f"{topic_lost} / {per_reader('lost')} | {topic_doubled} / {per_reader('doubled')} | "
            f"{'pass' if s['pass'] else 'FAIL'} |")


def main(paths):
    print(HEADER)
    for path in paths:
        with open(path, encoding="utf-8") as f:
            print(row(json.load(f)))


if __name__ == "__main__":
    main(sys.argv[1:])

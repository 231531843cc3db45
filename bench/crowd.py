#!/usr/bin/env python3
"""A crowded room: N real kafka-chat processes on pseudo-terminals in one
room, broker included, on this machine (issue 22), against the floor of N
idle consumers on the same librdkafka measured in the same run (kcat -G for
Debian's, consumer_chat built on the other: kcat links the system's).

For each build and each N it measures:
  /who complete   from the start of the last chat until every chat knows
                  exactly who is here (its names on entering, then the
                  comings and goings it was told of)
  join, leave     a chat more starts, then /quits: until every member
                  told it (the slowest)
  a line          one member says something: until every other shows it
  crash           a member is killed (SIGKILL): until every other told it
  idle            each chat's CPU (all its threads) over IDLE_S seconds of
                  quiet, median; the broker's CPU over the same time, and
                  the requests and bytes per second it served (from its
                  JMX, less what it serves with no client at all)
and the same idle figures for the floor. Prints the table and writes it to
bench/CROWD.md.

  .venv/bin/python bench/crowd.py [--sizes 50,100,200] [--build NAME=DIR]...
                                  [--chat-arg=ARG]... [--out FILE]
  (make bench-crowd)

A build is a folder with kafka-chat and consumer_chat; by default the
system librdkafka's (.) and the current one's (build-current/) if built.
The broker runs on 127.0.0.1:9592 with its JMX on 9599 (state in
.kafka/crowd-9592), KAFKA_VERSION as for the tests.
"""
import argparse
import datetime
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from crowd import Crowd  # noqa: E402

KAFKA_SH = str(REPO / "scripts" / "kafka.sh")
PORT, JMX_PORT = 9592, 9599
STATE = REPO / ".kafka" / f"crowd-{PORT}"
BOOTSTRAP = f"127.0.0.1:{PORT}"
RESULTS = REPO / "bench" / "CROWD.md"
IDLE_S = 60
JMX_OPTS = (f"-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.port={JMX_PORT} "
            f"-Dcom.sun.management.jmxremote.rmi.port={JMX_PORT} "
            "-Dcom.sun.management.jmxremote.authenticate=false "
            "-Dcom.sun.management.jmxremote.ssl=false -Djava.rmi.server.hostname=127.0.0.1")
# The broker's own traffic in KRaft (its heartbeats to the controller, the
# metadata log it fetches), not a client's. And Kafka counts each fetch
# twice, as Fetch and as FetchConsumer (a follower's, or the metadata
# quorum's, as Fetch and FetchFollower): a client's fetch is its
# FetchConsumer. (Summing both counted a chat's fetches twice: 227
# requests a second from 50 idle chats, the model's 126.)
BROKER_OWN = re.compile(r"^requests\.(BrokerHeartbeat|BrokerRegistration|ControllerRegistration|"
                        r"Vote|BeginQuorumEpoch|EndQuorumEpoch|DescribeQuorum|FetchFollower|"
                        r"Fetch(\.|$))")


def log(msg):
    print(f"{datetime.datetime.now():%H:%M:%S} {msg}", file=sys.stderr, flush=True)


class Build:
    def __init__(self, name, folder):
        self.name = name
        self.folder = Path(folder)
        self.chat = str(self.folder / "kafka-chat")
        self.consumer = str(self.folder / "consumer_chat")
        self.librdkafka = re.search(r"librdkafka ([0-9.]+)", subprocess.run(
            [self.chat, "--version"], capture_output=True, text=True).stdout).group(1)

    def floor(self, topic, group):
        """An idle consumer on this librdkafka: kcat -G for the system's."""
        if self.folder.resolve() == REPO:
            return ["kcat", "-b", BOOTSTRAP, "-G", group, topic, "-q"]
        return [self.consumer, "-b", BOOTSTRAP, "-t", topic, "-g", group, "-q"]

    def floor_name(self):
        return "kcat -G" if self.folder.resolve() == REPO else "consumer_chat"


# ---- the broker ------------------------------------------------------------------

def broker(command):
    env = dict(os.environ, KAFKA_JVM_OPTS=JMX_OPTS)
    subprocess.run([KAFKA_SH, command, "--port", str(PORT), "--dir", str(STATE)], check=True,
                   env=env, stdout=sys.stderr, timeout=300)


def broker_pid():
    return int((STATE / "broker.pid").read_text().split()[0])


def proc_cpu_s(pid):
    """User plus system time of a process and all its threads, in s."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Jmx:
    """The broker's counters, through a small Java client compiled once."""

    def __init__(self, tmp):
        self.classes = Path(tmp) / "jmx"
        self.classes.mkdir()
        subprocess.run(["javac", "-d", str(self.classes), str(REPO / "bench" / "JmxRequests.java")],
                       check=True)

    def snapshot(self):
        out = subprocess.run(["java", "-cp", str(self.classes), "JmxRequests",
                              f"127.0.0.1:{JMX_PORT}"], capture_output=True, text=True,
                             check=True, timeout=120).stdout
        values = {}
        for line in out.splitlines():
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
        return values


def rates(before, after, seconds):
    """Client requests and bytes per second between two snapshots."""
    requests = sum(after[k] - before.get(k, 0) for k in after
                   if k.startswith("requests.") and not BROKER_OWN.match(k))
    data = sum(after[k] - before.get(k, 0) for k in after
               if k.startswith("bytes.") and ".PLAINTEXT." in k)
    return requests / seconds, data / seconds


def idle(pids_cpu, crowd=None, seconds=IDLE_S, jmx=None):
    """CPU of each of pids_cpu (callables giving ns or s of CPU) and of the
    broker over seconds, reading the chats meanwhile; the broker's client
    requests and bytes per second. Returns (per-process % of a core,
    broker %, requests/s, bytes/s)."""
    jb = jmx.snapshot()
    b0, c0, t0 = proc_cpu_s(broker_pid()), [f() for f in pids_cpu], time.monotonic()
    while time.monotonic() - t0 < seconds:
        if crowd:
            crowd.pump(0.2)
        else:
            time.sleep(0.2)
    t = time.monotonic() - t0
    b1, c1 = proc_cpu_s(broker_pid()), [f() for f in pids_cpu]
    ja = jmx.snapshot()
    req, data = rates(jb, ja, t)
    return [(y - x) / t * 100 for x, y in zip(c0, c1)], (b1 - b0) / t * 100, req, data


def chat_cpu(chat):
    return lambda: chat.cpu_ns() / 1e9


def pid_cpu(pid):
    def cpu():
        total = 0
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        return total / 1e9
    return cpu


# ---- one size ---------------------------------------------------------------------------

def floor_run(build, n, jmx):
    topic = f"crowd-floor-{uuid.uuid4().hex[:8]}"
    subprocess.run([str(build.folder / "producer_chat"), "-b", BOOTSTRAP, "-t", topic],
                   input=b"hello\n", check=True, capture_output=True)
    procs = [subprocess.Popen(build.floor(topic, f"g-{topic}"), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
             for _ in range(n)]
    try:
        time.sleep(20 + n * 0.05)  # the group settles: a benchmark, not a test
        cpu, broker_pct, req, data = idle([pid_cpu(p.pid) for p in procs], jmx=jmx)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    return {"cpu": statistics.median(cpu), "broker": broker_pct, "req": req, "bytes": data}


def slowest(crowd, names, needle, since):
    """Waits until each of names shows a line containing needle after
    since; returns the slowest's delay and the median."""
    crowd.wait(lambda: all(crowd.chats[n].first_line(needle, since) is not None for n in names),
               120, f"{len(names)} chats to show {needle!r}")
    delays = [crowd.chats[n].first_line(needle, since) - since for n in names]
    return max(delays), statistics.median(delays)


def chat_run(build, n, jmx, extra=()):
    topic = f"crowd-{n}-{uuid.uuid4().hex[:8]}"
    subprocess.run([str(build.folder / "producer_chat"), "-b", BOOTSTRAP, "-t", topic],
                   input=b"the room is open\n", check=True, capture_output=True)
    crowd = Crowd(build.chat, BOOTSTRAP, topic, extra)
    names = [f"u{i:03d}" for i in range(n)]
    r = {}
    try:
        for name in names:  # as fast as they start
            crowd.start(name)
            crowd.pump(0)
        last = time.monotonic()
        r["who"] = crowd.wait(crowd.complete, 300, "/who complete") - last
        log(f"  {n} chats: /who complete {r['who']:.1f} s after the last start")
        quiet = time.monotonic()
        while time.monotonic() - quiet < 15:
            crowd.pump(0.2)
        cpu, r["broker"], r["req"], r["bytes"] = idle([chat_cpu(crowd.chats[x]) for x in names],
                                                       crowd, jmx=jmx)
        r["cpu"], r["cpu_max"] = statistics.median(cpu), max(cpu)

        mark = f"crowd line {uuid.uuid4().hex[:8]}"
        since = time.monotonic()
        crowd.chats[names[0]].type(mark + "\r")
        r["line"], _ = slowest(crowd, names[1:], mark, since)

        since = time.monotonic()
        crowd.start("joiner")
        r["join"], r["join_median"] = slowest(crowd, names, "joiner 님이 들어왔습니다.", since)
        crowd.wait_entered(crowd.chats["joiner"])
        since = time.monotonic()
        crowd.leave("joiner")
        r["leave"], r["leave_median"] = slowest(crowd, names, "joiner 님이 나갔습니다.", since)

        victim = names[-1]
        since = time.monotonic()
        crowd.kill(victim)
        r["crash"], _ = slowest(crowd, names[:-1], f"{victim} 님이 나갔습니다.", since)
    finally:
        crowd.close()
    return r


# ---- the report ------------------------------------------------------------------------

def table(rows):
    out = ["| librdkafka | N | /who complete | join (slowest / median) | leave (slowest / median) "
           "| a line reaches all | crash gone | each chat idle | each floor idle | chat / floor "
           "| broker idle: chats | broker idle: floor | client requests/s: chats / floor "
           "| bytes/s: chats / floor |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for b, n, c, f in rows:
        out.append(
            f"| {b.librdkafka} ({b.floor_name()}) | {n} | {c['who']:.1f} s "
            f"| {c['join']:.1f} / {c['join_median']:.1f} s | {c['leave']:.1f} / {c['leave_median']:.1f} s "
            f"| {c['line']:.2f} s | {c['crash']:.1f} s | {c['cpu']:.3f} % | {f['cpu']:.3f} % "
            f"| {c['cpu'] / f['cpu']:.2f}x | {c['broker']:.1f} % | {f['broker']:.1f} % "
            f"| {c['req']:.0f} / {f['req']:.0f} | {c['bytes'] / 1024:.0f} / {f['bytes'] / 1024:.0f} KiB |")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50,100,200")
    parser.add_argument("--build", action="append", default=[],
                        help="NAME=DIR, a folder with kafka-chat and consumer_chat")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--chat-arg", action="append", default=[],
                        help="one more argument for every chat (-X KEY=VALUE: two of these)")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    builds = [Build(*b.split("=", 1)) for b in args.build] or \
        [Build("system", REPO)] + ([Build("current", REPO / "build-current")]
                                   if (REPO / "build-current" / "kafka-chat").exists() else [])
    started = datetime.datetime.now().astimezone()
    load = os.getloadavg()
    broker("clean")
    broker("start")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        jmx = Jmx(tmp)
        try:
            for b in builds:
                for n in sizes:
                    log(f"{b.name} (librdkafka {b.librdkafka}): {n} idle floor consumers")
                    f = floor_run(b, n, jmx)
                    log(f"{b.name}: {n} chats")
                    c = chat_run(b, n, jmx, args.chat_arg)
                    rows.append((b, n, c, f))
                    print(table(rows[-1:]).splitlines()[-1], flush=True)
        finally:
            broker("stop")
    kafka = os.environ.get("KAFKA_VERSION") or re.search(
        r"^KAFKA_VERSION=\$\{KAFKA_VERSION:-([0-9.]+)\}", Path(KAFKA_SH).read_text(), re.M).group(1)
    report = (f"# A crowded room: results\n\n"
              f"`bench/crowd.py` ({', '.join(map(str, sizes))} chats), started {started:%Y-%m-%d %H:%M %Z} "
              f"on {platform.node()} ({os.cpu_count()} cores; load before "
              f"{load[0]:.2f}), Kafka {kafka} on one node, "
              f"broker and every chat on this machine. Idle CPU is % of one core over {IDLE_S} s; "
              "the floor is N idle consumers of one group on the same librdkafka."
              + (f" Every chat ran with `{' '.join(args.chat_arg)}`." if args.chat_arg else "")
              + "\n\n"
              + table(rows) + "\n")
    Path(args.out).write_text(report)
    print(report)


if __name__ == "__main__":
    main()

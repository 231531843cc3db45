#!/usr/bin/env python3
"""make soak: nothing lost, nothing doubled, through many random faults.

producer_chat pipes numbered lines ("soak 000000042") into a topic of one
partition on three KRaft nodes (replicated three times, min.insync.replicas
2), or on one node (--mode single); consumer_chat (in its group, output to a
file) and kafka-chat (in a pseudo-terminal) read them. Meanwhile one fault
at a time, each at a random moment once the brokers are healthy again:

  broker-restart  a node stopped cleanly (SIGTERM) and started again
  leader-kill     the partition's leader SIGKILLed, started again 0-5 s later
  broker-pause    a node frozen (SIGSTOP) for 11-15 s, longer than the
                  group's session (10 s), then resumed (SIGCONT)
  reader-kill     a reader SIGKILLed and started again in its group
  reader-hangup   a reader hung up (SIGHUP) and started again

At the end the producer sends "exit", and the soak checks the topic itself,
read back with kcat and with Kafka's console consumer (every line once, in
order), and each reader's runs (tests/soak/check.py): every line shown,
none twice within a run, none again after a hang-up or a clean end, and
after a SIGKILL only what the group had not committed yet. A last start of
each reader must show nothing new.

The random seed is printed first; --seed replays the same faults at the
same moments (what the brokers do meanwhile is theirs). Everything goes to
a folder of build-soak/: the timed log of faults (soak.log), each run's
output and diagnostics, the producer's, and summary.json.
"""
import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from brokers import KAFKA_SH, REPO, Brokers  # noqa: E402
from check import check_reader, check_topic  # noqa: E402
from readers import ConsumerChat, KafkaChat  # noqa: E402

FAULTS = ("broker-restart", "leader-kill", "broker-pause", "reader-kill", "reader-hangup")
SESSION_S = 10          # our readers' session.timeout.ms (common/client.c)
PAUSE_S = (11, 15)      # longer than the session
KILLED_FOR_S = (0, 5)   # a killed leader is started again after this long
HEALTHY_WITHIN_S = 300  # a fault the brokers do not recover from in this long fails the soak
READER_TIMEOUT_S = 60   # the readers' --timeout: the final commit's deadline
PRODUCER_TIMEOUT_S = 1800  # --timeout: no fault may make the producer give up a line


def options():
    e = os.environ.get
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=float(e("SOAK_MINUTES", "5")),
                   help="how long faults are injected (SOAK_MINUTES, 5)")
    p.add_argument("--seed", type=int, default=int(e("SOAK_SEED") or 0) or None,
                   help="replay the faults of this seed (SOAK_SEED; default: a new one)")
    p.add_argument("--mode", choices=("cluster", "single"), default=e("SOAK_MODE", "cluster"),
                   help="three nodes or one (SOAK_MODE, cluster)")
    p.add_argument("--rate", type=int, default=int(e("SOAK_RATE", "2000")),
                   help="lines a second (SOAK_RATE, 2000)")
    p.add_argument("--faults", default=e("SOAK_FAULTS", ",".join(FAULTS)),
                   help="the kinds, with weights: leader-kill=3,broker-restart (SOAK_FAULTS)")
    p.add_argument("--gap", default=e("SOAK_GAP", "2-10"),
                   help="seconds from healthy to the next fault, MIN-MAX (SOAK_GAP, 2-10)")
    p.add_argument("--readers", default=e("SOAK_READERS", "consumer_chat,kafka-chat"),
                   help="which readers run (SOAK_READERS)")
    p.add_argument("--reader-args", default=e("SOAK_READER_ARGS", ""),
                   help="more consumer_chat arguments, e.g. '-X debug=cgrp' (SOAK_READER_ARGS)")
    p.add_argument("--producer-args", default=e("SOAK_PRODUCER_ARGS", ""),
                   help="more producer_chat arguments, e.g. '-X debug=eos' (SOAK_PRODUCER_ARGS)")
    p.add_argument("--port", type=int, default=int(e("SOAK_PORT", "0")) or None,
                   help="the brokers' first port (SOAK_PORT; 18092 for three nodes, 9592 for one)")
    p.add_argument("--out", default=e("SOAK_OUT", str(REPO / "build-soak")),
                   help="where the run's folder goes (SOAK_OUT, build-soak/)")
    p.add_argument("--bin", default=e("KAFKA_CHAT_BIN", str(REPO)),
                   help="the programs' folder (KAFKA_CHAT_BIN)")
    p.add_argument("--keep", action="store_true", default=bool(e("SOAK_KEEP")),
                   help="leave the brokers running at the end (SOAK_KEEP)")
    o = p.parse_args()
    o.seed = o.seed or random.SystemRandom().randrange(1, 2**31)
    o.port = o.port or (18092 if o.mode == "cluster" else 9592)
    o.weights = {}
    for item in o.faults.split(","):
        kind, _, weight = item.strip().partition("=")
        if kind not in FAULTS:
            p.error(f"unknown fault '{kind}' (one of {', '.join(FAULTS)})")
        o.weights[kind] = float(weight or 1)
    o.readers = [r.strip() for r in o.readers.split(",") if r.strip()]
    if not set(o.readers) <= {"consumer_chat", "kafka-chat"} or not o.readers:
        p.error("--readers: consumer_chat, kafka-chat or both")
    o.gap = tuple(float(x) for x in o.gap.split("-"))
    return o


class Log:
    """The timed log: on stdout and in soak.log."""

    def __init__(self, path):
        self.t0 = time.monotonic()
        self.file = open(path, "w", encoding="utf-8")
        self.lock = threading.Lock()

    def __call__(self, text):
        line = f"[{time.monotonic() - self.t0:8.1f} s] {text}"
        with self.lock:
            print(line, flush=True)
            self.file.write(line + "\n")
            self.file.flush()


class Feeder:
    """Writes numbered lines into producer_chat at a steady rate; a producer
    that cannot take them (its queue full while a broker is away) holds the
    feeder back, and it does not rush to catch up afterwards."""

    def __init__(self, proc, rate):
        self.proc = proc
        self.rate = rate
        self.sent = 0
        self.stopping = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        start, base = time.monotonic(), 0
        try:
            while not self.stopping.is_set():
                due = base + int((time.monotonic() - start) * self.rate)
                if due - self.sent > self.rate:  # held back: start the count again
                    start, base, due = time.monotonic(), self.sent, self.sent
                if due > self.sent:
                    self.proc.stdin.write("".join(f"soak {n:09d}\n"
                                                  for n in range(self.sent, due)).encode())
                    self.proc.stdin.flush()
                    self.sent = due
                time.sleep(0.01)
            self.proc.stdin.write(b"exit\n")
            self.proc.stdin.close()
        except OSError as err:
            self.error = err

    def stop(self):
        self.stopping.set()
        self.thread.join()


def program_versions(bin_dir):
    out = subprocess.run([os.path.join(bin_dir, "producer_chat"), "--version"],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"\(librdkafka ([0-9.]+)", out)
    return m.group(1) if m else "?"


def create_topic(bootstrap, topic, replicas):
    from kafka.admin import KafkaAdminClient, NewTopic
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","))
    try:
        admin.create_topics([NewTopic(topic, 1, replicas)])
    finally:
        admin.close()


def committed_offset(bootstrap, group, topic):
    """The group's committed offset of partition 0, or None if it cannot be
    read now."""
    from kafka.admin import KafkaAdminClient
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","),
                                 request_timeout_ms=10000)
    except Exception:  # noqa: BLE001 - no answer is an answer: unknown
        return None
    try:
        for tp, meta in admin.list_group_offsets(group)[group].items():
            if tp.topic == topic and tp.partition == 0:
                return meta.offset
        return 0  # nothing committed yet
    except Exception:  # noqa: BLE001
        return None
    finally:
        admin.close()


def read_back_kcat(bootstrap, topic, path):
    """(offsets, line numbers) of every record, read with kcat."""
    with open(path, "wb") as out:
        p = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o",
                            "beginning", "-e", "-q", "-f", "%o %s\\n"], stdout=out,
                           stderr=subprocess.PIPE, timeout=3600)
    if p.returncode != 0:
        raise RuntimeError(f"kcat: {p.stderr.decode(errors='replace')}")
    offsets, numbers = [], []
    with open(path, "rb") as f:
        for line in f:
            offset, _, value = line.partition(b" ")
            offsets.append(int(offset))
            numbers.append(line_number(value))
    return offsets, numbers


def read_back_console(bootstrap, topic, path):
    """The line numbers of every record, read with Kafka's console consumer."""
    with open(path, "wb") as out:
        p = subprocess.run([str(KAFKA_SH), "console-consumer", "--bootstrap-server", bootstrap,
                            "--topic", topic, "--from-beginning", "--timeout-ms", "30000"],
                           stdout=out, stderr=subprocess.PIPE, timeout=3600)
    # It ends by a timeout, which 4.x reports as an error: the records tell.
    with open(path, "rb") as f:
        numbers = [line_number(line) for line in f]
    if not numbers:
        raise RuntimeError(f"console consumer: {p.stderr.decode(errors='replace')[-2000:]}")
    return numbers


MESSAGE = re.compile(rb'^\{"message": "soak (\d{9})", "time": ')


def line_number(value):
    m = MESSAGE.match(value)
    return int(m.group(1)) if m else None


class Soak:
    def __init__(self, o):
        self.o = o
        self.rng = random.Random(o.seed)
        self.kafka = os.environ.get("KAFKA_VERSION") or re.search(
            r"KAFKA_VERSION=\$\{KAFKA_VERSION:-([0-9.]+)\}", KAFKA_SH.read_text()).group(1)
        self.librdkafka = program_versions(o.bin)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.dir = Path(o.out) / (f"{stamp}-{o.mode}-kafka{self.kafka}-librdkafka"
                                  f"{self.librdkafka}-seed{o.seed}")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log = Log(self.dir / "soak.log")
        self.brokers = Brokers(o.mode, o.port, self.dir / "brokers")
        self.topic = f"soak-{o.seed}"
        self.faults = Counter()
        self.targets = Counter()
        self.problems = []
        self.readers = []
        self.producer = None
        self.feeder = None

    # ---- faults ---------------------------------------------------------------------

    def draw(self):
        """Everything one fault needs, drawn whatever its kind, so that a
        seed replays the same sequence."""
        kinds = list(self.o.weights)
        return {
            "gap": self.rng.uniform(*self.o.gap),
            "kind": self.rng.choices(kinds, weights=[self.o.weights[k] for k in kinds])[0],
            "node": self.rng.choice(self.brokers.nodes),
            "pause": self.rng.uniform(*PAUSE_S),
            "killed_for": self.rng.uniform(*KILLED_FOR_S),
            "reader": self.rng.randrange(len(self.readers)),
        }

    def inject(self, number, d):
        kind, b = d["kind"], self.brokers
        started = time.monotonic()
        if kind == "broker-restart":
            n = d["node"]
            self.log(f"fault {number}: broker-restart: node {n} stopped (SIGTERM) ...")
            b.stop_node(n)
            b.start_node(n)
            what = f"node {n} restarted in {time.monotonic() - started:.1f} s"
        elif kind == "leader-kill":
            n = b.leader(self.topic) or d["node"]
            self.log(f"fault {number}: leader-kill: node {n}, the leader, SIGKILLed ...")
            b.kill_node(n)
            time.sleep(d["killed_for"])
            b.start_node(n)
            what = f"node {n} started again after {time.monotonic() - started:.1f} s"
        elif kind == "broker-pause":
            n = d["node"]
            leader = b.leader(self.topic)
            self.log(f"fault {number}: broker-pause: node {n}"
                     f"{' (the leader)' if n == leader else ''} frozen (SIGSTOP) "
                     f"for {d['pause']:.1f} s ...")
            b.pause(n)
            time.sleep(d["pause"])
            b.resume(n)
            what = f"node {n} resumed (SIGCONT)"
        else:
            r = self.readers[d["reader"]]
            n = r.name
            run = r.runs[-1]
            shown = run.count()
            if kind == "reader-kill":
                committed = committed_offset(b.bootstrap, r.group, self.topic)
                status = r.end("kill", signal.SIGKILL, 30)
                run.committed = committed
                what = (f"{n} SIGKILLed after showing {shown} lines in its run (group "
                        f"committed up to offset {committed})")
            else:
                status = r.end("hangup", signal.SIGHUP, READER_TIMEOUT_S + 30)
                # Where its final commit left its place: what a run that
                # showed nothing announced it leaves out ends there.
                run.committed = committed_offset(b.bootstrap, r.group, self.topic)
                what = (f"{n} hung up (SIGHUP) after showing {shown} lines; exit status {status}; "
                        f"group committed up to offset {run.committed}")
                if status != 0:
                    self.problem(f"fault {number}: {n} hung up: exit status {status} "
                                 "(None: did not end, killed)")
            self.start_reader(r)
            what += f"; started again (run {len(r.runs) - 1})"
        self.faults[kind] += 1
        self.targets[(kind, n)] += 1
        return what

    def problem(self, text):
        self.problems.append(text)
        self.log(f"PROBLEM: {text}")

    # ---- readers ----------------------------------------------------------------------

    def start_reader(self, r):
        if isinstance(r, ConsumerChat):
            r.start(*self.o.reader_args.split())
        else:
            r.start()

    def watch_readers(self):
        """A reader that ended by itself is a problem: noted, started again."""
        for r in self.readers:
            if not r.alive():
                run = r.runs[-1]
                if isinstance(r, ConsumerChat):
                    run.status = r.proc.wait()
                else:
                    run.status = r.proc.exitstatus
                run.end = "died"
                self.problem(f"{r.name} run {len(r.runs) - 1} ended by itself, status "
                             f"{run.status} (see its .err or .tty)")
                self.start_reader(r)

    def wait_healthy(self):
        end = time.monotonic() + HEALTHY_WITHIN_S
        while time.monotonic() < end:
            self.watch_readers()
            if self.brokers.healthy(self.topic):
                return True
            time.sleep(0.5)
        self.problem(f"the brokers were not healthy within {HEALTHY_WITHIN_S} s")
        return False

    # ---- the soak ---------------------------------------------------------------------

    def run(self):
        o = self.o
        self.log(f"seed {o.seed} (replay: make soak SOAK_SEED={o.seed} SOAK_MINUTES={o.minutes:g} "
                 f"SOAK_MODE={o.mode} SOAK_RATE={o.rate} SOAK_FAULTS={o.faults} "
                 f"SOAK_READERS={','.join(o.readers)}"
                 f"{' KAFKA_VERSION=' + self.kafka if os.environ.get('KAFKA_VERSION') else ''})")
        self.log(f"{o.mode}: Kafka {self.kafka}, librdkafka {self.librdkafka}, {o.rate} lines/s, "
                 f"{o.minutes:g} min of faults; output in {self.dir}")
        self.brokers.start()
        bootstrap = self.brokers.bootstrap
        self.log(f"brokers ready on {bootstrap}")
        create_topic(bootstrap, self.topic, self.brokers.replicas)
        if not self.brokers.wait_healthy(self.topic, 120):
            raise RuntimeError("the topic did not come up")

        args = (str(self.dir), o.bin, bootstrap, self.topic, self.log)
        for name in o.readers:
            if name == "consumer_chat":
                self.readers.append(ConsumerChat(*args, group=f"soak-{o.seed}",
                                                 timeout=READER_TIMEOUT_S))
            else:
                chat = KafkaChat(*args, chat_name=f"soak{o.seed}", timeout=READER_TIMEOUT_S)
                chat.group = f"kafka-chat-soak{o.seed}"
                self.readers.append(chat)
        for r in self.readers:
            self.start_reader(r)
        for r in self.readers:
            if isinstance(r, KafkaChat) and not r.separator.wait(120):
                raise RuntimeError("kafka-chat did not enter its room")

        with open(self.dir / "producer_chat.err", "wb") as err:
            self.producer = subprocess.Popen(
                [os.path.join(o.bin, "producer_chat"), "-b", bootstrap, "-t", self.topic,
                 "--timeout", str(PRODUCER_TIMEOUT_S), "-v", *o.producer_args.split()],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
        self.feeder = Feeder(self.producer, o.rate)
        self.feeder.thread.start()
        self.log("producing")

        end = time.monotonic() + o.minutes * 60
        number = 0
        while time.monotonic() < end:
            d = self.draw()
            wake = time.monotonic() + d["gap"]
            while time.monotonic() < wake:
                self.watch_readers()
                time.sleep(0.2)
            if time.monotonic() >= end:
                break
            number += 1
            self.log(f"fault {number}: {self.inject(number, d)}")
            injected = time.monotonic()
            if not self.wait_healthy():
                break
            self.log(f"fault {number}: healthy again after {time.monotonic() - injected:.1f} s")
        self.log(f"faults over ({number}); {self.feeder.sent} lines sent; sending exit")
        return self.finish()

    def finish(self):
        self.feeder.stop()
        if self.feeder.error:
            self.problem(f"feeding producer_chat: {self.feeder.error}")
        lines = self.feeder.sent
        try:
            status = self.producer.wait(timeout=PRODUCER_TIMEOUT_S + 60)
        except subprocess.TimeoutExpired:
            self.producer.kill()
            status = None
        self.log(f"producer_chat ended: exit status {status}")
        if status != 0:
            self.problem(f"producer_chat exit status {status} (see producer_chat.err)")

        for r in self.readers:
            if isinstance(r, ConsumerChat):
                if r.finish(600) is None:
                    self.problem("consumer_chat did not end at the exit record")
                    r.end("hangup", signal.SIGHUP, READER_TIMEOUT_S + 30)
            else:
                if not r.wait_shown(lines - 1, 600):
                    self.problem("kafka-chat did not show the last line")
                r.quit(READER_TIMEOUT_S + 30)
            self.log(f"{r.name} ended: exit status {r.runs[-1].status}")
        # A last start of each must show nothing new: what was shown is
        # committed, the exit record too.
        for r in self.readers:
            if isinstance(r, ConsumerChat):
                r.start("-e", *self.o.reader_args.split())
                if r.finish(300) is None:
                    self.problem("consumer_chat -e did not end")
                    r.end("kill", signal.SIGKILL, 30)
            else:
                r.start()
                if not r.separator.wait(120):
                    self.problem("kafka-chat did not enter its room at the end")
                time.sleep(2)  # anything that would show, shows now
                r.quit(READER_TIMEOUT_S + 30)
            self.log(f"{r.name}'s last start showed {r.runs[-1].count()} lines")
        return self.verdicts(lines)

    def verdicts(self, lines):
        bootstrap = self.brokers.bootstrap
        offsets, by_kcat = read_back_kcat(bootstrap, self.topic, self.dir / "topic.kcat")
        by_console = read_back_console(bootstrap, self.topic, self.dir / "topic.console")
        topic = {"kcat": check_topic("topic (kcat)", by_kcat, lines, offsets),
                 "console consumer": check_topic("topic (console consumer)", by_console, lines)}
        # A killed run's commit was an offset; the checks count lines.
        line_at = {o: n for o, n in zip(offsets, by_kcat) if n is not None}
        for r in self.readers:
            for run in r.runs:
                if run.committed is not None:
                    run.committed = line_at.get(run.committed, lines)
        readers = {r.name: check_reader(r.name, r.runs, lines) for r in self.readers}
        return self.report(lines, topic, readers)

    def report(self, lines, topic, readers):
        ok = not self.problems and all(v.ok for v in topic.values()) and \
            all(v.ok for v in readers.values())
        kinds = ", ".join(f"{k} {self.faults[k]}" for k in FAULTS if k in self.o.weights)
        by_reader = ", ".join(f"{k} of {n} {c}" for (k, n), c in sorted(self.targets.items())
                              if k.startswith("reader"))
        out = [f"soak: seed {self.o.seed}, {self.o.minutes:g} min, {self.o.mode} "
               f"(Kafka {self.kafka}, librdkafka {self.librdkafka}), {lines:,} lines",
               f"faults: {sum(self.faults.values())} ({kinds}){'; ' + by_reader if by_reader else ''}"]
        for name, v in topic.items():
            out.append(f"{name}: {v.records:,} records, lost {v.lost}, doubled {v.doubled}, "
                       f"out of order {v.out_of_order}")
        for name, v in readers.items():
            r = next(r for r in self.readers if r.name == name)
            extra = [f"shown again after a SIGKILL, not committed yet: {v.repeated_after_kill:,}"]
            if v.skipped:
                extra.append(f"left out with a notice on entering: {v.skipped:,}")
            out.append(f"{name} ({len(r.runs)} runs): shown {v.shown:,}, lost {v.lost}, "
                       f"doubled {v.doubled} (in a run {v.doubled_in_run}, after a hang-up or "
                       f"end {v.doubled_after_end}, after a kill {v.doubled_after_kill}); "
                       + "; ".join(extra))
        for text in self.problems + [p for v in list(topic.values()) + list(readers.values())
                                     for p in v.problems]:
            out.append(f"  problem: {text}")
        out.append(f"result: {'PASS' if ok else 'FAIL'} (details in {self.dir})")
        for line in out:
            self.log(line)
        summary = {
            "seed": self.o.seed, "minutes": self.o.minutes, "mode": self.o.mode,
            "kafka": self.kafka, "librdkafka": self.librdkafka, "rate": self.o.rate,
            "lines": lines, "faults": dict(self.faults),
            "faults_by_target": {f"{k} {n}": c for (k, n), c in self.targets.items()},
            "topic": {k: {"lost": v.lost, "doubled": v.doubled, "out_of_order": v.out_of_order,
                          "doubles": v.offsets_of_doubles} for k, v in topic.items()},
            "readers": {k: {"runs": len(next(r for r in self.readers if r.name == k).runs),
                            "shown": v.shown, "lost": v.lost, "doubled": v.doubled,
                            "doubled_in_run": v.doubled_in_run,
                            "doubled_after_end": v.doubled_after_end,
                            "doubled_after_kill": v.doubled_after_kill,
                            "repeated_after_kill": v.repeated_after_kill,
                            "skipped": v.skipped} for k, v in readers.items()},
            "problems": self.problems + [p for v in list(topic.values()) +
                                         list(readers.values()) for p in v.problems],
            "pass": ok,
        }
        (self.dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        return ok

    def cleanup(self):
        """Whatever happened: no process of ours left, no broker frozen."""
        if self.feeder:
            self.feeder.stopping.set()
        for r in self.readers:
            if r.alive():
                try:
                    r.end(r.runs[-1].end, signal.SIGKILL, 10)
                except Exception:  # noqa: BLE001 - cleaning up
                    pass
        if self.producer and self.producer.poll() is None:
            self.producer.kill()
        if self.o.keep:
            for n in list(self.brokers.paused):
                self.brokers.resume(n)
        else:
            self.brokers.clean()


def main():
    o = options()
    soak = Soak(o)
    try:
        ok = soak.run()
    except KeyboardInterrupt:
        soak.log("interrupted")
        ok = False
    finally:
        soak.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

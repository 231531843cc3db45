#!/usr/bin/env python3
"""Benchmark of producer_chat and consumer_chat against kcat and the seed
scripts (tests/seed, on kafka-python), in one run on one broker that this
script starts itself (port 9592, state in .kafka/bench-9592), for each
build of ours: the system librdkafka's, and the current librdkafka's
(build-current/, from make LIBRDKAFKA=current) where it is there.

Measures producer throughput (on the raw lines for kcat, and on the very
records producer_chat sends, for kcat with the idempotent producer too),
consumer throughput (to a file and to /dev/null), start-up (to the first
line shown, to the first line delivered), end-to-end latency through
pseudo-terminals, CPU time and the peak RSS of every program; checks that
consumer_chat printed every line exactly once and in order. Prints the
tables and writes them to bench/RESULTS.md. Exit status 1 if the
correctness check fails (or a measurement cannot be made); a missed
performance target is reported, not an error.

Run as `.venv/bin/python bench/run.py` (or `make bench`).
"""
import datetime
import errno
import hashlib
import itertools
import json
import os
import platform
import random
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KAFKA_SH = str(REPO / "scripts" / "kafka.sh")


class Build:
    """One build of our programs: its name in the tables and its folder."""

    def __init__(self, name, folder):
        self.name = name
        self.producer = str(folder / "producer_chat")
        self.consumer = str(folder / "consumer_chat")

    def available(self):
        return os.access(self.producer, os.X_OK) and os.access(self.consumer, os.X_OK)


# The default build first: the one the other measurements (warm-up, the
# consumers' topics) use.
BUILDS = [Build("system librdkafka", REPO), Build("current librdkafka", REPO / "build-current")]
SEED = REPO / "tests" / "seed"
sys.path.insert(0, str(SEED))
import substitute  # noqa: E402  (tests/seed/substitute.py: the seed scripts, literals swapped)
# The seed scripts need kafka-python, which lives in the project's venv.
PYTHON = str(REPO / ".venv" / "bin" / "python")
RESULTS = REPO / "bench" / "RESULTS.md"

# A broker of our own, away from the default (9092) and the tests' (9392).
PORT = 9592
STATE = REPO / ".kafka" / f"bench-{PORT}"
BOOTSTRAP = f"127.0.0.1:{PORT}"
def kafka_sh_default_version():
    import re
    m = re.search(r"^KAFKA_VERSION=\$\{KAFKA_VERSION:-([0-9.]+)\}", Path(KAFKA_SH).read_text(), re.M)
    return m.group(1) if m else "unknown"


KAFKA_VERSION = os.environ.get("KAFKA_VERSION") or kafka_sh_default_version()

LINES = 1_000_000             # throughput cases, ours and kcat
SEED_PRODUCER_LINES = 2_000   # the seed flushes after every line
SEED_CONSUMER_LINES = 200_000  # kafka-python decodes slowly
LATENCY_LINES = 1_000
STARTUP_RUNS = 5              # start-up: median of 5 (the seed: 3)
SEED_LATENCY_LINES = 1_000
STARTUP_RUNS = 5              # start-up: median of 5 (the seed: 3)    # the seed pair is quick enough for as many
WARMUP_LINES = 5              # sent before timing: topic made, group joined
RUNS = 5                      # median of 5 for ours and kcat; the seed once

# Timeouts (seconds): generous, only there so that nothing can hang.
T_BROKER = 300
T_THROUGHPUT = 600
T_LATENCY_LINE = 30
T_LATENCY_END = 60

# Same environment for every program: the tests' zone, and a UTF-8 locale
# so that Python reads stdin and writes stdout as UTF-8 (as in test_interop).
ENV = dict(os.environ, TZ="Asia/Seoul", LC_ALL="C.UTF-8")


def log(msg):
    """Progress, on stderr so that stdout holds only the report."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---- input text ---------------------------------------------------------------

KOREAN = ["안녕하세요", "카프카", "채팅", "메시지", "프로그램", "오늘", "날씨가", "좋네요",
          "감사합니다", "네", "수신", "발신"]
ASCII = ["hello", "kafka", "chat", "the", "quick", "brown", "fox", "ok", "message",
         "broker", "topic", "offset", "lunch?", "see you", "lol"]
EMOJI = ["😀", "🇰🇷", "👍", "🎉", "❤️", "🙂", "🍜"]
SPECIAL = ['"quoted"', "it's", "back\\slash", "C:\\path\\to", "tab\there", '{"json": 1}',
           "\\n is not a newline", "\t"]


def make_line(rng, i):
    """One chat line. The leading number makes every line unique and never
    'exit'; no empty lines, no CR, no newline inside (all would change what
    a line is). Words are mostly ASCII and Korean, with emoji, quotes,
    backslashes and tabs mixed in."""
    words = [str(i)]
    for _ in range(rng.randint(2, 11)):
        r = rng.random()
        if r < 0.45:
            words.append(rng.choice(ASCII))
        elif r < 0.75:
            words.append(rng.choice(KOREAN))
        elif r < 0.87:
            words.append(rng.choice(EMOJI))
        else:
            words.append(rng.choice(SPECIAL))
    return " ".join(words)


def write_inputs(tmp):
    """Writes the input files once, from a fixed seed (the same text every
    run): the 1,000,000 lines; the same plus 'exit' (for the consumer
    topic); the seed producer's slice plus 'exit'; the seed consumer's slice
    plus 'exit'. Line by line, so that this script stays small (see the
    note above spawn())."""
    rng = random.Random(20240601)
    paths = {
        "lines": tmp / "lines.txt",
        "lines_exit": tmp / "lines_exit.txt",
        "seed_prod": tmp / "seed_producer_slice.txt",
        "seed_cons": tmp / "seed_consumer_slice.txt",
        # What producer_chat sends for each line, json.dumps() of the
        # seed's record (one per line: JSON escapes every newline), for
        # kcat -P to send the same bytes.
        "records": tmp / "records.txt",
    }
    files = {k: open(v, "wb") for k, v in paths.items()}
    try:
        now = time.time()
        for i in range(LINES):
            text = make_line(rng, i)
            line = text.encode() + b"\n"
            files["records"].write(json.dumps({"message": text, "time": now + i * 1e-6}).encode()
                                   + b"\n")
            files["lines"].write(line)
            files["lines_exit"].write(line)
            if i < SEED_PRODUCER_LINES:
                files["seed_prod"].write(line)
            if i < SEED_CONSUMER_LINES:
                files["seed_cons"].write(line)
        for k in ("lines_exit", "seed_prod", "seed_cons"):
            files[k].write(b"exit\n")
    finally:
        for f in files.values():
            f.close()
    return paths


# ---- running programs -----------------------------------------------------------

# The kernel counts in a child's ru_maxrss the peak RSS of the memory it had
# before exec(). After vfork() (Popen's default on Linux) that is the peak of
# this whole Python process; after fork() only the copy of its private memory
# (a few MiB, since this script keeps no big data in memory; measure_floor()
# reports it). This switch is documented in Python 3.10-3.12 (the .venv has
# 3.11); where it does nothing, the floor in the header shows it.
subprocess._USE_VFORK = False


def spawn(args, **kwargs):
    """subprocess.Popen, in the bench's environment (forked, see above)."""
    return subprocess.Popen(args, env=ENV, **kwargs)


def measure_floor():
    """What this method reports for a program that uses almost no memory
    (/bin/true, about 1 MiB by itself): the least any RSS below can be."""
    proc = spawn(["/bin/true"])
    [(_, rss, _)] = reap([proc], 30)
    return rss


def reap(procs, timeout, ptys=()):
    """Waits for every process to exit, reading the pseudo-terminals in
    ptys meanwhile (so that no child blocks on a full terminal), and reaps
    each with os.wait4, whose rusage is that child's own. Kills them all
    after timeout seconds. Returns [(exit code, peak RSS KiB, CPU seconds)]
    in order, CPU being user plus system time.

    pidfds let select() wait for an exit with a timeout and no polling
    delay, so the measured wall time ends when the child ends."""
    pidfds = {p.pid: os.pidfd_open(p.pid) for p in procs}
    try:
        deadline = time.monotonic() + timeout
        pending = set(p.pid for p in procs)
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                kill(procs)
                raise TimeoutError(f"{[p.args[0] for p in procs]} still running "
                                   f"after {timeout} s")
            fds = [pidfds[pid] for pid in pending] + [t.master for t in ptys if not t.eof]
            ready, _, _ = select.select(fds, [], [], left)
            for t in ptys:
                if t.master in ready:
                    t.pump(0)
            pending -= {pid for pid in pending if pidfds[pid] in ready}
    finally:
        for fd in pidfds.values():
            os.close(fd)
    results = []
    for p in procs:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        results.append((p.returncode, usage.ru_maxrss, usage.ru_utime + usage.ru_stime))
    return results


def kill(procs):
    """Kills those of procs that have not been reaped (after a failure)."""
    for p in procs:
        if p.returncode is None:
            try:
                p.kill()
            except ProcessLookupError:
                pass


def run_timed(args, stdin_path, stdout_path, err_path, timeout=T_THROUGHPUT):
    """Runs one program with stdin from a file (or /dev/null) and stdout to
    a file (or /dev/null). Wall time is from just before the start to its
    exit. Returns (seconds, peak RSS KiB, CPU seconds); raises if it fails."""
    with open(stdin_path or os.devnull, "rb") as fin, \
         open(stdout_path or os.devnull, "wb") as fout, open(err_path, "wb") as ferr:
        t0 = time.perf_counter()
        proc = spawn(args, stdin=fin, stdout=fout, stderr=ferr)
        try:
            [(code, rss, cpu)] = reap([proc], timeout)
        finally:
            kill([proc])
        seconds = time.perf_counter() - t0
    if code != 0:
        tail = Path(err_path).read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(map(str, args))} exited with {code}:\n{tail}")
    return seconds, rss, cpu


def seed_script(name, tmp, topic, group=None):
    """The seed script with only bootstrap, topic and group replaced, as
    the interop tests run it (tests/seed/substitute.py)."""
    return str(substitute.seed_script(name, tmp, BOOTSTRAP, topic, group))


_names = 0


def fresh(prefix):
    """A new topic or group name; the broker is new too, so a counter will do."""
    global _names
    _names += 1
    return f"bench-{prefix}-{_names}"


def records_in(topic):
    """How many records the (one-partition) topic holds: the offset of its
    last record plus one, read with kcat."""
    p = subprocess.run(["kcat", "-C", "-b", BOOTSTRAP, "-t", topic, "-o", "-1", "-c", "1",
                        "-e", "-q", "-f", "%o\n"], capture_output=True, timeout=60)
    out = p.stdout.decode().strip()
    return int(out) + 1 if p.returncode == 0 and out else 0


# ---- results -------------------------------------------------------------------

class Result:
    """One program in one throughput case: the wall times of its runs (the
    median is reported), their CPU times (median too: less sensitive to
    other load than wall time) and the highest peak RSS over its runs."""

    def __init__(self, case, program, lines, nbytes, times, cpus, rss_kib, note=""):
        self.case, self.program, self.lines, self.nbytes = case, program, lines, nbytes
        self.times, self.rss_kib, self.note = times, rss_kib, note
        self.seconds = statistics.median(times)
        self.cpu = statistics.median(cpus)
        self.rate = lines / self.seconds
        self.mbps = nbytes / 1e6 / self.seconds if nbytes else None


class Program:
    """What measure() runs: one_run() makes one timed run and returns
    (seconds, peak RSS KiB, CPU seconds); `runs` times; lines and bytes per run."""

    def __init__(self, name, runs, lines, nbytes, one_run, note=""):
        self.name, self.runs, self.lines, self.nbytes = name, runs, lines, nbytes
        self.one_run, self.note = one_run, note


def measure(case, programs):
    """Runs the programs in rounds (run 1 of each, then run 2 of each, ...)
    rather than one program's runs back to back, so that a drift (the
    broker warming up, other load on the machine) falls on all alike."""
    times = {p.name: [] for p in programs}
    cpus = {p.name: [] for p in programs}
    rss = {p.name: 0 for p in programs}
    for k in range(max(p.runs for p in programs)):
        for p in programs:
            if k >= p.runs:
                continue
            seconds, r, cpu = p.one_run()
            times[p.name].append(seconds)
            cpus[p.name].append(cpu)
            rss[p.name] = max(rss[p.name], r)
            log(f"{case} {p.name} run {k + 1}/{p.runs}: {seconds:.3f} s, "
                f"{p.lines / seconds:,.0f} lines/s, CPU {cpu:.2f} s, RSS {r / 1024:.1f} MiB")
    return [Result(case, p.name, p.lines, p.nbytes, times[p.name], cpus[p.name], rss[p.name],
                   p.note)
            for p in programs]


# ---- 1. producer throughput -------------------------------------------------------

def bench_producers(tmp, paths, checks):
    """The same 1,000,000 lines into a fresh topic per run, 3 times each:
    producer_chat (piped mode) of each build; kcat -P on the lines as they
    are (half the bytes: it sends raw text) and kcat -P on the very records
    producer_chat sends, with the idempotent producer as ours
    (-X enable.idempotence=true); the seed producer once on its 2,000-line
    slice plus 'exit' (its prompts go to /dev/null). Each run's topic is
    then checked to hold every line: exit means delivered."""
    err = tmp / "producer.err"

    def ours(build):
        def run():
            topic = fresh("prod-ours")
            r = run_timed([build.producer, "-b", BOOTSTRAP, "-t", topic], paths["lines"], None, err)
            checks.append((f"producer_chat ({build.name}) delivered {LINES:,} records to {topic}",
                           records_in(topic) == LINES))
            return r
        return run

    def kcat(source, *args):
        def run():
            topic = fresh("prod-kcat")
            r = run_timed(["kcat", "-P", "-b", BOOTSTRAP, "-t", topic, *args], paths[source],
                          None, err)
            checks.append((f"kcat -P {' '.join(args)} delivered {LINES:,} records to {topic}",
                           records_in(topic) == LINES))
            return r
        return run

    seed_lines = SEED_PRODUCER_LINES + 1  # its slice and the 'exit' line

    def seed():
        topic = fresh("prod-seed")
        script = seed_script("producerChat.py", tmp, topic)
        r = run_timed([PYTHON, script], paths["seed_prod"], None, err)
        checks.append((f"seed producer delivered {seed_lines:,} records to {topic}",
                       records_in(topic) == seed_lines))
        return r
    size, rec_size = paths["lines"].stat().st_size, paths["records"].stat().st_size
    return measure("producer", [
        *[Program(f"producer_chat ({b.name})", RUNS, LINES, size, ours(b)) for b in BUILDS],
        Program("kcat -P, raw lines", RUNS, LINES, size, kcat("lines"),
                note="half the bytes: the lines, not the records"),
        Program("kcat -P, the same records, idempotent", RUNS, LINES, size,
                kcat("records", "-X", "enable.idempotence=true"),
                note=f"{rec_size / 1e6:.0f} MB of records, as producer_chat sends"),
        Program("seed producerChat.py", 1, seed_lines, paths["seed_prod"].stat().st_size, seed,
                note=f"first {SEED_PRODUCER_LINES:,} lines + exit"),
    ])


# ---- 2. consumer throughput and the correctness check ----------------------------

def check_consumer_output(out_path, in_path, count):
    """A consumer's output holds the first `count` lines of in_path exactly
    once and in order: the text after '][FRIEND] ' of each line it shows
    equals the input line. Streams both files. Returns (ok, detail)."""
    marker = b"][FRIEND] "
    with open(out_path, "rb") as out, open(in_path, "rb") as inp:
        shown = (l.rstrip(b"\n").split(marker, 1)[1] for l in out if marker in l)
        sent = (l.rstrip(b"\n") for l in itertools.islice(inp, count))
        n = 0
        for got, want in itertools.zip_longest(shown, sent):
            if got != want:
                if got is None:
                    return False, f"only {n:,} lines shown, {count:,} sent"
                if want is None:
                    return False, f"more lines shown than the {count:,} sent"
                return False, f"line {n}: {got[:80]!r} != {want[:80]!r}"
            n += 1
    return True, f"{n:,} lines, all in order"


def record_sizes(path, sample=100_000):
    """Average bytes per line of the first `sample` lines, as raw text (what
    kcat -P sends) and as the seed's JSON record (what producer_chat and
    the seed send: non-ASCII as \\uXXXX escapes, plus the time)."""
    raw = rec = n = 0
    now = time.time()
    with open(path, "rb") as f:
        for line in itertools.islice(f, sample):
            text = line.rstrip(b"\n").decode()
            raw += len(text.encode())
            rec += len(json.dumps({"message": text, "time": now}).encode())
            n += 1
    return raw / n, rec / n


def count_lines(path):
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def bench_consumers(tmp, paths, checks):
    """One topic of 1,000,000 lines plus 'exit', written by producer_chat,
    read to its end by consumer_chat of each build (a fresh group each run;
    it stops at the exit record) and by kcat -C -e (no group: it stops at
    the end of the partition), 3 times each, output to a file (each output
    is checked, then deleted: ~100 MB each) and to /dev/null. The seed
    consumer reads its own 200,000-line topic plus 'exit', also written by
    producer_chat."""
    topic = fresh("cons")
    log(f"writing {LINES + 1:,} lines to {topic} for the consumers")
    run_timed([BUILDS[0].producer, "-b", BOOTSTRAP, "-t", topic], paths["lines_exit"], None,
              tmp / "setup.err")
    seed_topic = fresh("cons-seed")
    run_timed([BUILDS[0].producer, "-b", BOOTSTRAP, "-t", seed_topic], paths["seed_cons"], None,
              tmp / "setup.err")
    records = LINES + 1
    # The outputs (~100 MB each) go to memory where there is a tmpfs: a
    # disk's write-back would make the runs' times differ by half.
    out = (Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else tmp) / \
        f"kafka-chat-bench-{os.getpid()}.out"
    err = tmp / "consumer.err"

    def ours(build, to_file):
        def run():
            r = run_timed([build.consumer, "-b", BOOTSTRAP, "-t", topic, "-g", fresh("g-ours")],
                          None, out if to_file else None, err)
            if to_file:
                ok, detail = check_consumer_output(out, paths["lines"], LINES)
                checks.append((f"consumer_chat ({build.name}) output has every line once, "
                               f"in order ({detail})", ok))
                out.unlink()
            return r
        return run

    def kcat(to_file):
        def run():
            r = run_timed(["kcat", "-C", "-b", BOOTSTRAP, "-t", topic, "-e", "-q"],
                          None, out if to_file else None, err)
            if to_file:
                n = count_lines(out)
                checks.append((f"kcat -C output has {records:,} lines ({n:,})", n == records))
                out.unlink()
            return r
        return run

    seed_records = SEED_CONSUMER_LINES + 1

    def seed():
        script = seed_script("consumerChat.py", tmp, seed_topic, fresh("g-seed"))
        r = run_timed([PYTHON, script], None, out, err)
        ok, detail = check_consumer_output(out, paths["seed_cons"], SEED_CONSUMER_LINES)
        checks.append((f"seed consumer output has its slice once, in order ({detail})", ok))
        out.unlink()
        return r
    results = []
    for to_file, case in ((True, "consumer"), (False, "consumer to /dev/null")):
        results += measure(case, [
            *[Program(f"consumer_chat ({b.name})", RUNS, records, None, ours(b, to_file))
              for b in BUILDS],
            Program("kcat -C", RUNS, records, None, kcat(to_file)),
            *([Program("seed consumerChat.py", 1, seed_records, None, seed,
                       note=f"own topic: first {SEED_CONSUMER_LINES:,} lines + exit")]
              if to_file else []),
        ])
    return results


# ---- 3. start-up ------------------------------------------------------------------

def first_output(args, stdin_data, needle, timeout=60):
    """Starts args with stdin_data on its stdin (then closed) and reads its
    stdout until needle: the seconds from the start to then, and to its
    exit, with its CPU time."""
    t0 = time.perf_counter()
    proc = spawn(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    proc.stdin.write(stdin_data)
    proc.stdin.close()
    seen, data, shown = None, b"", None
    deadline = t0 + timeout
    while needle is not None and shown is None:
        left = deadline - time.perf_counter()
        if left <= 0:
            kill([proc])
            raise TimeoutError(f"{args[0]} showed no {needle!r} within {timeout} s")
        ready, _, _ = select.select([proc.stdout], [], [], left)
        chunk = os.read(proc.stdout.fileno(), 1 << 16) if ready else b""
        if ready and not chunk:
            raise RuntimeError(f"{args[0]} ended before {needle!r}")
        data += chunk
        if needle in data:
            shown = time.perf_counter() - t0
    return proc, t0, shown


def bench_startup(tmp):
    """The first seconds of a chat. Shown: from the start of a consumer to
    the first line of a short topic (10 records) on its standard output,
    in a fresh group (ours and the seed's) or with none (kcat -C); then it
    is stopped. Delivered: `echo hi | producer_chat` from start to exit,
    the line delivered (kcat -P the same; the seed needs 'exit' too, or it
    dies at the end of input). Median of STARTUP_RUNS (the seed: 3)."""
    topic = fresh("startup")
    run_timed([BUILDS[0].producer, "-b", BOOTSTRAP, "-t", topic],
              paths_short(tmp), None, tmp / "startup.err")
    rows = []

    def shown(name, make_args, runs):
        times = []
        for _ in range(runs):
            proc, t0, first = first_output(make_args(), b"", b"hello 0")
            times.append(first)
            proc.send_signal(signal.SIGTERM)
            proc.stdout.close()
            reap([proc], 30)
        rows.append(("first line shown", name, statistics.median(times), times))

    def delivered(name, make_args, data, runs):
        times = []
        for _ in range(runs):
            fin = tmp / "startup.in"
            fin.write_bytes(data)
            seconds, _, _ = run_timed(make_args(), fin, None, tmp / "startup.err")
            times.append(seconds)
        rows.append(("first line delivered", name, statistics.median(times), times))

    for b in BUILDS:
        shown(f"consumer_chat ({b.name})",
              lambda: [b.consumer, "-b", BOOTSTRAP, "-t", topic, "-g", fresh("g-start")],
              STARTUP_RUNS)
    shown("kcat -C", lambda: ["kcat", "-C", "-b", BOOTSTRAP, "-t", topic, "-q", "-u"],
          STARTUP_RUNS)
    # What ours do: join a group first (kcat -C above reads with none).
    shown("kcat -G (a fresh group)",
          lambda: ["kcat", "-b", BOOTSTRAP, "-G", fresh("g-start"), "-q", "-u",
                   "-X", "auto.offset.reset=earliest", topic], STARTUP_RUNS)
    shown("seed consumerChat.py",
          lambda: [PYTHON, "-u", seed_script("consumerChat.py", tmp, topic, fresh("g-start"))], 3)
    for b in BUILDS:
        delivered(f"producer_chat ({b.name})",
                  lambda: [b.producer, "-b", BOOTSTRAP, "-t", fresh("start-p")], b"hi\n",
                  STARTUP_RUNS)
    delivered("kcat -P", lambda: ["kcat", "-P", "-b", BOOTSTRAP, "-t", fresh("start-p")],
              b"hi\n", STARTUP_RUNS)
    delivered("seed producerChat.py",
              lambda: [PYTHON, seed_script("producerChat.py", tmp, fresh("start-p"))],
              b"hi\nexit\n", 3)
    for what, name, median, times in rows:
        log(f"start-up, {what}: {name}: {median * 1000:.0f} ms")
    return rows


def paths_short(tmp):
    """Ten short lines, for the start-up topic."""
    path = tmp / "short.txt"
    path.write_text("".join(f"hello {i}\n" for i in range(10)))
    return path


# ---- 3. latency through pseudo-terminals ------------------------------------------

class Pty:
    """A pseudo-terminal: the child gets the slave side, we read the master
    and keep everything read in self.data."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        self.data = bytearray()
        self.eof = False

    def pump(self, timeout):
        """Reads what arrives within timeout seconds (at most one chunk)."""
        if self.eof:
            return
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return
        try:
            chunk = os.read(self.master, 1 << 16)
        except OSError as e:  # EIO: every slave side is closed (the child ended)
            if e.errno != errno.EIO:
                raise
            chunk = b""
        if chunk:
            self.data += chunk
        else:
            self.eof = True

    def wait_for(self, needle, start, timeout):
        """Reads until needle appears at or after data[start]; returns the
        index just past it."""
        deadline = time.perf_counter() + timeout
        while True:
            i = self.data.find(needle, start)
            if i >= 0:
                return i + len(needle)
            left = deadline - time.perf_counter()
            if left <= 0 or self.eof:
                tail = bytes(self.data[-300:]).decode(errors="replace")
                raise TimeoutError(f"{needle!r} not seen within {timeout} s; last output: {tail!r}")
            self.pump(left)

    def close(self):
        os.close(self.master)


def latency_line(i):
    """Lines for the latency runs: no control characters (consumer_chat
    escapes them on a terminal, the seed does not), and a unique end mark,
    so that no line's text is the beginning of another's."""
    return f"lat {i:05d} 안녕하세요 kafka chat 😀 \"q\" back\\slash #{i:05d}"


def percentile(values, p):
    """Nearest-rank percentile: the smallest value with at least p% of the
    values at or below it."""
    ordered = sorted(values)
    k = max(0, -(-len(ordered) * p // 100) - 1)
    return ordered[int(k)]


def bench_latency(name, producer_args, consumer_args, count):
    """The consumer's stdout and the producer's stdin and stdout are
    pseudo-terminals, so both behave interactively (our producer waits for
    each delivery; Python line-buffers print() and prompts on a terminal).
    WARMUP_LINES lines go first, untimed, so that the topic exists and the
    consumer has joined its group. Then for each line: write it to the
    producer's terminal, t0; read the consumer's terminal until the line
    appears, t1; wait for the producer's next 'YOU: ' prompt. 'exit' ends
    both; both are reaped for their peak RSS."""
    cons_pty, prod_pty = Pty(), Pty()
    # stderr on the terminal too, as in a real one: Python's input() writes
    # its prompt to stderr when stdin and stdout are terminals.
    cons = spawn(consumer_args, stdin=subprocess.DEVNULL, stdout=cons_pty.slave,
                 stderr=cons_pty.slave)
    prod = spawn(producer_args, stdin=prod_pty.slave, stdout=prod_pty.slave,
                 stderr=prod_pty.slave)
    os.close(cons_pty.slave)  # so that the master reads EOF (EIO) when the child ends
    os.close(prod_pty.slave)
    try:
        cpos = ppos = 0
        latencies = []
        for i in range(-WARMUP_LINES, count):
            text = (latency_line(i) if i >= 0 else f"warm-up {-i}").encode()
            ppos = prod_pty.wait_for(b"YOU: ", ppos, T_LATENCY_LINE)
            os.write(prod_pty.master, text + b"\n")
            t0 = time.perf_counter()
            cpos = cons_pty.wait_for(b"][FRIEND] " + text, cpos, T_LATENCY_LINE)
            t1 = time.perf_counter()
            if i >= 0:
                latencies.append(t1 - t0)
        ppos = prod_pty.wait_for(b"YOU: ", ppos, T_LATENCY_LINE)
        os.write(prod_pty.master, b"exit\n")
        (pcode, prss, _), (ccode, crss, _) = reap([prod, cons], T_LATENCY_END,
                                                  [prod_pty, cons_pty])
        if pcode != 0 or ccode != 0:
            raise RuntimeError(f"{name}: exit statuses {pcode} (producer), {ccode} (consumer)")
    finally:
        kill([prod, cons])
        cons_pty.close()
        prod_pty.close()
    ms = [x * 1000 for x in latencies]
    result = {"pair": name, "lines": count, "p50": percentile(ms, 50),
              "p99": percentile(ms, 99), "max": max(ms), "prod_rss": prss, "cons_rss": crss}
    log(f"latency {name}: p50 {result['p50']:.2f} ms, p99 {result['p99']:.2f} ms, "
        f"max {result['max']:.2f} ms")
    return result


def bench_latencies(tmp):
    results = []
    for b in BUILDS:
        topic, group = fresh("lat-ours"), fresh("g-lat-ours")
        results.append(bench_latency(f"producer_chat → consumer_chat ({b.name})",
                                     [b.producer, "-b", BOOTSTRAP, "-t", topic],
                                     [b.consumer, "-b", BOOTSTRAP, "-t", topic, "-g", group],
                                     LATENCY_LINES))
    topic, group = fresh("lat-seed"), fresh("g-lat-seed")
    results.append(bench_latency("seed producerChat.py → seed consumerChat.py",
                                 [PYTHON, seed_script("producerChat.py", tmp, topic)],
                                 [PYTHON, seed_script("consumerChat.py", tmp, topic, group)],
                                 SEED_LATENCY_LINES))
    return results


# ---- the broker --------------------------------------------------------------------

def broker(command):
    subprocess.run([KAFKA_SH, command, "--port", str(PORT), "--dir", str(STATE)],
                   check=True, timeout=T_BROKER, stdout=sys.stderr)


def warm_up_broker(tmp, paths):
    """Untimed, before any measurement: a fresh broker creates the group
    offsets topic (50 partitions) for the first consumer group, and its JVM
    has not compiled its hot paths yet. Whichever program came first would
    pay for both, so the 1,000,000 lines plus 'exit' are written to a
    throw-away topic and read once with a group."""
    topic = fresh("warm-up")
    log("warming the broker up")
    run_timed([BUILDS[0].producer, "-b", BOOTSTRAP, "-t", topic], paths["lines_exit"], None,
              tmp / "warm-up.err")
    run_timed([BUILDS[0].consumer, "-b", BOOTSTRAP, "-t", topic, "-g", fresh("g-warm-up")],
              None, None, tmp / "warm-up.err")


# ---- the report ---------------------------------------------------------------------

def first_line(args):
    try:
        p = subprocess.run(args, capture_output=True, timeout=30, text=True)
        return (p.stdout or p.stderr).strip().splitlines()[0]
    except Exception as e:  # a missing tool should not lose the whole run
        return f"unknown ({e})"


def binaries():
    """What was measured: each binary's build time and the start of its
    sha256. The repository may be rebuilt by someone else during a run;
    main() compares this before and after."""
    ids = {}
    for b in BUILDS:
        for path in (b.producer, b.consumer):
            built = datetime.datetime.fromtimestamp(os.stat(path).st_mtime).astimezone()
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
            ids[f"{Path(path).name} ({b.name})"] = \
                f"built {built:%Y-%m-%d %H:%M:%S}, sha256 {digest}, {first_line([path, '-V'])}"
    return ids


def source_state():
    """The git commit, and whether tracked files differ from it (then the
    binaries may hold uncommitted changes)."""
    head = first_line(["git", "-C", str(REPO), "log", "-1", "--format=%h %s"])
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain",
                            "--untracked-files=no"], capture_output=True, text=True,
                           timeout=30).stdout.split("\n")
    changed = [l[3:] for l in dirty if l.strip()]
    return head + (f" (plus uncommitted changes to {', '.join(changed)})" if changed else "")


def header(started, load_before, floor, ids_before, ids_after):
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(next(l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines()
                       if l.startswith("MemTotal:")))
    kcat = subprocess.run(["kcat", "-V"], capture_output=True, text=True, timeout=30).stdout
    kcat_lines = kcat.strip().splitlines()
    kcat_version = kcat_lines[0] + "".join(f"; {l.strip()}" for l in kcat_lines
                                           if l.startswith("Version"))
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n".join([
        "# kafka-chat benchmark results",
        "",
        f"- date: {started:%Y-%m-%d %H:%M:%S %Z} (run took "
        f"{(datetime.datetime.now().astimezone() - started).total_seconds():.0f} s)",
        f"- machine: {cpu}, {os.cpu_count()} cores, {mem_kib / 1024 / 1024:.1f} GiB RAM, "
        f"Linux {platform.release()}; the broker shares the cores with the clients",
        f"- load average (1, 5, 15 min) before: {load_before}; after: {load_after}",
        f"- peak RSS is ru_maxrss from os.wait4; it cannot show less than "
        f"{floor / 1024:.1f} MiB (what it shows for /bin/true: the forked copy of this "
        f"script's private memory counts too)",
        f"- source: git {source_state()}",
        *[f"- {name}: {ident}" for name, ident in ids_before.items()],
        *([f"- **the binaries changed during the run**: now "
           f"{'; '.join(f'{n}: {i}' for n, i in ids_after.items())}"]
          if ids_after != ids_before else []),
        f"- kcat: {kcat_version}",
        f"- kafka-python: {first_line([PYTHON, '-c', 'import kafka; print(kafka.__version__)'])}",
        f"- Python (seed scripts): {first_line([PYTHON, '-c', 'import sys; print(sys.version)'])}",
        f"- Kafka: {KAFKA_VERSION} (scripts/kafka.sh, single node, KRaft, 127.0.0.1:{PORT})",
        f"- gcc: {first_line(['gcc', '--version'])}",
        "",
    ])


def ratio(a, b):
    x = a / b
    if x < 0.1:
        return f"{x:.2g}x"
    return f"{x:.0f}x" if x >= 100 else f"{x:.1f}x" if x >= 10 else f"{x:.2f}x"


def mib(kib, floor):
    """Peak RSS in MiB; at the floor of the method (see the header) the
    program's own peak may be lower, so it is shown as an upper bound."""
    return f"≤ {kib / 1024:.1f}" if kib <= floor * 1.02 else f"{kib / 1024:.1f}"


def spread_note(r):
    """Flags runs that differ by more than a quarter of their median."""
    spread = (max(r.times) - min(r.times)) / r.seconds
    return f"runs vary by {spread:.0%}" if spread > 0.25 else ""


CASES = ("producer", "consumer", "consumer to /dev/null")


def peers(rows, case):
    """The rows every ratio of a case is against: kcat (for the producer,
    the kcat that sends the same records) and the seed."""
    kcat = next(r for r in rows if r.program.startswith("kcat") and
                (case != "producer" or "same records" in r.program))
    seed = next((r for r in rows if r.program.startswith("seed")), None)
    return kcat, seed


def throughput_table(results, floor):
    out = ["| case | program | lines | seconds (median) | runs (s) | lines/s | CPU s | "
           "peak RSS MiB | speed vs kcat | CPU vs kcat | vs seed | note |",
           "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    seeds = {}
    for case in CASES:
        rows = [r for r in results if r.case == case]
        kcat, seed = peers(rows, case)
        seed = seed or seeds.get("consumer")
        seeds[case] = seed
        for r in rows:
            out.append(
                f"| {case} | {r.program} | {r.lines:,} | {r.seconds:.3f} | "
                f"{', '.join(f'{t:.2f}' for t in r.times)} | {r.rate:,.0f} | {r.cpu:.2f} | "
                f"{mib(r.rss_kib, floor)} | {ratio(r.rate, kcat.rate)} | "
                f"{ratio(r.cpu, kcat.cpu)} | {ratio(r.rate, seed.rate) if seed else '—'} | "
                f"{'; '.join(n for n in (r.note, spread_note(r)) if n)} |")
    return "\n".join(out)


def startup_table(rows):
    out = ["| what | program | median ms | runs (ms) | vs kcat | vs seed |",
           "|---|---|---:|---|---:|---:|"]
    for what in ("first line shown", "first line delivered"):
        mine = [r for r in rows if r[0] == what]
        kcat = next(r for r in mine if r[1].startswith("kcat"))  # without a group
        seed = next(r for r in mine if r[1].startswith("seed"))
        for _, name, median, times in mine:
            # Shorter is better: the ratio says how many times faster.
            out.append(f"| {what} | {name} | {median * 1000:.0f} | "
                       f"{', '.join(f'{t * 1000:.0f}' for t in times)} | "
                       f"{ratio(kcat[2], median)} | {ratio(seed[2], median)} |")
    return "\n".join(out)


def latency_table(lat, floor):
    out = ["| pair | lines | p50 ms | p99 ms | max ms | producer peak RSS MiB | "
           "consumer peak RSS MiB |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for r in lat:
        out.append(f"| {r['pair']} | {r['lines']:,} | {r['p50']:.2f} | {r['p99']:.2f} | "
                   f"{r['max']:.2f} | {mib(r['prod_rss'], floor)} | {mib(r['cons_rss'], floor)} |")
    return "\n".join(out)


def targets(results, lat):
    def get(case, prefix):
        return next(r for r in results if r.case == case and r.program.startswith(prefix))
    rows = []
    raw = get("producer", "kcat -P, raw")
    same = get("producer", "kcat -P, the same")
    ckcat = get("consumer", "kcat")
    rss = []
    for b in BUILDS:
        prod = get("producer", f"producer_chat ({b.name})")
        cons = get("consumer", f"consumer_chat ({b.name})")
        lat_ours = next(l for l in lat if b.name in l["pair"])
        rows += [
            (f"{b.name}: consumer_chat >= 1.1x kcat -C's speed (to a file)",
             cons.rate / ckcat.rate >= 1.1, ratio(cons.rate, ckcat.rate)),
            (f"{b.name}: consumer_chat CPU <= 1.2x kcat -C's", cons.cpu / ckcat.cpu <= 1.2,
             f"{ratio(cons.cpu, ckcat.cpu)} ({cons.cpu:.2f} s against {ckcat.cpu:.2f} s)"),
            (f"{b.name}: producer_chat >= 1.2x kcat -P on the same records, idempotent",
             prod.rate / same.rate >= 1.2, ratio(prod.rate, same.rate)),
            (f"{b.name}: producer_chat >= 0.55x kcat -P on raw lines (what it was)",
             prod.rate / raw.rate >= 0.55, ratio(prod.rate, raw.rate)),
            (f"{b.name}: latency p50 < 5 ms", lat_ours["p50"] < 5, f"{lat_ours['p50']:.2f} ms"),
            (f"{b.name}: latency p99 < 25 ms", lat_ours["p99"] < 25, f"{lat_ours['p99']:.2f} ms"),
        ]
        rss += [(f"{r.case}, {r.program}", r.rss_kib) for r in results
                if r.program.endswith(f"({b.name})")]
        rss += [(f"latency, {lat_ours['pair']}", max(lat_ours["prod_rss"], lat_ours["cons_rss"]))]
    if len(BUILDS) == 2:
        a, b = (get("consumer", f"consumer_chat ({x.name})") for x in BUILDS)
        rows.append(("consumer_chat on the current librdkafka at least as fast as on the "
                     "system's", b.rate >= a.rate * 0.95,
                     f"{ratio(b.rate, a.rate)} (within 5% counts: runs vary more)"))
    worst = max(rss, key=lambda x: x[1])
    rows.append(("our peak RSS <= 64 MiB in every case", worst[1] <= 64 * 1024,
                 f"highest {worst[1] / 1024:.1f} MiB ({worst[0]})"))
    out = ["| target | result | measured |", "|---|---|---|"]
    out += [f"| {name} | {'PASS' if ok else 'FAIL'} | {got} |" for name, ok, got in rows]
    return "\n".join(out)


def report(started, load_before, ids_before, floor, sizes, results, startup, lat, checks):
    correct = all(ok for _, ok in checks)
    body = "\n".join([
        "## Throughput",
        "",
        f"Wall time from start to exit (for producers: every line delivered), median of "
        f"{RUNS} runs for ours and kcat (producers each on a fresh topic; "
        f"consumer_chat in a fresh group each run, kcat -C with no group), one run for the "
        f"seed scripts; the programs take turns (round by round), after an untimed "
        f"warm-up of the broker. Lines include the final `exit` line "
        f"where one is sent. CPU s is user + system time (median). Speed and CPU ratios "
        f"are against kcat in the same case (for the producer: kcat sending the same "
        f"records with the idempotent producer, as ours does); peak RSS is the highest "
        f"over the runs. Input: {LINES:,} generated lines of mixed text (Korean, ASCII, "
        f"emoji, quotes, backslashes, tabs), {sizes[0]:.0f} bytes on average; the seed's "
        f"JSON record of a line (what producer_chat and the seed send: non-ASCII text as "
        f"\\\\uXXXX escapes, plus the time) is {sizes[1]:.0f} bytes on average.",
        "",
        throughput_table(results, floor),
        "",
        "## Start-up",
        "",
        f"First line shown: from the start of a consumer to the first line of a 10-record "
        f"topic on its output (ours, the seed's and kcat -G in a fresh group, which they "
        f"join first; kcat -C with none, and the ratios are against it). First line delivered: `echo hi |` the producer, from "
        f"start to exit (the seed's gets `exit` too). Median of {STARTUP_RUNS} runs (the "
        f"seed: 3); the ratios say how many times faster than kcat and the seed.",
        "",
        startup_table(startup),
        "",
        "## Latency",
        "",
        f"One line at a time through pseudo-terminals (interactive mode), from writing the "
        f"line to the producer's terminal to its appearance on the consumer's terminal; "
        f"{WARMUP_LINES} untimed warm-up lines first.",
        "",
        latency_table(lat, floor),
        "",
        "## Targets",
        "",
        targets(results, lat),
        "",
        "## Correctness",
        "",
        *[f"- {'PASS' if ok else 'FAIL'}: {what}" for what, ok in checks],
        "",
        f"**{'PASS' if correct else 'FAIL'}**",
        "",
    ])
    header_text = header(started, load_before, floor, ids_before, binaries())
    return header_text + "\n" + body, correct


def main():
    global BUILDS
    # SIGTERM ends the run through the finally clauses: the broker is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not BUILDS[0].available():
        sys.exit(f"{BUILDS[0].producer} is missing: run `make` first")
    missing = [b for b in BUILDS if not b.available()]
    for b in missing:
        log(f"no {b.name} build ({b.producer}): measuring without it "
            f"(make LIBRDKAFKA=current builds it)")
    BUILDS = [b for b in BUILDS if b.available()]
    started = datetime.datetime.now().astimezone()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    ids_before = binaries()
    tmp = Path(tempfile.mkdtemp(prefix="kafka-chat-bench-"))
    checks = []
    ok = False
    try:
        log(f"generating {LINES:,} lines in {tmp}")
        paths = write_inputs(tmp)
        log(f"average line: {paths['lines'].stat().st_size / LINES - 1:.1f} bytes "
            f"(plus a newline)")
        floor = measure_floor()
        sizes = record_sizes(paths["lines"])
        # Clean state: a broker that forgets any earlier run.
        broker("clean")
        try:
            broker("start")
            warm_up_broker(tmp, paths)
            results = bench_producers(tmp, paths, checks)
            results += bench_consumers(tmp, paths, checks)
            startup = bench_startup(tmp)
            lat = bench_latencies(tmp)
            ok = True
        finally:
            # Always stop the broker. After a success, forget its data too;
            # after a failure keep it (server.log) for a look.
            broker("clean" if ok else "stop")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text, correct = report(started, load_before, ids_before, floor, sizes, results, startup,
                           lat, checks)
    print(text)
    RESULTS.write_text(text)
    log(f"wrote {RESULTS}")
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())

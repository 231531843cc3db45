#!/usr/bin/env python3
"""Benchmark of producer_chat and consumer_chat against kcat and the seed
scripts (tests/seed, on kafka-python), in one run on one broker that this
script starts itself (port 9592, state in .kafka/bench-9592).

Measures producer and consumer throughput, end-to-end latency through
pseudo-terminals, and the peak RSS of every program; checks that
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
PRODUCER = str(REPO / "producer_chat")
CONSUMER = str(REPO / "consumer_chat")
KAFKA_SH = str(REPO / "scripts" / "kafka.sh")
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
KAFKA_VERSION = os.environ.get("KAFKA_VERSION", "3.9.2")

LINES = 1_000_000             # throughput cases, ours and kcat
SEED_PRODUCER_LINES = 2_000   # the seed flushes after every line
SEED_CONSUMER_LINES = 200_000  # kafka-python decodes slowly
LATENCY_LINES = 1_000
SEED_LATENCY_LINES = 1_000    # the seed pair is quick enough for as many
WARMUP_LINES = 5              # sent before timing: topic made, group joined
RUNS = 3                      # median of 3 for ours and kcat; the seed once

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
    }
    files = {k: open(v, "wb") for k, v in paths.items()}
    try:
        for i in range(LINES):
            line = make_line(rng, i).encode() + b"\n"
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
    """The same 1,000,000-line file into a fresh topic per run: producer_chat
    (piped mode) and kcat -P, each 3 times; the seed producer once on its
    2,000-line slice plus 'exit' (its prompts go to /dev/null). Each run's
    topic is then checked to hold every line: exit means delivered."""
    size = paths["lines"].stat().st_size
    err = tmp / "producer.err"

    def ours():
        topic = fresh("prod-ours")
        r = run_timed([PRODUCER, "-b", BOOTSTRAP, "-t", topic], paths["lines"], None, err)
        checks.append((f"producer_chat run delivered {LINES:,} records to {topic}",
                       records_in(topic) == LINES))
        return r

    def kcat():
        topic = fresh("prod-kcat")
        r = run_timed(["kcat", "-P", "-b", BOOTSTRAP, "-t", topic], paths["lines"], None, err)
        checks.append((f"kcat -P run delivered {LINES:,} records to {topic}",
                       records_in(topic) == LINES))
        return r

    seed_lines = SEED_PRODUCER_LINES + 1  # its slice and the 'exit' line

    def seed():
        topic = fresh("prod-seed")
        script = seed_script("producerChat.py", tmp, topic)
        r = run_timed([PYTHON, script], paths["seed_prod"], None, err)
        checks.append((f"seed producer delivered {seed_lines:,} records to {topic}",
                       records_in(topic) == seed_lines))
        return r
    return measure("producer", [
        Program("producer_chat", RUNS, LINES, size, ours),
        Program("kcat -P", RUNS, LINES, size, kcat),
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
    read to its end by consumer_chat (fresh group each run; it stops at the
    exit record) and by kcat -C -e (it stops at the end of the partition),
    3 times each, output to a file. Every output is checked, then deleted
    (they are ~100 MB each). The seed consumer reads its own 200,000-line
    topic plus 'exit', also written by producer_chat."""
    topic = fresh("cons")
    log(f"writing {LINES + 1:,} lines to {topic} for the consumers")
    run_timed([PRODUCER, "-b", BOOTSTRAP, "-t", topic], paths["lines_exit"], None,
              tmp / "setup.err")
    seed_topic = fresh("cons-seed")
    run_timed([PRODUCER, "-b", BOOTSTRAP, "-t", seed_topic], paths["seed_cons"], None,
              tmp / "setup.err")
    records = LINES + 1
    out = tmp / "consumer.out"
    err = tmp / "consumer.err"

    def ours():
        r = run_timed([CONSUMER, "-b", BOOTSTRAP, "-t", topic, "-g", fresh("g-ours")],
                      None, out, err)
        ok, detail = check_consumer_output(out, paths["lines"], LINES)
        checks.append((f"consumer_chat output has every line once, in order ({detail})", ok))
        out.unlink()
        return r

    def kcat():
        # kcat -C without -G reads the partition from the beginning with no group.
        r = run_timed(["kcat", "-C", "-b", BOOTSTRAP, "-t", topic, "-e", "-q"],
                      None, out, err)
        n = count_lines(out)
        checks.append((f"kcat -C output has {records:,} lines ({n:,})", n == records))
        out.unlink()
        return r

    seed_records = SEED_CONSUMER_LINES + 1

    def seed():
        script = seed_script("consumerChat.py", tmp, seed_topic, fresh("g-seed"))
        r = run_timed([PYTHON, script], None, out, err)
        ok, detail = check_consumer_output(out, paths["seed_cons"], SEED_CONSUMER_LINES)
        checks.append((f"seed consumer output has its slice once, in order ({detail})", ok))
        out.unlink()
        return r
    return measure("consumer", [
        Program("consumer_chat", RUNS, records, None, ours),
        Program("kcat -C", RUNS, records, None, kcat),
        Program("seed consumerChat.py", 1, seed_records, None, seed,
                note=f"own topic: first {SEED_CONSUMER_LINES:,} lines + exit"),
    ])


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
    topic, group = fresh("lat-ours"), fresh("g-lat-ours")
    ours = bench_latency("producer_chat → consumer_chat",
                         [PRODUCER, "-b", BOOTSTRAP, "-t", topic],
                         [CONSUMER, "-b", BOOTSTRAP, "-t", topic, "-g", group], LATENCY_LINES)
    topic, group = fresh("lat-seed"), fresh("g-lat-seed")
    seed = bench_latency("seed producerChat.py → seed consumerChat.py",
                         [PYTHON, seed_script("producerChat.py", tmp, topic)],
                         [PYTHON, seed_script("consumerChat.py", tmp, topic, group)],
                         SEED_LATENCY_LINES)
    return [ours, seed]


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
    run_timed([PRODUCER, "-b", BOOTSTRAP, "-t", topic], paths["lines_exit"], None,
              tmp / "warm-up.err")
    run_timed([CONSUMER, "-b", BOOTSTRAP, "-t", topic, "-g", fresh("g-warm-up")], None, None,
              tmp / "warm-up.err")


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
    for path in (PRODUCER, CONSUMER):
        built = datetime.datetime.fromtimestamp(os.stat(path).st_mtime).astimezone()
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
        ids[Path(path).name] = f"built {built:%Y-%m-%d %H:%M:%S}, sha256 {digest}"
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
        f"Linux {platform.release()}",
        f"- load average (1, 5, 15 min) before: {load_before}; after: {load_after}",
        f"- peak RSS is ru_maxrss from os.wait4; it cannot show less than "
        f"{floor / 1024:.1f} MiB (what it shows for /bin/true: the forked copy of this "
        f"script's private memory counts too)",
        f"- source: git {source_state()}",
        *[f"- {name}: {ident}" for name, ident in ids_before.items()],
        *([f"- **the binaries changed during the run**: now "
           f"{'; '.join(f'{n}: {i}' for n, i in ids_after.items())}"]
          if ids_after != ids_before else []),
        f"- producer_chat -V: {first_line([PRODUCER, '-V'])}",
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


def throughput_table(results, floor):
    out = ["| case | program | lines | seconds (median) | runs (s) | lines/s | MB/s | "
           "CPU s | peak RSS MiB | vs kcat | vs seed | note |",
           "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for case in ("producer", "consumer"):
        rows = [r for r in results if r.case == case]
        kcat = next(r for r in rows if r.program.startswith("kcat"))
        seed = next(r for r in rows if r.program.startswith("seed"))
        for r in rows:
            out.append(
                f"| {case} | {r.program} | {r.lines:,} | {r.seconds:.3f} | "
                f"{', '.join(f'{t:.2f}' for t in r.times)} | {r.rate:,.0f} | "
                f"{f'{r.mbps:.1f}' if r.mbps else '—'} | {r.cpu:.2f} | {mib(r.rss_kib, floor)} | "
                f"{ratio(r.rate, kcat.rate)} | {ratio(r.rate, seed.rate)} | "
                f"{'; '.join(n for n in (r.note, spread_note(r)) if n)} |")
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
    prod, pkcat, pseed = get("producer", "producer_chat"), get("producer", "kcat"), \
        get("producer", "seed")
    cons, ckcat = get("consumer", "consumer_chat"), get("consumer", "kcat")
    ours_lat = lat[0]
    rss = {"producer throughput": prod.rss_kib, "consumer throughput": cons.rss_kib,
           "latency producer": ours_lat["prod_rss"], "latency consumer": ours_lat["cons_rss"]}
    worst = max(rss, key=rss.get)
    rows = [
        ("producer_chat >= 0.8x kcat -P", prod.rate / pkcat.rate >= 0.8,
         ratio(prod.rate, pkcat.rate)),
        ("producer_chat >= 50x seed producer", prod.rate / pseed.rate >= 50,
         f"{ratio(prod.rate, pseed.rate)} (seed on {SEED_PRODUCER_LINES:,} lines)"),
        ("consumer_chat >= 0.7x kcat -C", cons.rate / ckcat.rate >= 0.7,
         ratio(cons.rate, ckcat.rate)),
        ("our peak RSS <= 64 MiB in every case", rss[worst] <= 64 * 1024,
         f"highest {rss[worst] / 1024:.1f} MiB ({worst})"),
        ("latency p50 < 5 ms", ours_lat["p50"] < 5, f"{ours_lat['p50']:.2f} ms"),
        ("latency p99 < 25 ms", ours_lat["p99"] < 25, f"{ours_lat['p99']:.2f} ms"),
    ]
    out = ["| target | result | measured |", "|---|---|---|"]
    out += [f"| {name} | {'PASS' if ok else 'FAIL'} | {got} |" for name, ok, got in rows]
    return "\n".join(out)


def report(started, load_before, ids_before, floor, sizes, results, lat, checks):
    correct = all(ok for _, ok in checks)
    body = "\n".join([
        "## Throughput",
        "",
        f"Wall time from start to exit (for producers: every line delivered), median of "
        f"{RUNS} runs for producer_chat and kcat (producers each on a fresh topic; "
        f"consumer_chat in a fresh group each run, kcat -C with no group), one run for the "
        f"seed scripts; the programs take turns (round by round), after an untimed "
        f"warm-up of the broker. Lines include the final `exit` line "
        f"where one is sent. MB/s is input text (10^6 bytes). CPU s is user + system "
        f"time (median). Peak RSS is the highest over the runs. Input: {LINES:,} "
        f"generated lines of mixed text (Korean, ASCII, emoji, quotes, backslashes, "
        f"tabs). Not the same bytes on the wire: kcat -P sends "
        f"each line as it is ({sizes[0]:.0f} bytes on average), producer_chat and the seed "
        f"send the seed's JSON record ({sizes[1]:.0f} bytes on average: non-ASCII text as "
        f"\\uXXXX escapes, plus the time).",
        "",
        throughput_table(results, floor),
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
    # SIGTERM ends the run through the finally clauses: the broker is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    for prog in (PRODUCER, CONSUMER):
        if not os.access(prog, os.X_OK):
            sys.exit(f"{prog} is missing: run `make` first")
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
            lat = bench_latencies(tmp)
            ok = True
        finally:
            # Always stop the broker. After a success, forget its data too;
            # after a failure keep it (server.log) for a look.
            broker("clean" if ok else "stop")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text, correct = report(started, load_before, ids_before, floor, sizes, results, lat,
                           checks)
    print(text)
    RESULTS.write_text(text)
    log(f"wrote {RESULTS}")
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())

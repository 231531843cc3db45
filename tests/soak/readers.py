"""The soak's readers: consumer_chat in its group, its output in a file, and
kafka-chat in a pseudo-terminal, read as it writes. Each can be killed
(SIGKILL) or hung up (SIGHUP) and started again; every start is a run
(check.Run) whose lines are parsed as they come."""
import os
import re
import signal
import subprocess
import threading
import time

import ptyprocess

from check import Run

# A chat line of the soak, as both programs show it: [time][FRIEND] soak N,
# N in nine digits (a line cut short by a kill must not pass for another).
LINE = re.compile(rb"\]\[FRIEND\] soak (\d{9})$")
# kafka-chat's history separator and its note on lines left out.
SEPARATOR = "──── ".encode()
LEFT_OUT = re.compile(r"\(앞의 (\d+)개는 생략\)".encode())
# Terminal control sequences readline writes around the input line.
ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


class Parser:
    """Turns a run's output, fed in pieces, into the run's lines. With
    history, lines count only after kafka-chat's separator."""

    def __init__(self, run, history):
        self.run = run
        self.after_separator = not history
        self.rest = b""
        self.lines = 0
        self.last = None

    def feed(self, data, terminal):
        data = self.rest + data
        *whole, self.rest = data.split(b"\n")
        for line in whole:
            if terminal:  # what readline draws around its input line goes
                for part in ESCAPES.sub(b"", line).split(b"\r"):
                    self.line(part)
            else:
                self.line(line)

    def close(self):
        """The end of the run's output: a last line without its newline
        was shown all the same."""
        if self.rest:
            for part in ESCAPES.sub(b"", self.rest).split(b"\r"):
                self.line(part)
            self.rest = b""

    def line(self, line):
        if not self.after_separator:
            self.after_separator = SEPARATOR in line
            return
        m = LINE.search(line)
        if m:
            n = int(m.group(1))
            self.run.add(n)
            self.lines += 1
            self.last = n
            return
        m = LEFT_OUT.search(line)
        if m and not self.lines:
            self.run.skipped = int(m.group(1))


class Reader:
    """What both readers share: runs, starting again, and waiting."""

    name = "?"

    def __init__(self, out_dir, bin_dir, bootstrap, topic, log):
        self.out_dir = out_dir
        self.bin = bin_dir
        self.bootstrap = bootstrap
        self.topic = topic
        self.log = log
        self.runs = []
        self.parser = None
        self.proc = None

    def path(self, suffix):
        return os.path.join(self.out_dir, f"{self.name}-{len(self.runs) - 1:03d}{suffix}")

    def new_run(self, history):
        run = Run()
        self.runs.append(run)
        self.parser = Parser(run, history)
        return run

    def last_shown(self):
        return self.parser.last if self.parser else None

    def wait_shown(self, n, timeout):
        """Waits until the current run showed line n (or a later one)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            last = self.last_shown()
            if last is not None and last >= n:
                return True
            if not self.alive():
                return False
            time.sleep(0.2)
        return False


class ConsumerChat(Reader):
    """consumer_chat in its group, -v (its group changes on stderr)."""

    name = "consumer_chat"

    def __init__(self, *args, group, timeout):
        super().__init__(*args)
        self.group = group
        self.timeout = timeout
        self.offset = 0
        self.tail = None
        self.stop_tail = threading.Event()

    def start(self, *extra):
        run = self.new_run(history=False)
        out = self.path(".out")
        err = self.path(".err")
        with open(out, "wb") as o, open(err, "wb") as e:
            self.proc = subprocess.Popen(
                [os.path.join(self.bin, "consumer_chat"), "-b", self.bootstrap, "-t", self.topic,
                 "-g", self.group, "--timeout", str(self.timeout), "-v", *extra],
                stdout=o, stderr=e, stdin=subprocess.DEVNULL,
                env=dict(os.environ, TZ="UTC"))
        self.offset = 0
        self.stop_tail = threading.Event()
        self.tail = threading.Thread(target=self._follow,
                                     args=(out, self.proc, self.stop_tail, self.parser),
                                     daemon=True)
        self.tail.start()
        return run

    @staticmethod
    def _follow(path, proc, stop, parser):
        """Parses the output file as it grows, to its end once the program
        is gone."""
        with open(path, "rb") as f:
            while True:
                gone = proc.poll() is not None or stop.is_set()
                data = f.read(1 << 20)
                if data:
                    parser.feed(data, terminal=False)
                    continue
                if gone:
                    parser.close()
                    return
                time.sleep(0.1)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def end(self, how, sig, wait):
        """Ends the current run with sig; returns its exit status, or None
        if it did not end within wait seconds (then it is killed)."""
        run = self.runs[-1]
        run.end = how
        self.proc.send_signal(sig)
        try:
            status = self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            status = None
        self.tail.join()
        run.status = status
        return status

    def finish(self, wait):
        """Waits for the run to end by itself (the exit record)."""
        run = self.runs[-1]
        try:
            run.status = self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None
        run.end = "clean"
        self.tail.join()
        return run.status


class KafkaChat(Reader):
    """kafka-chat in a pseudo-terminal, everything it writes kept in a file
    and parsed (only the lines after its history separator count)."""

    name = "kafka-chat"

    def __init__(self, *args, chat_name, timeout):
        super().__init__(*args)
        self.chat_name = chat_name
        self.timeout = timeout
        self.reading = None
        self.separator = threading.Event()

    def start(self):
        run = self.new_run(history=True)
        env = dict(os.environ, TERM="xterm", LANG="C.UTF-8", TZ="UTC")
        self.separator = threading.Event()
        self.proc = ptyprocess.PtyProcess.spawn(
            [os.path.join(self.bin, "kafka-chat"), "-b", self.bootstrap, "-t", self.topic,
             "--name", self.chat_name, "--timeout", str(self.timeout)],
            env=env, dimensions=(50, 250))
        self.reading = threading.Thread(
            target=self._read, args=(self.proc, self.path(".tty"), self.parser, self.separator),
            daemon=True)
        self.reading.start()
        return run

    @staticmethod
    def _read(proc, path, parser, separator):
        with open(path, "wb") as raw:
            while True:
                try:
                    data = os.read(proc.fd, 1 << 16)
                except OSError:  # EIO: the terminal's other side is gone
                    break
                if not data:
                    break
                raw.write(data)
                parser.feed(data, terminal=True)
                if parser.after_separator:
                    separator.set()
        parser.close()

    def alive(self):
        return self.proc is not None and self.proc.isalive()

    def _status(self, wait):
        end = time.monotonic() + wait
        while self.proc.isalive() and time.monotonic() < end:
            time.sleep(0.1)
        if self.proc.isalive():
            self.proc.kill(signal.SIGKILL)
            time.sleep(0.5)
            status = None
        else:
            status = self.proc.exitstatus
        self.reading.join(timeout=30)
        self.proc.close(force=True)
        return status

    def end(self, how, sig, wait):
        run = self.runs[-1]
        run.end = how
        self.proc.kill(sig)
        run.status = self._status(wait)
        if how == "kill" and run.status is None:
            run.status = -signal.SIGKILL
        return run.status

    def quit(self, wait):
        """Leaves the way a user does: /quit."""
        run = self.runs[-1]
        run.end = "clean"
        self.proc.write(b"/quit\r")
        run.status = self._status(wait)
        return run.status

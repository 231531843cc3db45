"""Many kafka-chat processes in one room, each on a pseudo-terminal of its
own, read by one select() loop: what the crowd test (test_crowd.py) and the
crowd benchmark (bench/crowd.py) share.

Each chat's output is kept as text lines (escape sequences taken out,
carriage returns as line ends), with the moment each line was read, and
what it says of the room is followed: the names shown on entering (who was
here), then who came and who went."""
import errno
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]")
NAMES = re.compile(r"^-!- (?P<room>\S+) 방에 지금 (?P<count>\d+)명: (?P<names>.*)$")
CAME = re.compile(r"^-!- (?P<name>\S+) 님이 들어왔습니다\.$")
WENT = re.compile(r"^-!- (?P<name>\S+) 님이 나갔습니다\.$")

ROWS, COLS = 50, 250


class Chat:
    """One kafka-chat on a pseudo-terminal."""

    def __init__(self, binary, bootstrap, topic, name, extra, env):
        self.name = name
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [binary, "-b", bootstrap, "-t", topic, "--name", name, *extra],
            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.pending = ""
        self.lines = []          # (when read, text)
        self.first = None        # the names shown on entering, a set
        self.events = []         # (when, "came"/"went", name)
        self.eof = False

    def feed(self, data, now):
        text = ESCAPES.sub("", self.pending + data.decode(errors="replace"))
        parts = re.split(r"[\r\n]+", text)
        self.pending = parts.pop()
        for line in parts:
            if not line:
                continue
            self.lines.append((now, line))
            m = NAMES.match(line)
            if m and self.first is None:
                names = m.group("names")
                self.first = set(names.split(", ")) if names != "(없음)" else set()
            m = CAME.match(line)
            if m:
                self.events.append((now, "came", m.group("name")))
            m = WENT.match(line)
            if m:
                self.events.append((now, "went", m.group("name")))

    def known(self):
        """Who this chat says is here: the first names, then comings and
        goings (None before the first names)."""
        if self.first is None:
            return None
        here = set(self.first)
        for _, kind, name in self.events:
            (here.add if kind == "came" else here.discard)(name)
        return here

    def first_line(self, needle, since=0.0):
        """When a line containing needle was read (after since), or None."""
        for when, line in self.lines:
            if when >= since and needle in line:
                return when
        return None

    def type(self, keys):
        os.write(self.master, keys.encode())

    def cpu_ns(self):
        """CPU time of all its threads so far, in ns."""
        total = 0
        try:
            for task in os.listdir(f"/proc/{self.proc.pid}/task"):
                with open(f"/proc/{self.proc.pid}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
        return total


class Crowd:
    """Chats in one room, and the loop that reads them all."""

    def __init__(self, binary, bootstrap, topic, extra=(), env=None):
        self.binary, self.bootstrap, self.topic, self.extra = binary, bootstrap, topic, list(extra)
        self.env = dict(env or os.environ, TERM="xterm", LANG="C.UTF-8")
        self.chats = {}

    def start(self, name):
        chat = Chat(self.binary, self.bootstrap, self.topic, name, self.extra, self.env)
        self.chats[name] = chat
        return chat

    def pump(self, timeout):
        """Reads whatever the chats wrote within timeout seconds."""
        open_ = {c.master: c for c in self.chats.values() if not c.eof}
        if not open_:
            time.sleep(timeout)
            return
        ready, _, _ = select.select(list(open_), [], [], timeout)
        now = time.monotonic()
        for fd in ready:
            try:
                data = os.read(fd, 1 << 16)
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                data = b""
            if data:
                open_[fd].feed(data, now)
            else:
                open_[fd].eof = True

    def wait(self, predicate, timeout, what):
        """Reads until predicate() holds; returns the moment it did."""
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            self.pump(0.05)
        return time.monotonic()

    def wait_entered(self, chat, timeout=60):
        """Until chat shows who is here (its first list)."""
        return self.wait(lambda: chat.first is not None, timeout, f"{chat.name} to enter")

    def complete(self, names=None):
        """Whether every chat (or those named) knows exactly who is here."""
        everyone = set(self.live())
        return all(self.chats[n].known() == everyone for n in (names or everyone))

    def live(self):
        return [n for n, c in self.chats.items() if c.proc.poll() is None and not c.eof]

    def leave(self, name, keys="/quit\r"):
        self.chats[name].type(keys)

    def kill(self, name, sig=signal.SIGKILL):
        self.chats[name].proc.send_signal(sig)

    def close(self, timeout=60):
        """Ends every chat (/quit, then SIGKILL for one that stays)."""
        for c in self.chats.values():
            if c.proc.poll() is None:
                try:
                    c.type("/quit\r")
                except OSError:
                    pass
        end = time.monotonic() + timeout
        while any(c.proc.poll() is None for c in self.chats.values()) and \
                time.monotonic() < end:
            self.pump(0.1)
        for c in self.chats.values():
            if c.proc.poll() is None:
                c.proc.kill()
            c.proc.wait()
            os.close(c.master)

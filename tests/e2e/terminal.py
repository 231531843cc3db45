"""The one-window chat in a pseudo-terminal, and the screen a user would
see there (rendered by pyte, a VT100 emulator)."""
import re
import time

import pexpect
import pyte

from conftest import binary, env, spawn_pty

ROWS, COLS = 30, 110


class Terminal:
    """A chat in a pseudo-terminal, and what its screen shows."""

    def __init__(self, bootstrap, topic, name, *args, environ=None):
        self.topic = topic
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = b""  # everything it wrote, for lines longer than the screen
        e = env()
        e.update(TERM="xterm", LANG="C.UTF-8", **(environ or {}))
        self.child = spawn_pty(binary("kafka-chat"), ["-b", bootstrap, "-t", topic, "--name", name,
                                                *args], env=e, dimensions=(ROWS, COLS))

    def pump(self, seconds=0.2):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                data = self.child.read_nonblocking(65536, timeout=0.05)
                self.raw += data
                self.stream.feed(data)
            except pexpect.TIMEOUT:
                pass
            except pexpect.EOF:
                return

    def lines(self):
        return [l.rstrip() for l in self.screen.display if l.strip()]

    def wait_for(self, text, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump(0.1)
            if any(text in l for l in self.lines()):
                return
        raise AssertionError(f"{text!r} not on screen:\n" + "\n".join(self.lines()))

    def written_lines(self, start):
        """The lines it wrote that start with start, whole (however long),
        as the bytes came."""
        text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", self.raw.decode(errors="replace"))
        return [l for l in text.replace("\r", "\n").split("\n") if l.startswith(start)]

    def wait_for_written(self, start, timeout=20):
        """Waits for a line that starts with start (however long: the
        screen may have scrolled past its beginning); returns it."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump(0.1)
            found = self.written_lines(start)
            if found:
                return found[-1]
        raise AssertionError(f"no line starting with {start!r}")

    def prompt(self):
        return f"[{self.topic}] YOU: "

    def type(self, keys):
        self.child.send(keys)
        self.pump(0.2)

    def input_line(self):
        """The line the cursor is on, and the cursor's column."""
        return self.screen.display[self.screen.cursor.y].rstrip(), self.screen.cursor.x

    def hang_up(self, timeout=30):
        """Closes the terminal, as closing its window does: the program
        gets SIGHUP and its terminal is gone. Returns its exit status."""
        self.child.ptyproc.fileobj.close()
        end = time.monotonic() + timeout
        while self.child.ptyproc.isalive():
            assert time.monotonic() < end, "still running after its terminal closed"
            time.sleep(0.05)
        return self.child.ptyproc.exitstatus

    def leave(self, keys="/quit\r", timeout=30):
        """Types keys that end the chat; returns its exit status once it
        has ended, with what it wrote until then on the screen."""
        self.child.send(keys)
        end = time.monotonic() + timeout
        while self.child.isalive() or not self.child.eof():
            assert time.monotonic() < end, "the chat did not end"
            self.pump(0.1)
        self.child.close()
        return self.child.exitstatus


def ready(term):
    term.wait_for("YOU:")
    return term

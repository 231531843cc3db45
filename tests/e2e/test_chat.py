"""kafka-chat (issue 9): one terminal to send and receive, checked on the screen
a user would see (pseudo-terminals rendered by pyte, a VT100 emulator),
with two chat sessions and producer_chat talking on the real broker."""
import json
import os
import subprocess
import time

import pexpect
import pytest

from conftest import KAFKA_SH, REPO, binary, consume, create_topic, env, kcat_values, produce
from terminal import Terminal, ready


def test_two_chats_and_producers_talk(bootstrap, topic):
    alice = ready(Terminal(bootstrap, topic, "alice"))
    bob = ready(Terminal(bootstrap, topic, "bob"))

    alice.type("안녕 bob\r")
    alice.wait_for("[alice] 안녕 bob ✓")
    bob.wait_for("[alice] 안녕 bob")
    bob.type("hi alice\r")
    alice.wait_for("[bob] hi alice")

    produce(bootstrap, topic, ["from a pipe"])                  # no name: the seed's FRIEND
    produce(bootstrap, topic, ["carol here"], "--name", "carol")
    for term in (alice, bob):
        term.wait_for("[FRIEND] from a pipe")
        term.wait_for("[carol] carol here")

    # Our own lines: once, with the mark; never echoed back unmarked.
    assert [l for l in alice.lines() if "] 안녕 bob" in l][0].endswith("[alice] 안녕 bob ✓")
    assert sum("[alice] 안녕 bob" in l for l in alice.lines()) == 1
    # On the wire: the seed's record plus the sender, as json.dumps writes it.
    value = kcat_values(bootstrap, topic)[0]
    data = json.loads(value)
    assert value == json.dumps({"message": "안녕 bob", "time": data["time"], "sender": "alice"})
    assert alice.leave() == 0 and bob.leave("\x04") == 0  # /quit and Ctrl-D


def test_a_line_arriving_while_typing_leaves_the_typed_text_intact(bootstrap, topic):
    alice = ready(Terminal(bootstrap, topic, "alice"))
    bob = ready(Terminal(bootstrap, topic, "bob"))
    bob.type("half typ")
    bob.type("\x1b[D\x1b[D")  # cursor two to the left: "half t|yp"
    for i in range(3):
        alice.type(f"interruption {i}\r")
        bob.wait_for(f"[alice] interruption {i}")
    line, column = bob.input_line()
    assert line == bob.prompt() + "half typ"
    assert column == len(bob.prompt() + "half t")  # the cursor stayed where it was
    assert bob.lines()[-1] == bob.prompt() + "half typ"
    # The incoming lines are above it, in order.
    shown = [l for l in bob.lines() if "[alice] interruption" in l]
    assert [l.split("] ", 1)[1] for l in shown] == [f"interruption {i}" for i in range(3)]

    bob.type("\x1b[C\x1b[Ced!\r")  # back to the end, finish the line
    alice.wait_for("[bob] half typed!")
    # History: Up brings the line back.
    bob.type("\x1b[A")
    assert bob.input_line()[0] == bob.prompt() + "half typed!"
    bob.type("\x15")  # Ctrl-U: clear it again
    assert alice.leave() == 0 and bob.leave() == 0


def test_exit_from_someone_else_is_their_departure(bootstrap, topic):
    alice = ready(Terminal(bootstrap, topic, "alice"))
    produce(bootstrap, topic, ["bye all", "exit"], "--name", "carol")
    alice.wait_for("carol 님이 나갔습니다.")
    produce(bootstrap, topic, ["EXIT"])  # a seed producer leaving
    alice.wait_for("FRIEND 님이 나갔습니다.")
    alice.type("still here\r")
    alice.wait_for("[alice] still here ✓")
    assert alice.child.isalive()
    assert alice.leave() == 0


def test_typing_exit_says_goodbye_then_leaves(bootstrap, topic, group):
    alice = ready(Terminal(bootstrap, topic, "alice"))
    bob = ready(Terminal(bootstrap, topic, "bob"))
    alice.child.send("exit\r")
    alice.child.expect(pexpect.EOF, timeout=30)
    alice.child.close()
    assert alice.child.exitstatus == 0
    bob.wait_for("alice 님이 나갔습니다.")
    # The seed's consumer ends on it, as on the seed producer's exit.
    c = subprocess.run([binary("consumer_chat"), "-b", bootstrap, "-t", topic, "-g", group],
                       capture_output=True, timeout=60, env=env(), stdin=subprocess.DEVNULL)
    assert c.stdout.decode().endswith("수신 프로그램을 종료합니다.\n")
    assert bob.leave() == 0


def test_history_and_what_is_new_since_the_last_visit(bootstrap, topic):
    alice = ready(Terminal(bootstrap, topic, "alice", "--history", "3"))
    for i in range(5):
        alice.type(f"old {i}\r")
        alice.wait_for(f"[alice] old {i} ✓")
    assert alice.leave() == 0

    produce(bootstrap, topic, ["while you were away", "and more"], "--name", "bob")
    alice = ready(Terminal(bootstrap, topic, "alice", "--history", "3"))
    lines = alice.lines()
    at = lines.index("──── 지난 방문 이후 새 메시지 2개 ────")
    assert [l.split("] ", 1)[1] for l in lines[at - 3:at]] == ["old 2", "old 3", "old 4"]
    assert [l.split("] ", 1)[1] for l in lines[at + 1:at + 3]] == \
        ["while you were away", "and more"]
    assert "old 1" not in "\n".join(lines)
    assert alice.leave() == 0

    # Nothing new: the separator says so, right above the prompt.
    alice = ready(Terminal(bootstrap, topic, "alice", "--history", "3"))
    assert alice.lines()[-2] == "──── 지난 방문 이후 새 메시지 0개 ────"
    assert alice.leave("\x03") == 0  # Ctrl-C leaves cleanly too


def test_hostile_names_and_messages_cannot_drive_the_terminal(bootstrap, topic):
    alice = ready(Terminal(bootstrap, topic, "alice"))
    produce(bootstrap, topic, [b"\x1b[2J\x1b[Hgotcha".decode()], "--name", "\x1b[31mred")
    alice.wait_for("gotcha")
    line = [l for l in alice.lines() if "gotcha" in l][0]
    assert line.endswith("[\\x1b[31mred] \\x1b[2J\\x1b[Hgotcha")
    assert "채팅 프로그램 - alice" in alice.lines()[0]  # the screen was not cleared
    assert alice.leave() == 0


def test_chat_needs_a_terminal():
    p = subprocess.run([binary("kafka-chat")], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 2
    assert "needs a terminal" in p.stderr


# ---- a line that cannot be delivered ------------------------------------------

FAIL_PORT = int(os.environ.get("KAFKA_CHAT_CHAT_PORT", "9892"))
FAIL_DIR = REPO / ".kafka" / f"chat-{FAIL_PORT}"


@pytest.fixture
def own_broker(topic):
    args = ["--port", str(FAIL_PORT), "--dir", str(FAIL_DIR)]
    subprocess.run([KAFKA_SH, "clean", *args], capture_output=True, timeout=120)
    subprocess.run([KAFKA_SH, "start", *args], check=True, capture_output=True, timeout=180)
    # A new broker makes the topic, and its offsets topic for the first
    # group, when first asked: seconds on a busy machine, more than the
    # chat's --timeout below, which is about the undelivered line. Both made
    # first (consumer_chat -e waits for the group's coordinator).
    bootstrap = f"127.0.0.1:{FAIL_PORT}"
    create_topic(bootstrap, topic, 1)
    consume(bootstrap, topic, "warm-up", "-e")
    yield args
    subprocess.run([KAFKA_SH, "clean", *args], check=True, capture_output=True, timeout=120)


def test_undelivered_line_gets_a_failure_mark(own_broker, topic):
    alice = ready(Terminal(f"127.0.0.1:{FAIL_PORT}", topic, "alice", "--timeout", "2"))
    alice.type("before\r")
    alice.wait_for("[alice] before ✓")
    subprocess.run([KAFKA_SH, "stop", *own_broker], check=True, capture_output=True,
                   timeout=120)
    alice.type("into the void\r")
    alice.wait_for("[alice] into the void ✗", timeout=30)
    alice.wait_for("(Local: Message timed out)")
    # Still usable, and it says so on leaving: status 1.
    assert alice.child.isalive()
    assert alice.leave() == 1


def test_group_option_keeps_the_place_under_that_name(bootstrap, topic, group):
    alice = ready(Terminal(bootstrap, topic, "alice", "-g", group))
    alice.type("hello\r")
    alice.wait_for("[alice] hello ✓")
    assert alice.leave() == 0
    # Same group: a return visit. Another group: a first visit.
    again = ready(Terminal(bootstrap, topic, "alice", "-g", group))
    assert "──── 지난 방문 이후 새 메시지 0개 ────" in again.lines()
    assert again.leave() == 0
    other = ready(Terminal(bootstrap, topic, "alice", "-g", group + "-other"))
    assert "──── 여기부터 새 메시지 ────" in other.lines()
    assert other.leave() == 0

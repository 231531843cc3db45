"""kafka-chat (issue 9): one terminal to send and receive, checked on the screen
a user would see (pseudo-terminals rendered by pyte, a VT100 emulator),
with two chat sessions and producer_chat talking on the real broker."""
import json
import os
import subprocess
import time

import pexpect
import pytest

from conftest import (KAFKA_SH, REPO, binary, consume, create_topic, env, kcat_values, produce,
                      records_with_headers)
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
    # On the wire: the seed's record plus the sender, as json.dumps writes it,
    # and a header with the window's random id (no name in it), by which a
    # chat knows its own records; producer_chat's records have no header.
    value = kcat_values(bootstrap, topic)[0]
    data = json.loads(value)
    assert value == json.dumps({"message": "안녕 bob", "time": data["time"], "sender": "alice"})
    records = records_with_headers(bootstrap, topic, 4)
    (alices, a_headers), (bobs, b_headers) = records[0], records[1]
    assert [n for n, _ in a_headers] == ["kafka-chat-id"] and len(a_headers[0][1]) == 16
    assert [n for n, _ in b_headers] == ["kafka-chat-id"] and b_headers[0][1] != a_headers[0][1]
    assert b"alice" not in a_headers[0][1]
    assert records[2][1] == [] and records[3][1] == []
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


# ---- one voice while you type, and an end that Ctrl-C can hurry (issue 21) ----------

def test_an_error_while_joining_is_a_notice_above_the_input_line(bootstrap, topic):
    # No topic is created for us: /join of a room that is not there fails.
    room = f"r-{topic[-8:]}"  # short, so that its notices fit on a line
    create_topic(bootstrap, room, 1)
    alice = ready(Terminal(bootstrap, room, "alice", "--timeout", "2",
                           "-X", "allow.auto.create.topics=false"))
    missing = f"{room}-missing"
    alice.type(f"/join {missing}\r")
    alice.wait_for(f"-!- {missing} 방에 들어갈 수 없습니다; {room} 방에 그대로 있습니다.")
    alice.type("half")
    lines = alice.lines()
    errors = [l for l in lines if f"'{missing}' is not available" in l]
    assert len(errors) == 1 and errors[0].startswith("-!- error: topic "), lines
    # Nothing was written raw over the screen, and the input line is whole.
    assert not [l for l in alice.written_lines("kafka-chat:")], alice.written_lines("kafka-chat:")
    assert alice.input_line()[0] == alice.prompt() + "half"
    assert alice.leave("\x15/quit\r") == 0


def cursor_left_the_prompt(term):
    """Whether the chat has given its input line up (it is stopping)."""
    term.pump(0.1)
    line, column = term.input_line()
    return column == 0 and not line.startswith(term.prompt())


def wait_until(predicate, timeout=30):
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"


def chat_ended_within(term, seconds):
    """Waits for the chat to end; returns its exit status and how long it took."""
    start = time.monotonic()
    while term.child.isalive():
        assert time.monotonic() - start < seconds + 30, "the chat did not end"
        term.pump(0.05)
    took = time.monotonic() - start
    term.child.close()
    return term.child.exitstatus, took


def chat_then_broker_gone(own_broker, topic, timeout):
    """A chat that showed a line (so it has a place to commit), then its
    broker stops."""
    alice = ready(Terminal(f"127.0.0.1:{FAIL_PORT}", topic, "alice", "--timeout", str(timeout)))
    alice.type("shown\r")
    alice.wait_for("[alice] shown ✓")
    subprocess.run([KAFKA_SH, "stop", *own_broker], check=True, capture_output=True,
                   timeout=120)
    return alice


def test_ctrl_c_with_the_broker_gone_ends_within_the_timeout(own_broker, topic):
    alice = chat_then_broker_gone(own_broker, topic, 5)
    alice.child.send("\x03")
    status, took = chat_ended_within(alice, 5)
    assert took < 5 + 2, f"Ctrl-C took {took:.1f} s with --timeout 5"
    assert status == 0
    # It tried, and says it could not keep the place.
    assert [l for l in alice.written_lines("kafka-chat: warning: cannot keep your place")]


def test_a_second_ctrl_c_gives_up_at_once(own_broker, topic):
    alice = chat_then_broker_gone(own_broker, topic, 60)
    alice.child.send("\x03")
    wait_until(lambda: cursor_left_the_prompt(alice))  # it is trying to commit
    alice.child.send("\x03")
    # At once: what is left is librdkafka's own end, where a producer's
    # broker thread may sit out a poll() of up to a second when its broker
    # is gone (librdkafka issue 1690), as Debian 13's 2.8.0 did here.
    status, took = chat_ended_within(alice, 2)
    assert took < 2, f"the second Ctrl-C took {took:.1f} s"
    assert status == 0


def test_a_broken_output_ends_the_chat_with_status_1(bootstrap, topic):
    """Standard output on a terminal that goes away while standard input
    (the controlling terminal) stays: no SIGHUP, every write fails."""
    master, slave = os.openpty()
    e = env()
    e.update(TERM="xterm", LANG="C.UTF-8")
    out_path = os.ttyname(slave)
    chat = pexpect.spawn("/bin/sh", ["-c", f'exec "$0" "$@" >{out_path}', binary("kafka-chat"),
                                     "-b", bootstrap, "-t", topic, "--name", "alice"],
                         env=e, dimensions=(30, 110))
    seen = b""
    end = time.monotonic() + 60
    while b"YOU: " not in seen:
        assert time.monotonic() < end, seen
        seen += os.read(master, 65536)
    os.close(slave)
    os.close(master)  # the output terminal is gone: every write fails
    produce(bootstrap, topic, ["something to show"], "--name", "bob")
    chat.expect(pexpect.EOF, timeout=60)
    chat.close()
    assert chat.exitstatus == 1
    errors = [l for l in chat.before.decode().splitlines() if l.strip()]
    assert errors == ["kafka-chat: error: writing output: Input/output error"], errors

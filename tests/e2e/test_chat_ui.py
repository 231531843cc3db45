"""kafka-chat as people expect a terminal chat (issue 23): names in colours
that stay theirs, no escape code where none belongs, mentions that stand
out and ring once, Tab, your own line shown once on any width, a line
when the day changes, and /last. Through pseudo-terminals rendered by
pyte, whose cells keep their colours and attributes, on the real broker."""
import json
import re
import subprocess
import time
import uuid
from datetime import datetime, timedelta, timezone

import pexpect
import pytest
from pyte.graphics import FG_BG_256

from conftest import (binary, committed, consume, create_topic, env, expected_consumer_output,
                      kcat_values, produce, raw_produce, spawn_pty, unique)
from terminal import Terminal, entered, ready

# What common/color.c promises: a name's colour is FNV-1a of its bytes
# into this palette (xterm's 256, and the basic 8 they fall back to).
PALETTE = [160, 166, 100, 28, 29, 30, 32, 27, 98, 129, 163, 161]
BASIC = ["red", "brown", "brown", "green", "green", "cyan", "cyan", "blue", "blue", "magenta",
         "magenta", "red"]  # pyte calls SGR 33 "brown"
GREY, GREEN = FG_BG_256[244], FG_BG_256[28]

# An escape sequence that sets colours or attributes.
SGR = re.compile(rb"\x1b\[[0-9;]*m")

KST = timezone(timedelta(hours=9))  # conftest.env(): TZ=Asia/Seoul


def fnv1a(name):
    h = 2166136261
    for b in name.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def colour_256(name):
    return FG_BG_256[PALETTE[fnv1a(name) % len(PALETTE)]]


def colour_8(name):
    return BASIC[fnv1a(name) % len(BASIC)]


def record(message, when, sender="bob"):
    """A chat record of a local time in Seoul, "2026-12-03 00:00:30"."""
    t = datetime.fromisoformat(when).replace(tzinfo=KST).timestamp()
    return json.dumps({"message": message, "time": t, "sender": sender}).encode()


def room_of(topic):
    """A short room name, so that the prompt's width is known."""
    return f"w-{topic[-8:]}"


# ---- colours ------------------------------------------------------------------------

def test_each_name_has_its_colour_in_every_window_and_every_run(bootstrap, topic):
    produce(bootstrap, topic, ["bob here"], "--name", "bob")
    produce(bootstrap, topic, ["carol here"], "--name", "carol")
    produce(bootstrap, topic, ["a seed line"])  # no sender: the seed's FRIEND
    assert colour_256("bob") != colour_256("carol")

    def look(term):
        term.wait_for("a seed line")
        return {name: {c.fg for c in term.cells(f"[{name}]")[1:-1]}
                for name in ("bob", "carol", "FRIEND")}

    alice = ready(Terminal(bootstrap, topic, "alice", term="xterm-256color"))
    first = look(alice)
    assert first["bob"] == {colour_256("bob")} and first["carol"] == {colour_256("carol")}
    # FRIEND is nobody's colour: underlined, in the terminal's own.
    assert first["FRIEND"] == {"default"}
    assert all(c.underscore for c in alice.cells("[FRIEND]")[1:-1])
    # The brackets, the time and the message are the terminal's colour.
    assert {c.fg for c in alice.cells("bob here")} == {"default"}
    # Notices in grey; your own line: your name in bold, in its colour, ✓ green.
    alice.type("mine\r")
    alice.wait_for("[alice] mine ✓")
    name = alice.cells("[alice]")[1:-1]
    assert all(c.bold and c.fg == colour_256("alice") for c in name)
    assert alice.cells("✓")[0].fg == GREEN
    assert {c.fg for c in alice.cells("──── 여기부터 새 메시지 ────")} == {GREY}

    # Another window, another terminal (8 colours): the same colour, as
    # near as it has.
    dave = ready(Terminal(bootstrap, topic, "dave", term="xterm"))
    assert look(dave) == {"bob": {colour_8("bob")}, "carol": {colour_8("carol")},
                          "FRIEND": {"default"}}
    alice.wait_for("-!- dave 님이 들어왔습니다.")
    assert {c.fg for c in alice.cells("-!- dave")} == {GREY}
    # No grey reads on both backgrounds among 8 colours: there, bold.
    assert all(c.bold and c.fg == "default" for c in dave.cells("──── 여기부터 새 메시지 ────"))
    assert dave.leave() == 0
    assert alice.leave() == 0

    # Another run: the same colours.
    again = ready(Terminal(bootstrap, topic, "alice", "--history", "5", term="xterm-256color"))
    assert look(again) == first
    assert again.leave() == 0


def consumer_in_a_terminal(bootstrap, topic, group, *args, environ=None):
    """What consumer_chat writes to a terminal, to its end (-e)."""
    e = env()
    e.update(TERM="xterm-256color", LANG="C.UTF-8")
    e.pop("NO_COLOR", None)
    e.update(environ or {})
    child = spawn_pty(binary("consumer_chat"), ["-b", bootstrap, "-t", topic, "-g", group, "-e",
                                                "-o", "beginning", *args],
                      env=e, dimensions=(30, 200))
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    assert child.exitstatus == 0, child.before
    return child.before


def test_no_escape_code_where_none_belongs(bootstrap, topic, group):
    produce(bootstrap, topic, ["hi", "안녕"], "--name", "bob")
    produce(bootstrap, topic, ["from the seed", "exit"])

    # consumer_chat's default, into a pipe and on a terminal: the seed's
    # bytes, not one escape sequence.
    piped = consume(bootstrap, topic, group)
    assert b"\x1b" not in piped.stdout
    assert piped.stdout.decode() == expected_consumer_output(kcat_values(bootstrap, topic))
    on_tty = consumer_in_a_terminal(bootstrap, topic, group + "-tty")
    assert b"[bob] hi" in on_tty and not SGR.search(on_tty)
    assert not SGR.search(consumer_in_a_terminal(bootstrap, topic, group + "-never",
                                                 "--color=never"))
    # Asked for: colours on a terminal, not into a pipe, not with NO_COLOR...
    coloured = consumer_in_a_terminal(bootstrap, topic, group + "-auto", "--color=auto")
    assert f"\x1b[38;5;{PALETTE[fnv1a('bob') % 12]}mbob\x1b[m".encode() in coloured
    assert b"\x1b[4mFRIEND\x1b[m" in coloured
    assert not SGR.search(consume(bootstrap, topic, group + "-auto-pipe", "--color=auto").stdout)
    assert not SGR.search(consumer_in_a_terminal(bootstrap, topic, group + "-no-color",
                                                 "--color=auto", environ={"NO_COLOR": "1"}))
    # ... unless the command line says always, which wins over NO_COLOR.
    p = subprocess.run([binary("consumer_chat"), "-b", bootstrap, "-t", topic, "-g",
                        group + "-always", "--color=always"], capture_output=True, timeout=60,
                       env=dict(env(), NO_COLOR="1", TERM="xterm"), stdin=subprocess.DEVNULL)
    assert p.returncode == 0 and f"\x1b[{34}mbob".encode() in p.stdout, p.stdout

    # kafka-chat: colours unless NO_COLOR, --color=never or a TERM without
    # them; --color=always wins over NO_COLOR.
    for i, (args, environ, term, coloured) in enumerate([
            ((), {"NO_COLOR": "1"}, "xterm-256color", False),
            (("--color=never",), {}, "xterm-256color", False),
            ((), {}, "vt100", False),
            (("--color=always",), {"NO_COLOR": "1"}, "xterm", True)]):
        alice = ready(Terminal(bootstrap, topic, "alice", "-g", f"{group}-chat-{i}", *args,
                               term=term, environ=environ))
        alice.wait_for("[bob] 안녕")
        alice.type("plain?\r")
        alice.wait_for("[alice] plain? ✓")
        assert bool(SGR.search(alice.raw)) == coloured, (args, environ, term)
        assert ({c.fg for c in alice.cells("[bob]")[1:-1]} == {"default"}) != coloured
        assert alice.leave() == 0


# ---- mentions and the bell -----------------------------------------------------------

def test_mentions_stand_out_and_a_burst_rings_once(bootstrap, topic):
    produce(bootstrap, topic, ["alice, 어제 얘기", "ALICE?"], "--name", "bob")
    alice = ready(Terminal(bootstrap, topic, "alice", "--highlight", "배포",
                           term="xterm-256color"))
    alice.wait_for("ALICE?")
    # History: highlighted, never rung.
    assert all(c.bold and c.reverse for c in alice.cells("ALICE"))
    assert all(c.bold and not c.reverse for c in alice.cells("ALICE?")[-1:])
    assert alice.screen.bells == 0

    quiet = ready(Terminal(bootstrap, topic, "alice", "--no-bell", term="xterm-256color"))
    # A burst of mentions (your name in any case, as a whole word, with a
    # Korean particle, a --highlight word), and lines that are none.
    produce(bootstrap, topic, ["alice 1", "Alice 2", "alice야 3", "배포는 4시", "malice 5",
                               "alices 6"], "--name", "bob")
    for term in (alice, quiet):
        term.wait_for("alices 6")
    assert alice.screen.bells == 1
    assert all(c.reverse for c in alice.cells("배포"))
    assert all(c.reverse for c in alice.cells("alice야")[:5])
    assert not any(c.reverse or c.bold for c in alice.cells("malice 5"))
    assert not any(c.reverse for c in alice.cells("alices 6"))
    # --no-bell: highlighted all the same, silent.
    assert all(c.reverse for c in quiet.cells("Alice 2")[:5])
    assert quiet.screen.bells == 0

    # Two seconds after the last bell, a mention rings again. (A time to
    # let pass, not a condition to wait for.)
    time.sleep(2.2)
    produce(bootstrap, topic, ["alice 7"], "--name", "bob")
    alice.wait_for("alice 7")
    alice.pump(0.3)
    assert alice.screen.bells == 2
    # Your own line with your name: no bell, no highlight.
    time.sleep(2.2)
    alice.type("alice 여기\r")
    alice.wait_for("[alice] alice 여기 ✓")
    alice.pump(0.3)
    assert alice.screen.bells == 2
    assert not any(c.reverse for c in alice.cells("alice 여기"))
    assert quiet.screen.bells == 0
    for term in (alice, quiet):
        assert term.leave() == 0


# ---- Tab -----------------------------------------------------------------------------

def test_tab_completes_names_commands_and_rooms_never_files(bootstrap, request, tmp_path):
    prefix = unique("tab", request) + "."
    produce(bootstrap, prefix + "lobby", ["hello"], "--name", "carol")
    produce(bootstrap, prefix + "kitchen", ["cooking"], "--name", "cook")
    (tmp_path / "zz-notes.txt").write_text("a file Tab must not offer\n")
    alice = ready(Terminal(bootstrap, "lobby", "alice", "--room-prefix", prefix, cwd=tmp_path))
    bob = ready(Terminal(bootstrap, "lobby", "bob", "--room-prefix", prefix))
    alice.wait_for("-!- bob 님이 들어왔습니다.")
    prompt = "[lobby] YOU: "

    def completes(keys, expected):
        alice.type(keys + "\t")
        end = time.monotonic() + 10
        while alice.input_line() != ((prompt + expected).rstrip(), len(prompt + expected)):
            assert time.monotonic() < end, (keys, alice.input_line())
            alice.pump(0.1)
        alice.type("\x15")  # Ctrl-U: clear the line

    completes("/jo", "/join ")         # commands, from the table
    completes("/la", "/last ")
    completes("c", "carol: ")          # who spoke; a name first on the line: "name: "
    completes("hi b", "hi bob ")       # who is here
    completes("/join ki", "/join kitchen")  # rooms after /join
    completes("zz-n", "zz-n")          # never a file name
    completes("al", "al")              # nor yourself
    # A completed /join goes there.
    alice.type("/join ki\t\r")
    alice.wait_for("[kitchen] YOU:")
    alice.wait_for("[cook] cooking")
    for term in (alice, bob):
        assert term.leave() == 0


# ---- your own line, once -------------------------------------------------------------

WIDE = "가나다라마바사아자차카타파하"


@pytest.mark.parametrize("cols,text", [
    (40, "Q1x " + WIDE * 3 + " Z9y"),           # four rows, wide characters
    (40, "Q1x" + "a" * 56 + "Z9y"),            # prompt and text fill two rows exactly
    (40, "Q1x" + "가" * 30 + "Z9y"),           # a wide character that does not fit wraps
    (97, "Q1x " + (WIDE + " ") * 6 + "Z9y"),   # an odd width
], ids=["wide", "exact", "wide-wraps", "odd-width"])
def test_your_line_shows_once_however_it_wraps(bootstrap, topic, cols, text):
    room = room_of(topic)
    # Enough lines before that the prompt starts on the last row.
    produce(bootstrap, room, [f"earlier {i}" for i in range(14)], "--name", "bob")
    alice = ready(Terminal(bootstrap, room, "alice", "--history", "14", cols=cols, rows=12))
    prompt = f"[{room}] YOU: "
    assert len(prompt) == 18
    alice.wait_for_text("earlier 13")
    alice.type(text)
    alice.type("\r")
    alice.wait_for_text("Z9y ✓")  # the line may wrap anywhere
    alice.pump(0.3)
    screen = alice.text()
    assert screen.count("Q1x") == 1 and screen.count("Z9y") == 1, "\n".join(alice.lines())
    assert screen.count(prompt.strip()) == 1  # only the input line, empty
    assert alice.input_line() == (prompt.strip(), len(prompt))
    # The one copy is the delivered line, whole.
    assert text.replace(" ", "") in screen.replace(" ", "")
    assert "[alice] Q1x" in screen.replace("\n", "")
    assert alice.leave() == 0


def test_a_command_or_an_empty_line_leaves_nothing_behind(bootstrap, topic):
    room = room_of(topic)
    alice = ready(Terminal(bootstrap, room, "alice"))
    prompt = f"[{room}] YOU:"
    alice.type("\r\r/who\r")
    alice.wait_for("방에 지금")
    alice.pump(0.3)
    assert [l for l in alice.lines() if l.startswith(prompt)] == [prompt]
    assert alice.leave() == 0


# ---- the day ---------------------------------------------------------------------------

def test_a_line_when_the_day_changes_in_history_and_live(bootstrap, topic):
    raw_produce(bootstrap, topic, [record("밤 늦게", "2026-12-02 23:59:00"),
                                   record("자정 지나", "2026-12-03 00:00:30"),
                                   record("같은 날 아침", "2026-12-03 08:00:00")])
    # In the room (shown who is here), so that no notice comes between
    # the live lines below.
    alice = entered(Terminal(bootstrap, topic, "alice"))
    alice.wait_for("같은 날 아침")
    lines = alice.lines()
    at = next(i for i, l in enumerate(lines) if l.endswith("] 밤 늦게"))
    assert lines[at + 1:at + 4] == ["──── 2026-12-03 (목) ────",
                                    "[2026-12-03 00:00:30][bob] 자정 지나",
                                    "[2026-12-03 08:00:00][bob] 같은 날 아침"]
    # Live: a line of another date gets its day line, one of the same none.
    raw_produce(bootstrap, topic, [record("금요일 아침", "2026-12-04 09:00:00"),
                                   record("금요일 점심", "2026-12-04 12:00:00")])
    alice.wait_for("금요일 점심")
    lines = alice.lines()
    at = lines.index("──── 2026-12-04 (금) ────")
    assert lines[at + 1:at + 3] == ["[2026-12-04 09:00:00][bob] 금요일 아침",
                                    "[2026-12-04 12:00:00][bob] 금요일 점심"]
    assert len([l for l in lines if l.startswith("──── 2026")]) == 2
    assert alice.leave() == 0


# ---- /last -------------------------------------------------------------------------------

def test_last_finds_lines_in_every_partition_and_keeps_your_place(bootstrap, topic, group):
    create_topic(bootstrap, topic, 3)
    # 30 lines over three partitions, in time order across them; four
    # have the needle, in any case.
    for i in range(30):
        text = f"line {i}" + {3: " Needle", 17: " NEEDLE!", 25: " 바늘 needle", 28: " needles"}.get(i, "")
        raw_produce(bootstrap, topic, [record(text, f"2026-12-01 10:00:{i:02d}")], partition=i % 3)
    alice = ready(Terminal(bootstrap, topic, "alice", "-g", group, "--history", "0"))

    alice.type("/last needle\r")
    alice.wait_for("-!- \"needle\": 4개 찾음")
    lines = alice.lines()
    at = lines.index(f"-!- \"needle\" 찾기: {topic} 방의 최근 메시지 30개")
    assert lines[at + 1:at + 6] == ["[2026-12-01 10:00:03][bob] line 3 Needle",
                                    "[2026-12-01 10:00:17][bob] line 17 NEEDLE!",
                                    "[2026-12-01 10:00:25][bob] line 25 바늘 needle",
                                    "[2026-12-01 10:00:28][bob] line 28 needles",
                                    "-!- \"needle\": 4개 찾음"]
    # Among the last 10 records only (the latest by time, of all partitions).
    alice.type("/last -n 10 NEEDLE\r")
    alice.wait_for("-!- \"NEEDLE\": 2개 찾음")
    assert "-!- \"NEEDLE\" 찾기: " + topic + " 방의 최근 메시지 10개" in alice.lines()
    alice.type("/last 바늘\r")
    alice.wait_for("-!- \"바늘\": 1개 찾음")
    alice.type("/last nowhere\r")
    alice.wait_for("-!- \"nowhere\": 0개 찾음")

    # The room reads on as before, and your place is yours alone: the
    # search committed nothing, anywhere.
    produce(bootstrap, topic, ["after the search"], "--name", "carol")
    alice.wait_for("[carol] after the search")
    assert alice.leave() == 0
    ends = committed(bootstrap, group, topic)
    assert sum(ends.values()) == 31
    assert committed(bootstrap, "kafka-chat.rooms", topic) == {}
    produce(bootstrap, topic, ["while you were away"], "--name", "carol")
    again = ready(Terminal(bootstrap, topic, "alice", "-g", group, "--history", "0"))
    again.wait_for("──── 지난 방문 이후 새 메시지 1개 ────")
    again.wait_for("[carol] while you were away")
    assert again.leave() == 0


# ---- the README's picture ----------------------------------------------------------------

def test_the_readme_picture_comes_from_a_real_session(bootstrap, tmp_path):
    """tests/e2e/screenshot.py draws the README's picture from pyte's screen
    of a real session: it still runs, and draws what the screen shows."""
    import xml.etree.ElementTree as ET
    from screenshot import THEMES, session, svg
    alice = session(bootstrap)
    for theme in THEMES:
        drawn = svg(alice.screen, theme)
        root = ET.fromstring(drawn)  # well-formed
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert "bob" in texts and "alice" in texts and "FRIEND" in texts, texts
        assert f'fill="#{colour_256("bob")}"' in drawn  # the names in their colours
        assert any(t and t.startswith("──── ") and "(" in t for t in texts)  # a day line
    assert alice.leave("\x15/quit\r") == 0

"""Hostile input (issue 6): records other programs write, and text users
type, never crash, stall or take over anything; nothing good is lost."""
import json
import re
import subprocess

import pexpect
import pytest

from conftest import (CONSUMER_BANNER, RSS_LIMIT_KIB, binary, consume, env, fromtimestamp,
                      kcat_records, kcat_values, measured, produce, raw_produce, spawn_pty)


def good(msg, t=1700000000.5):
    return json.dumps({"message": msg, "time": t}).encode()


# (value, what the warning says, shown with the Kafka timestamp?)
BAD = [
    (b"not json at all", "not JSON: ", False),
    (b"[1, 2, 3]", "JSON an array, not an object", False),
    (b'"a string"', "JSON a string, not an object", False),
    (b"42", "JSON a number, not an object", False),
    (b"null", "JSON null, not an object", False),
    (b'{"time": 1700000000}', 'no "message" field', False),
    (b'{"message": 5, "time": 1}', '"message" is a number, not a string', False),
    (b'{"message": null, "time": 1}', '"message" is null, not a string', False),
    (b'{"message": {"a": 1}, "time": 1}', '"message" is an object, not a string', False),
    (b'{"message": "nan time", "time": NaN}', '"time" is not a finite number', True),
    (b'{"message": "inf time", "time": Infinity}', '"time" is not a finite number', True),
    (b'{"message": "huge time", "time": 1e400}', '"time" is not a finite number', True),
    (b'{"message": "year 10000", "time": 1e12}', '"time" 1000000000000 is out of range', True),
    (b'{"message": "string time", "time": "1700000000"}', '"time" is a string, not a number', True),
    (b'{"message": "no time"}', 'no "time" field', True),
    (b'{"message": "bad \xff utf8", "time": 1700000001}',
     "invalid UTF-8 (1 sequence replaced by U+FFFD)", False),
    (b"", "empty value", False),
    (None, "null value", False),
    (b'{"message": "deep", "time": 1, "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
     "not JSON: ", False),
    (b"{" + b"x" * 900_000, "not JSON: ", False),
]


def test_bad_records_are_warned_once_and_good_ones_all_shown(bootstrap, topic, group):
    values = []
    for n, (bad, _, _) in enumerate(BAD):
        values += [good(f"good {n}"), bad]
    big = "큰" * 150_000  # a 900 kB record (escaped), within the broker's 1 MB
    values += [good(big), good("last good"), good("exit")]
    raw_produce(bootstrap, topic, values)
    records = kcat_records(bootstrap, topic)

    c = consume(bootstrap, topic, group, "-t", topic, timeout=120)
    out = c.stdout.decode()
    err = c.stderr.decode().splitlines()

    # Every good record, in order; the shown bad ones in their places.
    expected = CONSUMER_BANNER
    for n, (bad, _, kafka_time) in enumerate(BAD):
        expected += f"[{fromtimestamp(1700000000.5)}][FRIEND] good {n}\n"
        rec = records[2 * n + 1]
        if kafka_time:
            msg = json.loads(bad.decode().replace("NaN", "0").replace("Infinity", "0")
                             .replace("1e400", "0"))["message"]
            expected += f"[{fromtimestamp(rec['ts'] / 1000)}][FRIEND] {msg}\n"
        elif bad and b"\xff" in bad:
            expected += f"[{fromtimestamp(1700000001)}][FRIEND] bad \ufffd utf8\n"
    expected += f"[{fromtimestamp(1700000000.5)}][FRIEND] {big}\n"
    expected += f"[{fromtimestamp(1700000000.5)}][FRIEND] last good\n"
    when = fromtimestamp(1700000000.5)
    expected += f"[{when}] 발신자가 프로그램을 종료하였습니다.\n[{when}] 수신 프로그램을 종료합니다.\n"
    assert out == expected

    # One warning per bad record, naming topic, partition, offset and the fault.
    assert len(err) == len(BAD), err
    for n, ((_, why, kafka_time), line) in enumerate(zip(BAD, err)):
        prefix = f"consumer_chat: warning: {topic} [0] offset {2 * n + 1}: "
        assert line.startswith(prefix + why), line
        if kafka_time:
            assert line.endswith(" (shown with the Kafka timestamp)")

    # The offsets went past them: a restart warns about nothing again.
    raw_produce(bootstrap, topic, [good("next"), good("exit")])
    again = consume(bootstrap, topic, group)
    assert again.stderr == b""
    assert "[FRIEND] next\n" in again.stdout.decode()


HOSTILE = ["\x1b[2J\x1b[H cleared?", "\x1b]0;title\x07", "\x1b]8;;http://evil\x1b\\link",
           "fake\r[2024-01-01 00:00:00][FRIEND] forged", "two\nlines", "bell\x07",
           "back\bspace", "\u202eevil\u202c", "\u2066iso\u2069", "c1 \u009b31m",
           "nul\x00byte", "del\x7f"]


def hostile_topic(bootstrap, topic):
    raw_produce(bootstrap, topic, [good(m) for m in HOSTILE] + [good("exit")])


def test_terminal_never_gets_raw_controls(bootstrap, topic, group):
    hostile_topic(bootstrap, topic)
    cons = spawn_pty(binary("consumer_chat"), ["-b", bootstrap, "-t", topic, "-g", group],
                         env=env(), encoding="utf-8", timeout=60)
    cons.expect(pexpect.EOF)
    cons.close()
    assert cons.exitstatus == 0
    shown = cons.before.replace("\r\n", "\n")
    body = shown[len(CONSUMER_BANNER):]
    # The only control characters left are our own line ends.
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]", body)
    for escaped in (r"\x1b[2J\x1b[H cleared?", r"\x1b]0;title\x07",
                    r"fake\r[2024-01-01 00:00:00][FRIEND] forged", r"two\nlines",
                    r"back\x08space", r"\u202eevil\u202c", r"\u2066iso\u2069",
                    r"c1 \u009b31m", r"nul\x00byte", r"del\x7f"):
        assert f"[FRIEND] {escaped}\n" in body
    # Each message is exactly one line: nothing forged a second one.
    assert len(body.splitlines()) == len(HOSTILE) + 2


def test_escape_option_on_a_terminal_and_in_a_pipe(bootstrap, topic, group):
    hostile_topic(bootstrap, topic)
    # Piped: the seed's bytes, unless asked.
    raw = consume(bootstrap, topic, group + "-1").stdout.decode()
    assert "[FRIEND] \x1b[2J\x1b[H cleared?\n" in raw
    escaped = consume(bootstrap, topic, group + "-2", "--escape=always").stdout.decode()
    assert "[FRIEND] \\x1b[2J\\x1b[H cleared?\n" in escaped and "\x1b" not in escaped
    # On a terminal, raw only when asked.
    cons = spawn_pty(binary("consumer_chat"), ["-b", bootstrap, "-t", topic, "-g",
                         group + "-3", "--escape", "never"], env=env(), encoding="utf-8",
                         timeout=60)
    cons.expect(pexpect.EOF)
    assert "\x1b[2J" in cons.before


def test_escape_option_is_checked():
    p = subprocess.run([binary("consumer_chat"), "--escape=sometimes"], capture_output=True,
                       text=True)
    assert p.returncode == 2
    assert "--escape takes auto, always or never, not 'sometimes'" in p.stderr


# ---- producer -----------------------------------------------------------------

def test_invalid_utf8_is_sent_with_replacement_and_a_warning(bootstrap, topic):
    p = produce(bootstrap, topic, b"ok\n\xff\xfebad\nhalf \xe4\xb8\nfine\n")
    assert p.returncode == 0
    assert p.stderr.decode().splitlines() == [
        "producer_chat: warning: line 2: invalid UTF-8, 2 sequences sent as U+FFFD",
        "producer_chat: warning: line 3: invalid UTF-8, 1 sequence sent as U+FFFD",
    ]
    values = kcat_values(bootstrap, topic)
    assert [json.loads(v)["message"] for v in values] == \
        ["ok", "\ufffd\ufffdbad", "half \ufffd", "fine"]
    assert values[1].startswith('{"message": "\\ufffd\\ufffdbad", "time": ')


def test_nul_bytes_are_kept(bootstrap, topic):
    produce(bootstrap, topic, b"a\x00b\n\x00\n")
    values = kcat_values(bootstrap, topic)
    assert values[0].startswith('{"message": "a\\u0000b", ')
    assert [json.loads(v)["message"] for v in values] == ["a\x00b", "\x00"]


def test_every_byte_gives_valid_json(bootstrap, topic):
    line = bytes(b for b in range(256) if b != 0x0A)
    produce(bootstrap, topic, line + b"\n")
    value = kcat_values(bootstrap, topic)[0]
    assert json.loads(value)["message"] == line.decode("utf-8", "replace")
    assert value.isascii()


def test_line_over_the_limit_is_reported_and_the_rest_delivered(bootstrap, topic):
    p = produce(bootstrap, topic, ["first", "y" * 2_000_000, "third"], check=False)
    assert p.returncode == 1
    assert p.stderr.decode().splitlines() == [
        "producer_chat: error: line 2 not sent: 2000000 bytes, more than "
        "message.max.bytes (1000000)",
        "producer_chat: error: 1 of 3 lines not delivered",
    ]
    assert [json.loads(v)["message"] for v in kcat_values(bootstrap, topic)] == \
        ["first", "third"]


def test_escapes_that_outgrow_the_limit_are_reported(bootstrap, topic):
    # 300,000 control bytes fit as a line but make a 1.8 MB record.
    p = produce(bootstrap, topic, b"ok\n" + b"\x01" * 300_000 + b"\n", check=False)
    assert p.returncode == 1
    # 1,800,000 bytes of \u0001 plus the frame, whose time varies in length.
    assert re.search(r"line 2 not sent: its record is 18000[34]\d bytes, more than "
                     r"message\.max\.bytes \(1000000\)", p.stderr.decode())


def test_multi_gigabyte_line_in_bounded_memory(bootstrap, topic, tmp_path):
    size = 2 ** 31 + 5  # past any 32-bit counter
    prod, peak = measured([binary("producer_chat"), "-b", bootstrap, "-t", topic],
                          tmp_path, stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
    prod.stdin.write(b"before\n")
    chunk = b"z" * (1 << 20)
    for _ in range(size // len(chunk)):
        prod.stdin.write(chunk)
    prod.stdin.write(b"z" * (size % len(chunk)) + b"\nafter\n")
    prod.stdin.close()
    err = prod.stderr.read().decode()
    assert prod.wait(timeout=120) == 1
    assert f"line 2 not sent: {size} bytes, more than message.max.bytes" in err
    assert [json.loads(v)["message"] for v in kcat_values(bootstrap, topic)] == \
        ["before", "after"]
    assert peak() < RSS_LIMIT_KIB, f"peak RSS {peak()} KiB"


def test_quiet_keeps_warnings_off_stderr(bootstrap, topic, group):
    raw_produce(bootstrap, topic, [b"not json", good("fine"), good("exit")])
    loud = consume(bootstrap, topic, group + "-loud")
    assert b"not JSON" in loud.stderr
    quiet = consume(bootstrap, topic, group + "-quiet", "-q")
    assert quiet.stderr == b"" and b"[FRIEND] fine\n" in quiet.stdout

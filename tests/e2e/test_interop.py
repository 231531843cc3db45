"""Interop with the original scripts (issue 4): the seed's producerChat.py
and consumerChat.py, unchanged but for bootstrap, topic and group, on
kafka-python, against our programs on the same real broker."""
import io
import json
import signal
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from conftest import (REPO, binary, consume, env, expected_consumer_output,
                      kcat_values, produce, popen, spawn_pty)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "seed"))
from substitute import seed_script  # noqa: E402  (tests/seed/substitute.py)

SEED = REPO / "tests" / "seed"
PYTHON = REPO / ".venv" / "bin" / "python"

CORPUS = ["안녕하세요", "hello, world", 'quotes " and \\ backslash', "emoji 😀 🇰🇷",
          "", "   ", "tab\tinside", "e\u0301 combining", "日本語", "/slash/",
          "<b>not html</b>", "exit is not exit", "EXIT"]


def py_env():
    e = env()
    e["LC_ALL"] = "C.UTF-8"
    return e


def seed_produce(tmp_path, bootstrap, topic, lines):
    script = seed_script("producerChat.py", tmp_path, bootstrap, topic)
    p = subprocess.run([PYTHON, script], input="".join(f"{l}\n" for l in lines).encode(),
                       capture_output=True, timeout=120, env=py_env())
    assert p.returncode == 0, p.stderr.decode()
    return p


def seed_consume(tmp_path, bootstrap, topic, group):
    script = seed_script("consumerChat.py", tmp_path, bootstrap, topic, group)
    p = subprocess.run([PYTHON, script], capture_output=True, timeout=120,
                       env=py_env(), stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr.decode()
    return p.stdout.decode()


def messages(bootstrap, topic):
    return [json.loads(v)["message"] for v in kcat_values(bootstrap, topic)]


def test_seed_producer_to_our_consumer(tmp_path, bootstrap, topic, group):
    seed_produce(tmp_path, bootstrap, topic, CORPUS)  # ends with EXIT
    assert messages(bootstrap, topic) == CORPUS

    ours = consume(bootstrap, topic, group).stdout.decode()
    theirs = seed_consume(tmp_path, bootstrap, topic, group + "-seed")
    assert ours == theirs
    assert ours == expected_consumer_output(kcat_values(bootstrap, topic))
    assert ours.endswith("수신 프로그램을 종료합니다.\n")


def test_our_producer_to_seed_consumer(tmp_path, bootstrap, topic, group):
    produce(bootstrap, topic, CORPUS)
    values = kcat_values(bootstrap, topic)
    assert [json.loads(v)["message"] for v in values] == CORPUS

    theirs = seed_consume(tmp_path, bootstrap, topic, group)
    ours = consume(bootstrap, topic, group + "-ours").stdout.decode()
    assert theirs == ours
    assert theirs.endswith("수신 프로그램을 종료합니다.\n")


def test_same_records_same_bytes_as_seed(tmp_path, bootstrap, topic):
    """Per line, the seed's record and ours differ only in the time value,
    and ours is what json.dumps() makes of our time."""
    lines = CORPUS[:-1] + ["exit"]
    seed_produce(tmp_path, bootstrap, topic, lines)
    ours_topic = topic + "-ours"
    produce(bootstrap, ours_topic, lines)
    for seed_value, our_value in zip(kcat_values(bootstrap, topic),
                                     kcat_values(bootstrap, ours_topic)):
        our_time = json.loads(our_value)["time"]
        seed_msg = json.loads(seed_value)["message"]
        assert our_value == json.dumps({"message": seed_msg, "time": our_time})
        seed_time = json.loads(seed_value)["time"]
        assert seed_value == json.dumps({"message": seed_msg, "time": seed_time})


def test_consumers_take_turns_in_one_group(tmp_path, bootstrap, topic, group):
    # 1. The seed consumer reads a, b and the exit; it commits on close.
    produce(bootstrap, topic, ["a", "b", "exit"])
    first = seed_consume(tmp_path, bootstrap, topic, group)
    assert "[FRIEND] a\n" in first and "[FRIEND] b\n" in first

    # 2. Ours resumes after that exit record and reads c, d and its exit.
    seed_produce(tmp_path, bootstrap, topic, ["c", "d", "exit"])
    second = consume(bootstrap, topic, group).stdout.decode()
    values = kcat_values(bootstrap, topic)
    assert second == expected_consumer_output(values[3:])

    # 3. Ours is interrupted after e and f; what it printed is committed.
    produce(bootstrap, topic, ["e", "f"])
    cons = spawn_pty(binary("consumer_chat"), ["-b", bootstrap, "-t", topic, "-g", group],
                         env=env(), encoding="utf-8", timeout=60)
    cons.expect_exact("[FRIEND] f\r\n")
    assert "[FRIEND] c" not in cons.before
    cons.sendintr()
    cons.expect(pexpect.EOF)
    cons.close()
    assert cons.exitstatus == 0

    # 4. The seed consumer goes on with g: nothing twice, nothing skipped.
    produce(bootstrap, topic, ["g", "exit"])
    fourth = seed_consume(tmp_path, bootstrap, topic, group)
    values = kcat_values(bootstrap, topic)
    assert fourth == expected_consumer_output(values[8:])
    assert "[FRIEND] g\n" in fourth and "[FRIEND] f" not in fourth


def test_exit_handshake_seed_producer_ends_our_consumer(tmp_path, bootstrap, topic, group):
    cons = popen([binary("consumer_chat"), "-b", bootstrap, "-t", topic,
                             "-g", group], stdout=subprocess.PIPE, env=env(),
                            stdin=subprocess.DEVNULL)
    try:
        cons.stdout.readline()
        seed_produce(tmp_path, bootstrap, topic, ["bye", "Exit"])
        assert cons.wait(timeout=60) == 0
    finally:
        cons.kill()
    out = cons.stdout.read().decode()
    assert out.splitlines()[-1].endswith("] 수신 프로그램을 종료합니다.")


def test_exit_handshake_our_producer_ends_seed_consumer(tmp_path, bootstrap, topic, group):
    script = seed_script("consumerChat.py", tmp_path, bootstrap, topic, group)
    seed = popen([PYTHON, script], stdout=subprocess.PIPE, env=py_env(),
                            stdin=subprocess.DEVNULL)
    try:
        prod = spawn_pty(binary("producer_chat"), ["-b", bootstrap, "-t", topic],
                             env=env(), encoding="utf-8", timeout=60)
        prod.expect_exact("YOU: ")
        prod.sendline("see you")
        prod.expect_exact("YOU: ")
        prod.sendline("EXIT")
        prod.expect(pexpect.EOF)
        prod.close()
        assert prod.exitstatus == 0
        assert seed.wait(timeout=60) == 0
    finally:
        seed.kill()
    out = seed.stdout.read().decode()
    assert "[FRIEND] see you\n" in out
    assert out.endswith("수신 프로그램을 종료합니다.\n")


def test_records_of_any_json_shape_print_as_the_seed_prints_them(tmp_path, bootstrap,
                                                                  topic, group):
    """Whatever json.loads() reads, we read the same: key order, extra keys,
    white space, escapes in any case, integer, boolean, old and far times."""
    from conftest import raw_produce
    values = [
        b'{"time": 1700000000.25, "message": "time first"}',
        b'{"message":"compact","time":1700000001}',
        b' {\n "message" :\t"spaced" , "time" : 1.7e9 }\n',
        b'{"message": "extra keys", "time": 1700000002, "sender": "kim", "x": [1, {}]}',
        b'{"message": "dup", "message": "last one wins", "time": 1700000003}',
        b'{"message": "\\uD55C\\uae00 \\u0041\\/ \\ud83d\\ude00", "time": 1700000004}',
        b'{"message": "\xed\x95\x9c\xea\xb8\x80 raw", "time": 1700000005.000001}',
        b'{"message": "before 1970", "time": -86400.5}',
        b'{"message": "far future", "time": 32503680000.999999}',
        b'{"message": "a boolean time", "time": true}',
        b'{"message": "half micro", "time": 1700000000.0000025}',
        b'{"message": "exit", "time": 1700000009}',
    ]
    raw_produce(bootstrap, topic, values)
    theirs = seed_consume(tmp_path, bootstrap, topic, group + "-seed")
    texts = [v.decode() for v in values]
    assert theirs == expected_consumer_output(texts, names=False)
    for tz in ("Asia/Seoul", "America/New_York"):
        ours = consume(bootstrap, topic, f"{group}-{tz[:4]}", tz=tz).stdout.decode()
        # The same, but for the one record with a sender: its name, not FRIEND.
        assert ours == expected_consumer_output(texts, tz)
        if tz == "Asia/Seoul":
            assert ours == theirs.replace("][FRIEND] extra keys", "][kim] extra keys")


def test_terminal_session_matches_the_seed_stream_by_stream(tmp_path, bootstrap, topic):
    """On a terminal, what appears on stdout and on stderr is the seed's:
    the banner on stdout, and input()'s "YOU: " on stderr (CPython writes
    its prompt there when stdin and stdout are terminals)."""
    produce(bootstrap, topic, ["the topic exists"])  # no kafka-python warning
    script = seed_script("producerChat.py", tmp_path, bootstrap, topic)
    runs = {}
    for name, cmd in (("seed", f"'{PYTHON}' '{script}'"),
                      ("ours", f"'{binary('producer_chat')}' -b {bootstrap} -t {topic}")):
        err = tmp_path / f"{name}.err"
        child = spawn_pty("/bin/bash", ["-c", f"{cmd} 2>'{err}'"], env=py_env(),
                          encoding="utf-8", timeout=60)
        child.logfile_read = io.StringIO()  # the whole terminal transcript
        child.expect_exact("입력)\r\n")
        for text in ("첫 줄", "second", "exit"):
            child.sendline(text)
            child.expect_exact(text + "\r\n")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
        runs[name] = (child.logfile_read.getvalue(), err.read_text())
    assert runs["ours"] == runs["seed"]
    assert runs["ours"][1] == "YOU: " * 3

"""Names and reading options (issue 9): producer_chat --name, and
consumer_chat's -o, --since, --commit, -c, -e, --idle-timeout and --json."""
import json
import subprocess
import threading
import time

import pytest

from conftest import (CONSUMER_BANNER, binary, consume, env, fromtimestamp, kcat_values,
                      popen, produce)


def shown(out):
    return [l.split("] ", 1)[1] for l in out.decode().splitlines() if "][" in l]


def test_name_travels_in_a_sender_field(bootstrap, topic, group):
    produce(bootstrap, topic, ["hello", "exit"], "--name", "김철수")
    values = kcat_values(bootstrap, topic)
    data = json.loads(values[0])
    assert values[0] == json.dumps({"message": "hello", "time": data["time"],
                                    "sender": "김철수"})
    out = consume(bootstrap, topic, group).stdout.decode()
    assert out == CONSUMER_BANNER + f"[{fromtimestamp(data['time'])}][김철수] hello\n" + \
        f"[{fromtimestamp(json.loads(values[1])['time'])}] 발신자가 프로그램을 종료하였습니다.\n" + \
        f"[{fromtimestamp(json.loads(values[1])['time'])}] 수신 프로그램을 종료합니다.\n"


def test_offset_options_leave_the_group_position_alone(bootstrap, topic, group):
    produce(bootstrap, topic, [f"m{i}" for i in range(10)])
    # The group reads 0-4 and commits there.
    assert shown(consume(bootstrap, topic, group, "-c", "5").stdout) == \
        [f"m{i}" for i in range(5)]
    for args, expected in ((["-o", "beginning"], range(10)), (["-o", "3"], range(3, 10)),
                           (["-o", "-2"], range(8, 10)), (["-o", "end"], [])):
        p = consume(bootstrap, topic, group, *args, "-e")
        assert shown(p.stdout) == [f"m{i}" for i in expected], args
    # ... and the group's position is still after m4.
    assert shown(consume(bootstrap, topic, group, "-e").stdout) == \
        [f"m{i}" for i in range(5, 10)]


def test_commit_option_moves_the_group_position(bootstrap, topic, group):
    produce(bootstrap, topic, [f"m{i}" for i in range(6)])
    assert shown(consume(bootstrap, topic, group, "-o", "-2", "--commit", "-e").stdout) == \
        ["m4", "m5"]
    produce(bootstrap, topic, ["m6"])
    assert shown(consume(bootstrap, topic, group, "-e").stdout) == ["m6"]


def test_since_a_duration_and_a_date(bootstrap, topic, group):
    produce(bootstrap, topic, ["old one", "old two"])
    time.sleep(3)
    middle = time.time() - 1.5
    produce(bootstrap, topic, ["new one", "new two"])
    assert shown(consume(bootstrap, topic, group + "1", "--since", "2s", "-e").stdout) == \
        ["new one", "new two"]
    date = fromtimestamp(middle)[:19]  # local time of the consumer (TZ=Asia/Seoul)
    assert shown(consume(bootstrap, topic, group + "2", "--since", date, "-e").stdout) == \
        ["new one", "new two"]
    assert shown(consume(bootstrap, topic, group + "3", "--since", "1h", "-e").stdout) == \
        ["old one", "old two", "new one", "new two"]


def test_exit_at_end_means_the_end_as_it_was_at_start(bootstrap, topic, group):
    produce(bootstrap, topic, [f"before {i}" for i in range(20000)])
    feeder = popen([binary("producer_chat"), "-b", bootstrap, "-t", topic],
                   stdin=subprocess.PIPE, env=env())

    stop = threading.Event()

    def keep_sending():
        try:
            for i in range(600):
                if stop.is_set():
                    break
                feeder.stdin.write(f"during {i}\n".encode())
                feeder.stdin.flush()
                time.sleep(0.05)
            feeder.stdin.close()
        except BrokenPipeError:
            pass

    t = threading.Thread(target=keep_sending)
    t.start()
    time.sleep(0.5)
    start = time.monotonic()
    p = consume(bootstrap, topic, group, "-e")
    assert time.monotonic() - start < 20  # not waiting for the stream to stop
    stop.set()
    lines = shown(p.stdout)
    assert lines[:20000] == [f"before {i}" for i in range(20000)]
    t.join()
    feeder.wait(timeout=60)


def test_exit_at_end_of_an_empty_topic_and_count(bootstrap, topic, group):
    p = consume(bootstrap, topic, group, "-e", timeout=30)
    assert p.stdout.decode() == CONSUMER_BANNER
    produce(bootstrap, topic, ["a", "b", "c"])
    assert shown(consume(bootstrap, topic, group, "-c", "2").stdout) == ["a", "b"]


def test_idle_timeout(bootstrap, topic, group):
    produce(bootstrap, topic, ["only"])
    start = time.monotonic()
    p = consume(bootstrap, topic, group, "--idle-timeout", "1.5")
    assert 1.4 < time.monotonic() - start < 15
    assert shown(p.stdout) == ["only"]


def test_json_lines_for_scripts(bootstrap, topic, group):
    produce(bootstrap, topic, ["plain", 'quo"te 😀'])
    produce(bootstrap, topic, ["named"], "--name", "bob")
    p = consume(bootstrap, topic, group, "--json", "-e")
    lines = p.stdout.decode().splitlines()
    records = [json.loads(l) for l in lines]
    values = [json.loads(v) for v in kcat_values(bootstrap, topic)]
    assert records == [{"message": v["message"], "time": v["time"],
                        "sender": v.get("sender"), "partition": 0, "offset": i}
                       for i, v in enumerate(values)]
    # Written as json.dumps() writes: ASCII, Python's spacing.
    assert all(l == json.dumps(r) for l, r in zip(lines, records))


@pytest.mark.parametrize("args, message", [
    (["-o", "middle"], "-o takes stored, beginning, end, N or -N, not 'middle'"),
    (["--since", "yesterday"], "--since takes a duration such as 10m"),
    (["--since", "10x"], "--since takes a duration such as 10m"),
    (["-c", "0"], "-c takes a number of records, not '0'"),
    (["--idle-timeout", "-1"], "--idle-timeout takes a number of seconds"),
])
def test_reading_option_errors(args, message):
    p = subprocess.run([binary("consumer_chat"), *args], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 2 and message in p.stderr


def test_reading_options_are_consumer_options():
    for opt in ("-e", "--json", "-o", "--since"):
        p = subprocess.run([binary("producer_chat"), opt], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
        assert p.returncode == 2

"""Piped mode at scale (issue 5): a million lines through both programs on
a topic with three partitions arrive complete and in order, in bounded
memory. This is a correctness test; speed is measured by `make bench`."""
import json
import subprocess

from conftest import (RSS_LIMIT_KIB, binary, create_topic, env, kcat_records, measured,
                      produce)

LINES = 1_000_000


def text(i):
    words = ("안녕하세요", "kafka", "chat 😀", '"q"', "back\\slash", "tab\tx", "日本語")
    return f"{i:07d} " + " ".join(words[(i * k) % len(words)] for k in range(1, 2 + i % 6))


def run_measured(args, stdin, stdout, tmp_path):
    """Runs a program to its end; returns its own peak RSS in KiB."""
    proc, peak = measured(args, tmp_path, stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, env=env())
    err = proc.stderr.read()
    assert proc.wait(timeout=300) == 0, err.decode()
    return peak()


def test_a_million_lines_arrive_complete_and_in_order(tmp_path, bootstrap, topic, group):
    create_topic(bootstrap, topic, 3)
    source = tmp_path / "lines.txt"
    with open(source, "w") as f:
        for i in range(LINES):
            f.write(text(i) + "\n")
        f.write("exit\n")

    with open(source, "rb") as stdin:
        prod_rss = run_measured([binary("producer_chat"), "-b", bootstrap, "-t", topic],
                                stdin, subprocess.DEVNULL, tmp_path)
    out = tmp_path / "out.txt"
    with open(out, "wb") as stdout:
        cons_rss = run_measured([binary("consumer_chat"), "-b", bootstrap, "-t", topic,
                                 "-g", group], subprocess.DEVNULL, stdout, tmp_path)

    with open(out, encoding="utf-8") as f:
        lines = f.read().split("\n")
    shown = [l.split("][FRIEND] ", 1)[1] for l in lines if "][FRIEND] " in l]
    assert len(shown) == LINES
    for i, line in enumerate(shown):
        if line != text(i):
            raise AssertionError(f"line {i}: {line!r} != {text(i)!r}")
    assert lines[-2].endswith("수신 프로그램을 종료합니다.")
    # Bounded memory on both sides.
    assert prod_rss < RSS_LIMIT_KIB and cons_rss < RSS_LIMIT_KIB, (prod_rss, cons_rss)


def test_every_line_goes_to_one_partition(bootstrap, topic):
    create_topic(bootstrap, topic, 3)
    produce(bootstrap, topic, [f"m{i}" for i in range(50)])
    records = kcat_records(bootstrap, topic)
    assert {r["partition"] for r in records} == {0}
    assert [json.loads(r["payload"])["message"] for r in records] == [f"m{i}" for i in range(50)]

    other = topic + "-p2"
    create_topic(bootstrap, other, 3)
    produce(bootstrap, other, ["to two"], "-p", "2")
    assert [r["partition"] for r in kcat_records(bootstrap, other)] == [2]


def test_a_missing_partition_is_a_clear_error(bootstrap, topic):
    p = produce(bootstrap, topic, ["x"], "-p", "7", check=False)
    assert p.returncode == 3
    assert p.stderr.decode().strip() == \
        f"producer_chat: error: topic '{topic}' has no partition 7 (it has 1)"


def test_consumer_reads_every_partition(bootstrap, topic, group):
    create_topic(bootstrap, topic, 3)
    for part in (2, 0, 1):
        produce(bootstrap, topic, [f"from {part}"], "-p", str(part))
    produce(bootstrap, topic, ["exit"], "-p", "1")
    p = subprocess.run([binary("consumer_chat"), "-b", bootstrap, "-t", topic, "-g", group],
                       capture_output=True, timeout=60, env=env(), stdin=subprocess.DEVNULL)
    out = p.stdout.decode()
    assert "[FRIEND] from 1\n" in out and "수신 프로그램을 종료합니다." in out

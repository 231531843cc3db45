"""The consumer core (issue 13): consumer_chat and chat through every group
change on the real broker: a closed terminal, a static member fenced by
another, cooperative rebalancing, partitions that moved to another member,
a topic written in transactions, and chat leaving with lines in flight."""
import collections
import json
import os
import re
import signal
import subprocess
import threading
import time

import pexpect
import pytest

from conftest import (KAFKA_SH, KAFKA_VERSION, REPO, binary, committed, consume, create_topic, env,
                      kcat_values, librdkafka_version, popen, produce, spawn_pty, wait_for)
from terminal import Terminal, ready


def hang_up(child, timeout=30):
    """Closes a pexpect child's terminal, as closing its window does, and
    returns the program's exit status."""
    child.ptyproc.fileobj.close()
    end = time.monotonic() + timeout
    while child.ptyproc.isalive():
        assert time.monotonic() < end, "still running after its terminal closed"
        time.sleep(0.05)
    return child.ptyproc.exitstatus


def consumer(bootstrap, topic, group, out, *args):
    """consumer_chat in the background, its output in the file out and its
    diagnostics in out.err."""
    return popen([binary("consumer_chat"), "-b", bootstrap, "-t", topic, "-g", group, *args],
                 stdout=open(out, "wb"), stderr=open(f"{out}.err", "wb"),
                 stdin=subprocess.DEVNULL, env=env())


def diagnostics(out):
    return open(f"{out}.err", encoding="utf-8", errors="replace").read()


def messages(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [l.split("] ", 1)[1] for l in f.read().splitlines() if l.startswith("[")]


# ---- a closed terminal ------------------------------------------------------------

def test_closing_the_terminal_of_consumer_chat_leaves_the_group(bootstrap, topic, group):
    args = ["-b", bootstrap, "-t", topic, "-g", group]
    first = spawn_pty(binary("consumer_chat"), args, env=env(), encoding="utf-8", timeout=30)
    first.expect_exact("메시지 대기 중...")
    produce(bootstrap, topic, ["one", "two", "three"])
    for text in ("one", "two", "three"):
        first.expect_exact(f"[FRIEND] {text}")
    # Closing the window: SIGHUP. The program commits what it showed,
    # leaves the group and exits quietly.
    assert hang_up(first) == 0

    again = spawn_pty(binary("consumer_chat"), args, env=env(), encoding="utf-8", timeout=30)
    again.expect_exact("메시지 대기 중...")
    produce(bootstrap, topic, ["four"])
    sent = time.monotonic()
    again.expect_exact("[FRIEND] four", timeout=10)
    assert time.monotonic() - sent < 2, "the restart waited for the old member's session"
    # Nothing shown twice: 'four' is the first line after the banner.
    assert "[FRIEND]" not in again.before
    again.sendintr()
    again.expect(pexpect.EOF)


def test_closing_the_terminal_of_chat_keeps_the_place(bootstrap, topic):
    alice = ready(Terminal(bootstrap, topic, "alice"))
    produce(bootstrap, topic, ["one", "two", "three"], "--name", "bob")
    alice.wait_for("[bob] three")
    assert alice.hang_up() == 0

    again = ready(Terminal(bootstrap, topic, "alice"))
    # The three lines were read: history now, not new.
    lines = again.lines()
    at = lines.index("──── 지난 방문 이후 새 메시지 0개 ────")
    assert [l.split("] ", 1)[1] for l in lines[at - 3:at]] == ["one", "two", "three"]
    produce(bootstrap, topic, ["four"], "--name", "bob")
    sent = time.monotonic()
    again.wait_for("[bob] four", timeout=10)
    assert time.monotonic() - sent < 2
    assert again.leave() == 0


def test_closing_the_terminal_of_producer_chat_ends_it_quietly(bootstrap, topic):
    prod = spawn_pty(binary("producer_chat"), ["-b", bootstrap, "-t", topic], env=env(),
                     encoding="utf-8", timeout=30)
    prod.expect_exact("YOU: ")
    prod.send("sent before the window closed\r")
    prod.expect_exact("YOU: ")  # delivered: the next prompt
    assert hang_up(prod) == 0
    assert [json.loads(v)["message"] for v in kcat_values(bootstrap, topic)] == \
        ["sent before the window closed"]


def test_numbers_on_the_command_line_do_not_depend_on_the_locale(tmp_path):
    """--timeout 2.5 is 2.5 s also where the locale writes 2,5 (LC_NUMERIC)."""
    subprocess.run(["localedef", "-i", "de_DE", "-f", "UTF-8", str(tmp_path / "de_DE.UTF-8")],
                   check=True, capture_output=True)
    german = dict(env(), LOCPATH=str(tmp_path), LC_ALL="de_DE.UTF-8")
    for prog in ("kafka-chat", "consumer_chat", "producer_chat"):
        p = subprocess.run([binary(prog), "--timeout", "2.5", "-b", "127.0.0.1:1"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=30, env=german)
        assert "--timeout takes" not in p.stderr, (prog, p.stderr)
        assert p.returncode in (2, 3), (prog, p.returncode, p.stderr)


# ---- fatal errors -----------------------------------------------------------------

def test_a_fenced_static_member_exits_1_with_the_reason(bootstrap, topic, group, tmp_path):
    produce(bootstrap, topic, ["hello"])
    static = ["-X", "group.instance.id=the-one", "-v"]
    first = consumer(bootstrap, topic, group, tmp_path / "first", *static)
    wait_for(lambda: "hello" in (tmp_path / "first").read_text())
    second = consumer(bootstrap, topic, group, tmp_path / "second", *static)
    try:
        assert first.wait(timeout=30) == 1
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    errors = [l for l in diagnostics(tmp_path / "first").splitlines() if ": error: " in l]
    assert len(errors) == 1, errors
    assert "fenced" in errors[0].lower()


# ---- cooperative rebalancing ------------------------------------------------------

COOPERATIVE = ["-X", "partition.assignment.strategy=cooperative-sticky"]


def produce_round(bootstrap, topic, name, partitions=3, per_partition=10):
    sent = []
    for p in range(partitions):
        lines = [f"{name} p{p} #{i}" for i in range(per_partition)]
        produce(bootstrap, topic, lines, "-p", str(p))
        sent += lines
    return sent


def every_record_once(bootstrap, topic, group, tmp_path, member_args):
    """Two members on three partitions; one leaves and one joins, with
    records produced in between: every record is shown once in all."""
    create_topic(bootstrap, topic, 3)
    outs = [tmp_path / f"member-{i}" for i in range(3)]

    def everything():
        return collections.Counter(m for out in outs if out.exists() for m in messages(out))

    a = consumer(bootstrap, topic, group, outs[0], *member_args, "-v")
    b = consumer(bootstrap, topic, group, outs[1], *member_args, "-v")
    sent = produce_round(bootstrap, topic, "first")
    wait_for(lambda: sum(everything().values()) >= len(sent))

    b.send_signal(signal.SIGTERM)  # one member leaves
    assert b.wait(timeout=30) == 0
    sent += produce_round(bootstrap, topic, "second")
    wait_for(lambda: sum(everything().values()) >= len(sent))

    c = consumer(bootstrap, topic, group, outs[2], *member_args, "-v")  # one joins
    wait_for(lambda: "group assigned" in diagnostics(outs[2]))
    sent += produce_round(bootstrap, topic, "third")
    wait_for(lambda: sum(everything().values()) >= len(sent))
    for proc in (a, c):
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0

    seen = everything()
    assert sorted(seen) == sorted(sent)
    assert [m for m, n in seen.items() if n > 1] == []
    for out in outs:
        assert "cannot take" not in diagnostics(out), diagnostics(out)
        assert "cannot give up" not in diagnostics(out), diagnostics(out)


def test_cooperative_group_shows_every_record_once(bootstrap, topic, group, tmp_path):
    every_record_once(bootstrap, topic, group, tmp_path, COOPERATIVE)


def test_the_new_consumer_group_protocol_when_asked_for(bootstrap, topic, group, tmp_path):
    """KIP-848's protocol (group.protocol=consumer), where the broker
    assigns: librdkafka 2.4 and later with Kafka 4. Our classic session
    settings are left out then (librdkafka refuses them with it)."""
    new = ["-X", "group.protocol=consumer"]
    if librdkafka_version() < (2, 4):
        p = subprocess.run([binary("consumer_chat"), "-b", bootstrap, "-t", topic, *new],
                           capture_output=True, text=True, timeout=30, env=env())
        assert p.returncode == 2
        assert 'No such configuration property: "group.protocol"' in p.stderr
        return
    if KAFKA_VERSION < (4,):
        pytest.skip("Kafka before 4.0 offers the new group protocol only as early access")
    every_record_once(bootstrap, topic, group, tmp_path, new)


def drain(pipe, path):
    """Copies what a program writes into pipe to the file path, from now on
    (a thread of its own), whole lines at a time as the program writes."""
    f = open(path, "wb")

    def copy():
        with f:
            part = b""
            for chunk in iter(lambda: pipe.read1(65536), b""):
                lines, _, part = (part + chunk).rpartition(b"\n")
                if lines:
                    f.write(lines + b"\n")
                    f.flush()
            f.write(part)
    thread = threading.Thread(target=copy, daemon=True)
    thread.start()
    return thread


def test_a_partition_kept_through_a_cooperative_rebalance_goes_on_where_it_was(
        bootstrap, topic, group, tmp_path):
    """A cooperative rebalance pauses and resumes the partitions a member
    keeps, and resuming fetches from librdkafka's position of each.
    librdkafka 2.1.0 to 2.13.1 set that position one past the end when their
    batch call hands out an end-of-partition event (librdkafka issue 4844):
    the fetch is then out of range, and the partition starts over and is
    shown a second time. The events come in a batch when the member was
    busy as its partitions reached their ends: here its output is a pipe
    that nobody reads until librdkafka has fetched everything."""
    per_partition = 2000
    create_topic(bootstrap, topic, 2)
    out = tmp_path / "a"
    # -vv -X debug=fetch: librdkafka says what each fetch brought.
    a = popen([binary("consumer_chat"), "-b", bootstrap, "-t", topic, "-g", group, *COOPERATIVE,
               "-vv", "-X", "debug=fetch"], stdout=subprocess.PIPE,
              stderr=open(f"{out}.err", "wb"), stdin=subprocess.DEVNULL, env=env())
    wait_for(lambda: "group assigned 2 partition" in diagnostics(out))
    for p in range(2):
        produce(bootstrap, topic, [f"p{p} old {i}" for i in range(per_partition)], "-p", str(p))
    # More than the pipe holds: a waits to write, while librdkafka fetches
    # both partitions to their ends. The answer to its first fetch at the
    # end queues the end-of-partition event; it sends the next fetch only
    # after handling that answer.
    for p in range(2):
        at_end = re.compile(rf"Fetch topic \S+ \[{p}\] at offset {per_partition} \(")
        wait_for(lambda: len(at_end.findall(diagnostics(out))) >= 2)
    drain(a.stdout, out)
    wait_for(lambda: len(messages(out)) >= 2 * per_partition)

    b = consumer(bootstrap, topic, group, tmp_path / "b", *COOPERATIVE, "-v")
    # Both steps of the rebalance are over once b has a partition: a gave
    # one up, and its fetchers were paused and resumed twice.
    wait_for(lambda: "group assigned 1 partition" in diagnostics(tmp_path / "b"))
    for p in range(2):
        produce(bootstrap, topic, [f"p{p} new"], "-p", str(p))
    # A partition started over is shown again before its new line.
    wait_for(lambda: {"p0 new", "p1 new"} <= set(messages(out)) | set(messages(tmp_path / "b")))
    for proc in (a, b):
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    shown = messages(out) + messages(tmp_path / "b")
    twice = [m for m, n in collections.Counter(shown).items() if n > 1]
    assert twice == [], f"{len(twice)} lines shown twice, such as {twice[:3]}"
    assert len(shown) == 2 * per_partition + 2
    # b showed only what came after it took its partition.
    assert [m.split()[1] for m in messages(tmp_path / "b")] == ["new"]


def test_leaving_during_a_cooperative_rebalance_commits_what_was_shown(bootstrap, topic, group,
                                                                      tmp_path):
    """A cooperative member that gave a partition up joins the group again at
    once, to hand it on, and its join waits there for the other members. A
    commit sent meanwhile is answered only after the group's next
    generation, and refused; librdkafka before 2.10 then throws the member's
    new assignment away as lost (librdkafka issue 4059), and the partition
    it kept changes hands with an older commit: shown twice. Here the member
    is stopped just then, with lines shown and not yet committed (no
    automatic commit in this test)."""
    create_topic(bootstrap, topic, 2)
    a_out, b_out = tmp_path / "a", tmp_path / "b"
    a = consumer(bootstrap, topic, group, a_out, *COOPERATIVE, "-v",
                 "-X", "auto.commit.interval.ms=600000")
    wait_for(lambda: "group assigned 2 partition" in diagnostics(a_out))
    for p in range(2):
        produce(bootstrap, topic, [f"p{p} before {i}" for i in range(10)], "-p", str(p))
    wait_for(lambda: len(messages(a_out)) == 20)
    # b learns of the second round from its next heartbeat: 5 s for a to
    # wait in its join.
    b = consumer(bootstrap, topic, group, b_out, *COOPERATIVE, "-v",
                 "-X", "heartbeat.interval.ms=5000")
    wait_for(lambda: "group revoked 1 partition" in diagnostics(a_out))
    a.send_signal(signal.SIGTERM)  # a is joining again to hand its partition on
    assert a.wait(timeout=60) == 0
    for p in range(2):
        produce(bootstrap, topic, [f"p{p} after"], "-p", str(p))
    wait_for(lambda: {"p0 after", "p1 after"} <= set(messages(b_out)))
    b.send_signal(signal.SIGTERM)
    assert b.wait(timeout=30) == 0
    shown = messages(a_out) + messages(b_out)
    twice = [m for m, n in collections.Counter(shown).items() if n > 1]
    assert twice == [], f"shown twice: {twice}\n{diagnostics(a_out)}"
    assert sorted(messages(b_out)) == ["p0 after", "p1 after"]


def test_the_final_commit_leaves_partitions_that_moved_alone(bootstrap, topic, group,
                                                             tmp_path):
    create_topic(bootstrap, topic, 2)
    for p in range(2):
        produce(bootstrap, topic, [f"p{p} old {i}" for i in range(10)], "-p", str(p))
    a = consumer(bootstrap, topic, group, tmp_path / "a", *COOPERATIVE, "-v")
    wait_for(lambda: len(messages(tmp_path / "a")) == 20)
    b = consumer(bootstrap, topic, group, tmp_path / "b", *COOPERATIVE, "-v")
    wait_for(lambda: "group assigned 1 partition" in diagnostics(tmp_path / "b"))
    for p in range(2):
        produce(bootstrap, topic, [f"p{p} new {i}" for i in range(10)], "-p", str(p))
    wait_for(lambda: len(messages(tmp_path / "a")) + len(messages(tmp_path / "b")) == 40)
    # Which partition went to b: the one it shows new lines of.
    moved = int(messages(tmp_path / "b")[0][1])
    # b's commit of its partition (automatic, every 5 s) ...
    wait_for(lambda: committed(bootstrap, group, topic).get(moved) == 20)
    # ... is not moved back by a's final commit, which names only its own.
    a.send_signal(signal.SIGTERM)
    assert a.wait(timeout=30) == 0
    assert committed(bootstrap, group, topic) == {0: 20, 1: 20}
    b.send_signal(signal.SIGTERM)
    assert b.wait(timeout=30) == 0


# ---- a topic written in transactions ------------------------------------------------

def transactional_lines(bootstrap, topic, batches):
    """Writes each (lines, commit?) batch in a transaction of its own with
    kafka-python's transactional producer, as records the seed would send."""
    import json
    from kafka import KafkaProducer
    prod = KafkaProducer(bootstrap_servers=bootstrap.split(","),
                         transactional_id=f"tx-{topic}")
    try:
        prod.init_transactions()
        for lines, commit in batches:
            prod.begin_transaction()
            for text in lines:
                prod.send(topic, json.dumps({"message": text, "time": time.time(),
                                             "sender": "tx"}).encode(), partition=0)
            prod.flush()
            (prod.commit_transaction if commit else prod.abort_transaction)()
    finally:
        prod.close()


def test_chat_catches_up_on_a_transactional_topic_at_once(bootstrap, topic):
    transactional_lines(bootstrap, topic, [(["kept 1", "kept 2"], True),
                                           (["thrown away"], False),
                                           (["kept 3"], True)])
    start = time.monotonic()
    alice = ready(Terminal(bootstrap, topic, "alice"))
    assert time.monotonic() - start < 2 + 1.5, "the catch-up waited for the timeout"
    screen = "\n".join(alice.lines())
    assert "[tx] kept 1" in screen and "[tx] kept 3" in screen
    assert "thrown away" not in screen
    assert alice.leave() == 0


def test_consumer_chat_reads_a_transactional_topic_to_its_end(bootstrap, topic, group):
    transactional_lines(bootstrap, topic, [(["kept"], True), (["thrown away"], False)])
    start = time.monotonic()
    p = subprocess.run([binary("consumer_chat"), "-b", bootstrap, "-t", topic, "-g", group,
                        "-e"], capture_output=True, timeout=60, env=env())
    assert p.returncode == 0, p.stderr.decode()
    assert time.monotonic() - start < 5
    assert "[tx] kept" in p.stdout.decode() and "thrown away" not in p.stdout.decode()


# ---- chat leaving with lines in flight -------------------------------------------------

GONE_PORT = int(os.environ.get("KAFKA_CHAT_GONE_PORT", "9992"))
GONE_DIR = REPO / ".kafka" / f"gone-{GONE_PORT}"


def kafka_sh(*args):
    subprocess.run([KAFKA_SH, *args, "--port", str(GONE_PORT), "--dir", str(GONE_DIR)],
                   check=True, capture_output=True, timeout=180)


@pytest.fixture
def vanishing_broker(topic):
    kafka_sh("clean")
    kafka_sh("start")
    bootstrap = f"127.0.0.1:{GONE_PORT}"
    # A new broker makes the topic, and its offsets topic for the first
    # group, when first asked: seconds on a busy machine, more than the
    # chat's --timeout below, which is about the lines in flight. Both made
    # first (consumer_chat -e waits for the group's coordinator).
    create_topic(bootstrap, topic, 1)
    consume(bootstrap, topic, "warm-up", "-e")
    yield bootstrap
    kafka_sh("clean")


def test_chat_leaving_with_lines_in_flight_reports_them(vanishing_broker, topic):
    alice = ready(Terminal(vanishing_broker, topic, "alice", "--timeout", "3"))
    alice.type("delivered\r")
    alice.wait_for("[alice] delivered ✓")
    kafka_sh("stop")
    alice.type("lost in transit\r")
    assert alice.leave() == 1  # at once: the line is still on its way
    assert "[alice] lost in transit ✗" in "\n".join(alice.lines())

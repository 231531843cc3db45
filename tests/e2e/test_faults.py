"""Faults (issue 7): a broker that is down, restarted or killed, signals,
a reader that goes away, and a three-node cluster losing its partition
leader. Each runs against real brokers started here: a single node of its
own (so stopping it disturbs no other test) and a KRaft cluster."""
import json
import os
import re
import signal
import subprocess
import threading
import time

import pexpect
import pytest

from conftest import (KAFKA_SH, REPO, binary, committed, create_topic, env, kcat_records,
                      kcat_values, produce, wait_for, popen, spawn_pty)
from terminal import Terminal, entered, ready

FAULT_PORT = int(os.environ.get("KAFKA_CHAT_FAULT_PORT", "9492"))
FAULT_DIR = REPO / ".kafka" / f"fault-{FAULT_PORT}"
# scripts/kafka.sh's three nodes: 10000 ports apart from KAFKA_CLUSTER_PORT.
CLUSTER_PORT = int(os.environ.get("KAFKA_CLUSTER_PORT", "19092"))
CLUSTER = ",".join(f"127.0.0.1:{CLUSTER_PORT + n * 10000}" for n in range(3))


def kafka_sh(*args):
    subprocess.run([KAFKA_SH, *args], check=True, capture_output=True, timeout=180)


class Broker:
    """A single node this module may stop and start at will."""
    bootstrap = f"127.0.0.1:{FAULT_PORT}"

    def start(self):
        kafka_sh("start", "--port", str(FAULT_PORT), "--dir", str(FAULT_DIR))

    def stop(self):
        kafka_sh("stop", "--port", str(FAULT_PORT), "--dir", str(FAULT_DIR))


@pytest.fixture(scope="module")
def broker():
    kafka_sh("clean", "--port", str(FAULT_PORT), "--dir", str(FAULT_DIR))
    b = Broker()
    b.start()
    yield b
    kafka_sh("clean", "--port", str(FAULT_PORT), "--dir", str(FAULT_DIR))


@pytest.fixture(scope="module")
def cluster():
    kafka_sh("cluster-clean")
    kafka_sh("cluster-start")
    yield CLUSTER
    kafka_sh("cluster-clean")


def line(i):
    return f"{i:06d} 줄 line"


def feed(proc, count, seconds, last=None):
    """Writes count lines to proc's stdin, spread over about `seconds`."""
    chunk = max(1, count // (seconds * 20))
    try:
        for start in range(0, count, chunk):
            proc.stdin.write("".join(line(i) + "\n"
                                     for i in range(start, min(count, start + chunk))).encode())
            proc.stdin.flush()
            time.sleep(0.05)
        if last:
            proc.stdin.write(last.encode() + b"\n")
        proc.stdin.close()
    except BrokenPipeError:
        pass  # the producer was stopped: that is the test


def shown(path):
    """The messages a consumer_chat output file shows, in order. (While it
    is written, a buffer may end inside a character: replace, not fail.)"""
    with open(path, encoding="utf-8", errors="replace") as f:
        return [l.split("][FRIEND] ", 1)[1] for l in f.read().split("\n")
                if "][FRIEND] " in l]


def start_consumer(bootstrap, topic, group, out, *args):
    return popen([binary("consumer_chat"), "-b", bootstrap, "-t", topic,
                             "-g", group, *args], stdout=open(out, "wb"),
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env())


def start_producer(bootstrap, topic, *args):
    return popen([binary("producer_chat"), "-b", bootstrap, "-t", topic, *args],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env())


# ---- a broker that goes away ---------------------------------------------------

def test_consumer_stopped_while_the_broker_is_away_commits_once_it_is_back(broker, topic,
                                                                           group, tmp_path):
    """Stopped (SIGTERM) while the broker is down, the consumer's final
    commit waits within --timeout for the group's coordinator: librdkafka
    holds a commit that finds none only for a session's time (10 s) and
    then gives up, and from 2.x on it also counts the assignment lost by
    then; a broker (and its coordinator) may take longer to come back. The
    outage here is longer than the session, on purpose."""
    produce(broker.bootstrap, topic, ["before"])
    out = tmp_path / "out"
    cons = start_consumer(broker.bootstrap, topic, group, out, "--timeout", "90")
    wait_for(lambda: shown(out) == ["before"])
    broker.stop()
    try:
        cons.send_signal(signal.SIGTERM)
        time.sleep(12)  # librdkafka gives up on the commit after 10 s
    finally:
        broker.start()
    assert cons.wait(timeout=120) == 0, cons.stderr.read().decode()

    produce(broker.bootstrap, topic, ["after", "exit"])
    again = tmp_path / "again"
    assert start_consumer(broker.bootstrap, topic, group, again).wait(timeout=60) == 0
    assert shown(again) == ["after"]


def test_broker_restart_mid_stream_loses_and_doubles_nothing(broker, topic, group, tmp_path):
    count = 200_000
    out = tmp_path / "out"
    # The restart takes about 10 s on an idle machine and over 30 s (the
    # default --timeout, after which a line counts as undelivered) at a
    # load of 20 on two cores: what is tested is the restart, not its speed.
    cons = start_consumer(broker.bootstrap, topic, group, out, "--timeout", "120")
    prod = start_producer(broker.bootstrap, topic, "--timeout", "120")
    feeder = threading.Thread(target=feed, args=(prod, count, 10, "exit"))
    feeder.start()

    wait_for(lambda: len(shown(out)) > 20_000, timeout=60)
    broker.stop()
    time.sleep(2)
    broker.start()

    feeder.join(timeout=120)
    assert prod.wait(timeout=120) == 0, prod.stderr.read().decode()
    assert cons.wait(timeout=120) == 0, cons.stderr.read().decode()
    sent = [json.loads(v)["message"] for v in kcat_values(broker.bootstrap, topic)]
    assert sent == [line(i) for i in range(count)] + ["exit"]  # the producer's side
    assert shown(out) == [line(i) for i in range(count)]  # the consumer's


class Stream:
    """Lines piped into producer_chat at a steady pace (line(0), line(1),
    ...) until stop(), which sends "exit"."""

    def __init__(self, prod, per_second=2000):
        self.prod = prod
        self.per_second = per_second
        self.sent = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self):
        start = time.monotonic()
        try:
            while not self.stopping.is_set():
                due = int((time.monotonic() - start) * self.per_second)
                if due > self.sent:
                    self.prod.stdin.write("".join(line(i) + "\n"
                                                  for i in range(self.sent, due)).encode())
                    self.prod.stdin.flush()
                    self.sent = due
                time.sleep(0.01)
            self.prod.stdin.write(b"exit\n")
            self.prod.stdin.close()
        except BrokenPipeError:
            pass

    def stop(self):
        self.stopping.set()
        self.thread.join()
        return self.sent


def losing_consumer(bootstrap, topic, group, stdout, err):
    """consumer_chat telling, with librdkafka's group log, when its group
    loses it: that log comes from librdkafka's own thread, also while the
    program waits for its reader."""
    return popen([binary("consumer_chat"), "-b", bootstrap, "-t", topic, "-g", group,
                  "-vv", "-X", "debug=cgrp"], stdout=stdout, stderr=open(err, "wb"),
                 stdin=subprocess.DEVNULL, env=env())


def lose_the_group(broker, err):
    """Stops the broker until the consumer logging to err says that its
    group lost its partition (no answer from the coordinator for a session,
    10 s), then starts it again. The restarted coordinator still counts the
    old member, so the consumer gets its partition back only once that
    member's session runs out, about 10 s later."""
    broker.stop()
    try:
        wait_for(lambda: "partition(s) lost:" in err.read_text(errors="replace"), timeout=60)
    finally:
        broker.start()


def test_consumer_hung_up_before_its_group_gave_the_partition_back_shows_nothing_again(
        broker, topic, group, tmp_path):
    """Hung up (SIGHUP) while lines stream and while its group is still
    handing its partition back after a broker restart, consumer_chat must
    still commit exactly what it showed: started again, it shows nothing
    twice. (It used to commit nothing then, the partition not being its
    own at that moment: what it had shown since the last automatic commit
    came again.)"""
    first, second, err = tmp_path / "1", tmp_path / "2", tmp_path / "1.err"
    cons = losing_consumer(broker.bootstrap, topic, group, open(first, "wb"), err)
    stream = Stream(start_producer(broker.bootstrap, topic, "--timeout", "300"))
    try:
        wait_for(lambda: len(shown(first)) > 5000, timeout=60)
        lose_the_group(broker, err)
        cons.send_signal(signal.SIGHUP)  # at once: the group has not given it back yet
        assert cons.wait(timeout=90) == 0, err.read_text(errors="replace")[-3000:]
        a = shown(first)
        again = start_consumer(broker.bootstrap, topic, group, second)
        wait_for(lambda: shown(second), timeout=60)
    finally:
        sent = stream.stop()
    assert again.wait(timeout=120) == 0
    b = shown(second)
    assert b[0] == line(len(a)), f"the first run showed {len(a)} lines; the second began at {b[0]}"
    assert a + b == [line(i) for i in range(sent)]


def test_consumer_losing_its_partition_mid_batch_shows_no_line_twice(broker, topic, group,
                                                                     tmp_path):
    """A group that drops the consumer while a batch of lines is on its
    way out (its reader slow, its queue full) must not make it show that
    batch again when the partition comes back: what it printed counts as
    shown, lost partition or not."""
    err = tmp_path / "err"
    cons = losing_consumer(broker.bootstrap, topic, group, subprocess.PIPE, err)
    stream = Stream(start_producer(broker.bootstrap, topic, "--timeout", "300"), 5000)
    got = []
    try:
        # Nobody reads yet: consumer_chat blocks on a full pipe with a full
        # queue behind it, and stays so while its group drops it.
        wait_for(lambda: "group assigned" in err.read_text(errors="replace"), timeout=60)
        wait_for(lambda: stream.sent > 30_000, timeout=60)
        lose_the_group(broker, err)
        reader = threading.Thread(target=lambda: got.append(cons.stdout.read()))
        reader.start()
        wait_for(lambda: err.read_text(errors="replace").count("group assigned") >= 2,
                 timeout=90)
    finally:
        sent = stream.stop()
    assert cons.wait(timeout=120) == 0, err.read_text(errors="replace")[-3000:]
    reader.join(timeout=30)
    lines = complete_lines(got[0])
    first_wrong = next((i for i, l in enumerate(lines) if l != line(i)), None)
    assert lines == [line(i) for i in range(sent)], \
        f"{len(lines)} lines for {sent}; the first out of place: {first_wrong}"


def test_unreachable_at_start_names_the_address(broker):
    p = subprocess.run([binary("producer_chat"), "-b", "127.0.0.1:9", "--timeout", "2"],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)
    assert p.returncode == 3
    assert p.stderr.startswith("producer_chat: error: cannot reach Kafka at 127.0.0.1:9 "
                               "within 2 s: ")


def test_interactive_line_that_cannot_be_delivered_is_reported_and_typing_goes_on(
        broker, topic):
    prod = spawn_pty(binary("producer_chat"), ["-b", broker.bootstrap, "-t", topic,
                                                   "--timeout", "3"],
                         env=env(), encoding="utf-8", timeout=60)
    prod.expect_exact("YOU: ")
    prod.sendline("before")
    prod.expect_exact("YOU: ")
    broker.stop()
    try:
        prod.sendline("while down")
        prod.expect_exact('producer_chat: error: not delivered: "while down": '
                          'Local: Message timed out')
        prod.expect_exact("YOU: ")
    finally:
        broker.start()
    prod.sendline("after")
    prod.expect_exact("YOU: ")
    prod.sendline("exit")
    prod.expect(pexpect.EOF)
    prod.close()
    assert prod.exitstatus == 1  # one line was not delivered
    assert [json.loads(v)["message"] for v in kcat_values(broker.bootstrap, topic)] == \
        ["before", "after", "exit"]


def test_sigterm_with_the_broker_down_reports_the_undelivered_count(broker, topic):
    produce(broker.bootstrap, topic, ["warm up"])
    prod = start_producer(broker.bootstrap, topic, "--timeout", "4")
    prod.stdin.write(b"first\n")
    prod.stdin.flush()
    wait_for(lambda: len(kcat_values(broker.bootstrap, topic)) == 2)
    broker.stop()
    try:
        prod.stdin.write(b"".join(b"lost %d\n" % i for i in range(100)))
        prod.stdin.flush()
        time.sleep(0.5)
        start = time.monotonic()
        prod.send_signal(signal.SIGTERM)
        assert prod.wait(timeout=30) == 1
        assert time.monotonic() - start < 8  # the bounded wait: --timeout
    finally:
        broker.start()
    assert prod.stderr.read().decode().splitlines()[-1] == \
        "producer_chat: error: 100 of 101 lines not delivered"


def test_a_second_ctrl_c_gives_up_at_once(broker, topic):
    produce(broker.bootstrap, topic, ["warm up"])
    prod = start_producer(broker.bootstrap, topic)  # 30 s timeout
    broker.stop()
    try:
        prod.stdin.write(b"one\ntwo\n")
        prod.stdin.flush()
        time.sleep(0.5)
        start = time.monotonic()
        prod.send_signal(signal.SIGINT)
        time.sleep(0.5)
        prod.send_signal(signal.SIGINT)
        assert prod.wait(timeout=30) == 1
        assert time.monotonic() - start < 3
    finally:
        broker.start()
    err = prod.stderr.read().decode()
    assert "delivering 2 line(s) still on their way; Ctrl-C gives up" in err
    assert err.splitlines()[-1] == "producer_chat: error: 2 of 2 lines not delivered"


def test_chat_tells_of_a_broker_gone_above_the_line_being_typed(broker, topic):
    """librdkafka's warnings come while you type: the chat shows them as
    its notices above your input line, which stays as it was."""
    produce(broker.bootstrap, topic, ["warm up"])
    # In the room's group before the broker goes: bob's coming is then news.
    alice = entered(Terminal(broker.bootstrap, topic, "alice"))
    alice.type("half a sen")
    typed = (alice.prompt() + "half a sen").rstrip()
    assert alice.input_line() == (typed, len(typed))
    broker.stop()
    try:
        alice.wait_for("-!- kafka: ", timeout=60)
        notices = [l for l in alice.lines() if l.startswith("-!- kafka: ")]
        assert notices and all("brokers are down" in l or "Connect to" in l
                               or "Disconnected" in l for l in notices), alice.lines()
        assert alice.input_line() == (typed, len(typed))  # the line, and the cursor on it
        assert not [l for l in alice.lines() if "warning" in l or
                    ("half a sen" in l and l != typed)], alice.lines()
    finally:
        broker.start()
    alice.type("tence\r")
    alice.wait_for("[alice] half a sentence ✓", timeout=60)
    # Who is here is followed again (librdkafka up to 2.14 aborted now and
    # then here, on a member-list request that had timed out meanwhile).
    bob = ready(Terminal(broker.bootstrap, topic, "bob"))
    alice.wait_for("-!- bob 님이 들어왔습니다.", timeout=60)
    assert bob.leave() == 0
    assert alice.leave() == 0
    assert json.loads(kcat_values(broker.bootstrap, topic)[-1])["message"] == "half a sentence"


# ---- signals and readers, on the shared test broker ------------------------------

def end_offset(bootstrap, topic):
    """Where partition 0 of topic ends now (0 before it is there)."""
    p = subprocess.run(["kcat", "-Q", "-b", bootstrap, "-t", f"{topic}:0:-1"],
                       capture_output=True, text=True, timeout=30)
    m = re.search(r"\[0\] offset (\d+)", p.stdout)
    return int(m.group(1)) if m else 0


def test_sigterm_mid_pipe_delivers_what_was_read(bootstrap, topic):
    prod = start_producer(bootstrap, topic)
    feeder = threading.Thread(target=feed, args=(prod, 100_000, 10))
    feeder.start()
    # Some of the input is in (the feed takes about 10 s): on a busy machine
    # a fixed 3 s could pass before the first line was.
    wait_for(lambda: end_offset(bootstrap, topic) > 1000, timeout=60)
    prod.send_signal(signal.SIGTERM)
    assert prod.wait(timeout=60) == 0, prod.stderr.read().decode()
    feeder.join(timeout=30)
    messages = [json.loads(v)["message"] for v in kcat_values(bootstrap, topic)]
    # A prefix of the input: in order, no gap, nothing twice.
    assert 1000 < len(messages) < 100_000
    assert messages == [line(i) for i in range(len(messages))]


def blocked_consumer(bootstrap, topic, group, *args):
    """A consumer whose reader does not read yet: it fills the pipe (64 kB,
    about a thousand lines) and blocks writing, mid-stream."""
    cons = popen([binary("consumer_chat"), "-b", bootstrap, "-t", topic,
                             "-g", group, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env())
    time.sleep(2)
    return cons


def complete_lines(data):
    """The messages of the whole lines a reader got (a stop may cut the last
    one short: that one was not shown, and is shown again after a restart)."""
    text = data.decode("utf-8", errors="replace")
    return [l.split("][FRIEND] ", 1)[1] for l in text.split("\n")[:-1]
            if "][FRIEND] " in l]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_consumer_stopped_by_signal_resumes_without_repeats_or_gaps(
        bootstrap, topic, group, tmp_path, sig):
    count = 100_000
    produce(bootstrap, topic, [line(i) for i in range(count)] + ["exit"])
    cons = blocked_consumer(bootstrap, topic, group)
    cons.send_signal(sig)
    first = cons.stdout.read()  # the reader reads at last
    assert cons.wait(timeout=30) == 0, cons.stderr.read().decode()
    second = tmp_path / "2"
    again = start_consumer(bootstrap, topic, group, second)
    assert again.wait(timeout=60) == 0
    a, b = complete_lines(first), shown(second)
    assert 100 < len(a) < count
    assert a + b == [line(i) for i in range(count)]


def test_consumer_stopped_by_signal_while_idle(bootstrap, topic, group, tmp_path):
    produce(bootstrap, topic, [line(i) for i in range(10)])
    first, second = tmp_path / "1", tmp_path / "2"
    cons = start_consumer(bootstrap, topic, group, first)
    wait_for(lambda: len(shown(first)) == 10)
    cons.send_signal(signal.SIGINT)
    assert cons.wait(timeout=30) == 0
    assert first.read_text().endswith("[FRIEND] 000009 줄 line\n\n채팅 종료\n")
    produce(bootstrap, topic, [line(10), "exit"])
    assert start_consumer(bootstrap, topic, group, second).wait(timeout=60) == 0
    assert shown(second) == [line(10)]


def test_consumer_killed_resumes_with_no_gap(bootstrap, topic, group):
    count = 100_000
    produce(bootstrap, topic, [line(i) for i in range(count)] + ["exit"])
    cons = blocked_consumer(bootstrap, topic, group, "-X", "auto.commit.interval.ms=200")
    cons.send_signal(signal.SIGKILL)
    first = cons.stdout.read()
    cons.wait(timeout=30)
    start = time.monotonic()
    again = subprocess.run([binary("consumer_chat"), "-b", bootstrap, "-t", topic, "-g", group],
                           capture_output=True, timeout=120, env=env(),
                           stdin=subprocess.DEVNULL)
    assert again.returncode == 0
    # The dead member's partitions come free after its session (10 s).
    assert time.monotonic() - start < 30
    a, b = complete_lines(first), complete_lines(again.stdout)
    # The restart begins at or before where the killed one stopped: a few
    # lines may repeat, none is missing.
    restart = int(b[0].split()[0])
    assert 0 < len(a) < count and restart <= len(a)
    assert a[:restart] + b == [line(i) for i in range(count)]


def test_closed_reader_ends_the_consumer_quietly_and_commits_only_what_was_written(
        bootstrap, topic, group):
    produce(bootstrap, topic, ["one"])
    shell = popen(f"'{binary('consumer_chat')}' -b {bootstrap} -t {topic} "
                             f"-g {group} | head -3", shell=True, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env())
    out, err = shell.communicate(timeout=30)  # ends at once: no new record needed
    assert shell.returncode == 0 and err == b""
    assert out.decode().splitlines()[2].endswith("][FRIEND] one")

    produce(bootstrap, topic, ["two", "exit"])
    p = subprocess.run([binary("consumer_chat"), "-b", bootstrap, "-t", topic, "-g", group],
                       capture_output=True, timeout=60, env=env(), stdin=subprocess.DEVNULL)
    assert "[FRIEND] one" not in p.stdout.decode()
    assert "[FRIEND] two\n" in p.stdout.decode()


def test_consumer_exit_status_when_the_reader_leaves_mid_stream(bootstrap, topic, group):
    produce(bootstrap, topic, [line(i) for i in range(50_000)])
    p = subprocess.run(f"'{binary('consumer_chat')}' -b {bootstrap} -t {topic} -g {group}"
                       " | head -5 >/dev/null; echo ${PIPESTATUS[0]}", shell=True,
                       executable="/bin/bash", capture_output=True, timeout=60, env=env())
    assert p.stdout.decode().strip() == "0" and p.stderr == b""


# ---- a cluster losing its leader --------------------------------------------------

def partitions_of(bootstrap, topic):
    """The topic's partitions as the cluster's metadata has them (kcat -L)."""
    md = json.loads(subprocess.run(["kcat", "-L", "-J", "-b", bootstrap, "-t", topic],
                                   capture_output=True, check=True, timeout=30).stdout)
    return md["topics"][0]["partitions"]


def leader_of(bootstrap, topic):
    return partitions_of(bootstrap, topic)[0]["leader"]


@pytest.mark.slow
def test_cluster_leader_killed_mid_stream(cluster, topic, group, tmp_path):
    count = 200_000
    create_topic(cluster, topic, 1, replicas=3)
    out = tmp_path / "out"
    cons = start_consumer(cluster, topic, group, out, "-v")
    prod = start_producer(cluster, topic, "-v")
    feeder = threading.Thread(target=feed, args=(prod, count, 12, "exit"))
    feeder.start()

    wait_for(lambda: len(shown(out)) > 20_000, timeout=60)
    victim = leader_of(cluster, topic)
    kafka_sh("node-kill", str(victim))
    try:
        feeder.join(timeout=180)
        try:
            assert prod.wait(timeout=120) == 0
            assert cons.wait(timeout=120) == 0
        except (AssertionError, subprocess.TimeoutExpired):
            for p in (prod, cons):
                p.kill()
            raise AssertionError(
                f"{len(shown(out))} lines shown; producer: {prod.stderr.read().decode()}"
                f"\nconsumer: {cons.stderr.read().decode()}")
    finally:
        kafka_sh("node-start", str(victim))
    assert shown(out) == [line(i) for i in range(count)]


def test_chat_enters_its_room_while_the_leader_is_replaced(cluster, topic):
    """The room's leader killed just before a chat comes in: for a few
    seconds the cluster still names the dead broker leader, and a question
    to it fails at once. Entering asks again until the new leader answers
    (within --timeout): the chat comes in with the room's lines."""
    create_topic(cluster, topic, 1, replicas=3)
    produce(cluster, topic, [f"before {i}" for i in range(5)])
    victim = leader_of(cluster, topic)
    kafka_sh("node-kill", str(victim))
    try:
        heir = Terminal(cluster, topic, "heir", "--timeout", "60")
        heir.wait_for(" 방에 지금 ", timeout=60)
        assert heir.child.isalive(), heir.lines()
        assert [l.split("] ", 1)[1] for l in heir.lines() if "[FRIEND]" in l] == \
            [f"before {i}" for i in range(5)]
        assert not [l for l in heir.lines() if "cannot" in l], heir.lines()
    finally:
        kafka_sh("node-start", str(victim))
    assert heir.leave() == 0


def node_address(node):
    """The address of the cluster's node N (scripts/kafka.sh's ports)."""
    return CLUSTER.split(",")[node - 1]


def coordinator_of(bootstrap, group):
    """The node that coordinates group: the leader of the group's partition
    of __consumer_offsets, which Kafka picks as Utils.abs(the Java
    hashCode of its id) modulo their number."""
    assert group.isascii()  # one UTF-16 unit per character
    h = 0
    for ch in group:
        h = (31 * h + ord(ch)) & 0xFFFFFFFF
    h = abs(h - (1 << 32) if h >= 1 << 31 else h) if h != 1 << 31 else 0
    parts = partitions_of(bootstrap, "__consumer_offsets")
    return next(p["leader"] for p in parts if p["partition"] == h % len(parts))


def test_chat_keeps_its_place_after_the_coordinator_moved(cluster, topic, group):
    """The broker that coordinates your place is frozen until the cluster
    gives the group to another, then thawed: up again, it answers "not
    coordinator", and librdkafka, which never forgets a coordinator that is
    up, would ask it until --timeout (60 s) at /quit and lose the place.
    The place's requests go to a new client instead: /quit is quick, and
    the place is where the chat's lines end."""
    create_topic(cluster, topic, 1, replicas=3)
    produce(cluster, topic, [f"before {i}" for i in range(5)])
    chat = entered(Terminal(cluster, topic, "keeper", "--timeout", "60", "-g", group))
    chat.wait_for("before 4")
    old = coordinator_of(cluster, group)
    others = ",".join(node_address(n) for n in (1, 2, 3) if n != old)
    kafka_sh("node-pause", str(old))
    try:
        wait_for(lambda: coordinator_of(others, group) != old, timeout=60)
    finally:
        kafka_sh("node-resume", str(old))
    produce(cluster, topic, [f"after {i}" for i in range(3)])
    chat.wait_for("after 2", timeout=60)
    began = time.monotonic()
    assert chat.leave(timeout=90) == 0
    took = time.monotonic() - began
    assert not [l for l in chat.lines() if "cannot" in l], chat.lines()
    assert took < 15, f"/quit took {took:.1f} s"
    assert committed(cluster, group, topic) == {0: 8}


def test_consumer_forgotten_by_its_group_still_commits_what_it_printed(bootstrap, topic,
                                                                         group, tmp_path):
    """Frozen past its session (SIGSTOP), the consumer is dropped from the
    group; woken, it shows what came meanwhile and must still commit it
    (joining again if its commit is refused), so a restart repeats nothing."""
    produce(bootstrap, topic, ["before"])
    out = tmp_path / "out"
    cons = start_consumer(bootstrap, topic, group, out, "-X", "session.timeout.ms=6000",
                          "-X", "heartbeat.interval.ms=1000")
    wait_for(lambda: shown(out) == ["before"])
    cons.send_signal(signal.SIGSTOP)
    try:
        produce(bootstrap, topic, ["while frozen", "exit"])
        time.sleep(9)  # the session (6 s) runs out: the group forgets it
    finally:
        cons.send_signal(signal.SIGCONT)
    assert cons.wait(timeout=60) == 0, cons.stderr.read().decode()
    assert shown(out) == ["before", "while frozen"]

    produce(bootstrap, topic, ["after", "exit"])
    again = tmp_path / "again"
    assert start_consumer(bootstrap, topic, group, again).wait(timeout=60) == 0
    assert shown(again) == ["after"]

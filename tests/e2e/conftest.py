"""Shared fixtures of the end-to-end tests: a real Kafka broker, fresh
topic and group names, and helpers that run the real binaries."""
import json
import os
import re
import subprocess
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("KAFKA_CHAT_BIN", REPO))
KAFKA_SH = REPO / "scripts" / "kafka.sh"
TEST_PORT = int(os.environ.get("KAFKA_CHAT_TEST_PORT", "9392"))

# Peak RSS allowed to either program. AddressSanitizer's shadow memory and
# quarantine (256 MiB by default) add a few hundred MiB to any program, so
# `make test-asan` (which sets KAFKA_CHAT_SANITIZED) checks a looser bound.
RSS_LIMIT_KIB = (512 if os.environ.get("KAFKA_CHAT_SANITIZED") else 64) * 1024

# Program texts, from the seed.
PRODUCER_BANNER = "채팅 프로그램 - 메시지 발신\n메시지를 입력하세요. (종료시 'exit' 입력)\n"
CONSUMER_BANNER = "채팅 프로그램 - 메시지 수신\n메시지 대기 중...\n"


def _kafka_sh_default_version():
    m = re.search(r'^KAFKA_VERSION=\$\{KAFKA_VERSION:-([0-9.]+)\}', KAFKA_SH.read_text(), re.M)
    assert m, "no default KAFKA_VERSION in scripts/kafka.sh"
    return m.group(1)


# The Kafka the tests' brokers run (scripts/kafka.sh takes KAFKA_VERSION),
# and the librdkafka our programs were built with, as tuples of numbers.
KAFKA_VERSION = tuple(int(n) for n in
                      (os.environ.get("KAFKA_VERSION") or _kafka_sh_default_version()).split("."))


def librdkafka_version():
    out = subprocess.run([str(BIN / "producer_chat"), "--version"], capture_output=True,
                         text=True, check=True).stdout
    m = re.search(r"\(librdkafka ([0-9.]+)", out)
    assert m, out
    return tuple(int(n) for n in m.group(1).split("."))


def exit_lines(when):
    return (f"[{when}] 발신자가 프로그램을 종료하였습니다.\n"
            f"[{when}] 수신 프로그램을 종료합니다.\n")


@pytest.fixture(scope="session", autouse=True)
def pair(record_testsuite_property):
    """What this run tests: the Kafka of its brokers and our programs'
    librdkafka, in the JUnit results (tests/matrix.py reads them)."""
    record_testsuite_property("kafka", ".".join(map(str, KAFKA_VERSION)))
    record_testsuite_property("librdkafka", ".".join(map(str, librdkafka_version())))


@pytest.fixture(scope="session")
def bootstrap():
    """A real single-node KRaft broker, started by scripts/kafka.sh on a
    port of its own (unless KAFKA_CHAT_TEST_BOOTSTRAP names one), stopped
    at the end if this session started it."""
    given = os.environ.get("KAFKA_CHAT_TEST_BOOTSTRAP")
    if given:
        yield given
        return
    # One state folder per Kafka version: a folder formatted by another
    # version keeps that version's feature levels.
    state = REPO / ".kafka" / f"test-{TEST_PORT}-{'.'.join(map(str, KAFKA_VERSION))}"
    already = subprocess.run([KAFKA_SH, "status", "--port", str(TEST_PORT),
                              "--dir", state], capture_output=True).returncode == 0
    subprocess.run([KAFKA_SH, "start", "--port", str(TEST_PORT), "--dir", state],
                   check=True)
    yield f"127.0.0.1:{TEST_PORT}"
    if not already and not os.environ.get("KAFKA_CHAT_KEEP_BROKER"):
        subprocess.run([KAFKA_SH, "stop", "--port", str(TEST_PORT), "--dir", state],
                       check=True)


def unique(prefix, request):
    # Kafka names allow letters, digits, '.', '_' and '-' only.
    name = re.sub(r"[^A-Za-z0-9._-]", "_", request.node.name)[:40]
    return f"{prefix}-{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def topic(request):
    return unique("t", request)


@pytest.fixture
def group(request):
    return unique("g", request)


# Every process a test starts, so that none outlives a failed test.
_STARTED = []


def popen(*args, **kwargs):
    proc = subprocess.Popen(*args, **kwargs)
    _STARTED.append(proc)
    return proc


def spawn_pty(*args, **kwargs):
    """pexpect.spawn, reaped after the test like popen()."""
    import pexpect
    child = pexpect.spawn(*args, **kwargs)
    _STARTED.append(child)
    return child


@pytest.fixture(autouse=True)
def reap_processes():
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if hasattr(proc, "terminate") and hasattr(proc, "isalive"):
            if proc.isalive():
                proc.terminate(force=True)
        elif proc.poll() is None:
            proc.kill()
            proc.wait()


def measured(args, tmp_path, **kwargs):
    """Starts args under tests/peakrss; returns (process, peak) where
    peak() reads the program's own peak RSS in KiB once it has ended. (A
    child of this big test process would report our size too.)"""
    out = tmp_path / f"peakrss-{uuid.uuid4().hex[:8]}"
    proc = popen([str(BIN / "tests" / "peakrss"), str(out), *args], **kwargs)
    return proc, lambda: int(out.read_text())


def binary(name):
    return str(BIN / name)


def env(tz="Asia/Seoul"):
    e = dict(os.environ)
    e["TZ"] = tz
    return e


def produce(bootstrap, topic, lines, *args, timeout=60, check=True):
    """Runs producer_chat with the lines piped in; returns the process."""
    data = lines if isinstance(lines, bytes) else "".join(f"{l}\n" for l in lines).encode()
    p = subprocess.run([binary("producer_chat"), "-b", bootstrap, "-t", topic, *args],
                       input=data, capture_output=True, timeout=timeout, env=env())
    if check:
        assert p.returncode == 0, p.stderr.decode()
    return p


def consume(bootstrap, topic, group, *args, timeout=60, tz="Asia/Seoul", check=True):
    """Runs consumer_chat until it ends by itself (an exit record)."""
    p = subprocess.run([binary("consumer_chat"), "-b", bootstrap, "-t", topic,
                        "-g", group, *args], capture_output=True, timeout=timeout,
                       env=env(tz), stdin=subprocess.DEVNULL)
    if check:
        assert p.returncode == 0, p.stderr.decode()
    return p


def raw_produce(bootstrap, topic, values, partition=None):
    """Writes raw record values (bytes, or None for a null value) with
    kafka-python, in order."""
    from kafka import KafkaProducer
    prod = KafkaProducer(bootstrap_servers=bootstrap.split(","))
    try:
        for v in values:
            # kafka-python sends a null value only with a key.
            key = b"null value" if v is None else None
            prod.send(topic, key=key, value=v, partition=partition).get(timeout=30)
    finally:
        prod.close()


def create_topic(bootstrap, topic, partitions, replicas=1):
    """Creates a topic (kafka-python's admin)."""
    from kafka.admin import KafkaAdminClient, NewTopic
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","))
    try:
        admin.create_topics([NewTopic(topic, partitions, replicas)])
    finally:
        admin.close()


def kcat_records(bootstrap, topic, timeout=30):
    """Every record of the topic, as kcat -J envelopes (dicts)."""
    p = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-e", "-J", "-q"],
                       capture_output=True, timeout=timeout)
    if p.returncode != 0 and b"Unknown topic" in p.stderr:
        return []  # nothing produced yet
    assert p.returncode == 0, p.stderr.decode()
    return [json.loads(l) for l in p.stdout.decode(errors="replace").splitlines() if l]


def records_with_headers(bootstrap, topic, count, timeout=30):
    """The first count records of the topic as (value, headers) with
    kafka-python, headers a list of (name, bytes)."""
    from kafka import KafkaConsumer
    cons = KafkaConsumer(topic, bootstrap_servers=bootstrap.split(","),
                         auto_offset_reset="earliest", enable_auto_commit=False,
                         consumer_timeout_ms=timeout * 1000)
    try:
        got = []
        for rec in cons:
            got.append((rec.value, list(rec.headers)))
            if len(got) == count:
                break
        return got
    finally:
        cons.close()


def committed(bootstrap, group, topic):
    """The group's committed offsets of the topic, by partition."""
    from kafka.admin import KafkaAdminClient
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","))
    try:
        return {tp.partition: meta.offset
                for tp, meta in admin.list_group_offsets(group)[group].items()
                if tp.topic == topic}
    finally:
        admin.close()


def kcat_values(bootstrap, topic):
    return [r["payload"] for r in kcat_records(bootstrap, topic)]


def fromtimestamp(t, tz="Asia/Seoul"):
    """Python's own str(datetime.fromtimestamp(t)) in zone tz."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = tz
    time.tzset()
    try:
        return str(datetime.fromtimestamp(t))
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def expected_consumer_output(values, tz="Asia/Seoul", names=True):
    """What the seed's consumerChat.py prints for these record values; with
    names, what consumer_chat prints: a record's "sender" instead of FRIEND."""
    out = CONSUMER_BANNER
    for v in values:
        data = json.loads(v)
        when = fromtimestamp(data["time"], tz)
        if data["message"].lower() == "exit":
            return out + exit_lines(when)
        sender = data.get("sender") if names and isinstance(data.get("sender"), str) \
            else "FRIEND"
        out += f"[{when}][{sender}] {data['message']}\n"
    return out


def wait_for(predicate, timeout=30, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")

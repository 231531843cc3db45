"""Encrypted rooms (issue 24): lines sealed with a room's passphrase and
signed by their writer, which the people who run the cluster can neither
read nor forge. Checked on the real broker with kafka-chat in terminals,
producer_chat and consumer_chat with --key-file, the seed scripts (which
show a placeholder), records a hostile writer makes with the format's own
Python implementation (sealformat.py), and the broker's segment files."""
import base64
import json
import os
import re
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from nacl import bindings as nacl_bindings

import sealformat as sf
from conftest import (KAFKA_VERSION, REPO, TEST_PORT, binary, env, fromtimestamp, kcat_values,
                      raw_produce, records_with_headers)
from terminal import Terminal, ready

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "seed"))
from substitute import seed_script  # noqa: E402  (tests/seed/substitute.py)

PASSPHRASE = "correct horse battery staple 비밀"
PLACEHOLDER_LINE = re.compile(r"^\[[^]]+\]\[FRIEND\] 🔒 \(암호화된 메시지\)$")
PYTHON = REPO / ".venv" / "bin" / "python"


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "room.key"
    path.write_text(PASSPHRASE + "\n")
    path.chmod(0o600)
    return str(path)


@pytest.fixture
def names():
    """Names of this test's people: the keys published on kafka-chat.keys
    are the whole cluster's, one per name, as names are in a chat."""
    tag = uuid.uuid4().hex[:6]
    return lambda name: f"{name}-{tag}"


@pytest.fixture
def homes(tmp_path):
    """A data folder (XDG_DATA_HOME) per person: their identity, their pins."""
    def home(name):
        path = tmp_path / f"home-{name}"
        path.mkdir(exist_ok=True)
        return str(path)
    return home


def person_env(home):
    e = env()
    e["XDG_DATA_HOME"] = home
    return e


def producer(bootstrap, topic, lines, home, *args, check=True):
    data = "".join(f"{l}\n" for l in lines).encode()
    p = subprocess.run([binary("producer_chat"), "-b", bootstrap, "-t", topic, *args],
                       input=data, capture_output=True, timeout=120, env=person_env(home))
    if check:
        assert p.returncode == 0, p.stderr.decode()
    return p


def consumer(bootstrap, topic, group, home, *args):
    """consumer_chat to the end of the topic; (stdout, stderr) as text."""
    p = subprocess.run([binary("consumer_chat"), "-b", bootstrap, "-t", topic, "-g", group,
                        "-e", *args], capture_output=True, timeout=120, env=person_env(home),
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr.decode()
    return p.stdout.decode(), p.stderr.decode()


def chat(bootstrap, topic, name, home, *args):
    return ready(Terminal(bootstrap, topic, name, *args, environ={"XDG_DATA_HOME": home}))


def wait_said(term, text, timeout=30):
    """Waits until the chat wrote text (a long notice wraps on the screen)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        term.pump(0.1)
        if any(text in l for l in term.written_lines("")):
            return
    raise AssertionError(f"{text!r} not written:\n" + "\n".join(term.written_lines("")))


def shown_lines(out):
    """consumer_chat's message lines: [time][sender] text."""
    return [l for l in out.splitlines() if l.startswith("[")]


def room_key(value):
    """The room key of a record sealed with PASSPHRASE."""
    salt, _, _ = sf.envelope(value)
    return sf.derive(PASSPHRASE.encode(), salt)


def identity_of(home):
    """(seed, public key) of a person's identity file."""
    seed = (Path(home) / "kafka-chat" / "identity").read_bytes()
    return seed, sf.keypair(seed)[0]


# ---- talking -------------------------------------------------------------------------

def test_two_chats_talk_sealed_and_everyone_else_sees_a_placeholder(
        bootstrap, topic, group, key_file, homes, names):
    a, b = names("alice"), names("bob")
    alice = chat(bootstrap, topic, a, homes("alice"), "--key-file", key_file)
    alice.wait_for("암호화된 방입니다")
    bob = Terminal(bootstrap, topic, b, "--encrypted", environ={"XDG_DATA_HOME": homes("bob")})
    bob.wait_for(f"{topic} 방의 암호")
    bob.type(PASSPHRASE + "\r")
    ready(bob)
    # Typed, never shown.
    assert PASSPHRASE.encode() not in bob.raw
    assert not [l for l in bob.lines() if "correct horse" in l]

    alice.type("안녕 bob, 비밀 회의는 3시\r")
    alice.wait_for(f"[{a}] 안녕 bob, 비밀 회의는 3시 ✓")
    bob.wait_for(f"[{a}] 안녕 bob, 비밀 회의는 3시")
    bob.type("알겠어\r")
    alice.wait_for(f"[{b}] 알겠어")
    # /last searches the lines, not the placeholders the brokers keep.
    bob.type("/last 회의\r")
    bob.wait_for('-!- "회의": 1개 찾음')
    found = bob.lines()
    at = found.index(f'-!- "회의" 찾기: {topic} 방의 최근 메시지 2개')
    assert any(l.endswith(f"[{a}] 안녕 bob, 비밀 회의는 3시") for l in found[at + 1:at + 3]), found[at:]
    bob.type("/last 암호화된\r")
    bob.wait_for('-!- "암호화된": 0개 찾음')
    assert alice.leave() == 0
    status = bob.leave()
    assert status == 0, (bob.child.signalstatus, bob.raw[-2000:])

    # Those without the key see that something was said, and when.
    values = kcat_values(bootstrap, topic)
    assert len(values) == 2
    out, err = consumer(bootstrap, topic, group, homes("carol"))
    assert len(shown_lines(out)) == 2 and all(PLACEHOLDER_LINE.match(l) for l in shown_lines(out))
    for v in values:
        data = json.loads(v)
        assert list(data) == ["message", "time", "sealed"]
        assert data["message"] == sf.PLACEHOLDER
        assert v == json.dumps(data)  # json.dumps' own bytes
        assert f"[{fromtimestamp(data['time'])}]" in out

    # With the key: the lines, their names, their times; --json alike.
    out, err = consumer(bootstrap, topic, group + "-key", homes("carol"), "--key-file", key_file)
    t0, t1 = (json.loads(v)["time"] for v in values)
    assert shown_lines(out) == [f"[{fromtimestamp(t0)}][{a}] 안녕 bob, 비밀 회의는 3시",
                                f"[{fromtimestamp(t1)}][{b}] 알겠어"]
    assert f"first key seen for '{a}'" in err and "warning" not in err
    out, _ = consumer(bootstrap, topic, group + "-json", homes("carol"), "--key-file", key_file,
                      "--json")
    assert [json.loads(l) for l in out.splitlines()] == [
        {"message": "안녕 bob, 비밀 회의는 3시", "time": t0, "sender": a, "partition": 0,
         "offset": 0},
        {"message": "알겠어", "time": t1, "sender": b, "partition": 0, "offset": 1}]

    # The format's other implementation opens them: signed by each one's
    # identity key, the line inside as json.dumps writes it.
    _, alice_key = identity_of(homes("alice"))
    pk, inner = sf.open_record(room_key(values[0]), topic, values[0])
    assert pk == alice_key and inner == {"message": "안녕 bob, 비밀 회의는 3시", "time": t0,
                                         "sender": a}
    # bob wrote with the salt of alice's line: one key for the room.
    assert sf.envelope(values[0])[0] == sf.envelope(values[1])[0]


def test_the_seed_scripts_see_the_placeholder(bootstrap, topic, group, key_file, homes, names,
                                              tmp_path):
    a = names("alice")
    producer(bootstrap, topic, ["seed readers cannot read this"], homes("alice"),
             "--key-file", key_file, "--name", a)
    # The seed's consumer ends on an exit record: one in clear.
    producer(bootstrap, topic, ["exit"], homes("alice"))
    script = seed_script("consumerChat.py", tmp_path, bootstrap, topic, group)
    e = env()
    e["LC_ALL"] = "C.UTF-8"
    p = subprocess.run([PYTHON, script], capture_output=True, timeout=120, env=e,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr.decode()
    lines = p.stdout.decode().splitlines()
    assert PLACEHOLDER_LINE.match(lines[2]), lines
    assert "seed readers" not in p.stdout.decode() and a not in p.stdout.decode()

    # A seed producer writing into the encrypted room: its line is not
    # shown to those who read with the key (anyone could have written it).
    seed = seed_script("producerChat.py", tmp_path, bootstrap, topic)
    p = subprocess.run([PYTHON, seed], input="in clear\n".encode(), capture_output=True,
                       timeout=120, env=e)
    assert "EOFError" in p.stderr.decode()  # the seed dies at the end of its input
    out, err = consumer(bootstrap, topic, group + "-key", homes("bob"), "--key-file", key_file)
    assert len(shown_lines(out)) == 1
    assert shown_lines(out)[0].endswith(f"[{a}] seed readers cannot read this")
    assert f"{topic} [0] offset 1: not sealed" in err
    assert f"{topic} [0] offset 2: not sealed" in err


def test_producer_chat_and_consumer_chat_with_a_key_file(bootstrap, topic, group, key_file, homes,
                                                         names):
    d = names("dave")
    lines = ["첫 줄", "quotes \" and \\ and 😀", "", "exit"]
    e = person_env(homes("dave"))
    e["USER"] = d  # no --name: the login name
    p = subprocess.run([binary("producer_chat"), "-b", bootstrap, "-t", topic, "--key-file",
                        key_file], input="".join(f"{l}\n" for l in lines).encode(),
                       capture_output=True, timeout=120, env=e)
    assert p.returncode == 0, p.stderr.decode()
    assert "made your identity key" in p.stderr.decode()
    identity = Path(homes("dave")) / "kafka-chat" / "identity"
    assert stat.S_IMODE(identity.stat().st_mode) == 0o600
    assert stat.S_IMODE(identity.parent.stat().st_mode) == 0o700
    producer(bootstrap, topic, ["again"], homes("dave"), "--key-file", key_file, "--name", d)

    values = kcat_values(bootstrap, topic)
    out, err = consumer(bootstrap, topic, group, homes("erin"), "--key-file", key_file)
    times = [json.loads(v)["time"] for v in values]
    assert out.splitlines() == [
        "채팅 프로그램 - 메시지 수신", "메시지 대기 중...",
        f"[{fromtimestamp(times[0])}][{d}] 첫 줄",
        f"[{fromtimestamp(times[1])}][{d}] quotes \" and \\ and 😀",
        f"[{fromtimestamp(times[2])}][{d}] ",
        f"[{fromtimestamp(times[3])}] 발신자가 프로그램을 종료하였습니다.",  # a sealed exit
        f"[{fromtimestamp(times[3])}] 수신 프로그램을 종료합니다."]
    # The second run learnt the room's salt from the first's lines.
    assert len({sf.envelope(v)[0] for v in values}) == 1
    assert len({sf.envelope(v)[1] for v in values}) == len(values)  # a nonce each
    pk, inner = sf.open_record(room_key(values[4]), topic, values[4])
    assert inner["sender"] == d and inner["message"] == "again"
    assert pk == identity_of(homes("dave"))[1]
    pins = (Path(homes("erin")) / "kafka-chat" / "known_keys")
    assert stat.S_IMODE(pins.stat().st_mode) == 0o600
    assert pins.read_text() == f'{base64.b64encode(pk).decode()} "{d}"\n'


# ---- nothing in clear ----------------------------------------------------------------

def segment_files(topic):
    state = REPO / ".kafka" / f"test-{TEST_PORT}-{'.'.join(map(str, KAFKA_VERSION))}"
    return sorted((state / "data").glob(f"{topic}-*/*.log"))


@pytest.mark.skipif(bool(os.environ.get("KAFKA_CHAT_TEST_BOOTSTRAP")),
                    reason="needs the test broker's own files")
def test_nothing_in_clear_on_the_brokers_disk(bootstrap, topic, key_file, homes, names):
    a, b = names("alice-mallard"), names("bob-heron")
    secrets = ["zebra-quokka-7731", "한글로 쓴 비밀 문장", "emoji 🦄 unicorn-4412"]
    alice = chat(bootstrap, topic, a, homes("alice"), "--key-file", key_file)
    for line in secrets[:2]:
        alice.type(line + "\r")
        alice.wait_for(f"[{a}] {line} ✓")
    assert alice.leave() == 0
    producer(bootstrap, topic, secrets[2:], homes("bob"), "--key-file", key_file, "--name", b)

    # What a line can look like in bytes: UTF-8, json.dumps' escapes, UTF-16.
    needles = []
    for text in secrets + [a, b, "mallard", "heron", "zebra", "quokka", "unicorn"]:
        needles += [text.encode(), json.dumps(text)[1:-1].encode(), text.encode("utf-16-le")]
    files = segment_files(topic)
    assert files, "no segment files of the topic"
    data = b"".join(f.read_bytes() for f in files)
    # These are the right files: the placeholder is there.
    assert json.dumps(sf.PLACEHOLDER)[1:-1].encode() in data
    assert [n for n in needles if n in data] == []
    # Nor in any record's key or headers (the chat's window id is random).
    records = records_with_headers(bootstrap, topic, len(secrets))
    assert len(records) == len(secrets)
    for value, headers in records:
        assert [n for n in needles if n in value] == []
        assert [name for name, _ in headers] in ([], ["kafka-chat-id"])
        assert [n for n in needles for _, h in headers if n in h] == []
    keyed = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-e", "-q", "-f", "%k\n"],
                           capture_output=True, timeout=60).stdout
    assert keyed.strip() == b""


# ---- bad input -----------------------------------------------------------------------

def test_a_wrong_passphrase_is_one_notice(bootstrap, topic, group, key_file, homes, names,
                                          tmp_path):
    producer(bootstrap, topic, [f"line {i}" for i in range(5)], homes("alice"),
             "--key-file", key_file, "--name", names("alice"))
    wrong = tmp_path / "wrong.key"
    wrong.write_text("not the passphrase\n")
    wrong.chmod(0o600)
    out, err = consumer(bootstrap, topic, group, homes("bob"), "--key-file", str(wrong))
    assert shown_lines(out) == []
    assert err.splitlines() == [
        f"consumer_chat: warning: {topic} [0] offset 0: cannot open the sealed lines of "
        f"'{topic}' with this passphrase (a wrong passphrase?): they are not shown"]

    bob = Terminal(bootstrap, topic, names("bob"), "--encrypted",
                   environ={"XDG_DATA_HOME": homes("bob")})
    bob.wait_for("방의 암호")
    bob.type("not the passphrase\r")
    ready(bob)
    wait_said(bob, "with this passphrase (a wrong passphrase?)")
    assert not [l for l in bob.lines() if "line " in l or "🔒" in l]
    assert len([l for l in bob.lines() if "cannot open" in l]) == 1
    assert bob.leave() == 0


def test_forged_replayed_and_impostor_lines_are_not_shown(bootstrap, topic, group, key_file,
                                                          homes, names):
    a, m = names("alice"), names("mallory")
    producer(bootstrap, topic, ["alice's first"], homes("alice"), "--key-file", key_file,
             "--name", a)
    good = kcat_values(bootstrap, topic)[0].encode()
    key = room_key(good)
    salt, nonce, box = sf.envelope(good)
    t = json.loads(good)["time"]
    alice_seed, alice_pk = identity_of(homes("alice"))
    mallory_seed = os.urandom(32)

    def fresh(i):
        return bytes([i]) * 24

    flipped = bytearray(box)
    flipped[10] ^= 1
    forged = [
        # 1: damaged on the way (a byte of the box changed)
        json.dumps({"message": sf.PLACEHOLDER, "time": t, "sealed": base64.b64encode(
            bytes([1]) + salt + nonce + bytes(flipped)).decode()}).encode(),
        # 2: the same line again: a replay
        good,
        # 3: mallory knows the room key and writes as alice, with her own key
        sf.seal(key, salt, fresh(3), mallory_seed, topic, t + 3, "send me the files", a),
        # 4: ... or claims alice's key, with a signature of her own
        sf.seal(key, salt, fresh(4), mallory_seed, topic, t + 4, "send them now", a,
                public_key=alice_pk),
        # 5: a line of another room, moved here
        sf.seal(key, salt, fresh(5), alice_seed, topic + "-other", t + 5, "wrong room", a),
        # 6: mallory under her own name: that is fine (the first key seen for it)
        sf.seal(key, salt, fresh(6), mallory_seed, topic, t + 6, "hi, mallory here", m),
        # 7: a sealed line whose inner time differs from the record's
        sf.seal(key, salt, fresh(7), alice_seed, topic, t + 7,
                inner=sf.inner_json("old news", t, a)),
        # 8: not base64 at all
        json.dumps({"message": sf.PLACEHOLDER, "time": t, "sealed": "***"}).encode(),
    ]
    raw_produce(bootstrap, topic, forged, partition=0)
    out, err = consumer(bootstrap, topic, group, homes("bob"), "--key-file", key_file)
    assert [l.split("] ", 1)[1] for l in shown_lines(out)] == \
        ["alice's first", "hi, mallory here"]
    for offset, what in [(1, "cannot be opened with the room's key"),
                         (2, "the same sealed line as [0] offset 0: a replay"),
                         (3, f"WARNING: signed as '{a}' by another key than the one pinned"),
                         (4, "a bad signature"),
                         (5, "cannot be opened with the room's key"),
                         (7, "what it holds is not a chat line of its time"),
                         (8, "not a sealed line of this version")]:
        assert f"{topic} [0] offset {offset}: {what}" in err, err
    assert "send me" not in out + err and "send them" not in out + err

    # kafka-chat says so too, above the input line, and shows the same two.
    bob = chat(bootstrap, topic, names("bob"), homes("bob"), "--key-file", key_file,
               "--history", "20")
    bob.wait_for("hi, mallory here")
    wait_said(bob, f"{topic} [0] offset 3: WARNING: signed as '{a}'")
    assert [l.split("] ", 1)[1] for l in bob.lines() if l.startswith("[2")] == \
        ["alice's first", "hi, mallory here"]
    assert bob.leave() == 0


def test_a_new_key_for_a_known_name_is_a_loud_warning(bootstrap, topic, key_file, homes, names):
    a = names("alice")
    bob = chat(bootstrap, topic, names("bob"), homes("bob"), "--key-file", key_file)
    alice = chat(bootstrap, topic, a, homes("alice"), "--key-file", key_file)
    alice.type("the real alice\r")
    bob.wait_for(f"[{a}] the real alice")
    assert alice.leave() == 0
    bob.type(f"/verify {a}\r")
    _, alice_pk = identity_of(homes("alice"))
    bob.wait_for(f"-!- {a}의 키 지문: {sf.fingerprint(alice_pk)}")

    # Someone else, as alice (another identity): bob is warned, sees nothing.
    impostor = chat(bootstrap, topic, a, homes("impostor"), "--key-file", key_file)
    wait_said(impostor, f"WARNING: kafka-chat.keys holds another key for your name '{a}'")
    impostor.type("trust me\r")
    impostor.wait_for(f"[{a}] trust me ✓")
    wait_said(bob, f"WARNING: signed as '{a}' by another key than the one pinned")
    assert not [l for l in bob.lines() if "trust me" in l and l.startswith("[")]
    assert impostor.leave() == 0 and bob.leave() == 0

    # The published keys: keyed by name, proven, on a compacted topic;
    # alice's first.
    published = []
    for rec in subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", "kafka-chat.keys", "-e", "-q",
                               "-f", "%k\t%s\n"], capture_output=True, text=True,
                              timeout=60).stdout.splitlines():
        name, value = rec.split("\t")
        data = json.loads(value)
        assert data["name"] == name
        pk = base64.b64decode(data["key"])
        nacl_bindings.crypto_sign_open(base64.b64decode(data["proof"]) + b"kafka-chat key v1\0" +
                                       name.encode(), pk)
        if name == a:
            published.append(pk)
    assert published[0] == alice_pk and len(published) == 2
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","))
    try:
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC,
                                                           "kafka-chat.keys")])
        assert "'cleanup.policy': {'value': 'compact'" in repr(described), repr(described)
    finally:
        admin.close()


def test_join_asks_when_the_newest_lines_are_sealed(bootstrap, topic, key_file, homes, names):
    a = names("alice")
    sealed_room = topic + "-s"
    producer(bootstrap, sealed_room, ["behind the door"], homes("alice"), "--key-file", key_file,
             "--name", a)
    bob = chat(bootstrap, topic, names("bob"), homes("bob"))
    bob.type(f"/join {sealed_room}\r")
    bob.wait_for(f"{sealed_room} 방의 암호")
    bob.type(PASSPHRASE + "\r")
    bob.wait_for(f"[{a}] behind the door")
    bob.wait_for(f"[{sealed_room}] YOU:")
    bob.type("/part\r")
    bob.wait_for(f"[{topic}] YOU:")
    # Back again: the passphrase is kept for the run.
    bob.type(f"/join {sealed_room}\r")
    bob.wait_for(f"[{sealed_room}] YOU:")
    assert len([l for l in bob.lines() if "방의 암호" in l]) == 1
    assert bob.leave() == 0

    # No passphrase given: in without, the sealed lines as the seed shows them.
    carol = chat(bootstrap, topic, names("carol"), homes("carol"))
    carol.type(f"/join {sealed_room}\r")
    carol.wait_for("방의 암호")
    carol.type("\r")
    carol.wait_for("암호 없이 들어갑니다")
    carol.wait_for("[FRIEND] 🔒 (암호화된 메시지)")
    assert carol.leave() == 0


# ---- secrets stay secret -------------------------------------------------------------

def test_secrets_are_never_printed_and_open_key_files_are_warned_about(
        bootstrap, topic, group, homes, names, tmp_path):
    a = names("alice")
    open_file = tmp_path / "open.key"
    open_file.write_text(PASSPHRASE + "\n")
    open_file.chmod(0o644)
    p = producer(bootstrap, topic, ["a line"], homes("alice"), "--key-file", str(open_file),
                 "--name", a, "-vv")
    c = subprocess.run([binary("consumer_chat"), "-b", bootstrap, "-t", topic, "-g", group, "-e",
                        "-vv", "--key-file", str(open_file)], capture_output=True, timeout=120,
                       env=person_env(homes("bob")), stdin=subprocess.DEVNULL)
    assert c.returncode == 0
    assert f"[{a}] a line" in c.stdout.decode()
    warning = f"key file {open_file} is readable by other users (mode 644)"
    seed = (Path(homes("alice")) / "kafka-chat" / "identity").read_bytes()
    for run in (p, c):
        both = run.stdout + run.stderr
        assert warning in run.stderr.decode()
        assert PASSPHRASE.encode() not in both and b"correct horse" not in both
        assert seed not in both and seed.hex().encode() not in both
        assert base64.b64encode(seed) not in both
    alice = chat(bootstrap, topic, a, homes("alice"), "--key-file", str(open_file), "-vv")
    assert warning.encode() in alice.raw.replace(b"\r\n", b"")
    assert PASSPHRASE.encode() not in alice.raw and seed not in alice.raw
    assert alice.leave() == 0
    # The key file must be there: a usage error otherwise.
    p = producer(bootstrap, topic, ["x"], homes("alice"), "--key-file", str(tmp_path / "none"),
                 check=False)
    assert p.returncode == 2 and "cannot read key file" in p.stderr.decode()

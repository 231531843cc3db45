"""valgrind over an end-to-end session (issue 6): both programs, from
start to the exit handshake, with no leak and no memory error. These run
on the normal build (the sanitizer build cannot run under valgrind), so
`make test-asan` deselects them by their mark."""
import json
import subprocess
import uuid

import pytest

from conftest import REPO, env, kcat_values

pytestmark = pytest.mark.valgrind

VALGRIND = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible"]


def under_valgrind(prog, *args, stdin=None):
    return subprocess.run([*VALGRIND, str(REPO / prog), *args], input=stdin,
                          capture_output=True, timeout=300, env=env())


def test_session_under_valgrind_is_clean(bootstrap, topic, group):
    data = b"first\nbad \xff utf8\n" + "세 번째\n".encode() + b"x" * 1_500_000 + b"\nlast\n"
    prod = under_valgrind("producer_chat", "-b", bootstrap, "-t", topic, stdin=data)
    assert prod.returncode == 1, prod.stderr.decode()  # the long line is refused
    assert "ERROR SUMMARY" not in prod.stderr.decode()
    assert [json.loads(v)["message"] for v in kcat_values(bootstrap, topic)] == \
        ["first", "bad \ufffd utf8", "세 번째", "last"]

    # A bad record too, so the consumer's warning path runs.
    subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-p", "0"],
                   input=b"not json\n" + json.dumps({"message": "exit", "time": 1.5}).encode(),
                   check=True, timeout=30)
    cons = under_valgrind("consumer_chat", "-b", bootstrap, "-t", topic, "-g", group,
                          stdin=b"")
    assert cons.returncode == 0, cons.stderr.decode()
    out = cons.stdout.decode()
    assert "[FRIEND] 세 번째\n" in out and "수신 프로그램을 종료합니다." in out
    assert "not JSON" in cons.stderr.decode()


def test_usage_errors_under_valgrind_are_clean():
    for prog in ("producer_chat", "consumer_chat"):
        p = under_valgrind(prog, "-X", "linger.ms=soon")
        assert p.returncode == 2, p.stderr.decode()
        p = under_valgrind(prog, "--help")
        assert p.returncode == 0, p.stderr.decode()


def test_chat_session_under_valgrind_is_clean(bootstrap, topic):
    """kafka-chat in a pseudo-terminal, in colour: a line sent, one
    received, a mention, a day line, Tab, /last, someone coming into the
    room and going (with the member lists between that say nothing new),
    /who, /rooms, /join and /part, and /quit."""
    import pexpect
    from conftest import raw_produce, spawn_pty
    from terminal import Terminal, ready
    e = env()
    e.update(TERM="xterm-256color", LANG="C.UTF-8")
    e.pop("NO_COLOR", None)
    child = spawn_pty(VALGRIND[0], [*VALGRIND[1:], str(REPO / "kafka-chat"), "-b", bootstrap, "-t",
                                    topic, "--name", "val", "--highlight", "deploy"], env=e,
                      timeout=120, encoding="utf-8", dimensions=(24, 120))
    child.expect_exact("YOU: ")
    child.sendline("under valgrind")
    child.expect_exact("val\x1b[m] under valgrind\x1b[38;5;28m ✓")
    subprocess.run([str(REPO / "producer_chat"), "-b", bootstrap, "-t", topic, "--name", "x"],
                   input=b"from elsewhere\nval, we deploy now\n", check=True, timeout=60)
    child.expect_exact("from elsewhere")
    child.expect_exact("\x1b[1;7mdeploy\x1b[m")
    raw_produce(bootstrap, topic, [json.dumps({"message": "long ago", "time": 1577804400.0,
                                               "sender": "x"}).encode()])
    child.expect_exact("──── 2020-01-01 (수) ────")
    child.send("/la\t")  # Tab: "/last "
    child.send("elsewhere\r")
    child.expect_exact('"elsewhere": 1개 찾음')
    friend = ready(Terminal(bootstrap, topic, "friend"))
    child.expect_exact("-!- friend 님이 들어왔습니다.")
    child.sendline("/who")
    child.expect_exact("방에 지금 2명: friend, val")
    assert friend.leave() == 0
    child.expect_exact("-!- friend 님이 나갔습니다.")
    child.sendline("/rooms")
    child.expect_exact("-!- 방 ")
    child.sendline(f"/join {topic}-2")
    child.expect_exact(f"[{topic}-2] YOU: ")
    child.sendline("/part")
    child.expect_exact(f"[{topic}] YOU: ")
    child.sendline("/quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before


def test_encrypted_room_under_valgrind_is_clean(bootstrap, topic, group, tmp_path):
    """An encrypted room (issue 24): producer_chat and consumer_chat with a
    key file, a forged record, and kafka-chat sealing, opening, asking
    for another room's passphrase, /verify; key derivation, locked memory
    and signatures under valgrind."""
    import pexpect
    from conftest import raw_produce, spawn_pty
    # Names of this run: the keys published on kafka-chat.keys are the
    # cluster's, pinned per name, and the test broker outlives a session.
    tag = uuid.uuid4().hex[:6]
    writer, reader = f"vg-writer-{tag}", f"vg-chat-{tag}"
    key = tmp_path / "room.key"
    key.write_text("valgrind's passphrase\n")
    key.chmod(0o600)
    e = env()
    e["XDG_DATA_HOME"] = str(tmp_path / "home")
    prod = subprocess.run([*VALGRIND, str(REPO / "producer_chat"), "-b", bootstrap, "-t", topic,
                           "--key-file", str(key), "--name", writer],
                          input="sealed line\n".encode(), capture_output=True, timeout=300,
                          env=e)
    assert prod.returncode == 0, prod.stderr.decode()
    raw_produce(bootstrap, topic, [json.dumps({"message": "x", "time": 1.5,
                                               "sealed": "AQ=="}).encode()], partition=0)
    cons = subprocess.run([*VALGRIND, str(REPO / "consumer_chat"), "-b", bootstrap, "-t", topic,
                           "-g", group, "-e", "--key-file", str(key)], capture_output=True,
                          timeout=300, env=e, stdin=subprocess.DEVNULL)
    assert cons.returncode == 0, cons.stderr.decode()
    assert f"[{writer}] sealed line" in cons.stdout.decode(), cons.stderr.decode()
    assert "offset 1: not a sealed line" in cons.stderr.decode()

    e.update(TERM="xterm", LANG="C.UTF-8")
    child = spawn_pty(VALGRIND[0], [*VALGRIND[1:], str(REPO / "kafka-chat"), "-b", bootstrap,
                                    "-t", topic, "--name", reader, "--key-file", str(key),
                                    "--color=never"],
                      env=e, timeout=180, encoding="utf-8", dimensions=(24, 200))
    child.expect_exact(f"[{writer}] sealed line")
    child.expect_exact("YOU: ")
    child.sendline("sealed under valgrind")
    child.expect_exact(f"[{reader}] sealed under valgrind ✓")
    child.sendline(f"/verify {writer}")
    child.expect_exact(f"-!- {writer}의 키 지문: ")
    child.sendline(f"/join -e {topic}-2")
    child.expect_exact("방의 암호")
    child.sendline("another one")
    child.expect_exact(f"[{topic}-2] YOU: ")
    child.sendline("/quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before

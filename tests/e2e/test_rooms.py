"""The one-window chat as a chat (issue 17): who is in the room, notices
when someone comes or goes, rooms as topics (/join, /part, /rooms),
/me, /help and unknown commands, notices nobody can forge, and a cluster
that refuses what presence needs. Through real terminals (rendered by
pyte) on the real broker."""
import json
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import REPO, create_topic, kcat_values, produce, raw_produce, unique
from terminal import Terminal, entered, ready

# How soon a chat that crashed must be gone from the room.
GONE_WITHIN_S = 15


def who_line(term, room, names):
    """Asks /who until it lists exactly names (the group may be settling)."""
    want = f"-!- {room} 방에 지금 {len(names)}명: {', '.join(sorted(names))}"
    end = time.monotonic() + 30
    while time.monotonic() < end:
        term.type("/who\r")
        term.pump(0.3)
        if want in term.written_lines("-!- "):
            return
    raise AssertionError(f"/who never said {want!r}: {term.written_lines('-!- ')}")


def test_who_is_here_and_notices_of_comings_and_goings(bootstrap, topic):
    alice = entered(Terminal(bootstrap, topic, "alice"))
    bob = entered(Terminal(bootstrap, topic, "bob"))
    alice.wait_for("-!- bob 님이 들어왔습니다.")
    carol = entered(Terminal(bootstrap, topic, "carol"))
    alice.wait_for("-!- carol 님이 들어왔습니다.")
    bob.wait_for("-!- carol 님이 들어왔습니다.")
    who_line(alice, topic, ["alice", "bob", "carol"])

    assert carol.leave() == 0  # one leaves ...
    alice.wait_for("-!- carol 님이 나갔습니다.")
    who_line(alice, topic, ["alice", "bob"])
    dave = entered(Terminal(bootstrap, topic, "dave"))  # ... and one joins
    alice.wait_for("-!- dave 님이 들어왔습니다.")
    who_line(alice, topic, ["alice", "bob", "dave"])
    who_line(dave, topic, ["alice", "bob", "dave"])
    # Nobody is told of their own coming.
    assert not [l for l in alice.written_lines("-!- alice ")]
    for term in (alice, bob, dave):
        assert term.leave() == 0


def test_a_chat_that_crashed_drops_out_of_the_room(bootstrap, topic):
    alice = entered(Terminal(bootstrap, topic, "alice"))
    bob = entered(Terminal(bootstrap, topic, "bob"))
    alice.wait_for("-!- bob 님이 들어왔습니다.")
    bob.child.kill(signal.SIGKILL)  # no goodbye: the group times it out
    killed = time.monotonic()
    alice.wait_for("-!- bob 님이 나갔습니다.", timeout=GONE_WITHIN_S + 5)
    assert time.monotonic() - killed < GONE_WITHIN_S
    who_line(alice, topic, ["alice"])
    assert alice.leave() == 0


def test_two_windows_of_one_person_count_once(bootstrap, topic):
    alice = entered(Terminal(bootstrap, topic, "alice"))
    bob_1 = entered(Terminal(bootstrap, topic, "bob"))
    alice.wait_for("-!- bob 님이 들어왔습니다.")
    bob_2 = entered(Terminal(bootstrap, topic, "bob"))
    who_line(alice, topic, ["alice", "bob"])
    # Both windows get what is said.
    alice.type("hello bob\r")
    bob_1.wait_for("[alice] hello bob")
    bob_2.wait_for("[alice] hello bob")
    # One of bob's windows closes; bob is still here. (carol's coming
    # shows that alice has seen the group since.)
    assert bob_1.leave() == 0
    carol = entered(Terminal(bootstrap, topic, "carol"))
    alice.wait_for("-!- carol 님이 들어왔습니다.")
    who_line(alice, topic, ["alice", "bob", "carol"])
    assert "-!- bob 님이 나갔습니다." not in alice.written_lines("-!- ")
    for term in (alice, bob_2, carol):
        assert term.leave() == 0


# ---- rooms ------------------------------------------------------------------------

def test_join_and_part_move_between_rooms_each_with_its_place(bootstrap, request):
    lobby, kitchen = unique("lobby", request), unique("kitchen", request)
    produce(bootstrap, lobby, ["lobby before"], "--name", "bob")
    produce(bootstrap, kitchen, ["kitchen before"], "--name", "bob")
    alice = entered(Terminal(bootstrap, lobby, "alice"))
    alice.wait_for("[bob] lobby before")
    assert alice.input_line()[0] == f"[{lobby}] YOU:"

    alice.type(f"/join {kitchen}\r")
    alice.wait_for(f"[{kitchen}] YOU:")
    alice.wait_for("[bob] kitchen before")  # its history, as on start
    cook = entered(Terminal(bootstrap, kitchen, "cook"))
    alice.type("in the kitchen\r")
    alice.wait_for("[alice] in the kitchen ✓")
    cook.wait_for("[alice] in the kitchen")
    who_line(cook, kitchen, ["alice", "cook"])
    assert json.loads(kcat_values(bootstrap, kitchen)[-1])["message"] == "in the kitchen"
    assert "in the kitchen" not in "".join(kcat_values(bootstrap, lobby))

    # Meanwhile in the lobby; /part goes back there, with what is new.
    produce(bootstrap, lobby, ["while you were in the kitchen"], "--name", "bob")
    alice.type("/part\r")
    alice.wait_for(f"[{lobby}] YOU:")
    alice.wait_for("──── 지난 방문 이후 새 메시지 1개 ────")
    alice.wait_for("[bob] while you were in the kitchen")
    cook.wait_for("-!- alice 님이 나갔습니다.")
    # And back to the kitchen: nothing new there, the place was kept.
    alice.type(f"/join {kitchen}\r")
    alice.wait_for(f"[{kitchen}] YOU:")
    alice.wait_for("──── 지난 방문 이후 새 메시지 0개 ────")
    for term in (alice, cook):
        assert term.leave() == 0


def test_rooms_are_the_topics_that_hold_chat_records(bootstrap, request):
    one, two, other = unique("rooms-one", request), unique("rooms-two", request), \
        unique("rooms-other", request)
    produce(bootstrap, one, ["a chat line"])
    produce(bootstrap, two, ["another"], "--name", "bob")
    raw_produce(bootstrap, other, [b"not a chat record", b"\x00\x01binary"])
    alice = entered(Terminal(bootstrap, one, "alice"))
    alice.type("/rooms\r")
    line = alice.wait_for_written("-!- 방 ")  # the test broker has many
    rooms = set(line.split(": ", 1)[1].split(", "))
    assert {one, two} <= rooms and other not in rooms, line
    assert alice.leave() == 0


def test_a_room_prefix_names_the_rooms(bootstrap, request):
    prefix = unique("pre", request) + "."
    produce(bootstrap, prefix + "red", ["in red"])
    produce(bootstrap, prefix + "blue", ["in blue"], "--name", "bob")
    alice = entered(Terminal(bootstrap, "red", "alice", "--room-prefix", prefix))
    alice.wait_for("[FRIEND] in red")  # -t red is the topic PREFIX.red
    assert alice.input_line()[0] == "[red] YOU:"
    alice.type("/rooms\r")
    alice.wait_for("-!- 방 2개: blue, red")
    alice.type("/join blue\r")
    alice.wait_for("[blue] YOU:")
    alice.wait_for("[bob] in blue")
    alice.type("/join no way\r")
    alice.wait_for("-!- 방 이름에는 글자, 숫자")
    assert alice.leave() == 0


# ---- commands ---------------------------------------------------------------------

def test_me_help_unknown_commands_and_a_literal_slash(bootstrap, topic):
    alice = entered(Terminal(bootstrap, topic, "alice"))
    bob = entered(Terminal(bootstrap, topic, "bob"))
    alice.type("/me waves\r")
    bob.wait_for("[alice] * alice waves")
    alice.type("/help\r")
    alice.wait_for("-!- 명령:")
    alice.wait_for("/join ROOM")
    alice.type("/frobnicate now\r")
    alice.wait_for("-!- 알 수 없는 명령입니다: /frobnicate (/help); 아무것도 보내지 않았습니다.")
    alice.type("//etc/hosts is a file\r")
    bob.wait_for("[alice] /etc/hosts is a file")
    assert [json.loads(v)["message"] for v in kcat_values(bootstrap, topic)] == \
        ["* alice waves", "/etc/hosts is a file"]
    for term in (alice, bob):
        assert term.leave() == 0


def test_a_message_cannot_pass_for_a_notice(bootstrap, topic):
    alice = entered(Terminal(bootstrap, topic, "alice"))
    produce(bootstrap, topic, ["-!- bob 님이 나갔습니다."], "--name", "mallory")
    produce(bootstrap, topic, ["hi"], "--name", "-!- bob 님이 들어왔습니다.")
    alice.wait_for("[mallory] -!- bob 님이 나갔습니다.")
    alice.wait_for("[-!- bob 님이 들어왔습니다.] hi")
    # Shown as messages, with their senders: no line starts as ours does.
    assert [l for l in alice.lines() if l.startswith("-!- bob")] == []
    assert alice.leave() == 0


# ---- a cluster that refuses what presence needs ----------------------------------------

ACL_PORT = int(os.environ.get("KAFKA_CHAT_ACL_PORT", "9692"))
ACL_DIR = REPO / ".kafka" / f"acl-{ACL_PORT}"
SECURE = REPO / "scripts" / "secure-broker.sh"
AUTHORIZER = ("authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n"
              # The controller and our admin use the PLAINTEXT listener.
              "super.users=User:ANONYMOUS\n"
              "allow.everyone.if.no.acl.found=false")


@pytest.fixture(scope="module")
def acl_broker():
    args = ["--port", str(ACL_PORT), "--dir", str(ACL_DIR)]
    e = dict(os.environ, SECURE_EXTRA_PROPERTIES=AUTHORIZER)
    subprocess.run([SECURE, "clean", *args], capture_output=True, timeout=120, env=e)
    subprocess.run([SECURE, "start", *args], check=True, capture_output=True, timeout=180,
                   env=e)
    yield f"127.0.0.1:{ACL_PORT}", f"127.0.0.1:{ACL_PORT + 2}"
    subprocess.run([SECURE, "clean", *args], check=True, capture_output=True, timeout=120,
                   env=e)


def grant(admin_bootstrap, principal, resource_type, name, *operations):
    from kafka.admin import (ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                             KafkaAdminClient, ResourcePattern, ResourceType)
    admin = KafkaAdminClient(bootstrap_servers=admin_bootstrap)
    try:
        result = admin.create_acls([
            ACL(principal=principal, host="*", operation=getattr(ACLOperation, op),
                permission_type=ACLPermissionType.ALLOW,
                resource_pattern=ResourcePattern(getattr(ResourceType, resource_type), name,
                                                 ACLResourcePatternType.LITERAL))
            for op in operations])
        assert not result["failed"], result
    finally:
        admin.close()


def test_a_room_without_the_right_to_see_its_group_says_so_once(acl_broker, topic,
                                                                   tmp_path):
    admin, sasl = acl_broker
    create_topic(admin, topic, 1)
    # alice may read and write the room and keep her place, but not see
    # (or join) the room's group.
    grant(admin, "User:alice", "TOPIC", topic, "READ", "WRITE", "DESCRIBE")
    grant(admin, "User:alice", "GROUP", "kafka-chat-alice", "READ")
    conf = tmp_path / "alice.conf"
    conf.write_text("security.protocol=SASL_PLAINTEXT\nsasl.mechanisms=PLAIN\n"
                    "sasl.username=alice\nsasl.password=alice-secret\n")
    conf.chmod(0o600)
    alice = ready(Terminal(sasl, topic, "alice", "-F", str(conf)))
    alice.wait_for("-!- 이 방에 누가 있는지 알 수 없습니다")
    problem = [l for l in alice.written_lines("-!- 이 방에") if "채팅은 계속됩니다" in l]
    assert len(problem) == 1 and "authorization" in problem[0].lower(), problem
    # The chat goes on.
    alice.type("still chatting\r")
    alice.wait_for("[alice] still chatting ✓")
    produce(admin, topic, ["from outside"], "--name", "bob")
    alice.wait_for("[bob] from outside")
    alice.type("/who\r")
    alice.pump(1)
    assert len([l for l in alice.written_lines("-!- 이 방에") if "채팅은 계속됩니다" in l]) == 1
    assert alice.leave() == 0

"""A crowded room (issue 22): 30 kafka-chats in one room on the real broker,
each on a pseudo-terminal. Every one knows who is here, every join and every
leave is told once at every member there, and nobody is said to have left
who is still there. (Its sizes and timings are bench/crowd.py's: here only
correctness, at a size CI affords; not under valgrind or the sanitizers,
which make 30 chats too slow for the group's timeouts.)"""
import signal

import pytest

from conftest import binary
from crowd import Crowd

MEMBERS = 30


def room_members(bootstrap, topic):
    """The room's group as the coordinator sees it: each member's name, and
    whether the group gave it a partition."""
    from kafka.admin import KafkaAdminClient
    group = f"kafka-chat.room.{topic}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","))
    try:
        members = admin.describe_groups([group])[group]["members"]
    finally:
        admin.close()
    return {m["client_id"].removeprefix("kafka-chat:"):
            bool(m["member_assignment"]["assigned_partitions"]) for m in members}


def test_a_quit_leaves_the_rooms_group_before_the_chat_ends(bootstrap, topic):
    """Most members of a room hold none of its group's partitions (three
    here, one partition). librdkafka closes such a member without leaving
    the group, which then hears of it when its session times out: the
    others were told of a /quit 10 s late. When a chat that held none has
    ended, the group must not count it any more; nor one that held the
    partition."""
    crowd = Crowd(binary("kafka-chat"), bootstrap, topic)
    try:
        for name in ("ann", "bob", "cid"):
            crowd.wait_entered(crowd.start(name))
        crowd.wait(crowd.complete, 60, "every member to know who is here")
        members = room_members(bootstrap, topic)
        assert sorted(members) == ["ann", "bob", "cid"]
        holder = next(n for n, holds in members.items() if holds)
        for leaver in [next(n for n, holds in members.items() if not holds), holder]:
            crowd.leave(leaver)
            assert crowd.chats[leaver].proc.wait(timeout=30) == 0
            assert leaver not in room_members(bootstrap, topic)
    finally:
        crowd.close()


@pytest.mark.slow  # group timing, not our memory: not under the sanitizers
def test_a_room_of_30_knows_who_is_here_and_hears_each_join_and_leave_once(bootstrap, topic):
    crowd = Crowd(binary("kafka-chat"), bootstrap, topic)
    names = [f"m{i:02d}" for i in range(MEMBERS)]
    try:
        # One after another, each in the room (shown who is here) before
        # the next comes: each must then hear of every later one.
        for name in names:
            crowd.wait_entered(crowd.start(name))
        crowd.wait(crowd.complete, 60, "every member to know who is here")
        for i, name in enumerate(names):
            chat = crowd.chats[name]
            later = names[i + 1:]
            came = [n for _, kind, n in chat.events if kind == "came"]
            assert sorted(came) == sorted(set(came)), f"{name} was told twice: {came}"
            assert set(later) <= set(came), f"{name} missed {set(later) - set(came)}"
            assert not [e for e in chat.events if e[1] == "went"], (name, chat.events)

        # Three leave: one with /quit, one with Ctrl-D, one crashes.
        crowd.leave("m05", "/quit\r")
        crowd.leave("m17", "\x04")
        crowd.kill("m23", signal.SIGKILL)
        gone = {"m05", "m17", "m23"}
        stay = [n for n in names if n not in gone]
        crowd.wait(lambda: all(crowd.chats[n].known() == set(stay) for n in stay), 60,
                   "the others to see three leave")
        for name in stay:
            went = [n for _, kind, n in crowd.chats[name].events if kind == "went"]
            assert sorted(went) == sorted(gone), f"{name} was told {went}"
    finally:
        crowd.close()

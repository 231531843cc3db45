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

"""The soak's verdicts on made-up histories: each kind of loss and double it
must see, and what it must let pass (make soak runs these first)."""
from check import Run, check_reader, check_topic


def run(*ranges, end="clean", committed=None, skipped=0, status=0):
    r = Run(end=end, committed=committed, skipped=skipped, status=status)
    for a, b in ranges:
        for n in range(a, b + 1):
            r.add(n)
    return r


def test_one_run_showing_everything_is_clean():
    v = check_reader("r", [run((0, 99))], 100)
    assert v.ok and v.shown == 100 and v.lost == 0 and v.doubled == 0


def test_a_hang_up_that_commits_what_it_showed():
    v = check_reader("r", [run((0, 49), end="hangup"), run((50, 99))], 100)
    assert v.ok


def test_lines_shown_again_after_a_hang_up_are_doubled():
    v = check_reader("r", [run((0, 49), end="hangup"), run((40, 99))], 100)
    assert v.doubled_after_end == 10 and not v.ok
    assert "shown again though committed: the group's place was line 50 (after a hangup)" \
        in v.problems[0]


def test_after_a_kill_what_was_not_committed_may_come_again():
    v = check_reader("r", [run((0, 49), end="kill", committed=40), run((40, 99))], 100)
    assert v.ok and v.repeated_after_kill == 10


def test_after_a_kill_what_was_committed_must_not_come_again():
    v = check_reader("r", [run((0, 49), end="kill", committed=45), run((40, 99))], 100)
    assert v.doubled_after_kill == 5 and v.repeated_after_kill == 5 and not v.ok


def test_a_run_that_showed_nothing_leaves_the_place_where_the_kill_left_it():
    runs = [run((0, 49), end="kill", committed=40), run(end="hangup"), run((40, 99))]
    v = check_reader("r", runs, 100)
    assert v.ok and v.repeated_after_kill == 10


def test_what_a_killed_run_showed_past_a_later_hang_up_may_come_again():
    # Run 1 showed 40..44 again, then was hung up: the group is at 45, and
    # 45..49, shown only by the killed run, were never committed.
    runs = [run((0, 49), end="kill", committed=40), run((40, 44), end="hangup"), run((45, 99))]
    v = check_reader("r", runs, 100)
    assert v.ok and v.repeated_after_kill == 10


def test_a_block_shown_twice_within_a_run():
    v = check_reader("r", [run((0, 60), (50, 99))], 100)
    assert v.doubled_in_run == 11 and not v.ok


def test_a_gap_is_lost():
    v = check_reader("r", [run((0, 49), end="hangup"), run((60, 99))], 100)
    assert v.lost == 10 and "50..59" in v.problems[0]


def test_lines_a_run_announced_it_leaves_out_are_skipped_not_lost():
    v = check_reader("r", [run((0, 49), end="hangup"), run((60, 99), skipped=10)], 100)
    assert v.ok and v.skipped == 10 and v.lost == 0


def test_a_run_hung_up_before_it_showed_what_it_announced_leaves_out_nothing():
    """It entered (announcing 40 lines it leaves out), was hung up before
    a line came, and its final commit left its place at line 90: the 40
    lines before are left out, not lost; and that commit is the floor, so
    what the next run shows again of the killed run's lines is doubled."""
    runs = [run((0, 49), end="kill", committed=30), run(end="hangup", committed=90, skipped=40),
            run((90, 99))]
    v = check_reader("r", runs, 100)
    assert v.ok and v.skipped == 40 and v.lost == 0
    runs[-1] = run((40, 99))
    v = check_reader("r", runs, 100)
    assert not v.ok and v.doubled_after_end == 10


def test_a_run_killed_before_it_showed_what_it_announced_may_lose_it():
    """Killed, its commit is not where its announcement ends: not credited."""
    runs = [run((0, 49), end="hangup"), run(end="kill", committed=90, skipped=40), run((90, 99))]
    v = check_reader("r", runs, 100)
    assert not v.ok and v.lost == 40


def test_a_run_that_exited_with_an_error_is_a_problem():
    v = check_reader("r", [run((0, 99), status=1)], 100)
    assert not v.ok and "exited with status 1" in v.problems[0]


def test_a_topic_with_every_line_once_in_order():
    v = check_topic("t", list(range(10)) + [None], 10)
    assert v.ok


def test_a_topic_holding_a_batch_twice():
    numbers = list(range(6)) + [3, 4, 5] + list(range(6, 10)) + [None]
    v = check_topic("t", numbers, 10, offsets=list(range(len(numbers))))
    assert v.doubled == 3 and not v.ok
    assert v.offsets_of_doubles[0] == (3, [3, 6])


def test_a_topic_missing_a_line():
    v = check_topic("t", [0, 1, 3, None], 4)
    assert v.lost == 1 and "2" in v.problems[0]

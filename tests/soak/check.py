"""What a soak proves, from what it recorded: the lines in the topic, and
the lines each reader showed, run by run. Pure functions, no Kafka, so that
tests/soak/test_check.py can try them on made-up histories.

A reader's history is a list of runs. A run is what one start of the
program showed, as segments of consecutive line numbers (a reader that
shows lines in order has one segment per run; any break starts another),
and how the run ended:

  "kill"    SIGKILL: a later run may show again what was not committed yet
            (`committed`: the group's committed offset just before the kill,
            as a line number; None if it could not be read), never what was;
  "died"    it ended by itself (a problem of its own): as after a kill;
  "hangup"  SIGHUP: the final commit must cover exactly what was shown;
  "clean"   an exit record or /quit: the same;
  "open"    still running when the soak ended (the last run only).

kafka-chat's runs count only the lines after its history separator, and a
run that starts with "(앞의 K개는 생략)" announced K lines it does not show
(`skipped`): those are the K lines before its first one, or, in a run hung
up or ended before it showed any, the K lines before the place its final
commit left (`committed`, read after the run ended).
"""
from dataclasses import dataclass, field


@dataclass
class Run:
    segments: list = field(default_factory=list)  # [first, last] pairs, in the order shown
    end: str = "open"
    committed: int = None   # the first line not committed: before a kill, after a hang-up
    skipped: int = 0        # lines the run announced it leaves out
    status: int = None      # its exit status, if it ended

    def add(self, n):
        """Notes that line n was shown next."""
        if self.segments and self.segments[-1][1] + 1 == n:
            self.segments[-1][1] = n
        else:
            self.segments.append([n, n])

    def count(self):
        return sum(b - a + 1 for a, b in self.segments)

    def first(self):
        return self.segments[0][0] if self.segments else None

    def last(self):
        return self.segments[-1][1] if self.segments else None


@dataclass
class Verdict:
    lines: int = 0
    shown: int = 0                 # distinct lines shown
    lost: int = 0                  # never shown, and not announced as left out
    skipped: int = 0               # announced as left out (kafka-chat's catch-up limit)
    doubled_in_run: int = 0        # shown twice by one run
    doubled_after_end: int = 0     # shown again after a hang-up or a clean end
    doubled_after_kill: int = 0    # shown again after a SIGKILL, though committed before it
    repeated_after_kill: int = 0   # shown again after a SIGKILL, not yet committed: allowed
    problems: list = field(default_factory=list)  # what went wrong, in words

    @property
    def doubled(self):
        return self.doubled_in_run + self.doubled_after_end + self.doubled_after_kill

    @property
    def ok(self):
        return not self.lost and not self.doubled and not self.problems


def _overlap(a, b, segments):
    """How many of the numbers a..b some segment covers (the segments may
    overlap each other: each number counts once)."""
    cuts = sorted((max(a, x), min(b, y)) for x, y in segments if x <= b and y >= a)
    total, reach = 0, a - 1
    for x, y in cuts:
        if y > reach:
            total += y - max(x, reach + 1) + 1
            reach = y
    return total


def _note(verdict, text):
    if len(verdict.problems) < 50:
        verdict.problems.append(text)


def check_reader(name, runs, lines):
    """The verdict on one reader's runs, for a topic of lines 0..lines-1.

    What a run shows again of earlier runs is allowed only from the group's
    place on: the floor below which everything is committed. A run that
    ended cleanly or was hung up moves the floor to after its last line
    (its final commit must say exactly that); a killed one to the offset
    the group had committed just before the kill (not at all if that is
    not known); a run that showed nothing leaves it where it was, unless
    its final commit is known."""
    v = Verdict(lines=lines)
    shown = bytearray(lines)    # 1: shown by a run before this one
    covered = bytearray(lines)  # 1: shown, or announced as left out
    floor, floor_by = 0, None
    for i, run in enumerate(runs):
        done = []  # this run's segments so far
        for a, b in run.segments:
            if a < 0 or b >= lines:
                _note(v, f"{name} run {i}: lines {a}..{b} are not in the topic")
                a, b = max(a, 0), min(b, lines - 1)
                if a > b:
                    continue
            again = _overlap(a, b, done)
            if again:
                v.doubled_in_run += again
                _note(v, f"{name} run {i}: {again} line(s) of {a}..{b} shown twice in the run")
            earlier = (b - a + 1) - shown[a:b + 1].count(0)
            if earlier:
                # Allowed: what earlier runs showed at or after the floor,
                # never committed (a kill came first).
                c = max(a, floor)
                allowed = 0 if c > b else (b - c + 1) - shown[c:b + 1].count(0)
                v.repeated_after_kill += allowed
                if earlier - allowed:
                    if floor_by in ("kill", "died"):
                        v.doubled_after_kill += earlier - allowed
                    else:
                        v.doubled_after_end += earlier - allowed
                    _note(v, f"{name} run {i}: {earlier - allowed} line(s) of {a}..{b} shown "
                             f"again though committed: the group's place was line {floor} "
                             f"(after a {floor_by})")
            done.append((a, b))
        left_at = run.first() if run.segments else \
            run.committed if run.end in ("hangup", "clean") else None
        if run.skipped and left_at is not None:
            left_at = min(max(0, left_at), lines)
            a = max(0, left_at - run.skipped)
            covered[a:left_at] = b"\x01" * (left_at - a)
        for a, b in done:
            shown[a:b + 1] = b"\x01" * (b - a + 1)
            covered[a:b + 1] = b"\x01" * (b - a + 1)
        if run.end in ("hangup", "clean") and run.segments:
            floor, floor_by = max(floor, run.last() + 1), run.end
        elif run.end in ("hangup", "clean") and run.committed is not None \
                and run.committed > floor:
            floor, floor_by = run.committed, run.end
        elif run.end in ("kill", "died") and run.committed is not None \
                and run.committed > floor:
            floor, floor_by = run.committed, run.end
        if run.status not in (None, 0) and run.end != "kill":
            _note(v, f"{name} run {i} ({run.end}) exited with status {run.status}")
    v.shown = lines - shown.count(0)
    v.lost = covered.count(0)
    v.skipped = (lines - v.lost) - v.shown
    if v.lost:
        _note(v, f"{name}: {v.lost} line(s) never shown: {_zero_ranges(covered)}")
    return v


def _zero_ranges(buf, most=8):
    """The first few runs of zero bytes in buf, as text: '5..9, 12, ...'."""
    out, i = [], buf.find(0)
    while i != -1 and len(out) <= most:
        j = buf.find(1, i)
        end = (len(buf) if j == -1 else j) - 1
        out.append(f"{i}..{end}" if end > i else f"{i}")
        i = -1 if j == -1 else buf.find(0, j)
    return ", ".join(out[:most]) + (", ..." if len(out) > most else "")


@dataclass
class TopicVerdict:
    records: int = 0
    lines: int = 0          # the lines sent, 0..lines-1
    lost: int = 0
    doubled: int = 0
    out_of_order: int = 0
    problems: list = field(default_factory=list)
    offsets_of_doubles: list = field(default_factory=list)  # (line, [offsets]), the first few

    @property
    def ok(self):
        return not self.lost and not self.doubled and not self.out_of_order and not self.problems


def check_topic(name, numbers, lines, offsets=None, exit_records=1):
    """The verdict on a topic read back in offset order: numbers is the
    line number of each chat record (None for the exit record, or a record
    that is not one of ours), offsets (if known) their offsets. Every line
    0..lines-1 must be there once, in order, and then the exit record."""
    v = TopicVerdict(records=len(numbers), lines=lines)
    seen = bytearray(lines)
    doubles = {}  # line: offsets of its records, for the first few doubled
    expected = 0
    others = 0
    for i, n in enumerate(numbers):
        if n is None:
            others += 1
            continue
        if n < 0 or n >= lines:
            _note(v, f"{name}: record {i} holds line {n}, which was never sent")
            continue
        if seen[n]:
            v.doubled += 1
            if len(doubles) < 20:
                doubles.setdefault(n, [])
        else:
            seen[n] = 1
            if n != expected:
                v.out_of_order += 1
        expected = max(expected, n + 1)
    if doubles and offsets is not None:
        for i, n in enumerate(numbers):
            if n in doubles:
                doubles[n].append(offsets[i])
        v.offsets_of_doubles = sorted(doubles.items())
    v.lost = seen.count(0)
    if v.lost:
        _note(v, f"{name}: {v.lost} line(s) missing: {_zero_ranges(seen)}")
    if v.doubled:
        _note(v, f"{name}: {v.doubled} record(s) hold a line an earlier record holds"
                 + (f" (line: offsets {v.offsets_of_doubles[:3]})" if v.offsets_of_doubles else ""))
    if v.out_of_order:
        _note(v, f"{name}: {v.out_of_order} line(s) out of order")
    if others != exit_records:
        _note(v, f"{name}: {others} record(s) that are not numbered lines, expected "
                 f"{exit_records} (the exit record)")
    return v

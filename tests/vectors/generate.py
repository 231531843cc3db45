#!/usr/bin/env python3
"""Writes the test vectors of kafka-chat with CPython itself.

Every expected value below is what CPython computes: json.dumps() for the
producer's record, repr(float) for times, str(datetime.fromtimestamp()) for
the consumer's timestamps, json.loads() for what the consumer accepts. The
C unit tests read these files; `make vectors` rewrites them.

What str(datetime.fromtimestamp()) prints in a named zone depends on the zone
database (tzdata) of the machine, which Debian updates: a 1965 rule of
America/Sao_Paulo differs between Debian 12 and 13. Those answers are not
committed: `generate.py --zones DIR` writes DIR/timestamps-zones.tsv with the
CPython of the machine that runs the tests, each time they run (make
test-unit), so that the test still says "the same as Python here". The
committed timestamps.tsv holds UTC only, the same on every machine.

Format: one case per line, tab-separated fields, binary fields in hex,
doubles as float.hex() so that they travel exactly.
"""
import json
import math
import os
import random
import struct
import sys
import time
from datetime import datetime

RNG = random.Random()  # seeded per file below: the files must not change by themselves

TIME_ZONES = [
    "UTC",
    "Asia/Seoul",           # the seed's
    "America/New_York",     # DST
    "Europe/London",
    "Europe/Dublin",        # negative DST in the database
    "Australia/Lord_Howe",  # 30-minute DST
    "Asia/Kathmandu",       # +05:45
    "America/St_Johns",     # -03:30 with DST
    "America/Sao_Paulo",    # DST rules that came and went
    "Pacific/Apia",         # skipped a whole day in 2011
]


def hexs(b: bytes) -> str:
    return b.hex() if b else "-"


def messages():
    """The corpus of lines a user may type."""
    corpus = [
        "", " ", "   ", "\t", " \t ", "exit", "EXIT", "Exit", "exit ", " exit",
        "hello", "안녕하세요", "채팅 프로그램 - 메시지 발신", "😀", "👨‍👩‍👧‍👦",
        "🇰🇷", "e\u0301", "a\u0300\u0301\u0302", "\u1100\u1161\u11a8",
        '"quoted"', "back\\slash", "\\u0041", "/slash/", "tab\there",
        "nul\x00byte", "\x00", "del\x7f", "\u0080\u009f", "\u00a0nbsp",
        "\u2028\u2029", "\u202e\u2066", "\ufeffbom", "\uffff", "\U0010ffff",
        "\U0001f600\U0001f601", "mixed 한글 and English 😀 \"q\" \\ /",
        "Ｅｘｉｔ", "EXİT", "exıt", "<script>alert(1)</script>",
        "\x1b[31mred\x1b[0m", "\x1b]0;title\x07", "a\rb", "a\bb",
        "{\"message\": \"inner\"}", "' OR 1=1 --", "%s%n%x", "日本語テキスト",
        "Ελληνικά", "עברית", "العربية", "हिन्दी", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    ]
    corpus += [chr(c) for c in range(0x20)]              # every C0 control
    corpus += ["".join(chr(c) for c in range(0x20))]
    corpus += ["".join(chr(c) for c in range(0x20, 0x80))]  # all of ASCII
    corpus += ["x" * 10000, "한" * 5000, "😀" * 3000, "\x01" * 4000]
    for _ in range(300):  # random text from every plane
        n = RNG.randint(0, 40)
        chars = []
        for _ in range(n):
            r = RNG.random()
            if r < 0.4:
                c = RNG.randint(0x20, 0x7E)
            elif r < 0.5:
                c = RNG.randint(0, 0x1F)
            elif r < 0.8:
                c = RNG.randint(0x80, 0xFFFF)
            else:
                c = RNG.randint(0x10000, 0x10FFFF)
            if 0xD800 <= c <= 0xDFFF:
                c = 0xFFFD
            chars.append(chr(c))
        corpus.append("".join(chars))
    return corpus


def invalid_utf8():
    """Byte strings that are not UTF-8 (the producer replaces, like
    bytes.decode("utf-8", "replace"))."""
    cases = [
        b"\xff", b"\xfe\xff", b"\x80", b"abc\x80def", b"\xc3", b"\xc3(",
        b"\xe4\xb8", b"\xe4\xb8A", b"\xf0\x9f\x98", b"\xf0\x9f\x98A",
        b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xc0\xaf", b"\xe0\x80\xaf",
        b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80",
        b"\xe0\x9f\x80", b"\xf0\x8f\xbf\xbf", b"ok\xce\xbaok\xff",
    ]
    for _ in range(200):
        cases.append(bytes(RNG.randint(0, 255) for _ in range(RNG.randint(1, 24))))
    return cases


def times():
    """time.time()-like values, with 0 to 7 fraction digits, and others."""
    ts = [0.0, 1.0, 1700000000.0, 1732451234.1234567, 1e-05, 0.0001, 1e16,
          1.2345678901234568e17, 123456789012345.67, 9999999999999998.0,
          -0.0, -1.5, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
          0.1, 0.5, 1 / 3, 2.0 ** 60, 2.0 ** -30, 2.0 ** 1023]
    now = 1764000000.0
    for digits in range(8):
        for _ in range(40):
            ts.append(round(now + RNG.uniform(-3e8, 3e8), digits))
    for _ in range(400):
        ts.append(now + RNG.random() * 1e6)
    return ts


def write_encode(path):
    RNG.seed(1)  # each file its own stream: adding cases elsewhere changes nothing here
    with open(path, "w") as f:
        tlist = times()
        for i, m in enumerate(messages()):
            t = tlist[i % len(tlist)]
            out = json.dumps({"message": m, "time": t})
            f.write(f"{hexs(m.encode('utf-8'))}\t{t.hex()}\t{out}\n")
        for i, b in enumerate(invalid_utf8()):
            t = tlist[i % len(tlist)]
            out = json.dumps({"message": b.decode("utf-8", "replace"), "time": t})
            # Replacements made, not U+FFFD that were there already.
            bad = b.decode("utf-8", "replace").count("\ufffd") - b.count("\ufffd".encode())
            f.write(f"{hexs(b)}\t{t.hex()}\t{out}\t{bad}\n")


NAMES = ["alice", "김철수", "bob 😀", 'quote"name', "back\\slash", "tab\tname", "", "x" * 64]


def write_encode_sender(path):
    RNG.seed(2)  # each file its own stream: adding cases elsewhere changes nothing here
    """Records with the optional "sender" key (chat, producer_chat --name)."""
    with open(path, "w") as f:
        tlist = times()
        for i, m in enumerate(messages()[:120]):
            name = NAMES[i % len(NAMES)]
            t = tlist[i % len(tlist)]
            out = json.dumps({"message": m, "time": t, "sender": name})
            f.write(f"{hexs(m.encode())}\t{t.hex()}\t{hexs(name.encode())}\t{out}\n")


def random_double():
    while True:
        x = struct.unpack("<d", RNG.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(x):
            return x


def write_floats(path):
    RNG.seed(3)  # each file its own stream: adding cases elsewhere changes nothing here
    xs = times()
    xs += [random_double() for _ in range(20000)]
    xs += [RNG.uniform(0, 2e9) for _ in range(5000)]
    xs += [2.0 ** e for e in range(-1074, 1024)]
    xs += [-(2.0 ** e) for e in range(-30, 64)]
    xs += [10.0 ** e for e in range(-323, 309)]
    xs += [float(f"1e{e}") for e in range(-20, 23)]
    xs += [float("nan"), float("inf"), float("-inf")]
    with open(path, "w") as f:
        for x in xs:
            f.write(f"{x.hex()}\t{json.dumps(x)}\n")


def transitions(tz_times):
    """Times around each DST change seen in tz_times."""
    out = []
    prev = None
    for t in tz_times:
        off = time.localtime(t).tm_gmtoff
        if prev is not None and off != prev[1]:
            lo, hi = prev[0], t
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if time.localtime(mid).tm_gmtoff == prev[1]:
                    lo = mid
                else:
                    hi = mid
            out += [hi + d for d in (-3601, -3600, -1801, -1, -0.5, 0, 0.5, 1, 1799, 3599, 3600)]
        prev = (t, off)
    return out


def fromtimestamp(t):
    try:
        return str(datetime.fromtimestamp(t))
    except (ValueError, OverflowError, OSError):
        return "ERROR"


def timestamp_rows():
    """(zone, time as float.hex() or int:N, CPython's text) for each case of
    every zone of TIME_ZONES."""
    RNG.seed(4)  # each file its own stream: adding cases elsewhere changes nothing here
    for tz in TIME_ZONES:
        os.environ["TZ"] = tz
        time.tzset()
        cases = [0, 0.0, -1.5, 2.5e-06, 1.5e-06, 3.5e-06, 1700000000.9999996,
                 1700000000.0000005, -0.0000005, -0.0000015, 1e-7,
                 1732451234.1234567, 1764000000.5, -1e-6, -86400.25,
                 float("nan"), float("inf"), float("-inf"), 1e20, -1e20,
                 253402300799.0, 253402300799.9999995, 253402300800.0,
                 253402214400.0, 253402214399.0,
                 -62135596800.0, -62135596800.0 + 86400, -62135596801.0,
                 -62135596800.0 + 86399, -62135596800.0 + 86400 * 2,
                 -62135596800.0 - 50000, -62135596800.0 + 50000,
                 -62135596800.0 + 140000]
        cases += [RNG.uniform(-62135596800, 253402300799) for _ in range(300)]
        cases += [RNG.uniform(-2e9, 4e9) for _ in range(300)]
        cases += [float(RNG.randint(-2 ** 31, 2 ** 33)) for _ in range(100)]
        cases += [RNG.randint(0, 2 ** 31) + k / 2e6 for k in range(-9, 10, 2)
                  for _ in range(5)]  # exact half microseconds
        cases += transitions(range(-2 ** 31, 2 ** 31, 86400 * 7))[:200]
        for t in cases:
            t = float(t)
            yield tz, t.hex(), fromtimestamp(t)
    # Integers (json.loads gives int): only their value matters.
    for tz in ("UTC", "Asia/Seoul"):
        os.environ["TZ"] = tz
        time.tzset()
        for t in (0, 1, 1700000000, -1, 2 ** 40):
            yield tz, f"int:{t}", fromtimestamp(t)


def write_timestamps(path, zones):
    """The rows of timestamp_rows() whose zone is one of zones."""
    with open(path, "w") as f:
        for tz, t, text in timestamp_rows():
            if tz in zones:
                f.write(f"{tz}\t{t}\t{text}\n")


def decode_cases():
    """Record values a consumer may meet, valid and not."""
    good = [json.dumps({"message": m, "time": t}) for m, t in
            zip(messages()[:80], times())]
    cases = [s.encode() for s in good]
    cases += [
        b'{"time": 1700000000.5, "message": "key order"}',
        b'{"message":"compact","time":1700000000}',
        b' \n\t{ "message" : "ws" , "time" : 1.5e9 } \r\n',
        b'{"message": "extra", "time": 1, "sender": "kim", "x": [1, {"y": null}]}',
        b'{"message": "dup", "message": "last wins", "time": 2}',
        b'{"message": "\\u00e9\\u0041\\/\\b\\f\\n\\r\\t\\"\\\\", "time": 3}',
        b'{"message": "\\uD83D\\uDE00 upper hex", "time": 4}',
        b'{"message": "lone \\ud800 surrogate", "time": 5}',
        b'{"message": "lone low \\udc00", "time": 5}',
        b'{"message": "nan time", "time": NaN}',
        b'{"message": "inf time", "time": Infinity}',
        b'{"message": "-inf time", "time": -Infinity}',
        b'{"message": "big time", "time": 1e400}',
        b'{"message": "huge int", "time": 123456789012345678901234567890}',
        b'{"message": "neg zero", "time": -0.0}',
        b'{"message": "bool time", "time": true}',
        b'{"message": "false time", "time": false}',
        b'{"message": "str time", "time": "1700000000"}',
        b'{"message": "null time", "time": null}',
        b'{"message": "no time"}',
        b'{"message": "far", "time": 1e12}',
        b'{"message": "before 1", "time": -1e12}',
        b'{"message": "\xed\x95\x9c\xea\xb8\x80 raw utf8", "time": 6}',
        b'{"message": "nul \\u0000 inside", "time": 7}',
        b'{"message": "EXIT", "time": 8}',
        b'{"message": 42, "time": 9}',
        b'{"message": null, "time": 9}',
        b'{"message": ["a"], "time": 9}',
        b'{"time": 9}',
        b'[1, 2]', b'"just a string"', b'42', b'null', b'', b'{', b'}',
        b'not json', b'{"message": "trailing"} x', b'{"message": "a",}',
        b"{'message': 'single quotes', 'time': 1}",
        b'{"message": "raw \x01 control", "time": 1}',
        b'{"message": "bad utf8 \xff here", "time": 1}',
        b'\xef\xbb\xbf{"message": "bom", "time": 1}',
        b'{"message": "deep", "time": 1, "d": ' + b"[" * 100 + b"]" * 100 + b"}",
        b'{"message": "' + b"long" * 5000 + b'", "time": 1}',
        b'{"message": "nan in extra", "x": NaN, "time": 10}',
        b'{"message": "1.0e+2 time", "time": 1.0e+2}',
        b'{"message": "-5 int", "time": -5}',
        b'{"message": "named", "time": 1700000000.5, "sender": "alice"}',
        b'{"message": "named", "time": 1, "sender": "\\uae40\\ucca0\\uc218"}',
        b'{"sender": "first", "message": "key order", "time": 2}',
        b'{"message": "number sender", "time": 3, "sender": 42}',
        b'{"message": "null sender", "time": 3, "sender": null}',
        b'{"message": "lone", "time": 3, "sender": "\\ud800"}',
        b'{"message": "empty sender", "time": 3, "sender": ""}',
        b'{"message": "x", "time": 3, "sender": "a", "extra": 1}',
        b'{"message": "x", "time": 3, "sender": "a"} ',
    ]
    cases += [json.dumps({"message": m, "time": t, "sender": n}).encode()
              for m, t, n in zip(messages()[80:120], times(), NAMES * 5)]
    return cases


def expect_decode(value: bytes):
    """(status, message bytes, time) as the seed would see the record.
    status: OK, TIME_BAD (message shown, time not usable) or BAD."""
    text = value.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return "BAD", b"", None, None
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return "BAD", b"", None, None

    def printable(s):
        # A lone surrogate cannot be printed; the C port shows U+FFFD for it.
        return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode()

    msg = printable(data["message"])
    sender = printable(data["sender"]) if isinstance(data.get("sender"), str) else None
    t = data.get("time")
    if isinstance(t, bool):
        t = float(t)
    if not isinstance(t, (int, float)):
        return "TIME_BAD", msg, None, sender
    if fromtimestamp(t) == "ERROR":
        return "TIME_BAD", msg, None, sender
    return "OK", msg, float(t), sender


def write_decode(path):
    RNG.seed(5)  # each file its own stream: adding cases elsewhere changes nothing here
    os.environ["TZ"] = "UTC"
    time.tzset()
    with open(path, "w") as f:
        for value in decode_cases():
            status, msg, t, sender = expect_decode(value)
            f.write(f"{hexs(value)}\t{status}\t{hexs(msg)}\t"
                    f"{t.hex() if t is not None else '-'}\t"
                    f"{'none' if sender is None else hexs(sender)}\n")


def main():
    args = sys.argv[1:]
    if args[:1] == ["--zones"]:
        # At test time: the named zones, as this machine's CPython sees them.
        if len(args) != 2:
            sys.exit("usage: generate.py --zones DIR")
        write_timestamps(os.path.join(args[1], "timestamps-zones.tsv"),
                         [tz for tz in TIME_ZONES if tz != "UTC"])
        return
    out = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    write_encode(os.path.join(out, "encode.tsv"))
    write_encode_sender(os.path.join(out, "encode_sender.tsv"))
    write_floats(os.path.join(out, "floats.tsv"))
    write_timestamps(os.path.join(out, "timestamps.tsv"), ["UTC"])
    write_decode(os.path.join(out, "decode.tsv"))


if __name__ == "__main__":
    main()

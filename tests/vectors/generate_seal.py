#!/usr/bin/env python3
"""Writes tests/vectors/seal.tsv: known answers for the sealed record of
encrypted rooms (common/seal.h), made by the format's second
implementation (tests/e2e/sealformat.py, on PyNaCl), so that fixed inputs
(passphrase, salt, nonce, identity seed, topic, time, line) must give these
exact bytes in C too. `make vectors` rewrites it.

Lines, tab-separated, binary in hex ("-" for empty), times as float.hex():
  key          PASSPHRASE SALT KEY
  seal         KEY SALT NONCE SEED TOPIC TIME MESSAGE SENDER VALUE
  fingerprint  SEED PUBLIC_KEY TEXT
  proof        SEED NAME PROOF
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
import sealformat as sf  # noqa: E402


def hexs(b: bytes) -> str:
    return b.hex() if b else "-"


def pattern(n, start):
    return bytes((start + 7 * i) % 256 for i in range(n))


def main(out_dir):
    lines = []
    salts = [bytes(16), pattern(16, 1), bytes(range(16))]
    passphrases = ["correct horse battery staple".encode(), "비밀번호 123".encode(), b"x"]
    keys = []
    for pw, salt in zip(passphrases, salts):
        key = sf.derive(pw, salt)
        keys.append((key, salt))
        lines.append(["key", hexs(pw), hexs(salt), hexs(key)])

    seeds = [bytes(32), pattern(32, 3), bytes(range(32, 64))]
    cases = [
        ("chat", 1700000000.0, "hello", "alice"),
        ("chat", 1732451234.1234567, "안녕하세요 😀", "김철수"),
        ("room.x_y-z", 0.5, "", "bob"),
        ("t", -1.5, "exit", "carol"),
        ("chat", 1700000000.25, "quotes \" and \\ and \x00 nul and \x1b[31m", "a\"b"),
        ("a" * 249, 1.0, "x" * 3000, "long topic"),
    ]
    for i, (topic, t, message, sender) in enumerate(cases):
        key, salt = keys[i % len(keys)]
        nonce = pattern(24, 11 * i + 5)
        seed = seeds[i % len(seeds)]
        value = sf.seal(key, salt, nonce, seed, topic, t, message, sender)
        pk, inner = sf.open_record(key, topic, value)
        assert inner == {"message": message, "time": t, "sender": sender}
        lines.append(["seal", hexs(key), hexs(salt), hexs(nonce), hexs(seed), topic,
                      float(t).hex(), hexs(message.encode()), hexs(sender.encode()),
                      hexs(value)])

    for seed in seeds:
        pk, _ = sf.keypair(seed)
        lines.append(["fingerprint", hexs(seed), hexs(pk), sf.fingerprint(pk)])
        for name in ("alice", "김철수"):
            lines.append(["proof", hexs(seed), hexs(name.encode()), hexs(sf.proof(seed, name))])

    path = Path(out_dir) / "seal.tsv"
    path.write_text("".join("\t".join(l) + "\n" for l in lines))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).parent))

"""The sealed record of an encrypted room, written from its description in
common/seal.h with PyNaCl (libsodium's Python binding) and the standard
library: an implementation of the format apart from ours, which the tests
use to read what is on the broker, to write records a hostile writer would,
and (tests/vectors/generate_seal.py) to make the known answers of the unit
tests."""
import base64
import hashlib
import json

from nacl import bindings, pwhash

PLACEHOLDER = "🔒 (암호화된 메시지)"
OPSLIMIT = 3
MEMLIMIT = 128 * 1024 * 1024
VERSION = 1


def derive(passphrase: bytes, salt: bytes) -> bytes:
    return pwhash.argon2id.kdf(32, passphrase, salt, opslimit=OPSLIMIT, memlimit=MEMLIMIT)


def keypair(seed: bytes):
    """(public key, libsodium secret key) of an Ed25519 seed."""
    return bindings.crypto_sign_seed_keypair(seed)


def context(topic: str, t: float) -> bytes:
    return b"kafka-chat v1\0" + topic.encode() + b"\0" + repr(float(t)).encode() + b"\0"


def inner_json(message: str, t: float, sender: str) -> bytes:
    return json.dumps({"message": message, "time": t, "sender": sender}).encode()


def sign(secret_key: bytes, data: bytes) -> bytes:
    return bindings.crypto_sign(data, secret_key)[:64]


def seal(key, salt, nonce, seed, topic, t, message=None, sender=None, inner=None,
         public_key=None, signature=None):
    """The record value (bytes). inner, public_key and signature replace
    what would be made honestly, for forgeries."""
    pk, sk = keypair(seed)
    if inner is None:
        inner = inner_json(message, t, sender)
    ctx = context(topic, t)
    sig = signature if signature is not None else sign(sk, ctx + inner)
    plain = (public_key if public_key is not None else pk) + sig + inner
    box = bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, ctx, nonce, key)
    envelope = bytes([VERSION]) + salt + nonce + box
    return json.dumps({"message": PLACEHOLDER, "time": t,
                       "sealed": base64.b64encode(envelope).decode()}).encode()


def envelope(value: bytes):
    """(salt, nonce, box) of a record value."""
    raw = base64.b64decode(json.loads(value)["sealed"], validate=True)
    assert raw[0] == VERSION
    return raw[1:17], raw[17:41], raw[41:]


def open_record(key, topic, value: bytes):
    """(public key, inner dict) of a sealed record, its signature checked."""
    data = json.loads(value)
    _, nonce, box = envelope(value)
    ctx = context(topic, data["time"])
    plain = bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(box, ctx, nonce, key)
    pk, sig, inner = plain[:32], plain[32:96], plain[96:]
    bindings.crypto_sign_open(sig + ctx + inner, pk)  # raises if it is not good
    return pk, json.loads(inner)


def fingerprint(public_key: bytes) -> str:
    h = hashlib.blake2b(public_key, digest_size=20).hexdigest()
    return " ".join(h[i:i + 4] for i in range(0, len(h), 4))


def proof(seed: bytes, name: str) -> bytes:
    return sign(keypair(seed)[1], b"kafka-chat key v1\0" + name.encode())

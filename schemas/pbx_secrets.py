"""The PBX API's secrets: API users' password hashes, session tokens, event URL secrets.

- A password is stored only as scrypt of what the wire carries (its MD5 as 32 lowercase
  hex), salted, with the cost in the stored string so it can be raised later.
- A token is 32 random lowercase hex; the hub keeps only its SHA-256. Tokens are drawn
  so that they hash to their PBX's partition: a heartbeat then reaches the worker that
  holds its session by the token alone.
- An event URL's secret is an HMAC of the PBX's address and a per-PBX nonce under the
  hub's secret key: nothing secret is stored, and a new nonce gives a new URL.
"""

import base64
import hashlib
import hmac
import secrets

from schemas.topics import partition_for

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
MD5_HEX = frozenset("0123456789abcdef")


def md5_hex(password: str) -> str:
    """What a PBX API client sends as its password."""
    return hashlib.md5(password.encode()).hexdigest()  # noqa: S324 - the wire's own format


def is_md5_hex(value: str) -> bool:
    """Whether `value` has the shape of a password on the wire."""
    return len(value) == 32 and set(value) <= MD5_HEX


def hash_password(wire_password: str) -> str:
    """A salted scrypt hash of the wire password: `scrypt$n$r$p$salt$hash` (base64)."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(wire_password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(
        ["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)]
    )


def verify_password(wire_password: str, stored: str) -> bool:
    """Whether the wire password matches a stored hash, compared in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        given = _scrypt(wire_password, _unb64(salt), int(n), int(r), int(p))
        expected = _unb64(digest)
    except (ValueError, TypeError):  # binascii.Error is a ValueError
        return False
    return hmac.compare_digest(given, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def new_token(client_id: str, partitions: int) -> str:
    """A fresh token in the same partition as the customer's records."""
    target = partition_for(client_id, partitions)
    while True:
        token = secrets.token_hex(16)
        if partition_for(token, partitions) == target:
            return token


def event_secret(key: bytes, client_id: str, pbx_id: str, nonce: str) -> str:
    """The secret part of a PBX's event URL."""
    msg = f"{client_id}/{pbx_id}/{nonce}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:40]


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two secrets."""
    return hmac.compare_digest(given.encode(), expected.encode())

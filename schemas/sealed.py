"""Secrets the hub must use again later (an upstream PBX's password, its token), sealed.

Sealed with Fernet (AES-128-CBC and HMAC-SHA256, from `cryptography`) under a key
derived by HKDF from the hub's secret key (`HUB_SECRET_KEY`), so a sealed value in a
topic or a changelog reveals nothing without that key.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"heartbeat-hub sealed secrets v1"


class Unsealable(ValueError):
    """A sealed value that this key did not seal, or that was changed."""


def _fernet(key: bytes) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(key)
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(key: bytes, secret: str) -> str:
    """The secret, encrypted and authenticated."""
    return _fernet(key).encrypt(secret.encode()).decode()


def unseal(key: bytes, sealed: str) -> str:
    """The secret back; raises Unsealable."""
    try:
        return _fernet(key).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError) as e:
        raise Unsealable("not sealed with this key") from e

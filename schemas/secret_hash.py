"""What the hub keeps of a bearer secret it issued or was given: its SHA-256.

Tokens (PBX API sessions, scoped admin tokens) and relay keys are long random strings,
so a fast hash is enough: it cannot be reversed, and a leaked table holds nothing a
caller could present. (Passwords, chosen by people, get scrypt instead.)
"""

import hashlib


def secret_hash(secret: str) -> str:
    """The SHA-256 of the secret's UTF-8 bytes, as 64 lowercase hex digits."""
    return hashlib.sha256(secret.encode()).hexdigest()

"""Password hashes, session tokens and event URL secrets."""

import re

import pytest

from schemas.pbx_secrets import (
    event_secret,
    hash_password,
    is_md5_hex,
    md5_hex,
    new_token,
    same_secret,
    verify_password,
)
from schemas.secret_hash import secret_hash
from schemas.topics import partition_for

WIRE = md5_hex("s3cret-API-password")
HEX32 = re.compile(r"[0-9a-f]{32}")
KEY = b"k" * 32
WELL_FORMED = "277ac400357b509b4a587ff2157f7ad5"


@pytest.fixture(scope="module")
def stored() -> str:
    """One hash of WIRE (scrypt is slow on purpose)."""
    return hash_password(WIRE)


def test_md5_hex_is_what_the_wire_carries() -> None:
    assert md5_hex("password") == "5f4dcc3b5aa765d61d8327deb882cf99"
    assert is_md5_hex(WIRE)


@pytest.mark.parametrize("value", ["", "a" * 31, "a" * 33, "A" * 32, "g" * 32, " " + "a" * 31])
def test_is_md5_hex_refuses_other_shapes(value: str) -> None:
    assert not is_md5_hex(value)


def test_a_hash_verifies_its_password(stored: str) -> None:
    assert verify_password(WIRE, stored)


@pytest.mark.parametrize(
    "wrong", [md5_hex("other"), WIRE.upper(), WIRE[:-1], "", "s3cret-API-password"]
)
def test_a_wrong_password_does_not_verify(stored: str, wrong: str) -> None:
    assert not verify_password(wrong, stored)


def test_the_stored_string_names_scheme_and_cost(stored: str) -> None:
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert salt
    assert digest


def test_two_hashes_of_one_password_differ_in_salt(stored: str) -> None:
    again = hash_password(WIRE)
    assert again != stored
    assert again.split("$")[4] != stored.split("$")[4]
    assert verify_password(WIRE, again)


def test_the_stored_string_holds_neither_the_password_nor_its_md5(stored: str) -> None:
    assert WIRE not in stored
    assert WIRE.upper() not in stored
    assert "s3cret-API-password" not in stored


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "plain",
        "scrypt$16384$8$1$AAAA",
        "scrypt$16384$8$1$AAAA$AAAA$AAAA",
        "bcrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
        "scrypt$abc$8$1$AAAA$AAAA",
        "scrypt$3$8$1$AAAA$AAAA",
        "scrypt$16384$8$1$!!!!$AAAA",
        "scrypt$16384$8$1$AAAA$AAAA",
    ],
)
def test_a_malformed_stored_string_does_not_verify(bad: str) -> None:
    assert verify_password(WIRE, bad) is False


def test_a_stored_string_with_another_digest_does_not_verify(stored: str) -> None:
    *head, _ = stored.split("$")
    other = hash_password(md5_hex("other")).split("$")[5]
    assert not verify_password(WIRE, "$".join([*head, other]))


@pytest.mark.parametrize("digest", ["not base64", "AAA", "!!!!"])
def test_a_stored_string_with_a_malformed_digest_does_not_verify(digest: str) -> None:
    assert verify_password(WIRE, f"scrypt$16384$8$1$AAAA${digest}") is False


@pytest.mark.parametrize("bad", ["scrypt$-16384$8$1$AAAA$AAAA", "scrypt$16384$-8$1$AAAA$AAAA"])
def test_a_stored_string_with_a_negative_cost_does_not_verify(bad: str) -> None:
    assert verify_password(WIRE, bad) is False


@pytest.mark.parametrize("partitions", [1, 2, 3, 8, 64])
@pytest.mark.parametrize("client_id", ["acme", "c1", "Kunde-Österreich", "x" * 100])
def test_a_new_token_lands_in_its_customers_partition(client_id: str, partitions: int) -> None:
    token = new_token(client_id, partitions)
    assert HEX32.fullmatch(token)
    assert is_md5_hex(token)
    assert partition_for(token, partitions) == partition_for(client_id, partitions)


def test_new_tokens_differ() -> None:
    tokens = {new_token("acme", 8) for _ in range(20)}
    assert len(tokens) == 20


def test_token_hash_is_stable_sha256_hex() -> None:
    issued = new_token("acme", 8)
    assert secret_hash(issued) == secret_hash(issued)
    assert re.fullmatch(r"[0-9a-f]{64}", secret_hash(issued))
    assert issued not in secret_hash(issued)
    assert secret_hash(issued) != secret_hash(issued[:-1] + ("0" if issued[-1] != "0" else "1"))
    # SHA-256 of the guide's example token, so the stored hashes stay readable across releases.
    assert (
        secret_hash(WELL_FORMED)
        == "a164b51428fc14907ad2746d74f8b2f96d8c3b7e0b89f2576bb85460b8520a37"
    )


def test_event_secret_is_stable_and_differs_by_nonce_key_and_address() -> None:
    base = event_secret(KEY, "acme", "pbx1", "n1")
    assert base == event_secret(KEY, "acme", "pbx1", "n1")
    assert re.fullmatch(r"[0-9a-f]{40}", base)
    assert base != event_secret(KEY, "acme", "pbx1", "n2")
    assert base != event_secret(b"j" * 32, "acme", "pbx1", "n1")
    assert base != event_secret(KEY, "acme", "pbx2", "n1")
    assert base != event_secret(KEY, "acme2", "pbx1", "n1")


def test_same_secret() -> None:
    assert same_secret("abc", "abc")
    assert not same_secret("abc", "abd")
    assert not same_secret("abc", "ab")

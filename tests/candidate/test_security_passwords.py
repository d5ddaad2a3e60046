"""scrypt password hashing with per-hash parameters and upgrade on login."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from lukhas.services.security import PasswordHasher, ScryptParams, SecurityError

FAST = {"log_n": 10, "r": 8, "p": 1}


def test_hash_is_scrypt_with_its_parameters_and_verifies() -> None:
    h = PasswordHasher(**FAST)
    stored = h.hash("pässword")
    params, salt, key = h.parse(stored)
    assert params == ScryptParams(10, 8, 1) and len(salt) == 16 and len(key) == 32
    # the stored key is scrypt of the UTF-8 (NFC) password, recomputed independently
    assert Scrypt(salt, 32, 2**10, 8, 1).derive("pässword".encode()) == key
    assert h.verify(stored, "pässword")
    assert h.verify(stored, "pa\u0308ssword")  # NFD spelling of the same text
    assert not h.verify(stored, "password")
    assert h.hash("x") != h.hash("x")  # random salts


def test_per_hash_parameters_are_honoured() -> None:
    old = PasswordHasher(log_n=9, r=4, p=2).hash("pw")
    assert PasswordHasher(**FAST).verify(old, "pw")  # verified with its own costs


def test_upgrade_on_login() -> None:
    weak = PasswordHasher(log_n=9).hash("pw")
    strong = PasswordHasher(**FAST)
    assert strong.needs_rehash(weak)
    ok, new = strong.verify_and_update(weak, "pw")
    assert ok and new is not None and new.startswith("$scrypt$ln=10,r=8,p=1$")
    assert not strong.needs_rehash(new)
    assert strong.verify_and_update(new, "pw") == (True, None)
    assert strong.verify_and_update(weak, "wrong") == (False, None)


TAIL = "$" + "A" * 22 + "$" + "A" * 43


@pytest.mark.parametrize("bad", [
    "", "$scrypt$", "$bcrypt$ln=10,r=8,p=1" + TAIL, "$scrypt$ln=40,r=8,p=1" + TAIL,
    "$scrypt$ln=10,r=8,p=1$" + "A" * 22 + "$" + "!" * 43,
    # memory bomb: 128 * 255 * 2**25 bytes
    "$scrypt$ln=25,r=255,p=1" + TAIL,
])
def test_malformed_or_abusive_hashes_are_refused(bad: str) -> None:
    with pytest.raises(SecurityError):
        PasswordHasher(**FAST).verify(bad, "pw")


def test_validation() -> None:
    with pytest.raises(TypeError, match="`password` must be a str"):
        PasswordHasher(**FAST).hash(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`password` must be at most"):
        PasswordHasher(**FAST).hash("x" * 5000)
    with pytest.raises(ValueError, match="`salt_size`"):
        PasswordHasher(salt_size=4)
    with pytest.raises(ValueError, match="limit"):
        PasswordHasher(log_n=24, r=128)


def test_base64_of_salt_is_standard() -> None:
    stored = PasswordHasher(**FAST).hash("pw")
    salt_text = stored.split("$")[3]
    assert base64.b64decode(salt_text + "=" * (-len(salt_text) % 4))

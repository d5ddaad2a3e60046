"""API keys: lk_ prefix, stored hashed, constant-time verification."""

from __future__ import annotations

import hashlib
import hmac
from unittest import mock

import pytest

from lukhas.services.security import (
    ApiKeyRecord,
    MalformedApiKeyError,
    _apikeys,
    generate_api_key,
    parse_api_key,
    verify_api_key,
)

PEPPER = b"p" * 32


def test_key_shape_and_stored_digest() -> None:
    key, record = generate_api_key()
    assert key.startswith("lk_") and len(key) == 3 + 16 + 1 + 43
    kid, secret = parse_api_key(key)
    assert kid == record.key_id and len(secret) == 32
    assert record.digest == hashlib.sha256(secret).digest() and not record.peppered
    assert key not in repr(record) and secret.hex() not in repr(record.to_dict())
    assert ApiKeyRecord.from_dict(record.to_dict()) == record


def test_peppered_digest_is_hmac_sha256() -> None:
    key, record = generate_api_key(PEPPER)
    _, secret = parse_api_key(key)
    assert record.digest == hmac.new(PEPPER, secret, hashlib.sha256).digest()
    assert verify_api_key(key, record, PEPPER)
    assert not verify_api_key(key, record, b"q" * 32)
    with pytest.raises(ValueError, match="pepper"):
        verify_api_key(key, record)


def test_verification_rejects_other_keys() -> None:
    key, record = generate_api_key()
    other, _ = generate_api_key()
    assert verify_api_key(key, record)
    assert not verify_api_key(other, record)
    # same secret presented under another key id
    kid, _ = parse_api_key(key)
    forged = key.replace(kid, "0" * 16)
    assert not verify_api_key(forged, record)
    middle = len(key) - 10  # a character that carries 6 bits of the secret
    flipped = key[:middle] + ("A" if key[middle] != "A" else "B") + key[middle + 1:]
    assert not verify_api_key(flipped, record)


def test_only_the_canonical_spelling_of_a_key_is_accepted() -> None:
    # The secret's last base64url character carries 2 unused bits; another character
    # with the same 4 data bits decodes to the same secret and must not verify.
    for _ in range(20):
        key, record = generate_api_key()
        last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(key[-1])
        twin = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last ^ 1]
        alias = key[:-1] + twin
        with pytest.raises(MalformedApiKeyError, match="non-canonical"):
            verify_api_key(alias, record)


def test_comparison_is_constant_time() -> None:
    key, record = generate_api_key()
    with mock.patch.object(_apikeys.constant_time, "bytes_eq",
                           wraps=_apikeys.constant_time.bytes_eq) as eq:
        verify_api_key(key, record)
    assert eq.call_count >= 1


@pytest.mark.parametrize("bad", [
    "", "sk_0123456789abcdef_" + "A" * 43, "lk_", "lk_xyz_abc", "lk_0123456789abcdef" + "A" * 44,
    "lk_0123456789ABCDEF_" + "A" * 43, "lk_0123456789abcdef_" + "A" * 42, "lk_" + "a" * 300,
])
def test_malformed_keys(bad: str) -> None:
    with pytest.raises(MalformedApiKeyError):
        parse_api_key(bad)


def test_validation() -> None:
    with pytest.raises(TypeError, match="`key` must be a str"):
        parse_api_key(b"lk_")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 16 bytes"):
        generate_api_key(b"short")

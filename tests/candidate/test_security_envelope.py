"""Envelope encryption, key rotation and the data-key vault (candidate.security)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.services.security import (
    DataKeyVault,
    DecryptionError,
    Envelope,
    KeyRing,
    SecurityError,
    UnknownKeyError,
    WrappedKey,
    seal,
    unseal,
)


@settings(max_examples=40)
@given(st.binary(max_size=2048), st.binary(max_size=64))
def test_round_trip_any_plaintext_and_associated_data(pt: bytes, ad: bytes) -> None:
    ring = KeyRing.generate("k1")
    env = ring.encrypt(pt, ad)
    assert ring.decrypt(env, ad) == pt
    assert ring.decrypt(env.to_bytes(), ad) == pt
    assert Envelope.from_bytes(env.to_bytes()) == env
    assert len(env.ciphertext) == len(pt) + 16 and env.key_id == "k1"


def test_ciphertext_is_real_aes_gcm_under_the_unwrapped_data_key() -> None:
    # Decrypt by hand with cryptography's AESGCM: the envelope is what it says it is.
    ring = KeyRing.generate("k1")
    env = ring.encrypt(b"payload", b"ad")
    dk = ring.unwrap(env.wrapped_key)
    assert AESGCM(dk).decrypt(env.nonce, env.ciphertext, b"lukhas-data-v1\x00ad") == b"payload"
    # fresh data key and nonce per message
    env2 = ring.encrypt(b"payload", b"ad")
    assert env2.nonce != env.nonce and ring.unwrap(env2.wrapped_key) != dk


def test_rotation_rewraps_data_keys_and_leaves_ciphertext_alone() -> None:
    ring = KeyRing.generate("old")
    envs = [ring.encrypt(bytes([i]) * 10, b"ctx") for i in range(5)]
    assert ring.rotate("new") == "new" and ring.active_id == "new"
    assert ring.key_ids == ("old", "new")
    # old envelopes still decrypt before re-wrapping
    assert ring.decrypt(envs[0], b"ctx") == b"\x00" * 10
    moved = [ring.rewrap(e) for e in envs]
    assert all(m.key_id == "new" and m.ciphertext == e.ciphertext and m.nonce == e.nonce
               for m, e in zip(moved, envs, strict=True))
    ring.retire("old")
    assert [ring.decrypt(m, b"ctx") for m in moved] == [bytes([i]) * 10 for i in range(5)]
    with pytest.raises(UnknownKeyError, match="'old'"):
        ring.decrypt(envs[0], b"ctx")
    assert ring.rewrap(moved[0]) is moved[0]  # already under the active key


def test_keyring_validation() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        KeyRing({"a": b"short"})
    with pytest.raises(ValueError, match="`keys` must be 1-64 characters"):
        KeyRing({"bad id!": bytes(32)})
    with pytest.raises(ValueError, match="`active`"):
        KeyRing({"a": bytes(32)}, active="b")
    with pytest.raises(TypeError, match="`plaintext` must be bytes"):
        KeyRing.generate().encrypt("text")  # type: ignore[arg-type]
    ring = KeyRing({"a": bytes(32)})
    with pytest.raises(ValueError, match="already names a different key"):
        ring.add("a", b"\x01" * 32)
    with pytest.raises(ValueError, match="active key"):
        ring.retire("a")
    with pytest.raises(UnknownKeyError):
        KeyRing().active_id  # noqa: B018
    assert "\x00" not in repr(ring) and "a" in repr(ring)


def test_wrapped_key_and_envelope_parsing_refuse_garbage() -> None:
    ring = KeyRing.generate("k")
    w = ring.new_data_key()[1]
    assert WrappedKey.from_bytes(w.to_bytes()) == w
    for bad in (b"", b"XXXX", w.to_bytes()[:-1], b"LKW1\x05ab"):
        with pytest.raises(SecurityError):
            WrappedKey.from_bytes(bad)
    with pytest.raises(SecurityError):
        Envelope.from_bytes(b"LKE1\x00")


def test_seal_and_unseal() -> None:
    key = AESGCM.generate_key(256)
    blob = seal(key, b"x" * 100, b"ad")
    assert unseal(key, blob, b"ad") == b"x" * 100
    with pytest.raises(DecryptionError):
        unseal(key, blob, b"other")
    with pytest.raises(DecryptionError):
        unseal(AESGCM.generate_key(256), blob, b"ad")
    with pytest.raises(DecryptionError, match="shorter"):
        unseal(key, blob[:10])


def test_vault_shredding_and_rewrap_all() -> None:
    ring = KeyRing.generate("k1")
    storage: dict[str, bytes] = {}
    vault = DataKeyVault(ring, storage)
    blobs = {n: vault.encrypt(n, n.encode() * 3, b"ad") for n in ("alice", "bob")}
    assert set(storage) == {"alice", "bob"} and len(vault) == 2
    p1 = vault.pseudonym("alice", b"alice")
    assert p1 == vault.pseudonym("alice", b"alice") != vault.pseudonym("bob", b"alice")
    ring.rotate("k2")
    assert vault.rewrap_all() == 2 and vault.rewrap_all() == 0
    ring.retire("k1")
    assert vault.decrypt("alice", blobs["alice"], b"ad") == b"alicealicealice"
    assert vault.pseudonym("alice", b"alice") == p1  # same data key, re-wrapped
    assert vault.shred("alice") and not vault.shred("alice")
    with pytest.raises(UnknownKeyError, match="shredded"):
        vault.decrypt("alice", blobs["alice"], b"ad")
    with pytest.raises(UnknownKeyError):
        vault.pseudonym("alice", b"alice")
    assert vault.decrypt("bob", blobs["bob"], b"ad") == b"bobbobbob"
    # a new key for the same name cannot open the old data
    vault.create("alice")
    with pytest.raises(DecryptionError):
        vault.decrypt("alice", blobs["alice"], b"ad")

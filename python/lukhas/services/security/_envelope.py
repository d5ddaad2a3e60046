"""Envelope encryption: AES-256-GCM data keys wrapped by key-encryption keys with ids.

Every message gets a fresh 256-bit data key; the data key encrypts the message
(AES-256-GCM, 96-bit random nonce, caller's associated data authenticated) and is
itself wrapped by the key ring's active key-encryption key (AES-256-GCM again, the key
id authenticated).  Rotation adds a new active key; :meth:`KeyRing.rewrap` re-wraps an
envelope's data key under it without touching the message ciphertext, after which the
old key can be retired.  :class:`DataKeyVault` keeps one long-lived data key per name
(for example per data subject): erasing the name destroys its key, which
crypto-shreds everything ever encrypted under it.

Everything cryptographic is ``cryptography``'s (AESGCM, HKDF, HMAC, os.urandom).
"""

from __future__ import annotations

import logging
import re
import secrets
import struct
import threading
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lukhas._validation import describe
from lukhas.services.security._errors import DecryptionError, SecurityError, UnknownKeyError

__all__ = ["KEY_SIZE", "NONCE_SIZE", "DataKeyVault", "Envelope", "KeyRing", "WrappedKey",
           "seal", "unseal"]

logger = logging.getLogger(__name__)

#: Bytes in every key (AES-256).
KEY_SIZE: Final = 32
#: Bytes in every GCM nonce.
NONCE_SIZE: Final = 12
_TAG: Final = 16
_KID: Final = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_WRAP_AAD: Final = b"lukhas-wrap-v1\x00"
_DATA_AAD: Final = b"lukhas-data-v1\x00"
_SEAL_AAD: Final = b"lukhas-seal-v1\x00"
_ENVELOPE_MAGIC: Final = b"LKE1"
_WRAPPED_MAGIC: Final = b"LKW1"


def _check_kid(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be a str, got {describe(value)}.")
    if not _KID.fullmatch(value):
        raise ValueError(f"`{name}` must be 1-64 characters of letters, digits and '._:-', "
                         f"got {value!r}.")
    return value


def _check_bytes(name: str, value: Any) -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"`{name}` must be bytes, got {describe(value)}.")
    return bytes(value)


def _check_key(name: str, value: Any) -> bytes:
    key = _check_bytes(name, value)
    if len(key) != KEY_SIZE:
        raise ValueError(f"`{name}` must be {KEY_SIZE} bytes (AES-256), got {len(key)} bytes.")
    return key


def seal(key: bytes, plaintext: bytes, associated_data: bytes = b"") -> bytes:
    """Encrypt with a raw 256-bit key: ``nonce || ciphertext || tag`` (AES-256-GCM).

    Parameters
    ----------
    key : bytes of length 32
    plaintext : bytes
    associated_data : bytes, default b""
        Authenticated, not encrypted; :func:`unseal` needs the same bytes.

    Returns
    -------
    blob : bytes
        ``len(plaintext) + 28`` bytes.

    Examples
    --------
    >>> key = AESGCM.generate_key(256)
    >>> unseal(key, seal(key, b"secret", b"ctx"), b"ctx")
    b'secret'
    """
    k = _check_key("key", key)
    pt = _check_bytes("plaintext", plaintext)
    ad = _check_bytes("associated_data", associated_data)
    nonce = secrets.token_bytes(NONCE_SIZE)
    return nonce + AESGCM(k).encrypt(nonce, pt, _SEAL_AAD + ad)


def unseal(key: bytes, blob: bytes, associated_data: bytes = b"") -> bytes:
    """Decrypt what :func:`seal` wrote.

    Raises
    ------
    DecryptionError
        If ``blob`` or ``associated_data`` was altered, or the key is not the one used.
    """
    k = _check_key("key", key)
    data = _check_bytes("blob", blob)
    ad = _check_bytes("associated_data", associated_data)
    if len(data) < NONCE_SIZE + _TAG:
        raise DecryptionError(f"`blob` is {len(data)} bytes, shorter than nonce and tag "
                              f"({NONCE_SIZE + _TAG}).")
    try:
        return AESGCM(k).decrypt(data[:NONCE_SIZE], data[NONCE_SIZE:], _SEAL_AAD + ad)
    except InvalidTag as err:
        raise DecryptionError("authentication failed: the ciphertext, its associated data "
                              "or the key is not the one sealed") from err


def _pack_kid(kid: str) -> bytes:
    raw = kid.encode("ascii")
    return struct.pack(">B", len(raw)) + raw


def _unpack_kid(data: bytes, at: int, what: str) -> tuple[str, int]:
    if len(data) <= at:
        raise SecurityError(f"{what} is truncated (no key id).")
    n = data[at]
    raw = data[at + 1: at + 1 + n]
    if len(raw) != n or not _KID.fullmatch(raw.decode("ascii", "replace")):
        raise SecurityError(f"{what} has a malformed key id.")
    return raw.decode("ascii"), at + 1 + n


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A data key encrypted under the key-encryption key ``key_id``.

    Attributes
    ----------
    key_id : str
        Which key of the ring wrapped it.
    nonce : bytes of length 12
    ciphertext : bytes of length 48
        The 32-byte data key and the 16-byte GCM tag.
    """

    key_id: str
    nonce: bytes
    ciphertext: bytes

    def to_bytes(self) -> bytes:
        """``b"LKW1" || len(key_id) || key_id || nonce || ciphertext``."""
        return _WRAPPED_MAGIC + _pack_kid(self.key_id) + self.nonce + self.ciphertext

    @classmethod
    def from_bytes(cls, data: bytes) -> WrappedKey:
        """Inverse of :meth:`to_bytes`.

        Raises
        ------
        SecurityError
            If ``data`` is not a wrapped key.
        """
        raw = _check_bytes("data", data)
        if raw[:4] != _WRAPPED_MAGIC:
            raise SecurityError("`data` is not a lukhas wrapped key (bad magic).")
        kid, at = _unpack_kid(raw, 4, "wrapped key")
        rest = raw[at:]
        if len(rest) != NONCE_SIZE + KEY_SIZE + _TAG:
            raise SecurityError(f"wrapped key body must be {NONCE_SIZE + KEY_SIZE + _TAG} "
                                f"bytes, got {len(rest)}.")
        return cls(kid, rest[:NONCE_SIZE], rest[NONCE_SIZE:])


@dataclass(frozen=True, slots=True)
class Envelope:
    """One encrypted message: its wrapped data key, nonce and ciphertext (with tag).

    Attributes
    ----------
    wrapped_key : WrappedKey
    nonce : bytes of length 12
    ciphertext : bytes
        ``len(plaintext) + 16`` bytes.
    """

    wrapped_key: WrappedKey
    nonce: bytes
    ciphertext: bytes

    @property
    def key_id(self) -> str:
        """The id of the key-encryption key that wrapped the data key."""
        return self.wrapped_key.key_id

    def to_bytes(self) -> bytes:
        """``b"LKE1" || u16 len(wrapped) || wrapped || nonce || ciphertext``."""
        w = self.wrapped_key.to_bytes()
        return _ENVELOPE_MAGIC + struct.pack(">H", len(w)) + w + self.nonce + self.ciphertext

    @classmethod
    def from_bytes(cls, data: bytes) -> Envelope:
        """Inverse of :meth:`to_bytes`.

        Raises
        ------
        SecurityError
            If ``data`` is not an envelope.
        """
        raw = _check_bytes("data", data)
        if raw[:4] != _ENVELOPE_MAGIC or len(raw) < 6:
            raise SecurityError("`data` is not a lukhas envelope (bad magic).")
        (n,) = struct.unpack(">H", raw[4:6])
        wrapped = WrappedKey.from_bytes(raw[6: 6 + n])
        rest = raw[6 + n:]
        if len(rest) < NONCE_SIZE + _TAG:
            raise SecurityError("envelope is truncated (no room for nonce and tag).")
        return cls(wrapped, rest[:NONCE_SIZE], rest[NONCE_SIZE:])


class KeyRing:
    """Key-encryption keys by id, one of them active.

    Parameters
    ----------
    keys : mapping of str to bytes, optional
        Key id -> 32-byte key.  Key ids are 1-64 characters of ``[A-Za-z0-9._:-]``.
    active : str, optional
        The id new data keys are wrapped under; default the last of ``keys``.

    Examples
    --------
    >>> ring = KeyRing.generate("2025-01")
    >>> env = ring.encrypt(b"card 4242", b"user:42")
    >>> ring.decrypt(env, b"user:42")
    b'card 4242'
    >>> new_id = ring.rotate("2025-02")
    >>> env2 = ring.rewrap(env)             # same ciphertext, data key re-wrapped
    >>> env2.key_id, env2.ciphertext == env.ciphertext
    ('2025-02', True)
    >>> ring.retire("2025-01")
    >>> ring.decrypt(env2, b"user:42")
    b'card 4242'
    """

    def __init__(self, keys: Mapping[str, bytes] | None = None, active: str | None = None) -> None:
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()
        if keys is not None:
            if not isinstance(keys, Mapping):
                raise TypeError(f"`keys` must be a mapping of key id to bytes, got "
                                f"{describe(keys)}.")
            for kid, key in keys.items():
                self._keys[_check_kid("keys", kid)] = _check_key(f"keys[{kid!r}]", key)
        if active is None:
            self._active = next(reversed(self._keys)) if self._keys else None
        else:
            self._active = _check_kid("active", active)
            if self._active not in self._keys:
                raise ValueError(f"`active` must be one of the key ids {sorted(self._keys)}, "
                                 f"got {active!r}.")

    @classmethod
    def generate(cls, key_id: str | None = None) -> KeyRing:
        """A ring holding one fresh random key (id ``key_id`` or a random one)."""
        ring = cls()
        ring.rotate(key_id)
        return ring

    @property
    def active_id(self) -> str:
        """The id of the active key.

        Raises
        ------
        UnknownKeyError
            If the ring is empty.
        """
        if self._active is None:
            raise UnknownKeyError("<active>", "the key ring is empty; add or rotate a key")
        return self._active

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every key id held, oldest first."""
        return tuple(self._keys)

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def __repr__(self) -> str:  # never print key material
        return f"KeyRing(key_ids={list(self._keys)!r}, active={self._active!r})"

    def add(self, key_id: str, key: bytes, *, activate: bool = False) -> None:
        """Add a key (refuses to replace a different key under an existing id)."""
        kid = _check_kid("key_id", key_id)
        k = _check_key("key", key)
        with self._lock:
            if kid in self._keys and not secrets.compare_digest(self._keys[kid], k):
                raise ValueError(f"`key_id` {kid!r} already names a different key.")
            self._keys[kid] = k
            if activate or self._active is None:
                self._active = kid

    def rotate(self, key_id: str | None = None) -> str:
        """Add a fresh random key and make it active; returns its id."""
        kid = f"k-{secrets.token_hex(8)}" if key_id is None else _check_kid("key_id", key_id)
        if kid in self._keys:
            raise ValueError(f"`key_id` {kid!r} is already in the ring.")
        self.add(kid, AESGCM.generate_key(256), activate=True)
        logger.info("key ring rotated to %s", kid)
        return kid

    def retire(self, key_id: str) -> None:
        """Remove a key that is no longer active (re-wrap its data keys first)."""
        kid = _check_kid("key_id", key_id)
        with self._lock:
            if kid not in self._keys:
                raise UnknownKeyError(kid)
            if kid == self._active:
                raise ValueError(f"`key_id` {kid!r} is the active key; rotate before retiring.")
            del self._keys[kid]

    def _kek(self, kid: str) -> bytes:
        try:
            return self._keys[kid]
        except KeyError:
            raise UnknownKeyError(kid, f"the ring holds {list(self._keys)}") from None

    # ---- data keys -------------------------------------------------------------------

    def wrap(self, data_key: bytes) -> WrappedKey:
        """Wrap a 32-byte data key under the active key."""
        dk = _check_key("data_key", data_key)
        kid = self.active_id
        nonce = secrets.token_bytes(NONCE_SIZE)
        ct = AESGCM(self._kek(kid)).encrypt(nonce, dk, _WRAP_AAD + kid.encode("ascii"))
        return WrappedKey(kid, nonce, ct)

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        """The data key inside ``wrapped``.

        Raises
        ------
        UnknownKeyError
            If the ring does not hold ``wrapped.key_id``.
        DecryptionError
            If the wrapped key was altered (or its key id swapped for another held key).
        """
        if not isinstance(wrapped, WrappedKey):
            raise TypeError(f"`wrapped` must be a WrappedKey, got {describe(wrapped)}.")
        kek = self._kek(wrapped.key_id)
        try:
            return AESGCM(kek).decrypt(wrapped.nonce, wrapped.ciphertext,
                                       _WRAP_AAD + wrapped.key_id.encode("ascii"))
        except InvalidTag as err:
            raise DecryptionError(f"the data key wrapped under {wrapped.key_id!r} fails "
                                  "authentication (altered, or wrapped by another key)") from err

    def new_data_key(self) -> tuple[bytes, WrappedKey]:
        """A fresh random data key and its wrapping under the active key."""
        dk = AESGCM.generate_key(256)
        return dk, self.wrap(dk)

    def rewrap(self, item: Any) -> Any:
        """``item`` (a WrappedKey or an Envelope) with its data key re-wrapped under the
        active key; an envelope's ciphertext is unchanged."""
        if isinstance(item, Envelope):
            if item.key_id == self.active_id:
                return item
            return Envelope(self.rewrap(item.wrapped_key), item.nonce, item.ciphertext)
        if isinstance(item, WrappedKey):
            if item.key_id == self.active_id:
                return item
            return self.wrap(self.unwrap(item))
        raise TypeError(f"`item` must be a WrappedKey or an Envelope, got {describe(item)}.")

    # ---- messages --------------------------------------------------------------------

    def encrypt(self, plaintext: bytes, associated_data: bytes = b"") -> Envelope:
        """Encrypt under a fresh data key wrapped by the active key.

        Parameters
        ----------
        plaintext : bytes
        associated_data : bytes, default b""
            Authenticated context (a record id, a tenant): decryption needs the same bytes.

        Returns
        -------
        envelope : Envelope
        """
        pt = _check_bytes("plaintext", plaintext)
        ad = _check_bytes("associated_data", associated_data)
        dk, wrapped = self.new_data_key()
        nonce = secrets.token_bytes(NONCE_SIZE)
        return Envelope(wrapped, nonce, AESGCM(dk).encrypt(nonce, pt, _DATA_AAD + ad))

    def decrypt(self, envelope: Envelope | bytes, associated_data: bytes = b"") -> bytes:
        """Decrypt an envelope (or its :meth:`Envelope.to_bytes`).

        Raises
        ------
        UnknownKeyError
            If the envelope's key id is not in the ring (wrong key id, retired key).
        DecryptionError
            If the ciphertext, the wrapped key or ``associated_data`` differ from what
            was encrypted.
        """
        env = envelope if isinstance(envelope, Envelope) else Envelope.from_bytes(envelope)
        ad = _check_bytes("associated_data", associated_data)
        dk = self.unwrap(env.wrapped_key)
        try:
            return AESGCM(dk).decrypt(env.nonce, env.ciphertext, _DATA_AAD + ad)
        except InvalidTag as err:
            raise DecryptionError("the envelope fails authentication: ciphertext or "
                                  "associated data altered") from err


class DataKeyVault:
    """One long-lived data key per name, wrapped by a :class:`KeyRing`; shred to erase.

    Parameters
    ----------
    keyring : KeyRing
    storage : mutable mapping of str to bytes, optional
        Where the wrapped keys live (name -> :meth:`WrappedKey.to_bytes`); a dict by
        default.  A database table behind a ``MutableMapping`` makes the vault durable
        (``governance.consent`` does this).

    Examples
    --------
    >>> vault = DataKeyVault(KeyRing.generate())
    >>> blob = vault.encrypt("alice", b"alice@example.org")
    >>> vault.decrypt("alice", blob)
    b'alice@example.org'
    >>> vault.shred("alice")
    True
    >>> "alice" in vault
    False
    """

    def __init__(self, keyring: KeyRing, storage: MutableMapping[str, bytes] | None = None) -> None:
        if not isinstance(keyring, KeyRing):
            raise TypeError(f"`keyring` must be a KeyRing, got {describe(keyring)}.")
        self.keyring = keyring
        self._storage: MutableMapping[str, bytes] = {} if storage is None else storage
        self._lock = threading.RLock()

    @staticmethod
    def _name(name: Any) -> str:
        if not isinstance(name, str):
            raise TypeError(f"`name` must be a str, got {describe(name)}.")
        if not name or len(name) > 512:
            raise ValueError(f"`name` must be 1-512 characters, got {len(name)}.")
        return name

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._storage

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._storage))

    def __len__(self) -> int:
        return len(self._storage)

    def create(self, name: str) -> bool:
        """Make sure ``name`` has a data key; True when one was created now."""
        n = self._name(name)
        with self._lock:
            if n in self._storage:
                return False
            _, wrapped = self.keyring.new_data_key()
            self._storage[n] = wrapped.to_bytes()
            return True

    def data_key(self, name: str) -> bytes:
        """The unwrapped data key of ``name``.

        Raises
        ------
        UnknownKeyError
            If ``name`` has no key (never created, or shredded).
        """
        n = self._name(name)
        raw = self._storage.get(n)
        if raw is None:
            raise UnknownKeyError(n, "no data key (never created, or shredded)")
        return self.keyring.unwrap(WrappedKey.from_bytes(raw))

    def encrypt(self, name: str, plaintext: bytes, associated_data: bytes = b"") -> bytes:
        """Seal ``plaintext`` under ``name``'s data key (created on first use)."""
        self.create(name)
        return seal(self.data_key(name), plaintext, associated_data)

    def decrypt(self, name: str, blob: bytes, associated_data: bytes = b"") -> bytes:
        """Open what :meth:`encrypt` sealed for ``name``.

        Raises
        ------
        UnknownKeyError
            If the key was shredded (the data is gone for good).
        DecryptionError
            If ``blob`` or ``associated_data`` was altered.
        """
        return unseal(self.data_key(name), blob, associated_data)

    def pseudonym(self, name: str, message: bytes) -> str:
        """HMAC-SHA256 of ``message`` under a key derived (HKDF) from ``name``'s data key,
        as hex: a stable identifier that nobody can recompute once the key is shredded."""
        mac_key = HKDF(hashes.SHA256(), 32, salt=None,
                       info=b"lukhas-pseudonym-v1").derive(self.data_key(name))
        h = crypto_hmac.HMAC(mac_key, hashes.SHA256())
        h.update(_check_bytes("message", message))
        return h.finalize().hex()

    def shred(self, name: str) -> bool:
        """Destroy ``name``'s data key; True when there was one.  Irreversible."""
        n = self._name(name)
        with self._lock:
            if n not in self._storage:
                return False
            del self._storage[n]
        logger.info("data key shredded")
        return True

    def rewrap_all(self) -> int:
        """Re-wrap every stored data key under the ring's active key; returns how many
        changed (after which older keys of the ring can be retired)."""
        changed = 0
        with self._lock:
            for name in list(self._storage):
                wrapped = WrappedKey.from_bytes(self._storage[name])
                if wrapped.key_id != self.keyring.active_id:
                    self._storage[name] = self.keyring.rewrap(wrapped).to_bytes()
                    changed += 1
        return changed

"""API keys: ``lk_<key id>_<secret>``, stored as a keyed hash, verified in constant time.

The key id (16 hex digits) is public and finds the stored record; the secret (32
random bytes, base64url) is shown once and kept only as HMAC-SHA256 under the
service's pepper (SHA-256 when there is no pepper).  A key carries 256 bits of
entropy, so a fast keyed hash is the right tool here (a slow password hash would only
slow the service down).  Hashing and comparison are ``cryptography``'s.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives import constant_time, hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from lukhas._validation import describe
from lukhas.services.security._errors import MalformedApiKeyError

__all__ = ["API_KEY_PREFIX", "ApiKeyRecord", "generate_api_key", "parse_api_key",
           "verify_api_key"]

#: Every key starts with this.
API_KEY_PREFIX: Final = "lk_"
_ID: Final = re.compile(r"[0-9a-f]{16}")
_SECRET: Final = re.compile(r"[A-Za-z0-9_-]{43}")
_MAX_LENGTH: Final = 256


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """What a service stores for one API key (never the key itself).

    Attributes
    ----------
    key_id : str
        16 hex digits, the public part of the key.
    digest : bytes of length 32
        HMAC-SHA256 of the secret under the pepper (SHA-256 without one).
    peppered : bool
        Whether ``digest`` is keyed.
    """

    key_id: str
    digest: bytes
    peppered: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"key_id", "digest" (hex), "peppered"}``."""
        return {"key_id": self.key_id, "digest": self.digest.hex(), "peppered": self.peppered}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ApiKeyRecord:
        """Inverse of :meth:`to_dict`."""
        return cls(str(data["key_id"]), bytes.fromhex(data["digest"]), bool(data["peppered"]))


def _digest(secret: bytes, pepper: bytes | None) -> bytes:
    if pepper is None:
        h = hashes.Hash(hashes.SHA256())
        h.update(secret)
        return h.finalize()
    mac = crypto_hmac.HMAC(pepper, hashes.SHA256())
    mac.update(secret)
    return mac.finalize()


def _pepper(pepper: Any) -> bytes | None:
    if pepper is None:
        return None
    if not isinstance(pepper, (bytes, bytearray)):
        raise TypeError(f"`pepper` must be bytes or None, got {describe(pepper)}.")
    if len(pepper) < 16:
        raise ValueError(f"`pepper` must be at least 16 bytes, got {len(pepper)}.")
    return bytes(pepper)


def parse_api_key(key: str) -> tuple[str, bytes]:
    """The key id and the secret bytes of an API key.

    Raises
    ------
    MalformedApiKeyError
        If ``key`` is not ``lk_`` + 16 hex digits + ``_`` + a 43-character secret.

    Examples
    --------
    >>> key, record = generate_api_key()
    >>> parse_api_key(key)[0] == record.key_id
    True
    """
    if not isinstance(key, str):
        raise TypeError(f"`key` must be a str, got {describe(key)}.")
    if len(key) > _MAX_LENGTH or not key.startswith(API_KEY_PREFIX):
        raise MalformedApiKeyError(f"`key` must start with {API_KEY_PREFIX!r} (a lukhas API key).")
    kid, sep, secret = key[len(API_KEY_PREFIX):].partition("_")
    if not sep or not _ID.fullmatch(kid) or not _SECRET.fullmatch(secret):
        raise MalformedApiKeyError("`key` must read 'lk_<16 hex digits>_<43 base64url "
                                   "characters>'.")
    try:
        raw = base64.urlsafe_b64decode(secret + "=")
    except (binascii.Error, ValueError) as err:  # pragma: no cover - the regex rules it out
        raise MalformedApiKeyError("`key` has an undecodable secret.") from err
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != secret:
        # The last character carries 2 unused bits: only the canonical spelling is the
        # key, so no second string verifies against the same record.
        raise MalformedApiKeyError("`key` has a non-canonical secret encoding.")
    return kid, raw


def generate_api_key(pepper: bytes | None = None) -> tuple[str, ApiKeyRecord]:
    """A new API key and the record to store for it.

    Parameters
    ----------
    pepper : bytes, optional
        A service-wide secret (at least 16 bytes) keying the stored hash, so that a
        leaked table alone cannot confirm keys.

    Returns
    -------
    key : str
        Show it to its owner once; it is not stored.
    record : ApiKeyRecord

    Examples
    --------
    >>> key, record = generate_api_key(pepper=b"0123456789abcdef")
    >>> key.startswith("lk_"), verify_api_key(key, record, pepper=b"0123456789abcdef")
    (True, True)
    """
    pep = _pepper(pepper)
    kid = secrets.token_hex(8)
    raw = secrets.token_bytes(32)
    secret = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    return f"{API_KEY_PREFIX}{kid}_{secret}", ApiKeyRecord(kid, _digest(raw, pep), pep is not None)


def verify_api_key(key: str, record: ApiKeyRecord, pepper: bytes | None = None) -> bool:
    """Whether ``key`` is the key ``record`` was made for (constant-time digest comparison).

    Raises
    ------
    MalformedApiKeyError
        If ``key`` is not an API key at all.
    ValueError
        If ``record`` is peppered and no ``pepper`` is given (or the reverse).
    """
    if not isinstance(record, ApiKeyRecord):
        raise TypeError(f"`record` must be an ApiKeyRecord, got {describe(record)}.")
    pep = _pepper(pepper)
    if record.peppered != (pep is not None):
        raise ValueError("`pepper` must be given exactly when the record is peppered "
                         f"(record.peppered={record.peppered}).")
    kid, raw = parse_api_key(key)
    same_digest = constant_time.bytes_eq(_digest(raw, pep), record.digest)
    return same_digest and constant_time.bytes_eq(kid.encode(), record.key_id.encode())

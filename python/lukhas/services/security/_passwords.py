"""Password hashing with scrypt: parameters stored in each hash, upgraded on login.

A hash reads ``$scrypt$ln=17,r=8,p=1$<salt>$<key>`` (salt and key unpadded base64),
so every hash carries the cost it was made with.  :meth:`PasswordHasher.verify_and_update`
checks a password and, when the stored hash is weaker than the hasher's current
parameters, returns a fresh hash to store: costs rise as users log in.  The key
derivation and the constant-time comparison are ``cryptography``'s ``Scrypt``.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any, Final

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from lukhas._validation import check_int, describe
from lukhas.services.security._errors import SecurityError

__all__ = ["PasswordHasher", "ScryptParams"]

_FORMAT: Final = re.compile(
    r"\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]{16,128})\$"
    r"([A-Za-z0-9+/]{22,128})"
)
#: Largest memory one verification may take (128 * r * 2**ln bytes): bounds what a
#: forged or corrupt stored hash can make the server spend.
_MAX_MEMORY: Final = 1 << 30
_MAX_PASSWORD: Final = 4096


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


@dataclass(frozen=True, slots=True, order=True)
class ScryptParams:
    """scrypt costs: ``n = 2**log_n``, block size ``r``, parallelism ``p``.

    Attributes
    ----------
    log_n : int in [1, 31]
    r : int >= 1
    p : int >= 1
    """

    log_n: int
    r: int
    p: int

    def __post_init__(self) -> None:
        check_int("log_n", self.log_n, low=1, high=31)
        check_int("r", self.r, low=1, high=255)
        check_int("p", self.p, low=1, high=255)
        if self.memory > _MAX_MEMORY:
            raise ValueError(f"scrypt parameters need {self.memory} bytes (128 * r * 2**log_n); "
                             f"the limit is {_MAX_MEMORY}.")

    @property
    def memory(self) -> int:
        """Bytes of memory one derivation uses."""
        return 128 * self.r * (1 << self.log_n)

    def weaker_than(self, other: ScryptParams) -> bool:
        """Whether any cost is below ``other``'s."""
        return self.log_n < other.log_n or self.r < other.r or self.p < other.p


def _password(value: Any) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"`password` must be a str, got {describe(value)}.")
    if len(value) > _MAX_PASSWORD:
        raise ValueError(f"`password` must be at most {_MAX_PASSWORD} characters, got "
                         f"{len(value)}.")
    # NFC so that the same text typed on two systems hashes the same.
    return unicodedata.normalize("NFC", value).encode("utf-8")


class PasswordHasher:
    """scrypt password hashes with per-hash parameters.

    Parameters
    ----------
    log_n : int, default 17
        ``n = 2**log_n`` (OWASP's minimum is 17: 128 MiB with ``r=8``).
    r : int, default 8
    p : int, default 1
    salt_size : int, default 16
    key_size : int, default 32

    Examples
    --------
    >>> hasher = PasswordHasher(log_n=10)
    >>> stored = hasher.hash("correct horse")
    >>> stored.startswith("$scrypt$ln=10,r=8,p=1$")
    True
    >>> hasher.verify(stored, "correct horse"), hasher.verify(stored, "wrong")
    (True, False)
    >>> stronger = PasswordHasher(log_n=11)
    >>> ok, new = stronger.verify_and_update(stored, "correct horse")
    >>> ok, new.startswith("$scrypt$ln=11,")
    (True, True)
    """

    def __init__(self, log_n: int = 17, r: int = 8, p: int = 1, salt_size: int = 16,
                 key_size: int = 32) -> None:
        self.params = ScryptParams(log_n, r, p)
        self.salt_size = check_int("salt_size", salt_size, low=16, high=64)
        self.key_size = check_int("key_size", key_size, low=16, high=64)

    def hash(self, password: str) -> str:
        """A new hash of ``password`` with a random salt and the current parameters."""
        pw = _password(password)
        salt = secrets.token_bytes(self.salt_size)
        p = self.params
        key = Scrypt(salt, self.key_size, 1 << p.log_n, p.r, p.p).derive(pw)
        return f"$scrypt$ln={p.log_n},r={p.r},p={p.p}${_b64(salt)}${_b64(key)}"

    @staticmethod
    def parse(stored: str) -> tuple[ScryptParams, bytes, bytes]:
        """The parameters, salt and key of a stored hash.

        Raises
        ------
        SecurityError
            If ``stored`` is not a scrypt hash of this format, or its costs exceed the
            memory bound.
        """
        if not isinstance(stored, str):
            raise TypeError(f"`stored` must be a str, got {describe(stored)}.")
        m = _FORMAT.fullmatch(stored)
        if m is None:
            raise SecurityError("`stored` is not a '$scrypt$ln=..,r=..,p=..$salt$key' hash.")
        try:
            params = ScryptParams(int(m[1]), int(m[2]), int(m[3]))
            return params, _unb64(m[4]), _unb64(m[5])
        except (ValueError, binascii.Error) as err:
            raise SecurityError(f"`stored` has unusable parameters or encoding: {err}") from err

    def verify(self, stored: str, password: str) -> bool:
        """Whether ``password`` matches ``stored`` (constant-time comparison).

        Raises
        ------
        SecurityError
            If ``stored`` is malformed (a malformed hash is not a wrong password).
        """
        params, salt, key = self.parse(stored)
        pw = _password(password)
        try:
            Scrypt(salt, len(key), 1 << params.log_n, params.r, params.p).verify(pw, key)
        except InvalidKey:
            return False
        return True

    def needs_rehash(self, stored: str) -> bool:
        """Whether ``stored`` was made with weaker costs (or sizes) than the current ones."""
        params, salt, key = self.parse(stored)
        return (params.weaker_than(self.params) or len(salt) < self.salt_size
                or len(key) < self.key_size)

    def verify_and_update(self, stored: str, password: str) -> tuple[bool, str | None]:
        """Verify, and on success return a fresh hash when :meth:`needs_rehash` says so.

        Returns
        -------
        ok : bool
        new_hash : str or None
            Store it in place of ``stored`` (None when nothing needs to change).
        """
        if not self.verify(stored, password):
            return False, None
        return True, (self.hash(password) if self.needs_rehash(stored) else None)

"""The security service's exceptions: one specific class per way a check can fail.

Each refines the builtin a caller would catch anyway (``ValueError`` for bad or
forged input, ``LookupError`` for a missing key, ``PermissionError`` for a denied
access), so ``except ValueError`` still works, while the negative tests can insist
on the precise reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lukhas.services.security._access import Decision

__all__ = [
    "AccessDeniedError",
    "AlgorithmNotAllowedError",
    "DecryptionError",
    "InvalidAudienceError",
    "InvalidIssuerError",
    "MalformedApiKeyError",
    "MalformedTokenError",
    "MissingClaimError",
    "SecurityError",
    "TokenError",
    "TokenExpiredError",
    "TokenNotYetValidError",
    "TokenSignatureError",
    "TokenTooLargeError",
    "UnknownKeyError",
    "UnknownTokenKeyError",
]


class SecurityError(ValueError):
    """Base class of the security service's input and integrity errors."""


class DecryptionError(SecurityError):
    """A ciphertext, wrapped key or its associated data was altered (the GCM tag fails)."""


class UnknownKeyError(LookupError):
    """No key with that key id is held (wrong key id, retired key or shredded data key)."""

    def __init__(self, key_id: str, detail: str = "") -> None:
        self.key_id = key_id
        super().__init__(f"no key with id {key_id!r}" + (f": {detail}" if detail else ""))

    def __str__(self) -> str:  # LookupError would repr() the message
        return str(self.args[0])


class MalformedApiKeyError(SecurityError):
    """An API key that is not of the form ``lk_<id>_<secret>``."""


class TokenError(SecurityError):
    """Base class of every JWT rejection."""


class MalformedTokenError(TokenError):
    """Not a compact JWS with a JSON header and a JSON object of claims."""


class TokenTooLargeError(TokenError):
    """The token is longer than the verifier's ``max_size`` (refused before parsing)."""


class AlgorithmNotAllowedError(TokenError):
    """The header's ``alg`` is ``none`` or not among the algorithms pinned to the key."""


class TokenSignatureError(TokenError):
    """The signature does not verify (forged, tampered or signed with another key)."""


class TokenExpiredError(TokenError):
    """``exp`` is in the past, beyond the allowed clock skew."""


class TokenNotYetValidError(TokenError):
    """``nbf`` (or ``iat``) is in the future, beyond the allowed clock skew."""


class InvalidAudienceError(TokenError):
    """``aud`` does not name this verifier's audience."""


class InvalidIssuerError(TokenError):
    """``iss`` is not this verifier's issuer."""


class MissingClaimError(TokenError):
    """A required claim (``exp``, ``iss``, ``aud``, ``sub`` ...) is absent or of the wrong type."""


class AccessDeniedError(PermissionError):
    """An access check said no; :attr:`decision` carries the explanation."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        super().__init__(decision.explain())


class UnknownTokenKeyError(TokenError, UnknownKeyError):
    """The token's ``kid`` names no key this verifier holds."""

    def __init__(self, key_id: str, detail: str = "") -> None:
        UnknownKeyError.__init__(self, key_id, detail)

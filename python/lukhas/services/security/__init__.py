"""Security primitives: envelope encryption, password hashing, API keys, JWTs, access checks.

- :class:`KeyRing` / :class:`Envelope`: AES-256-GCM envelope encryption with key ids,
  associated data, and rotation that re-wraps data keys without re-encrypting data;
  :class:`DataKeyVault` holds one data key per name, so shredding the key erases
  everything encrypted under it; :func:`seal` / :func:`unseal` for a raw key.
- :class:`PasswordHasher`: scrypt with the parameters stored in each hash and
  :meth:`~PasswordHasher.verify_and_update` to raise costs as users log in.
- :func:`generate_api_key` / :func:`verify_api_key`: ``lk_`` keys stored as keyed
  hashes, compared in constant time.
- :class:`JWTIssuer` / :class:`JWTVerifier` on joserfc: never ``alg=none``, algorithms
  pinned per key, ``exp``/``nbf``/``iss``/``aud`` checked, clock skew at most 5 minutes,
  oversize tokens refused unparsed.
- :class:`AccessPolicy`: roles with inheritance and attribute rules; every decision
  explains itself.

Every failure has its own exception (:class:`DecryptionError`, :class:`UnknownKeyError`,
:class:`TokenExpiredError`, ...), each a subclass of the builtin it refines.  All
cryptography is ``cryptography``'s or joserfc's (the ``security`` extra).

Examples
--------
>>> ring = KeyRing.generate("k1")
>>> ring.decrypt(ring.encrypt(b"hello", b"ctx"), b"ctx")
b'hello'
"""

from __future__ import annotations

from lukhas.services.security._access import (
    AccessPolicy,
    AccessRequest,
    Decision,
    Role,
    Rule,
    same_attribute,
)
from lukhas.services.security._apikeys import (
    API_KEY_PREFIX,
    ApiKeyRecord,
    generate_api_key,
    parse_api_key,
    verify_api_key,
)
from lukhas.services.security._envelope import (
    KEY_SIZE,
    NONCE_SIZE,
    DataKeyVault,
    Envelope,
    KeyRing,
    WrappedKey,
    seal,
    unseal,
)
from lukhas.services.security._errors import (
    AccessDeniedError,
    AlgorithmNotAllowedError,
    DecryptionError,
    InvalidAudienceError,
    InvalidIssuerError,
    MalformedApiKeyError,
    MalformedTokenError,
    MissingClaimError,
    SecurityError,
    TokenError,
    TokenExpiredError,
    TokenNotYetValidError,
    TokenSignatureError,
    TokenTooLargeError,
    UnknownKeyError,
    UnknownTokenKeyError,
)
from lukhas.services.security._jwt import ALGORITHMS, MAX_LEEWAY, JWTIssuer, JWTVerifier
from lukhas.services.security._passwords import PasswordHasher, ScryptParams

__all__ = [
    "ALGORITHMS",
    "API_KEY_PREFIX",
    "KEY_SIZE",
    "MAX_LEEWAY",
    "NONCE_SIZE",
    "AccessDeniedError",
    "AccessPolicy",
    "AccessRequest",
    "AlgorithmNotAllowedError",
    "ApiKeyRecord",
    "DataKeyVault",
    "Decision",
    "DecryptionError",
    "Envelope",
    "InvalidAudienceError",
    "InvalidIssuerError",
    "JWTIssuer",
    "JWTVerifier",
    "KeyRing",
    "MalformedApiKeyError",
    "MalformedTokenError",
    "MissingClaimError",
    "PasswordHasher",
    "Role",
    "Rule",
    "ScryptParams",
    "SecurityError",
    "TokenError",
    "TokenExpiredError",
    "TokenNotYetValidError",
    "TokenSignatureError",
    "TokenTooLargeError",
    "UnknownKeyError",
    "UnknownTokenKeyError",
    "WrappedKey",
    "generate_api_key",
    "parse_api_key",
    "same_attribute",
    "seal",
    "unseal",
    "verify_api_key",
]


def __dir__() -> list[str]:
    return list(__all__)

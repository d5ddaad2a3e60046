"""The negative suite: every forged or broken input is refused with its own exception.

Each case asserts the exact class (not merely a base class), so a change that turns a
precise rejection into a generic one fails here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lukhas.services.security import (
    AccessDeniedError,
    AccessPolicy,
    AlgorithmNotAllowedError,
    DecryptionError,
    Envelope,
    InvalidAudienceError,
    InvalidIssuerError,
    JWTIssuer,
    JWTVerifier,
    KeyRing,
    MalformedApiKeyError,
    MalformedTokenError,
    TokenExpiredError,
    TokenNotYetValidError,
    TokenSignatureError,
    TokenTooLargeError,
    UnknownKeyError,
    WrappedKey,
    parse_api_key,
)

NOW = 1_700_000_000.0
RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = RSA.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _hand_signed(header: dict, claims: dict, secret: bytes | None) -> str:
    """What an attacker builds by hand (no JOSE library would make these)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    sig = b"" if secret is None else hmac.new(secret, signing_input.encode(),
                                              hashlib.sha256).digest()
    return f"{signing_input}.{_b64(sig)}"


CLAIMS = {"iss": "lukhas", "aud": "api", "sub": "u", "exp": NOW + 600, "iat": NOW}


def _verifier(**kw: object) -> JWTVerifier:
    return JWTVerifier(RSA.public_key(), issuer="lukhas", audience="api",
                       clock=lambda: NOW, **kw)  # type: ignore[arg-type]


def _issue(*, issuer: str = "lukhas", audience: str = "api", at: float = NOW,
           **kw: object) -> str:
    return JWTIssuer(RSA, issuer=issuer, audience=audience,
                     clock=lambda: at).issue("u", **kw)  # type: ignore[arg-type]


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]


RING = KeyRing.generate("k1")
ENV = RING.encrypt(b"secret payload", b"ctx")


def _wrong_kid_envelope() -> None:
    other = KeyRing.generate("k2")
    other.decrypt(ENV, b"ctx")


def _kid_swapped_to_held_key() -> None:
    ring = KeyRing.generate("k1")
    ring.rotate("k2")
    env = ring.encrypt(b"x", b"ctx")
    w = env.wrapped_key
    ring.decrypt(Envelope(WrappedKey("k1", w.nonce, w.ciphertext), env.nonce, env.ciphertext),
                 b"ctx")


def _tampered_token_payload() -> None:
    token = _issue()
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["sub"] = "admin"
    _verifier().verify(f"{head}.{_b64(json.dumps(claims).encode())}.{sig}")


CASES: list[tuple[str, Callable[[], object], type[BaseException]]] = [
    ("tampered ciphertext", lambda: RING.decrypt(
        Envelope(ENV.wrapped_key, ENV.nonce, _flip(ENV.ciphertext, 0)), b"ctx"), DecryptionError),
    ("tampered tag", lambda: RING.decrypt(
        Envelope(ENV.wrapped_key, ENV.nonce, _flip(ENV.ciphertext, len(ENV.ciphertext) - 1)),
        b"ctx"), DecryptionError),
    ("tampered nonce", lambda: RING.decrypt(
        Envelope(ENV.wrapped_key, _flip(ENV.nonce, 3), ENV.ciphertext), b"ctx"), DecryptionError),
    ("tampered wrapped key", lambda: RING.decrypt(Envelope(
        WrappedKey("k1", ENV.wrapped_key.nonce, _flip(ENV.wrapped_key.ciphertext, 5)),
        ENV.nonce, ENV.ciphertext), b"ctx"), DecryptionError),
    ("wrong associated data", lambda: RING.decrypt(ENV, b"other"), DecryptionError),
    ("tampered serialised envelope", lambda: RING.decrypt(_flip(ENV.to_bytes(), 80), b"ctx"),
     DecryptionError),
    ("wrong key id", _wrong_kid_envelope, UnknownKeyError),
    ("key id swapped to another held key", _kid_swapped_to_held_key, DecryptionError),
    ("expired token", lambda: _verifier().verify(_issue(at=NOW - 3600)), TokenExpiredError),
    ("token not yet valid", lambda: _verifier().verify(_issue(not_before=NOW + 3600)),
     TokenNotYetValidError),
    ("wrong audience", lambda: _verifier().verify(_issue(audience="other")),
     InvalidAudienceError),
    ("wrong issuer", lambda: _verifier().verify(_issue(issuer="evil")), InvalidIssuerError),
    ("alg confusion: HS256 signed with the RSA public key", lambda: _verifier().verify(
        _hand_signed({"alg": "HS256", "typ": "JWT"}, CLAIMS, PUBLIC_PEM)),
     AlgorithmNotAllowedError),
    ("alg none", lambda: _verifier().verify(_hand_signed({"alg": "none"}, CLAIMS, None)),
     AlgorithmNotAllowedError),
    ("alg None (case)", lambda: _verifier().verify(_hand_signed({"alg": "None"}, CLAIMS, None)),
     AlgorithmNotAllowedError),
    ("oversize token", lambda: _verifier(max_size=1024).verify(
        _issue(claims={"pad": "x" * 2000})), TokenTooLargeError),
    ("oversize garbage is refused before parsing", lambda: _verifier().verify("x" * 100_000),
     TokenTooLargeError),
    ("tampered token payload", _tampered_token_payload, TokenSignatureError),
    ("token signed by another key", lambda: _verifier().verify(JWTIssuer(
        rsa.generate_private_key(public_exponent=65537, key_size=2048), issuer="lukhas",
        audience="api", clock=lambda: NOW).issue("u")), TokenSignatureError),
    ("not a JWT", lambda: _verifier().verify("abc.def"), MalformedTokenError),
    ("header not JSON", lambda: _verifier().verify("!!!.e30.AA"), MalformedTokenError),
    ("API key without lk_ prefix", lambda: parse_api_key("sk_" + "0" * 16 + "_" + "A" * 43),
     MalformedApiKeyError),
    ("access denied", lambda: AccessPolicy().require({"id": "u", "roles": []}, "read",
                                                     {"type": "doc"}), AccessDeniedError),
]


@pytest.mark.parametrize(("case", "attempt", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rejected_with_its_specific_exception(
    case: str, attempt: Callable[[], object], expected: type[BaseException]
) -> None:
    with pytest.raises(BaseException) as info:
        attempt()
    assert type(info.value) is expected, f"{case}: got {type(info.value).__name__}: {info.value}"
    assert str(info.value)  # every rejection says why


def test_the_good_inputs_pass() -> None:
    # Guards the suite: the untampered versions of the inputs above are accepted.
    assert RING.decrypt(ENV, b"ctx") == b"secret payload"
    assert _verifier().verify(_issue())["sub"] == "u"
    assert _verifier(max_size=1024).verify(_issue(claims={"pad": "x" * 100}))["pad"]

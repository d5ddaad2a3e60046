"""JWT helpers on joserfc: algorithms per key type, claims, skew, key ids."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc import jwk, jwt

from lukhas.services.security import (
    MAX_LEEWAY,
    AlgorithmNotAllowedError,
    JWTIssuer,
    JWTVerifier,
    MissingClaimError,
    TokenExpiredError,
    TokenNotYetValidError,
    UnknownTokenKeyError,
)

NOW = 1_700_000_000.0
SECRET = b"s" * 32


def clock(t: float = NOW):
    return lambda: t


def _keypairs() -> list[tuple[str, object, object]]:
    r = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    e = ec.generate_private_key(ec.SECP256R1())
    d = ed25519.Ed25519PrivateKey.generate()
    return [("HS256", SECRET, SECRET), ("RS256", r, r.public_key()),
            ("PS256", r, r.public_key()), ("ES256", e, e.public_key()),
            ("Ed25519", d, d.public_key())]


@pytest.mark.parametrize(("alg", "private", "public"), _keypairs(), ids=lambda v: str(v)[:8])
def test_round_trip_every_key_type(alg: str, private: object, public: object) -> None:
    issuer = JWTIssuer(private, alg, issuer="lukhas", audience="api", clock=clock())
    token = issuer.issue("u1", claims={"scope": "read"})
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": alg, "typ": "JWT"}
    claims = JWTVerifier(public, issuer="lukhas", audience="api", clock=clock()).verify(token)
    assert claims == {"iss": "lukhas", "aud": "api", "sub": "u1", "scope": "read",
                      "iat": int(NOW), "nbf": int(NOW), "exp": int(NOW) + 900}


def test_clock_skew_is_bounded_and_honoured() -> None:
    token = JWTIssuer(SECRET, issuer="i", audience="a", ttl=60, clock=clock()).issue("u")
    ok_late = JWTVerifier(SECRET, issuer="i", audience="a", leeway=30, clock=clock(NOW + 89))
    assert ok_late.verify(token)["sub"] == "u"
    with pytest.raises(TokenExpiredError):
        JWTVerifier(SECRET, issuer="i", audience="a", leeway=30,
                    clock=clock(NOW + 91)).verify(token)
    early = JWTVerifier(SECRET, issuer="i", audience="a", leeway=30, clock=clock(NOW - 29))
    assert early.verify(token)["sub"] == "u"
    with pytest.raises(TokenNotYetValidError):
        JWTVerifier(SECRET, issuer="i", audience="a", leeway=30,
                    clock=clock(NOW - 31)).verify(token)
    with pytest.raises(ValueError, match="`leeway`"):
        JWTVerifier(SECRET, issuer="i", audience="a", leeway=MAX_LEEWAY + 1)


def test_not_before_in_the_future() -> None:
    issuer = JWTIssuer(SECRET, issuer="i", audience="a", clock=clock())
    token = issuer.issue("u", not_before=NOW + 600)
    with pytest.raises(TokenNotYetValidError):
        JWTVerifier(SECRET, issuer="i", audience="a", clock=clock()).verify(token)
    assert JWTVerifier(SECRET, issuer="i", audience="a",
                       clock=clock(NOW + 601)).verify(token)["sub"] == "u"


def test_audience_lists_and_key_ids() -> None:
    k1, k2 = b"1" * 32, b"2" * 32
    t1 = JWTIssuer(k1, issuer="i", audience="a", key_id="one", clock=clock()).issue("u")
    t2 = JWTIssuer(k2, issuer="i", audience="a", key_id="two", clock=clock()).issue("u")
    v = JWTVerifier({"one": k1, "two": k2}, issuer="i", audience="a", clock=clock())
    assert v.verify(t1)["sub"] == v.verify(t2)["sub"] == "u"
    t3 = JWTIssuer(k1, issuer="i", audience="a", key_id="three", clock=clock()).issue("u")
    with pytest.raises(UnknownTokenKeyError, match="'three'"):
        v.verify(t3)
    with pytest.raises(LookupError):  # also a LookupError, like the envelope's wrong key id
        v.verify(JWTIssuer(k1, issuer="i", audience="a", clock=clock()).issue("u"))
    multi = jwt.encode({"alg": "HS256"}, {"iss": "i", "aud": ["x", "a"], "exp": NOW + 10},
                       jwk.OctKey.import_key(k1), algorithms=["HS256"])
    assert JWTVerifier(k1, issuer="i", audience="a", clock=clock()).verify(multi)["aud"] == [
        "x", "a"]


def test_required_claims_and_types() -> None:
    key = jwk.OctKey.import_key(SECRET)
    v = JWTVerifier(SECRET, issuer="i", audience="a", clock=clock())
    no_exp = jwt.encode({"alg": "HS256"}, {"iss": "i", "aud": "a"}, key, algorithms=["HS256"])
    with pytest.raises(MissingClaimError, match="`exp`"):
        v.verify(no_exp)
    str_exp = jwt.encode({"alg": "HS256"}, {"iss": "i", "aud": "a", "exp": "soon"}, key,
                         algorithms=["HS256"])
    with pytest.raises(MissingClaimError, match="NumericDate"):
        v.verify(str_exp)
    with pytest.raises(ValueError, match="'exp'"):
        JWTVerifier(SECRET, issuer="i", audience="a", required=("iss",))


def test_configuration_is_validated() -> None:
    r = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(ValueError, match="at least 32 bytes"):
        JWTIssuer(b"short", issuer="i", audience="a")
    with pytest.raises(ValueError, match="subset"):
        JWTIssuer(SECRET, "RS256", issuer="i", audience="a")
    with pytest.raises(ValueError, match="private key"):
        JWTIssuer(r.public_key(), issuer="i", audience="a")
    with pytest.raises(TypeError, match="`key`"):
        JWTIssuer(object(), issuer="i", audience="a")
    with pytest.raises(ValueError, match="must not set"):
        JWTIssuer(SECRET, issuer="i", audience="a").issue("u", claims={"exp": 1})
    with pytest.raises(AlgorithmNotAllowedError):  # verifier pinned to RS256 only
        JWTVerifier(r.public_key(), issuer="i", audience="a", algorithms=["RS256"],
                    clock=clock()).verify(
            JWTIssuer(r, "PS256", issuer="i", audience="a", clock=clock()).issue("u"))

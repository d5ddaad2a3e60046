"""JWT helpers on joserfc: pinned algorithms, required claims, bounded clock skew.

:class:`JWTIssuer` signs; :class:`JWTVerifier` refuses, each with its own exception
(:mod:`._errors`): tokens over ``max_size`` before any parsing, ``alg: none`` and any
algorithm not pinned to the key the token names (so an HS256 token "signed" with an RSA
public key is refused before a MAC is computed), bad signatures, unknown ``kid``,
missing ``exp``/``iss``/``aud``, expiry and not-before beyond the allowed skew (at most
five minutes), foreign issuers and audiences.  Signing and signature checks are
joserfc's; the claim checks are explicit here so that each failure has one name.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from joserfc import jwk, jwt
from joserfc.errors import BadSignatureError, JoseError

from lukhas._validation import check_int, check_real, check_str, describe
from lukhas.services.security._errors import (
    AlgorithmNotAllowedError,
    InvalidAudienceError,
    InvalidIssuerError,
    MalformedTokenError,
    MissingClaimError,
    TokenExpiredError,
    TokenNotYetValidError,
    TokenSignatureError,
    TokenTooLargeError,
    UnknownTokenKeyError,
)

__all__ = ["ALGORITHMS", "MAX_LEEWAY", "JWTIssuer", "JWTVerifier"]

logger = logging.getLogger(__name__)

#: The algorithms each key type may use; nothing else is ever accepted ("none" never).
ALGORITHMS: Final[Mapping[str, tuple[str, ...]]] = {
    "oct": ("HS256", "HS384", "HS512"),
    "RSA": ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
    "EC": ("ES256", "ES384", "ES512"),
    "OKP": ("Ed25519",),
}
#: The largest clock skew a verifier may allow, in seconds.
MAX_LEEWAY: Final = 300.0
_MIN_HMAC_KEY: Final = 32

Key = Any  # bytes (HMAC), a cryptography key object, or a joserfc key


def _import(key: Key, name: str) -> jwk.Key:
    if isinstance(key, (jwk.OctKey, jwk.RSAKey, jwk.ECKey, jwk.OKPKey)):
        return key
    if isinstance(key, (bytes, bytearray)):
        if len(key) < _MIN_HMAC_KEY:
            raise ValueError(f"`{name}` as an HMAC secret must be at least {_MIN_HMAC_KEY} "
                             f"bytes, got {len(key)}.")
        return jwk.OctKey.import_key(bytes(key))
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return jwk.RSAKey.import_key(key)
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return jwk.ECKey.import_key(key)
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return jwk.OKPKey.import_key(key)
    raise TypeError(f"`{name}` must be HMAC bytes, an RSA/EC/Ed25519 key from cryptography or "
                    f"a joserfc key, got {describe(key)}.")


def _allowed(key: jwk.Key, algorithms: Iterable[str] | None, name: str) -> tuple[str, ...]:
    own = ALGORITHMS.get(key.key_type, ())
    if isinstance(key, jwk.ECKey):
        own = tuple(a for a in own if {"P-256": "ES256", "P-384": "ES384",
                                      "P-521": "ES512"}.get(key.curve_name) == a)
    if algorithms is None:
        return own
    chosen = tuple(algorithms)
    bad = [a for a in chosen if a not in own]
    if bad or not chosen:
        raise ValueError(f"`{name}` must be a non-empty subset of {list(own)} for a "
                         f"{key.key_type} key, got {chosen!r}.")
    return chosen


def _b64json(part: str, what: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as err:
        raise MalformedTokenError(f"the token's {what} is not base64url JSON.") from err


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MissingClaimError(f"claim `{name}` must be a NumericDate (seconds), got "
                                f"{describe(value)}.")
    return float(value)


class JWTIssuer:
    """Signs JWTs for one issuer and audience.

    Parameters
    ----------
    key : bytes or cryptography private key or joserfc key
        HMAC secret (>= 32 bytes) or an RSA, EC or Ed25519 private key.
    algorithm : str, optional
        Default the key type's first (HS256, RS256, ES256, Ed25519).
    issuer : str
    audience : str
    key_id : str, optional
        Written as the header's ``kid``.
    ttl : float, default 900
        Default lifetime in seconds.
    clock : callable, default time.time

    Examples
    --------
    >>> issuer = JWTIssuer(b"k" * 32, issuer="lukhas", audience="api")
    >>> verifier = JWTVerifier(b"k" * 32, issuer="lukhas", audience="api")
    >>> token = issuer.issue("user-1", claims={"scope": "read"})
    >>> claims = verifier.verify(token)
    >>> claims["sub"], claims["scope"]
    ('user-1', 'read')
    """

    def __init__(self, key: Key, algorithm: str | None = None, *, issuer: str, audience: str,
                 key_id: str | None = None, ttl: float = 900.0,
                 clock: Callable[[], float] = time.time) -> None:
        self._key = _import(key, "key")
        if not self._key.is_private and self._key.key_type != "oct":
            raise ValueError("`key` must be a private key (or an HMAC secret) to sign.")
        self.algorithm = _allowed(self._key, None if algorithm is None else [algorithm],
                                  "algorithm")[0]
        self.issuer = check_str("issuer", issuer, empty=False)
        self.audience = check_str("audience", audience, empty=False)
        self.key_id = check_str("key_id", key_id, empty=False, allow_none=True)
        self.ttl = check_real("ttl", ttl, low=1.0)
        self._clock = clock

    def issue(self, subject: str, *, ttl: float | None = None, not_before: float | None = None,
              claims: Mapping[str, Any] | None = None) -> str:
        """A signed token for ``subject``.

        Parameters
        ----------
        subject : str
            The ``sub`` claim.
        ttl : float, optional
            Lifetime in seconds; default the issuer's.
        not_before : float, optional
            ``nbf`` as a Unix time; default now.
        claims : mapping, optional
            Extra claims (may not override ``iss``, ``aud``, ``sub``, ``iat``, ``exp``).

        Returns
        -------
        token : str
            Compact JWS.
        """
        now = self._clock()
        life = self.ttl if ttl is None else check_real("ttl", ttl, low=1.0)
        body: dict[str, Any] = dict(claims or {})
        clash = {"iss", "aud", "sub", "iat", "exp", "nbf"} & body.keys()
        if clash:
            raise ValueError(f"`claims` must not set {sorted(clash)}; use the parameters.")
        body.update({
            "iss": self.issuer, "aud": self.audience,
            "sub": check_str("subject", subject, empty=False),
            "iat": int(now), "exp": int(now + life),
            "nbf": int(now if not_before is None else check_real("not_before", not_before)),
        })
        header: dict[str, Any] = {"alg": self.algorithm}
        if self.key_id is not None:
            header["kid"] = self.key_id
        return jwt.encode(header, body, self._key, algorithms=[self.algorithm])


class JWTVerifier:
    """Verifies JWTs for one issuer and audience.

    Parameters
    ----------
    keys : key, or mapping of key id to key
        Public keys (or HMAC secrets).  With a mapping, a token must name its key with
        ``kid``; with a single key, any ``kid`` is ignored.
    issuer : str
        Required value of ``iss``.
    audience : str
        Must appear in ``aud`` (a string or a list of strings).
    algorithms : iterable of str, optional
        Allowed algorithms; default every algorithm of each key's type (see
        :data:`ALGORITHMS`).  A token's ``alg`` must also belong to the key it uses.
    leeway : float, default 30
        Allowed clock skew in seconds, in ``[0, 300]``.
    max_size : int, default 8192
        Longest token accepted, in characters.
    required : iterable of str, default ("exp", "iss", "aud")
        Claims that must be present.
    clock : callable, default time.time
    """

    def __init__(self, keys: Key | Mapping[str, Key], *, issuer: str, audience: str,
                 algorithms: Iterable[str] | None = None, leeway: float = 30.0,
                 max_size: int = 8192, required: Iterable[str] = ("exp", "iss", "aud"),
                 clock: Callable[[], float] = time.time) -> None:
        algs = None if algorithms is None else tuple(algorithms)
        if isinstance(keys, Mapping):
            if not keys:
                raise ValueError("`keys` must hold at least one key.")
            self._keys: dict[str | None, tuple[jwk.Key, tuple[str, ...]]] = {}
            for kid, key in keys.items():
                imported = _import(key, f"keys[{kid!r}]")
                self._keys[check_str("keys", kid, empty=False)] = (
                    imported, self._pin(imported, algs))
            self._by_kid = True
        else:
            imported = _import(keys, "keys")
            self._keys = {None: (imported, self._pin(imported, algs))}
            self._by_kid = False
        self.issuer = check_str("issuer", issuer, empty=False)
        self.audience = check_str("audience", audience, empty=False)
        self.leeway = check_real("leeway", leeway, low=0.0, high=MAX_LEEWAY)
        self.max_size = check_int("max_size", max_size, low=64, high=1 << 20)
        self.required = tuple(required)
        if "exp" not in self.required:
            raise ValueError("`required` must include 'exp': tokens without expiry are refused.")
        self._clock = clock

    @staticmethod
    def _pin(key: jwk.Key, algs: tuple[str, ...] | None) -> tuple[str, ...]:
        own = _allowed(key, None, "algorithms")
        return own if algs is None else tuple(a for a in algs if a in own)

    def _select(self, header: Mapping[str, Any]) -> tuple[jwk.Key, tuple[str, ...]]:
        if not self._by_kid:
            return self._keys[None]
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise UnknownTokenKeyError(repr(kid), "the token names no `kid` and this verifier "
                                                  "holds several keys")
        try:
            return self._keys[kid]
        except KeyError:
            raise UnknownTokenKeyError(kid, "this verifier holds "
                                            f"{sorted(k for k in self._keys if k)}") from None

    def verify(self, token: str | bytes) -> dict[str, Any]:
        """The claims of a valid token.

        Returns
        -------
        claims : dict

        Raises
        ------
        TokenTooLargeError, MalformedTokenError, AlgorithmNotAllowedError,
        UnknownTokenKeyError, TokenSignatureError, MissingClaimError, TokenExpiredError,
        TokenNotYetValidError, InvalidIssuerError, InvalidAudienceError
            All subclasses of :class:`~lukhas.services.security.TokenError` (a ValueError).
        """
        if isinstance(token, bytes):
            try:
                token = token.decode("ascii")
            except UnicodeDecodeError as err:
                raise MalformedTokenError("the token is not ASCII.") from err
        if not isinstance(token, str):
            raise TypeError(f"`token` must be a str, got {describe(token)}.")
        if len(token) > self.max_size:
            raise TokenTooLargeError(f"the token is {len(token)} characters; this verifier "
                                     f"accepts at most {self.max_size}.")
        parts = token.split(".")
        if len(parts) != 3:
            raise MalformedTokenError(f"a compact JWS has 3 dot-separated parts, got "
                                      f"{len(parts)}.")
        header = _b64json(parts[0], "header")
        if not isinstance(header, dict):
            raise MalformedTokenError("the token's header is not a JSON object.")
        alg = header.get("alg")
        if not isinstance(alg, str) or alg.lower() == "none":
            raise AlgorithmNotAllowedError(f"`alg` {alg!r} is never accepted.")
        key, allowed = self._select(header)
        if alg not in allowed:
            raise AlgorithmNotAllowedError(
                f"`alg` {alg!r} is not allowed for this {key.key_type} key (allowed: "
                f"{list(allowed)}).")
        try:
            decoded = jwt.decode(token, key, algorithms=[alg])
        except BadSignatureError as err:
            raise TokenSignatureError("the token's signature does not verify.") from err
        except JoseError as err:
            raise MalformedTokenError(f"the token was refused by JOSE: {err}") from err
        claims = dict(decoded.claims)
        self._check_claims(claims)
        return claims

    def _check_claims(self, claims: dict[str, Any]) -> None:
        for name in self.required:
            if name not in claims:
                raise MissingClaimError(f"claim `{name}` is required.")
        now = self._clock()
        exp = _number(claims, "exp")
        if exp is not None and now > exp + self.leeway:
            raise TokenExpiredError(f"the token expired {now - exp:.0f} s ago (allowed skew "
                                    f"{self.leeway:g} s).")
        nbf = _number(claims, "nbf")
        if nbf is not None and now + self.leeway < nbf:
            raise TokenNotYetValidError(f"the token is not valid for another {nbf - now:.0f} s "
                                        f"(allowed skew {self.leeway:g} s).")
        iat = _number(claims, "iat")
        if iat is not None and now + self.leeway < iat:
            raise TokenNotYetValidError(f"the token was issued {iat - now:.0f} s in the future.")
        if "iss" in claims and claims["iss"] != self.issuer:
            raise InvalidIssuerError(f"`iss` must be {self.issuer!r}, got {claims['iss']!r}.")
        if "aud" in claims:
            aud = claims["aud"]
            auds = [aud] if isinstance(aud, str) else aud
            if not isinstance(auds, list) or not all(isinstance(a, str) for a in auds):
                raise MissingClaimError("claim `aud` must be a string or a list of strings.")
            if self.audience not in auds:
                raise InvalidAudienceError(f"`aud` must include {self.audience!r}, got {aud!r}.")

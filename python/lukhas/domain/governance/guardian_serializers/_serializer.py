"""Guardian decision and envelope serializers on the schema registry."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from lukhas.domain.governance.guardian_serializers._migrate import (
    TARGET_VERSION,
    canonical,
    content_checksum,
    migrate_to_2,
)
from lukhas.domain.governance.schema_registry import SchemaRegistry, ValidationResult

__all__ = [
    "ENVELOPE_VERSION",
    "GuardianEnvelopeSerializer",
    "GuardianResult",
    "GuardianSerializer",
    "deserialize_guardian",
    "get_system_health",
    "serialize_guardian",
    "validate_guardian",
]

logger = logging.getLogger(__name__)

SUBJECT: Final = "guardian_decision"
#: The version of the envelope layout written by :class:`GuardianEnvelopeSerializer`.
ENVELOPE_VERSION: Final = "1.0"
_MAX_BYTES: Final = 1 << 20
_ENVELOPE_KEYS: Final = frozenset({"envelope_version", "schema", "schema_version", "checksum",
                                   "payload"})


@dataclass(slots=True)
class GuardianResult:
    """What every serializer operation returns.

    Attributes
    ----------
    success : bool
    operation : str
        ``"serialize"``, ``"deserialize"``, ``"validate"``, ``"migrate"`` or ``"envelope"``.
    serialized_data : bytes or None
        Canonical JSON (after serialize).
    data : dict or None
        The decision (after deserialize, validate or migrate).
    validation_result : ValidationResult or None
    checksum : str or None
        SHA-256 of the decision's canonical JSON without ``integrity``.
    execution_time_ms : float
    errors, warnings : list of str
    """

    success: bool
    operation: str
    serialized_data: bytes | None = None
    data: dict[str, Any] | None = None
    validation_result: ValidationResult | None = None
    checksum: str | None = None
    execution_time_ms: float = 0.0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.success


class GuardianSerializer:
    """Serialise, deserialise, validate and migrate guardian decisions (schema 2.0.0).

    Serialised form: canonical JSON (sorted keys, UTF-8), so equal decisions give equal
    bytes and checksums.  A decision's ``integrity.content_sha256``, when present, is
    compared with the computed checksum: a mismatch is a warning, or an error with
    ``strict_integrity=True``.

    Parameters
    ----------
    registry : SchemaRegistry, optional
        Default a new in-memory registry (which ships the guardian schemas).
    strict_integrity : bool, default False

    Examples
    --------
    >>> s = GuardianSerializer()
    >>> old = {"decision": {"status": "allow", "policy": "p"}, "timestamp": "2024-01-01T00:00:00Z"}
    >>> new = s.migrate_decision(old, "2.0.0")
    >>> new.success, new.data["schema_version"]
    (True, '2.0.0')
    >>> back = s.deserialize_decision(s.serialize_decision(new.data).serialized_data)
    >>> back.data == new.data
    True
    """

    def __init__(self, registry: SchemaRegistry | None = None, *,
                 strict_integrity: bool = False) -> None:
        self.registry = registry if registry is not None else SchemaRegistry()
        self.strict_integrity = bool(strict_integrity)
        self._lock = threading.Lock()
        self._started = time.time()
        self._counts = {"serialize": 0, "deserialize": 0, "validate": 0, "migrate": 0,
                        "envelope": 0, "failures": 0, "bytes": 0}
        self._time_ms = 0.0

    # ---- bookkeeping -------------------------------------------------------------

    def _done(self, result: GuardianResult, start: float) -> GuardianResult:
        result.execution_time_ms = (time.perf_counter() - start) * 1000.0
        with self._lock:
            self._counts[result.operation] += 1
            self._counts["failures"] += not result.success
            self._time_ms += result.execution_time_ms
            if result.serialized_data is not None:
                self._counts["bytes"] += len(result.serialized_data)
        return result

    def _check(self, result: GuardianResult, decision: Any) -> bool:
        """Validate ``decision`` into ``result``; True when it is a valid 2.0.0 decision."""
        if not isinstance(decision, dict):
            result.errors.append(f"a decision must be a dict, got {type(decision).__name__}")
            return False
        version = decision.get("schema_version")
        if version != TARGET_VERSION:
            result.errors.append(f"schema_version must be {TARGET_VERSION!r}, got {version!r}; "
                                 "use migrate_decision() first")
            return False
        vr = self.registry.validate_data(decision, SUBJECT, TARGET_VERSION)
        result.validation_result = vr
        result.errors.extend(vr.errors)
        if not vr.is_valid:
            return False
        try:
            result.checksum = content_checksum(decision)
        except ValueError as err:  # NaN or infinity
            result.errors.append(f"decision is not JSON: {err}")
            return False
        claimed = (decision.get("integrity") or {}).get("content_sha256")
        if claimed is not None and claimed != result.checksum:
            text = (f"integrity.content_sha256 {claimed[:12]}... does not match the content "
                    f"({result.checksum[:12]}...)")
            if self.strict_integrity:
                result.errors.append(text)
                return False
            result.warnings.append(text)
        return True

    # ---- operations --------------------------------------------------------------

    def validate_decision(self, decision: dict[str, Any]) -> GuardianResult:
        """Validate against guardian decision 2.0.0; ``data`` is the decision."""
        start = time.perf_counter()
        result = GuardianResult(False, "validate")
        result.success = self._check(result, decision)
        result.data = decision if isinstance(decision, dict) else None
        return self._done(result, start)

    def serialize_decision(self, decision: dict[str, Any]) -> GuardianResult:
        """Validate and write canonical JSON bytes (``serialized_data``)."""
        start = time.perf_counter()
        result = GuardianResult(False, "serialize")
        if self._check(result, decision):
            result.serialized_data = canonical(decision)
            result.data = decision
            result.success = True
        return self._done(result, start)

    def deserialize_decision(self, data: bytes | str) -> GuardianResult:
        """Parse and validate; a 1.x decision is migrated to 2.0.0 (with a warning)."""
        start = time.perf_counter()
        result = GuardianResult(False, "deserialize")
        if not isinstance(data, (bytes, bytearray, str)):
            result.errors.append(  # type: ignore[unreachable]
                f"data must be bytes or str, got {type(data).__name__}")
            return self._done(result, start)
        if len(data) > _MAX_BYTES:
            result.errors.append(f"data is {len(data)} bytes; the limit is {_MAX_BYTES}")
            return self._done(result, start)
        try:
            decoded = json.loads(data)
        except (ValueError, UnicodeDecodeError) as err:
            result.errors.append(f"data is not JSON: {err}")
            return self._done(result, start)
        if isinstance(decoded, dict) and decoded.get("schema_version") != TARGET_VERSION:
            migrated = self.migrate_decision(decoded, TARGET_VERSION)
            if not migrated.success:
                result.errors.extend(migrated.errors)
                return self._done(result, start)
            result.warnings.append(f"migrated from {decoded.get('schema_version') or '1.x'}")
            result.warnings.extend(migrated.warnings)
            decoded = migrated.data
        if self._check(result, decoded):
            result.data = decoded
            result.success = True
        return self._done(result, start)

    def migrate_decision(self, old: dict[str, Any], target_version: str = TARGET_VERSION
                         ) -> GuardianResult:
        """Rewrite a decision as ``target_version`` (only "2.0.0" exists); ``data`` is it."""
        start = time.perf_counter()
        result = GuardianResult(False, "migrate")
        if target_version != TARGET_VERSION:
            result.errors.append(f"target_version must be {TARGET_VERSION!r}, got "
                                 f"{target_version!r}")
            return self._done(result, start)
        if not isinstance(old, dict):
            result.errors.append(  # type: ignore[unreachable]
                f"a decision must be a dict, got {type(old).__name__}")
            return self._done(result, start)
        warnings: list[str] = []
        if old.get("schema_version") == TARGET_VERSION:
            new = old
        else:
            try:
                new, warnings = migrate_to_2(old)
            except ValueError as err:
                result.errors.append(f"cannot migrate: {err}")
                return self._done(result, start)
        result.warnings.extend(warnings)
        if self._check(result, new):
            result.data = new
            result.success = True
        return self._done(result, start)

    def serialize_many(self, decisions: Iterable[dict[str, Any]]) -> list[GuardianResult]:
        """:meth:`serialize_decision` for each decision, in order."""
        return [self.serialize_decision(d) for d in decisions]

    async def batch_serialize_decisions(self, decisions: Iterable[dict[str, Any]]
                                        ) -> list[GuardianResult]:
        """:meth:`serialize_many` in a worker thread (the event loop stays free)."""
        items = list(decisions)
        return await asyncio.to_thread(self.serialize_many, items)

    # ---- status ------------------------------------------------------------------

    def _self_test(self) -> tuple[bool, bool]:
        sample = {
            "schema_version": TARGET_VERSION,
            "decision": {"status": "allow", "policy": "health", "timestamp":
                         "2024-01-01T00:00:00Z"},
            "subject": {"correlation_id": "health", "actor": {"type": "system", "id": "health"},
                        "operation": {"name": "health"}},
            "context": {}, "metrics": {"latency_ms": 0}, "enforcement": {"mode": "monitor"},
            "audit": {"event_id": "health", "timestamp": "2024-01-01T00:00:00Z"},
        }
        try:  # a health check reports, it does not raise
            validates = self.registry.is_valid(sample, SUBJECT, TARGET_VERSION)
            ok = self._check(GuardianResult(False, "serialize"), sample)
        except LookupError as err:
            logger.warning("guardian serializer self-test failed: %s", err)
            return False, False
        round_trip = ok and json.loads(canonical(sample)) == sample
        return validates, bool(round_trip)

    def get_system_status(self) -> dict[str, Any]:
        """Status of every part: ``system``, ``schema_registry``, ``serialization_engine``,
        ``validation_framework``, ``migration_engine``, ``performance_optimizer`` and
        ``integration_health``."""
        metrics = self.registry.get_metrics()
        with self._lock:
            counts = dict(self._counts)
            total_ms = self._time_ms
        ops = sum(counts[k] for k in ("serialize", "deserialize", "validate", "migrate",
                                      "envelope"))
        registry_ok, serialization_ok = self._self_test()
        has_schema = TARGET_VERSION in self.registry.list_schemas().get(SUBJECT, [])
        healthy = registry_ok and serialization_ok and has_schema
        return {
            "system": {"name": "guardian_serializers", "status":
                       "operational" if healthy else "degraded",
                       "uptime_seconds": time.time() - self._started,
                       "schema_version": TARGET_VERSION},
            "schema_registry": {"subjects": metrics["subjects"],
                                "total_schemas": metrics["total_schemas"],
                                "guardian_versions": self.registry.list_schemas().get(SUBJECT, []),
                                "database": metrics["database"]},
            "serialization_engine": {"format": "canonical-json", "serialized":
                                     counts["serialize"], "deserialized": counts["deserialize"],
                                     "bytes_written": counts["bytes"],
                                     "failures": counts["failures"]},
            "validation_framework": {"validator": "jsonschema Draft 2020-12",
                                     "validations": metrics["validations"],
                                     "invalid": metrics["invalid"],
                                     "avg_validation_ms": metrics["avg_validation_ms"]},
            "migration_engine": {"target_version": TARGET_VERSION,
                                 "supported": ["1.x -> 2.0.0"], "migrations": counts["migrate"]},
            "performance_optimizer": {"cache_hit_rate": metrics["cache_hit_rate"],
                                      "compiled_validators": metrics["compiled_validators"],
                                      "avg_operation_ms": total_ms / ops if ops else 0.0},
            "integration_health": {"schema_registry_healthy": registry_ok and has_schema,
                                   "serialization_healthy": serialization_ok,
                                   "validation_healthy": registry_ok,
                                   "performance_optimal": metrics["cache_hit_rate"] >= 0.5
                                   or metrics["validations"] < 10},
        }


class GuardianEnvelopeSerializer:
    """Decisions in a checksummed envelope: ``{"envelope_version", "schema",
    "schema_version", "checksum", "payload"}``.

    :meth:`validate_envelope` checks the layout, the payload against the schema, and the
    checksum (so a payload changed in transit is caught).  A bare decision passed where an
    envelope is expected is wrapped first.

    Parameters
    ----------
    serializer : GuardianSerializer, optional

    Examples
    --------
    >>> es = GuardianEnvelopeSerializer()
    >>> d = es.serializer.migrate_decision({"decision": "allow", "timestamp": 0}).data
    >>> env = es.wrap(d)
    >>> es.validate_envelope(env).success
    True
    >>> env["payload"]["decision"]["status"] = "deny"     # tampered
    >>> es.validate_envelope(env).errors[0][:30]
    'envelope checksum does not mat'
    """

    def __init__(self, serializer: GuardianSerializer | None = None) -> None:
        self.serializer = serializer if serializer is not None else GuardianSerializer()

    @staticmethod
    def wrap(decision: dict[str, Any]) -> dict[str, Any]:
        """An envelope around ``decision`` with its checksum."""
        return {"envelope_version": ENVELOPE_VERSION, "schema": SUBJECT,
                "schema_version": decision.get("schema_version"),
                "checksum": content_checksum(decision), "payload": decision}

    def validate_envelope(self, envelope: dict[str, Any]) -> GuardianResult:
        """Check layout, payload and checksum; ``data`` is the envelope."""
        start = time.perf_counter()
        result = GuardianResult(False, "envelope")
        if not isinstance(envelope, dict):
            result.errors.append(  # type: ignore[unreachable]
                f"an envelope must be a dict, got {type(envelope).__name__}")
            return self.serializer._done(result, start)
        env = envelope if "payload" in envelope else self.wrap(envelope)
        missing = sorted(_ENVELOPE_KEYS - env.keys())
        if missing:
            result.errors.append(f"envelope lacks {missing}")
        elif env["schema"] != SUBJECT or env["envelope_version"] != ENVELOPE_VERSION:
            result.errors.append(f"envelope is {env['schema']!r} v{env['envelope_version']}, "
                                 f"expected {SUBJECT!r} v{ENVELOPE_VERSION}")
        elif self.serializer._check(result, env["payload"]):
            if env["checksum"] != result.checksum:
                result.errors.append("envelope checksum does not match its payload "
                                     f"(claimed {str(env['checksum'])[:12]}..., content "
                                     f"{str(result.checksum)[:12]}...)")
            elif env["schema_version"] != env["payload"].get("schema_version"):
                result.errors.append("envelope schema_version differs from its payload's")
            else:
                result.success = True
                result.data = env
        return self.serializer._done(result, start)

    def serialize_envelope(self, envelope: dict[str, Any]) -> GuardianResult:
        """Validate, then write the envelope as canonical JSON bytes."""
        result = self.validate_envelope(envelope)
        if result.success and result.data is not None:
            result.serialized_data = canonical(result.data)
        return result

    def deserialize_envelope(self, data: bytes | str) -> GuardianResult:
        """Parse and validate an envelope written by :meth:`serialize_envelope`."""
        try:
            decoded = json.loads(data)
        except (ValueError, TypeError, UnicodeDecodeError) as err:
            return GuardianResult(False, "envelope", errors=[f"data is not JSON: {err}"])
        if not isinstance(decoded, dict) or "payload" not in decoded:
            return GuardianResult(False, "envelope", errors=["data is not an envelope"])
        return self.validate_envelope(decoded)


_DEFAULT: list[GuardianSerializer] = []
_DEFAULT_LOCK = threading.Lock()


def _default() -> GuardianSerializer:
    """The module's shared serializer, created on first use (not at import)."""
    if not _DEFAULT:
        with _DEFAULT_LOCK:
            if not _DEFAULT:
                _DEFAULT.append(GuardianSerializer())
    return _DEFAULT[0]


def serialize_guardian(decision: dict[str, Any]) -> GuardianResult:
    """:meth:`GuardianSerializer.serialize_decision` on the shared serializer."""
    return _default().serialize_decision(decision)


def deserialize_guardian(data: bytes | str) -> GuardianResult:
    """:meth:`GuardianSerializer.deserialize_decision` on the shared serializer."""
    return _default().deserialize_decision(data)


def validate_guardian(decision: dict[str, Any]) -> GuardianResult:
    """:meth:`GuardianSerializer.validate_decision` on the shared serializer."""
    return _default().validate_decision(decision)


def get_system_health() -> dict[str, Any]:
    """:meth:`GuardianSerializer.get_system_status` of the shared serializer (runs a
    self-test: ``["system"]["status"] == "operational"`` when it passes)."""
    return _default().get_system_status()

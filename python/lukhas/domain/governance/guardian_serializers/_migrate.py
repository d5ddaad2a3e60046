"""Migration of LUKHAS 1.x guardian decisions to schema 2.0.0."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any, Final

from lukhas.domain.governance.schema_registry import LUKHASLane

__all__ = ["TARGET_VERSION", "canonical", "content_checksum", "migrate_to_2"]

#: The schema version decisions are migrated to.
TARGET_VERSION: Final = "2.0.0"
_STATUS: Final = {"allow": "allow", "deny": "deny", "challenge": "challenge",
                  "quarantine": "quarantine", "error": "error", "block": "deny",
                  "warn": "challenge", "review": "challenge", "defer": "challenge"}
_CODE: Final = re.compile(r"[A-Z][A-Z0-9_]*")
_ACTOR_TYPES: Final = frozenset({"user", "service", "system", "agent"})


def canonical(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8, NaN refused."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def content_checksum(decision: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a decision without its ``integrity`` field."""
    body = {k: v for k, v in decision.items() if k != "integrity"}
    return hashlib.sha256(canonical(body)).hexdigest()


def _timestamp(value: Any) -> str:
    if isinstance(value, bool):
        raise ValueError(f"timestamp must be a number or an RFC 3339 string, got {value!r}")
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, str) and value:
        return value
    raise ValueError(f"timestamp must be a number or an RFC 3339 string, got {value!r}")


def migrate_to_2(old: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A 1.x decision rewritten as 2.0.0, with warnings about what was filled in.

    Accepts the flat 1.x shape (``decision`` a status string, ``policy``, ``user_id``,
    ``operation``, ``reason``, ``timestamp``) and the nested one (``decision`` an object
    with ``status`` and ``policy``, top-level ``timestamp``, ``context``, ``metrics``,
    ``reasons``).  Missing required 2.0.0 fields get documented defaults (actor
    ``system/unknown``, operation ``unknown``, correlation id derived from the content),
    each named in the warnings.

    Raises
    ------
    ValueError
        If the decision has no recognisable status or timestamp.
    """
    warnings: list[str] = []
    raw = old.get("decision")
    dec: dict[str, Any] = raw if isinstance(raw, dict) else {"status": raw}
    status = _STATUS.get(str(dec.get("status", "")).lower())
    if status is None:
        raise ValueError(f"decision status {dec.get('status')!r} is not one of "
                         f"{sorted(_STATUS)}")
    ts_source = dec.get("timestamp", old.get("timestamp"))
    if ts_source is None:
        raise ValueError("a 1.x decision needs a timestamp (top level or in `decision`)")
    ts = _timestamp(ts_source)
    got_ctx = old.get("context")
    ctx_old: dict[str, Any] = got_ctx if isinstance(got_ctx, dict) else {}
    got_metrics = old.get("metrics")
    old_metrics: dict[str, Any] = got_metrics if isinstance(got_metrics, dict) else {}
    policy = dec.get("policy") or old.get("policy")
    if not policy:
        policy = "unknown"
        warnings.append("decision.policy was missing; set to 'unknown'")
    decision: dict[str, Any] = {"status": status, "policy": str(policy), "timestamp": ts}
    conf = dec.get("confidence", old.get("confidence", old_metrics.get("confidence_score")))
    if isinstance(conf, (int, float)) and not isinstance(conf, bool) and 0 <= conf <= 1:
        decision["confidence"] = conf
    digest = hashlib.sha256(canonical(old)).hexdigest()[:16]
    corr = old.get("correlation_id") or old.get("request_id")
    if not corr:
        corr = f"migrated-{digest}"
        warnings.append("subject.correlation_id was missing; derived from the content")
    user = old.get("user_id") or ctx_old.get("user_id")
    actor = {"type": "user", "id": str(user)} if user else {"type": "system", "id": "unknown"}
    if not user:
        warnings.append("subject.actor was missing; set to system/unknown")
    op = old.get("operation") or ctx_old.get("operation_type")
    if not op:
        warnings.append("subject.operation was missing; set to 'unknown'")
    subject: dict[str, Any] = {"correlation_id": str(corr), "actor": actor,
                               "operation": {"name": str(op or "unknown")}}
    lane = old.get("lane", ctx_old.get("lane"))
    if isinstance(lane, str) and LUKHASLane.is_valid_lane(lane):
        subject["lane"] = lane
    elif lane is not None:
        warnings.append(f"lane {lane!r} is not a LUKHAS lane; dropped")
    context = {k: v for k, v in ctx_old.items()
               if not (k in ("environment", "features") and not isinstance(v, dict))}
    latency = old.get("latency_ms", old_metrics.get("processing_time_ms", 0))
    metrics: dict[str, Any] = {"latency_ms": latency if isinstance(latency, (int, float))
                               and not isinstance(latency, bool) and latency >= 0 else 0}
    for key in ("risk_score", "drift_score"):
        v = old_metrics.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0:
            metrics[key] = v
    enforcement = {"mode": "enforced" if old.get("enforcement_enabled", True) else "monitor"}
    reasons = [{"code": r["code"], "message": str(r.get("message", ""))[:2048]}
               for r in old.get("reasons") or []
               if isinstance(r, dict) and isinstance(r.get("code"), str)
               and _CODE.fullmatch(r["code"])]
    if isinstance(old.get("reason"), str):
        reasons.append({"code": "MIGRATED_REASON", "message": old["reason"][:2048]})
    new: dict[str, Any] = {
        "schema_version": TARGET_VERSION, "decision": decision, "subject": subject,
        "context": context, "metrics": metrics, "enforcement": enforcement,
        "audit": {"event_id": f"migrated-{digest}", "timestamp": ts,
                  "source_system": "guardian",
                  "migrated_from": str(old.get("schema_version") or "1.0.0")},
    }
    if reasons:
        new["reasons"] = reasons
    return new, warnings

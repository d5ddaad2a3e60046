"""lukhas.governance.guardian_serializers: the contract (6 names, R1-R5), migration,
checksums and envelopes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from datetime import UTC, datetime

import pytest

import lukhas.governance.guardian_serializers as contract
from lukhas.domain.governance.guardian_serializers import (
    GuardianEnvelopeSerializer,
    GuardianSerializer,
    canonical,
    content_checksum,
    deserialize_guardian,
    get_system_health,
    serialize_guardian,
    validate_guardian,
)

NAMES = {"GuardianEnvelopeSerializer", "GuardianSerializer", "deserialize_guardian",
         "get_system_health", "serialize_guardian", "validate_guardian"}


def decision(**over: object) -> dict:
    now = datetime.now(UTC).isoformat()
    d = {
        "schema_version": "2.0.0",
        "decision": {"status": "allow", "policy": "test/v1.0.0", "timestamp": now,
                     "confidence": 0.9, "severity": "low"},
        "subject": {"correlation_id": str(uuid.uuid4()),
                    "actor": {"type": "user", "id": "u-1", "tier": "T2"},
                    "operation": {"name": "memory_write", "resource": "fold/7"}},
        "context": {"environment": {"region": "eu-west-1", "runtime": "prod"},
                    "features": {"enforcement_enabled": True}},
        "metrics": {"latency_ms": 12, "risk_score": 0.2, "quota_remaining": 50},
        "enforcement": {"mode": "enforced", "actions": ["log_only"]},
        "audit": {"event_id": str(uuid.uuid4()), "timestamp": now, "source_system": "guardian"},
        "reasons": [{"code": "POLICY_ALLOW", "message": "allowed"}],
        "integrity": {"content_sha256": "f" * 64},
    }
    d.update(over)
    return d


def test_contract_names() -> None:
    assert set(contract.__all__) >= NAMES
    assert contract.serialize_guardian is serialize_guardian


def test_result_object_and_round_trip() -> None:  # R1, R2
    s = GuardianSerializer()
    d = decision()
    out = s.serialize_decision(d)
    assert out.success and out.serialized_data is not None and out.execution_time_ms < 100
    assert out.serialized_data == canonical(d)
    assert out.validation_result is not None and out.validation_result.is_valid
    back = s.deserialize_decision(out.serialized_data)
    assert back.success and back.data == d and back.data["schema_version"] == "2.0.0"
    assert back.checksum == out.checksum == content_checksum(d)
    assert deserialize_guardian(out.serialized_data.decode()).data == d  # str works too
    assert validate_guardian(d).success and serialize_guardian(d).serialized_data == \
        out.serialized_data


def test_checksum_is_sha256_of_canonical_content_without_integrity() -> None:
    d = decision()
    body = {k: v for k, v in d.items() if k != "integrity"}
    want = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()
    assert content_checksum(d) == want
    s = GuardianSerializer()
    assert s.serialize_decision(d).warnings  # "f"*64 is not the content's checksum
    sealed = decision(integrity={"content_sha256": want})
    sealed["decision"] = d["decision"]
    sealed["subject"] = d["subject"]
    sealed["audit"] = d["audit"]
    assert not s.serialize_decision(sealed).warnings
    strict = GuardianSerializer(strict_integrity=True)
    assert not strict.serialize_decision(d).success
    assert strict.serialize_decision(sealed).success


def test_invalid_decisions_fail_with_errors() -> None:
    s = GuardianSerializer()
    bad = decision()
    bad["subject"]["lane"] = "dev"
    r = s.serialize_decision(bad)
    assert not r.success and r.serialized_data is None and any("lane" in e for e in r.errors)
    assert not s.deserialize_decision(b"{not json").success
    assert not s.deserialize_decision(b"[1, 2]").success
    assert not s.validate_decision(decision(schema_version="3.0.0")).success
    assert "migrate_decision" in s.serialize_decision(decision(schema_version="1.0.0")).errors[0]


def test_batch() -> None:  # R3
    s = GuardianSerializer()
    results = asyncio.run(s.batch_serialize_decisions([decision() for _ in range(10)]))
    assert len(results) == 10 and all(r.success for r in results)
    mixed = asyncio.run(s.batch_serialize_decisions([decision(), {"x": 1}]))
    assert [r.success for r in mixed] == [True, False]


@pytest.mark.parametrize("old", [
    {"decision": {"status": "allow", "policy": "test"}, "timestamp": "2023-01-01T00:00:00Z"},
    {"decision": "block", "policy": "p", "user_id": "u9", "operation": "delete",
     "reason": "too risky", "timestamp": 1700000000.5, "lane": "production",
     "latency_ms": 3, "schema_version": "1.2.0"},
    {"schema_version": "1.0.0", "timestamp": 1727123853.6, "correlation_id": "c-1",
     "emergency_active": False, "enforcement_enabled": False, "decision": "review",
     "reasons": [{"code": "DRIFT_HIGH", "message": "drift", "severity": "high"},
                 {"code": "bad code", "message": "dropped"}],
     "metrics": {"processing_time_ms": 5.2, "drift_score": 0.25, "confidence_score": 0.88},
     "context": {"operation_type": "consciousness_decision", "tier": "T3", "lane": "stable"}},
])
def test_migration_to_2_0_0(old: dict) -> None:
    s = GuardianSerializer()
    r = s.migrate_decision(old, "2.0.0")
    assert r.success, r.errors
    new = r.data
    assert new is not None and new["schema_version"] == "2.0.0"
    assert s.validate_decision(new).success
    assert new["audit"]["migrated_from"] == str(old.get("schema_version", "1.0.0"))
    status = old["decision"]["status"] if isinstance(old["decision"], dict) else old["decision"]
    assert new["decision"]["status"] == {"block": "deny", "review": "challenge"}.get(status,
                                                                                      status)
    # deterministic: same input, same output
    assert s.migrate_decision(old, "2.0.0").data == new
    # a 1.x document deserialises straight to 2.0.0
    back = s.deserialize_decision(json.dumps(old))
    assert back.success and back.data == new and back.warnings


def test_migration_details() -> None:
    r = GuardianSerializer().migrate_decision(
        {"decision": "block", "user_id": "u9", "operation": "delete", "reason": "risky",
         "timestamp": 0, "lane": "production", "latency_ms": 3})
    d = r.data
    assert d is not None
    assert d["decision"]["timestamp"] == "1970-01-01T00:00:00Z"
    assert d["subject"]["actor"] == {"type": "user", "id": "u9"}
    assert d["subject"]["lane"] == "production"
    assert d["reasons"] == [{"code": "MIGRATED_REASON", "message": "risky"}]
    assert any("policy" in w for w in r.warnings)


@pytest.mark.parametrize(("old", "target", "why"), [
    ({"decision": "maybe", "timestamp": 1}, "2.0.0", "status"),
    ({"decision": "allow"}, "2.0.0", "timestamp"),
    ({"decision": "allow", "timestamp": 1}, "3.0.0", "target_version"),
    ({"decision": "allow", "timestamp": "soon"}, "2.0.0", "date-time"),
])
def test_migration_refusals(old: dict, target: str, why: str) -> None:
    r = GuardianSerializer().migrate_decision(old, target)
    assert not r.success and any(why in e for e in r.errors), r.errors


def test_envelopes_catch_tampering() -> None:
    es = GuardianEnvelopeSerializer()
    d = decision()
    env = es.wrap(d)
    assert es.validate_envelope(env).success
    assert es.validate_envelope(d).success  # a bare decision is wrapped
    out = es.serialize_envelope(env)
    assert out.success and es.deserialize_envelope(out.serialized_data).data == env
    tampered = json.loads(out.serialized_data)
    tampered["payload"]["metrics"]["latency_ms"] = 13
    r = es.validate_envelope(tampered)
    assert not r.success and "checksum" in r.errors[0]
    assert not es.validate_envelope({**env, "schema": "other"}).success
    assert not es.validate_envelope({"payload": d}).success
    assert not es.deserialize_envelope(b"[]").success


def test_status_and_health() -> None:  # R4, R5
    s = GuardianSerializer()
    s.serialize_decision(decision())
    status = s.get_system_status()
    assert {"system", "schema_registry", "serialization_engine", "validation_framework",
            "migration_engine", "performance_optimizer", "integration_health"} <= status.keys()
    assert status["serialization_engine"]["serialized"] == 1
    health = get_system_health()
    assert health["system"]["status"] == "operational"
    assert health["integration_health"]["schema_registry_healthy"]
    assert health["integration_health"]["serialization_healthy"]


def test_health_reports_a_broken_registry() -> None:
    s = GuardianSerializer()
    s.registry._schemas["guardian_decision"].pop("2.0.0")  # simulate a lost schema
    health = s.get_system_status()
    assert health["system"]["status"] == "degraded"
    assert not health["integration_health"]["schema_registry_healthy"]

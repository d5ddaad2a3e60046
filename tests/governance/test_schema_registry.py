"""lukhas.governance.schema_registry: the lanes (contract R1-R5) and SchemaRegistry
(R6-R8, compatibility modes, caching, persistence)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import lukhas.governance.schema_registry as contract
from lukhas.domain.governance.schema_registry import (
    CompatibilityMode,
    IncompatibleSchemaError,
    InvalidSchemaError,
    LUKHASLane,
    SchemaRegistry,
    UnknownSchemaError,
    builtin_schema,
    get_lane_enum,
    guardian_schema_path,
)

LANES = {"candidate", "lukhas", "MATRIZ", "integration", "production", "canary", "experimental"}
V1 = {"type": "object", "properties": {"id": {"type": "string"},
                                       "lane": {"enum": ["candidate", "production"]}},
      "required": ["id"], "additionalProperties": False}


# ---- lanes (R1-R5) ---------------------------------------------------------------------

def test_contract_names_are_exported() -> None:
    assert {"LUKHASLane", "get_lane_enum", "SchemaRegistry"} <= set(contract.__all__)
    assert contract.get_lane_enum is get_lane_enum  # R4: one function object


def test_lane_values() -> None:
    assert get_lane_enum() == ["candidate", "lukhas", "MATRIZ", "integration", "production",
                               "canary", "experimental"]
    assert set(LUKHASLane.get_all_values()) == LANES and len(LUKHASLane) == 7
    assert {m.value for m in LUKHASLane} == LANES
    assert LUKHASLane.get_all_values() == get_lane_enum()


@pytest.mark.parametrize("lane", sorted(LANES))
def test_valid_lanes(lane: str) -> None:
    assert LUKHASLane.is_valid_lane(lane)


@pytest.mark.parametrize("lane", ["invalid", "staging", "", "dev", "test", "prod", "local",
                                  "CANDIDATE", "Production", "matriz", None, 1])
def test_invalid_lanes(lane: object) -> None:
    assert LUKHASLane.is_valid_lane(lane) is False  # type: ignore[arg-type]


def test_lane_lists_are_fresh_and_str_only() -> None:
    first = get_lane_enum()
    first.append("oops")
    first[0] = "changed"
    assert get_lane_enum() == LUKHASLane.get_all_values() == sorted(
        LANES, key=get_lane_enum().index)
    assert all(type(x) is str for x in get_lane_enum())


def test_shipped_guardian_schema_has_the_seven_lanes() -> None:
    # R5: the file LUKHAS keeps at governance/guardian_schema.json can be this one.
    schema = json.loads(guardian_schema_path().read_text())
    assert schema["$defs"]["Subject"]["properties"]["lane"]["enum"] == get_lane_enum()
    assert schema == builtin_schema("guardian_decision", "2.0.0")
    Draft202012Validator.check_schema(schema)


# ---- registry (R6-R8) --------------------------------------------------------------------

def _decision() -> dict:
    return {
        "schema_version": "2.0.0",
        "decision": {"status": "allow", "policy": "p/v1", "timestamp": "2024-05-01T12:00:00Z"},
        "subject": {"correlation_id": "c1", "actor": {"type": "user", "id": "u1"},
                    "operation": {"name": "op"}, "lane": "candidate"},
        "context": {}, "metrics": {"latency_ms": 1.5}, "enforcement": {"mode": "enforced"},
        "audit": {"event_id": "e1", "timestamp": "2024-05-01T12:00:00Z"},
    }


def test_builtin_guardian_schemas_and_validation() -> None:
    reg = SchemaRegistry()
    schemas = reg.list_schemas()
    assert "2.0.0" in schemas["guardian_decision"]
    good = reg.validate_data(_decision(), "guardian_decision")
    assert good.is_valid and good.errors == [] and good.validation_time_ms >= 0
    bad = _decision()
    bad["subject"]["lane"] = "staging"
    del bad["decision"]["policy"]
    res = reg.validate_data(bad, "guardian_decision")
    assert not res.is_valid and len(res.errors) == 2
    assert any("$.subject.lane" in e for e in res.errors)
    assert any("'policy' is a required property" in e for e in res.errors)
    m = reg.get_metrics()
    assert m["total_schemas"] >= 2 and m["cache_hit_rate"] >= 0 and m["validations"] == 2


def test_date_time_is_asserted_without_touching_jsonschema_globals() -> None:
    reg = SchemaRegistry()
    d = _decision()
    d["decision"]["timestamp"] = "yesterday"
    assert not reg.validate_data(d, "guardian_decision").is_valid
    d["decision"]["timestamp"] = "2024-02-30T00:00:00Z"  # no such day
    assert not reg.validate_data(d, "guardian_decision").is_valid
    d["decision"]["timestamp"] = "2024-02-29T23:59:59.5+02:00"
    assert reg.validate_data(d, "guardian_decision").is_valid
    plain = Draft202012Validator({"format": "date-time"},
                                 format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert plain.is_valid("yesterday")  # the library's own checker is unchanged


def test_validators_are_compiled_once_per_subject_version() -> None:
    reg = SchemaRegistry()
    reg.register("thing", V1)
    v = reg.validator("thing", "1.0.0")
    assert reg.validator("thing") is v
    for _ in range(10):
        reg.validate_data({"id": "x"}, "thing")
    m = reg.get_metrics()
    assert m["cache_misses"] == 1 and m["cache_hits"] == 11
    assert m["cache_hit_rate"] == pytest.approx(11 / 12)
    reg.register("thing", {**V1, "required": []})
    assert reg.validator("thing") is not v and reg.validator("thing", "1.0.0") is v


def test_versions_auto_bump_idempotence_and_immutability() -> None:
    reg = SchemaRegistry()
    assert reg.register("s", V1).version == "1.0.0"
    assert reg.register("s", V1).version == "1.0.0"  # same schema again
    assert reg.register("s", {**V1, "required": []}).version == "1.1.0"
    assert reg.register("s", {**V1, "required": []}, "1.1.0").version == "1.1.0"
    with pytest.raises(ValueError, match="immutable"):
        reg.register("s", V1, "1.1.0")
    with pytest.raises(ValueError, match=r"above the latest 1\.1\.0"):
        reg.register("s", V1, "1.0.5")
    assert reg.register("s", {**V1, "required": []}, "10.0.0").version == "10.0.0"
    assert reg.versions("s") == ["1.0.0", "1.1.0", "10.0.0"]
    assert reg.get_schema("s", "1.0.0") == V1
    with pytest.raises(ValueError, match=r"'X\.Y\.Z'"):
        reg.register("s", V1, "v2")


@pytest.mark.parametrize(("mode", "change", "ok"), [
    ("BACKWARD", "optional_field_added", True),
    ("BACKWARD", "field_became_required", False),
    ("BACKWARD", "enum_widened", True),
    ("BACKWARD", "enum_narrowed", False),
    ("FORWARD", "enum_widened", False),
    ("FORWARD", "enum_narrowed", True),
    ("FORWARD", "field_became_required", True),
    ("FULL", "enum_widened", False),
    ("FULL", "doc_only", True),
    ("NONE", "enum_narrowed", True),
    ("NONE", "field_became_required", True),
])
def test_compatibility_modes(mode: str, change: str, ok: bool) -> None:
    new = json.loads(json.dumps(V1))
    if change == "optional_field_added":
        new["properties"]["note"] = {"type": "string"}
    elif change == "field_became_required":
        new["required"] = ["id", "lane"]
    elif change == "enum_widened":
        new["properties"]["lane"]["enum"].append("canary")
    elif change == "enum_narrowed":
        new["properties"]["lane"]["enum"] = ["candidate"]
    else:
        new["description"] = "documented"
    reg = SchemaRegistry()
    reg.register("s", V1, compatibility=mode)
    assert reg.get_compatibility("s") == CompatibilityMode(mode)
    result = reg.check_compatibility("s", new)
    assert result.compatible is ok and result.against == "1.0.0"
    if ok:
        assert reg.register("s", new).version == "1.1.0"
    else:
        assert result.reasons and all(r.startswith(("BACKWARD: ", "FORWARD: "))
                                      for r in result.reasons)
        with pytest.raises(IncompatibleSchemaError) as info:
            reg.register("s", new)
        assert info.value.reasons == result.reasons and "$.lane" in str(info.value)
        assert reg.versions("s") == ["1.0.0"]
        assert reg.get_metrics()["refused_registrations"] == 1


def test_persistence_in_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "reg.db"
    with SchemaRegistry(database=db) as reg:
        reg.register("s", V1, compatibility="FULL")
        reg.register("s", {**V1, "description": "x"})
    with SchemaRegistry(database=db) as again:
        assert again.versions("s") == ["1.0.0", "1.1.0"]
        assert again.get_compatibility("s") is CompatibilityMode.FULL
        assert again.get_schema("s") == {**V1, "description": "x"}
        assert again.list_schemas()["guardian_decision"] == ["1.0.0", "2.0.0"]


def test_base_path_holds_the_database_and_loads_schema_files(tmp_path: Path) -> None:
    (tmp_path / "order-1.0.0.json").write_text(json.dumps(V1))
    (tmp_path / "notes.json").write_text("{}")  # not <subject>-<version>.json: ignored
    reg = SchemaRegistry(base_path=tmp_path)
    assert reg.versions("order") == ["1.0.0"]
    assert (tmp_path / "schema_registry.sqlite3").exists()
    reg.close()
    assert SchemaRegistry(base_path=tmp_path).versions("order") == ["1.0.0"]


def test_errors() -> None:
    reg = SchemaRegistry()
    with pytest.raises(UnknownSchemaError, match="no schema subject 'nope'"):
        reg.validate_data({}, "nope")
    with pytest.raises(UnknownSchemaError, match=r"no version '9\.9\.9'"):
        reg.validate_data({}, "guardian_decision", "9.9.9")
    with pytest.raises(InvalidSchemaError, match="not a valid JSON Schema"):
        reg.register("s", {"type": "no-such-type"})
    with pytest.raises(InvalidSchemaError, match="Draft 2020-12"):
        reg.register("s", {"$schema": "http://json-schema.org/draft-07/schema#"})
    with pytest.raises(TypeError, match="`schema` must be a dict"):
        reg.register("s", "{}")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`subject`"):
        reg.register("bad subject", V1)
    with pytest.raises(ValueError, match="`compatibility`"):
        reg.set_compatibility("s", "SIDEWAYS")


def test_validate_many_matches_validate_data() -> None:
    reg = SchemaRegistry()
    items = [_decision(), {"schema_version": "2.0.0"}, _decision()]
    many = reg.validate_many(items, "guardian_decision")
    one = [reg.validate_data(i, "guardian_decision") for i in items]
    assert [r.is_valid for r in many] == [r.is_valid for r in one] == [True, False, True]
    assert [r.errors for r in many] == [r.errors for r in one]
    assert [reg.is_valid(i, "guardian_decision") for i in items] == [True, False, True]

"""Schema validation: 10k guardian decisions through the schema registry, beside peers.

Group ``schema-validate-<family>`` (every peer's verdicts are checked against the
expected ones inside the bench):
- ``ours``: ``SchemaRegistry.validate_many`` (the compiled validator cached per
  (subject, version); results with error messages for the invalid ones);
- ``ours-bool``: ``SchemaRegistry.is_valid`` per decision (verdict only);
- ``jsonschema-cached``: one ``Draft202012Validator``, ``is_valid`` per decision;
- ``fastjsonschema``: the schema compiled to Python code, called per decision.

Group ``schema-uncached-<family>``: ``jsonschema.validate`` per decision (what code
that keeps no validator pays: the schema is checked and compiled on every call, about
20-30 ms each) beside ``ours`` on the same first 250 decisions of the family (all 10k
would take minutes per round).

Families: ``valid`` (all valid, 0-5 reasons each), ``mixed`` (1 in 10 invalid: a bad
lane, a missing policy, a negative latency or a bad reason code; the invalid ones make
ours build error messages) and ``large`` (up to 64 reasons and a bigger context each).

Run: ``pytest benches/bench_schema.py --benchmark-only -p no:randomly``.
"""

from __future__ import annotations

import copy
import random
from functools import cache
from typing import Any

import pytest

from _smoke import size
from lukhas.domain.governance.schema_registry import SchemaRegistry, builtin_schema, get_lane_enum

N = size(10_000, 500)
N_UNCACHED = 250
FAMILIES = ["valid", "mixed", "large"]
SCHEMA = builtin_schema("guardian_decision", "2.0.0")


def _decision(rng: random.Random, reasons: int, ctx: int) -> dict[str, Any]:
    ts = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:" \
         f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z"
    return {
        "schema_version": "2.0.0",
        "decision": {"status": rng.choice(["allow", "deny", "challenge"]),
                     "policy": f"policy/{rng.randint(1, 40)}", "timestamp": ts,
                     "confidence": rng.random(), "severity": rng.choice(["low", "high"])},
        "subject": {"correlation_id": f"{rng.getrandbits(64):016x}",
                    "actor": {"type": rng.choice(["user", "agent"]),
                              "id": f"u{rng.randint(0, 999)}", "tier": f"T{rng.randint(1, 5)}"},
                    "operation": {"name": rng.choice(["memory_write", "recall", "dream"]),
                                  "resource": f"fold/{rng.randint(0, 99)}"},
                    "lane": rng.choice(get_lane_enum())},
        "context": {"environment": {"region": "eu-west-1", "runtime": "prod"},
                    "features": {f"f{i}": bool(i % 2) for i in range(ctx)}},
        "metrics": {"latency_ms": rng.random() * 50, "risk_score": rng.random()},
        "enforcement": {"mode": "enforced", "actions": ["log"]},
        "audit": {"event_id": f"e{rng.getrandbits(48):012x}", "timestamp": ts,
                  "source_system": "guardian"},
        "reasons": [{"code": f"R_{i}", "message": "x" * rng.randint(5, 60)}
                    for i in range(reasons)],
        "integrity": {"content_sha256": f"{rng.getrandbits(256):064x}"},
    }


def _break(d: dict[str, Any], k: int) -> None:
    if k == 0:
        d["subject"]["lane"] = "staging"
    elif k == 1:
        del d["decision"]["policy"]
    elif k == 2:
        d["metrics"]["latency_ms"] = -1
    else:
        d["reasons"] = [{"code": "bad code", "message": "m"}]


@cache
def _data(family: str) -> tuple[list[dict[str, Any]], list[bool]]:
    rng = random.Random(7)
    out, ok = [], []
    for i in range(N):
        big = family == "large"
        d = _decision(rng, rng.randint(16, 64) if big else rng.randint(0, 5), 32 if big else 2)
        valid = not (family == "mixed" and i % 10 == 3)
        if not valid:
            _break(d, i // 10 % 4)
        out.append(d)
        ok.append(valid)
    return out, ok


def _check(verdicts: list[bool], family: str, n: int = N) -> None:
    assert verdicts == _data(family)[1][:n]


@pytest.mark.parametrize("family", FAMILIES)
def test_ours(benchmark: Any, family: str) -> None:
    benchmark.group = f"schema-validate-{family}"
    reg = SchemaRegistry()
    data = _data(family)[0]
    results = benchmark(reg.validate_many, data, "guardian_decision")
    _check([r.is_valid for r in results], family)
    assert all(r.errors for r in results if not r.is_valid)


@pytest.mark.parametrize("family", FAMILIES)
def test_ours_bool(benchmark: Any, family: str) -> None:
    benchmark.group = f"schema-validate-{family}"
    reg = SchemaRegistry()
    data = _data(family)[0]
    verdicts = benchmark(lambda: [reg.is_valid(d, "guardian_decision") for d in data])
    _check(verdicts, family)


@pytest.mark.parametrize("family", FAMILIES)
def test_ours_250(benchmark: Any, family: str) -> None:
    benchmark.group = f"schema-uncached-{family}"
    reg = SchemaRegistry()
    data = _data(family)[0][:N_UNCACHED]
    results = benchmark(reg.validate_many, data, "guardian_decision")
    _check([r.is_valid for r in results], family, N_UNCACHED)


@pytest.mark.parametrize("family", FAMILIES)
def test_jsonschema_uncached(benchmark: Any, family: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    benchmark.group = f"schema-uncached-{family}"
    data = _data(family)[0][:N_UNCACHED]

    def run() -> list[bool]:
        out = []
        for d in data:
            try:
                jsonschema.validate(d, SCHEMA, format_checker=jsonschema.FormatChecker())
                out.append(True)
            except jsonschema.ValidationError:
                out.append(False)
        return out

    _check(benchmark.pedantic(run, rounds=2, iterations=1), family, N_UNCACHED)


@pytest.mark.parametrize("family", FAMILIES)
def test_jsonschema_cached(benchmark: Any, family: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    benchmark.group = f"schema-validate-{family}"
    data = _data(family)[0]
    v = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    _check(benchmark(lambda: [v.is_valid(d) for d in data]), family)


@pytest.mark.parametrize("family", FAMILIES)
def test_fastjsonschema(benchmark: Any, family: str) -> None:
    fastjsonschema = pytest.importorskip("fastjsonschema")
    benchmark.group = f"schema-validate-{family}"
    data = _data(family)[0]
    validate = fastjsonschema.compile(copy.deepcopy(SCHEMA))

    def run() -> list[bool]:
        out = []
        for d in data:
            try:
                validate(d)
                out.append(True)
            except fastjsonschema.JsonSchemaException:
                out.append(False)
        return out

    _check(benchmark(run), family)

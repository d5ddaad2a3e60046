"""The compatibility check is sound: "subset" is said only when every instance valid under
the first schema is valid under the second (property-tested with random schemas and
instances), and it accepts the usual compatible changes."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from lukhas.domain.governance.schema_registry import subschema_reasons

KEYS = ["a", "b", "c"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-4, 4),
                    st.sampled_from([0.5, -1.5, 2.0]), st.sampled_from(["", "a", "ab", "abc"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from([*KEYS, "d"]), inner, max_size=3)), max_leaves=8)


@st.composite
def leaf_schemas(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["integer", "number", "string", "boolean", "null", "enum",
                                 "multi", "any"]))
    s: dict[str, Any]
    if kind == "enum":
        return {"enum": draw(st.lists(scalars, min_size=1, max_size=3, unique_by=repr))}
    if kind == "multi":
        return {"type": draw(st.lists(st.sampled_from(["integer", "string", "null", "number"]),
                                      min_size=1, max_size=3, unique=True))}
    if kind == "any":
        return {}
    s = {"type": kind}
    if kind in ("integer", "number"):
        if draw(st.booleans()):
            s[draw(st.sampled_from(["minimum", "exclusiveMinimum"]))] = draw(st.integers(-3, 3))
        if draw(st.booleans()):
            s[draw(st.sampled_from(["maximum", "exclusiveMaximum"]))] = draw(st.integers(-3, 3))
    if kind == "string":
        if draw(st.booleans()):
            s["minLength"] = draw(st.integers(0, 2))
        if draw(st.booleans()):
            s["maxLength"] = draw(st.integers(0, 3))
    return s


def schemas(depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    if depth == 0:
        return leaf_schemas()

    @st.composite
    def node(draw: st.DrawFn) -> dict[str, Any]:
        kind = draw(st.sampled_from(["leaf", "object", "array", "anyOf"]))
        sub = schemas(depth - 1)
        if kind == "leaf":
            return draw(leaf_schemas())
        if kind == "array":
            s: dict[str, Any] = {"type": "array", "items": draw(sub)}
            if draw(st.booleans()):
                s["maxItems"] = draw(st.integers(0, 3))
            return s
        if kind == "anyOf":
            return {"anyOf": draw(st.lists(sub, min_size=1, max_size=2))}
        props = draw(st.dictionaries(st.sampled_from(KEYS), sub, max_size=3))
        s = {"type": "object", "properties": props}
        if props and draw(st.booleans()):
            s["required"] = draw(st.lists(st.sampled_from(sorted(props)), unique=True))
        if draw(st.booleans()):
            s["additionalProperties"] = draw(st.one_of(st.booleans(), leaf_schemas()))
        return s

    return node()


def _mutate(s: Any, draw: st.DrawFn) -> Any:
    """A near copy: widen or narrow one spot, so that many pairs are subsets."""
    s = copy.deepcopy(s)
    if isinstance(s, dict):
        choice = draw(st.integers(0, 5))
        if choice == 0 and "required" in s and s["required"]:
            s["required"] = s["required"][:-1]
        elif choice == 1 and "enum" in s:
            s["enum"] = [*s["enum"], "zz"]
        elif choice == 2 and "properties" in s and s["properties"]:
            k = sorted(s["properties"])[0]
            s["properties"][k] = _mutate(s["properties"][k], draw)
        elif choice == 3:
            s.pop("maxLength", None)
            s.pop("maximum", None)
            s.pop("maxItems", None)
        elif choice == 4 and "additionalProperties" in s:
            s["additionalProperties"] = True
        elif choice == 5 and "items" in s:
            s["items"] = _mutate(s["items"], draw)
    return s


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Any, Any]:
    a = draw(schemas())
    b = _mutate(a, draw) if draw(st.booleans()) else draw(schemas())
    return (a, b) if draw(st.booleans()) else (b, a)


@settings(max_examples=300, deadline=None)
@given(pairs(), st.lists(values, min_size=20, max_size=20))
def test_subset_verdicts_are_sound(pair: tuple[Any, Any], instances: list[Any]) -> None:
    a, b = pair
    if subschema_reasons(a, b):
        return
    va, vb = Draft202012Validator(a), Draft202012Validator(b)
    for x in instances:
        if va.is_valid(x):
            assert vb.is_valid(x), f"said {a} ⊆ {b} but {x!r} is valid only under the first"


OBJ = {"type": "object", "properties": {"id": {"type": "string"},
                                        "lane": {"enum": ["a", "b"]}}, "required": ["id"]}


@pytest.mark.parametrize(("old", "new"), [
    # a new optional field: compatible when the old schema was closed to unknown fields
    ({**OBJ, "additionalProperties": False},
     {**OBJ, "properties": {**OBJ["properties"], "note": {"type": "string"}}}),
    (OBJ, {**OBJ, "required": []}),
    (OBJ, {**OBJ, "properties": {**OBJ["properties"], "lane": {"enum": ["a", "b", "c"]}}}),
    ({"type": "integer", "minimum": 0, "maximum": 5}, {"type": "number", "minimum": -1}),
    ({"type": "string", "maxLength": 3}, {"type": ["string", "null"]}),
    ({"type": "array", "items": {"type": "integer"}, "maxItems": 2},
     {"type": "array", "items": {"type": "number"}}),
    ({"$defs": {"X": {"type": "integer"}}, "type": "object",
      "properties": {"x": {"$ref": "#/$defs/X"}}},
     {"$defs": {"Y": {"type": "number"}}, "type": "object",
      "properties": {"x": {"$ref": "#/$defs/Y"}}}),
    ({"enum": ["a"]}, {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
    ({"type": "object", "additionalProperties": False, "properties": {"a": {"type": "integer"}}},
     {"type": "object", "properties": {"a": {"type": "integer"}}}),
])
def test_compatible_changes_are_accepted(old: dict, new: dict) -> None:
    assert subschema_reasons(old, new) == []


@pytest.mark.parametrize(("old", "new", "where"), [
    (OBJ, {**OBJ, "required": ["id", "lane"]}, "$.lane: became required"),
    (OBJ, {**OBJ, "properties": {**OBJ["properties"], "lane": {"enum": ["a"]}}},
     "$.lane: value 'b' is no longer accepted"),
    ({"type": "number"}, {"type": "integer"}, "type(s) ['number'] are no longer accepted"),
    ({"type": "integer", "minimum": 0}, {"type": "integer", "minimum": 1},
     "lower bound tightened"),
    ({"type": "string"}, {"type": "string", "pattern": "^a"}, "pattern"),
    ({"type": "object"}, {"type": "object", "additionalProperties": False,
                          "properties": {"a": {}}}, "<additional property>"),
    ({}, {"type": "string"}, "accepts any value"),
    ({"minLength": 1}, {"type": "string"}, "allows any type"),
    # open content model: old data may carry "note" of any type
    (OBJ, {**OBJ, "properties": {**OBJ["properties"], "note": {"type": "string"}}},
     "$.note: one side accepts any value"),
    ({"type": "string"}, {"type": "string", "oneOf": [{"maxLength": 1}]}, "`oneOf`"),
    ({"type": "string"}, {"type": "string", "format": "email"}, "format"),
])
def test_breaking_changes_are_refused_with_the_place(old: dict, new: dict, where: str) -> None:
    reasons = subschema_reasons(old, new)
    assert reasons and any(where in r for r in reasons), reasons

"""Whether every instance one JSON Schema accepts is accepted by another.

:func:`subschema_reasons` answers "is ``a`` a subset of ``b``?" with the list of
places where that cannot be shown (empty when it holds).  The check is *sound*: it
says "subset" only when every instance valid under ``a`` is valid under ``b`` (a
property test draws instances to confirm).  It is complete for the keywords schemas
of records use (types, enums and consts, numeric and length bounds, patterns and
formats compared for equality, properties, required, additionalProperties, items,
local ``$ref``, anyOf/allOf); a keyword of ``b`` it cannot reason about is reported
as a reason, never ignored.  Constraints of ``a`` may always be ignored: that only
makes ``a`` look larger, so an ignored constraint can refuse a compatible change but
never accept an incompatible one.

The registry's compatibility modes are built from it: BACKWARD (the new schema reads
old data) is ``old ⊆ new``, FORWARD (old readers read new data) is ``new ⊆ old``, FULL
is both.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from jsonschema import Draft202012Validator

__all__ = ["subschema_reasons"]

#: Keywords that never reject an instance (with ``format`` asserted, it is handled below).
_ANNOTATIONS: Final = frozenset({
    "title", "description", "default", "examples", "$comment", "$schema", "$id", "$anchor",
    "$dynamicAnchor", "deprecated", "readOnly", "writeOnly", "$defs", "definitions",
    "contentMediaType", "contentEncoding", "contentSchema", "$vocabulary",
})
_TYPE_KEYWORDS: Final = {
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    "string": ("minLength", "maxLength", "pattern", "format"),
    "array": ("items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains",
              "minContains", "maxContains", "unevaluatedItems"),
    "object": ("properties", "required", "additionalProperties", "patternProperties",
               "minProperties", "maxProperties", "propertyNames", "dependentRequired",
               "dependentSchemas", "unevaluatedProperties"),
}
_ALL_TYPES: Final = frozenset({"null", "boolean", "integer", "number", "string", "array",
                               "object"})


class _Checker:
    def __init__(self, root_a: Any, root_b: Any) -> None:
        self.root_a = root_a
        self.root_b = root_b
        self.seen: set[tuple[int, int]] = set()

    # ---- helpers -----------------------------------------------------------------

    @staticmethod
    def _pointer(root: Any, ref: str) -> Any:
        node = root
        for raw in ref[2:].split("/") if ref != "#" else []:
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list):
                node = node[int(part)]
            elif isinstance(node, Mapping) and part in node:
                node = node[part]
            else:
                raise KeyError(ref)
        return node

    def _resolve(self, s: Any, root: Any) -> Any:
        """Follow a bare local ``$ref`` chain (siblings are handled by the caller)."""
        hops = 0
        while isinstance(s, Mapping) and set(s) - _ANNOTATIONS == {"$ref"}:
            ref = s["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#"):
                return s
            s = self._pointer(root, ref)
            hops += 1
            if hops > 64:
                break
        return s

    @staticmethod
    def _active(s: Mapping[str, Any]) -> set[str]:
        return set(s) - _ANNOTATIONS

    @staticmethod
    def _types(s: Mapping[str, Any]) -> set[str] | None:
        t = s.get("type")
        if t is None:
            return None
        ts = {t} if isinstance(t, str) else set(t)
        if "number" in ts:
            ts.add("integer")
        return ts

    def _validator(self, s: Any, root: Any) -> Draft202012Validator:
        if isinstance(s, Mapping) and isinstance(root, Mapping) and s is not root:
            s = {**s, "$defs": root.get("$defs", {})} if "$defs" in root else s
        return Draft202012Validator(s, format_checker=Draft202012Validator.FORMAT_CHECKER)

    # ---- the check ---------------------------------------------------------------

    def sub(self, a: Any, b: Any, path: str) -> list[str]:
        a = self._resolve(a, self.root_a)
        b = self._resolve(b, self.root_b)
        if b is True or (isinstance(b, Mapping) and not self._active(b)):
            return []
        if a is False:
            return []
        if b is False:
            return [f"{path}: the other schema accepts values here and this one accepts none"]
        if a is True or (isinstance(a, Mapping) and not self._active(a)):
            return [f"{path}: one side accepts any value, the other restricts it "
                    f"({', '.join(sorted(self._active(b)))})"]
        if not isinstance(a, Mapping) or not isinstance(b, Mapping):
            return [f"{path}: not a schema"]
        if a == b:
            return []
        key = (id(a), id(b))
        if key in self.seen:  # recursive schemas: assume the pair holds (coinduction)
            return []
        self.seen.add(key)
        try:
            return self._sub(a, b, path)
        finally:
            self.seen.discard(key)

    def _sub(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str) -> list[str]:
        # $ref with siblings in b: an intersection; a must fit both.
        if "$ref" in b:
            rest = {k: v for k, v in b.items() if k != "$ref"}
            ref = b["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#"):
                return [f"{path}: remote $ref {ref!r} cannot be compared"]
            return (self.sub(a, self._pointer(self.root_b, ref), path)
                    + self.sub(a, rest, path))
        if "$ref" in a:
            ref = a["$ref"]
            rest = {k: v for k, v in a.items() if k != "$ref"}
            if isinstance(ref, str) and ref.startswith("#"):
                first = self.sub(self._pointer(self.root_a, ref), b, path)
                return first if not first or not self._active(rest) else (
                    [] if not self.sub(rest, b, path) else first)
            return self.sub(rest, b, path)
        # combinators
        if "anyOf" in a or "oneOf" in a:
            branches = a.get("anyOf", a.get("oneOf"))
            rest = {k: v for k, v in a.items() if k not in ("anyOf", "oneOf")}
            out: list[str] = []
            for i, br in enumerate(branches):
                merged = {**rest, **br} if isinstance(br, Mapping) else br
                out += self.sub(merged, b, f"{path}(branch {i})")
            return out
        if "allOf" in a:
            rest = {k: v for k, v in a.items() if k != "allOf"}
            candidates = [*(br for br in a["allOf"]), rest]
            for cand in candidates:
                if not self.sub(cand, b, path):
                    return []
            return [f"{path}: no part of the allOf is contained in the other schema"]
        if "allOf" in b:
            rest = {k: v for k, v in b.items() if k != "allOf"}
            out = []
            for br in b["allOf"]:
                out += self.sub(a, br, path)
            return out + self.sub(a, rest, path)
        if "anyOf" in b:
            rest = {k: v for k, v in b.items() if k != "anyOf"}
            if any(not self.sub(a, br, path) for br in b["anyOf"]):
                return self.sub(a, rest, path)
            return [f"{path}: no branch of the anyOf accepts everything the other side does"]
        for kw in ("oneOf", "not", "if", "then", "else", "$dynamicRef"):
            if kw in b:
                return [f"{path}: `{kw}` cannot be compared unless both sides are equal"]
        # enumerations in a: exact, by validating each value
        if "enum" in a or "const" in a:
            values = list(a["enum"]) if "enum" in a else [a["const"]]
            va = self._validator(a, self.root_a)
            vb = self._validator(b, self.root_b)
            bad = [v for v in values if va.is_valid(v) and not vb.is_valid(v)]
            return [f"{path}: value {v!r} is no longer accepted" for v in bad]
        if "enum" in b or "const" in b:
            return [f"{path}: restricted to {'an enum' if 'enum' in b else 'a const'} the other "
                    "side does not have"]
        return self._typed(a, b, path)

    def _typed(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str) -> list[str]:
        out: list[str] = []
        ta, tb = self._types(a), self._types(b)
        if tb is not None:
            if ta is None:
                return [f"{path}: the type is restricted to {sorted(tb - {'integer'} or tb)} "
                        "where the other side allows any type"]
            extra = sorted(ta - tb)
            if extra:
                out.append(f"{path}: type(s) {extra} are no longer accepted")
        live = ta if ta is not None else set(_ALL_TYPES)
        if tb is not None:
            live &= tb
        handled = {"type", "enum", "const"}
        if live & {"number", "integer"}:
            out += self._numeric(a, b, path)
        if "string" in live:
            out += self._string(a, b, path)
        if "array" in live:
            out += self._array(a, b, path)
        if "object" in live:
            out += self._object(a, b, path)
        for t, kws in _TYPE_KEYWORDS.items():
            handled.update(kws)
            del t
        unknown = sorted(self._active(b) - handled)
        out += [f"{path}: keyword `{kw}` is not supported by the compatibility check"
                for kw in unknown]
        return out

    @staticmethod
    def _bound(s: Mapping[str, Any], low: bool) -> tuple[float, bool]:
        """(value, exclusive) of the lower or upper bound; +/-inf when absent."""
        inc, exc = ("minimum", "exclusiveMinimum") if low else ("maximum", "exclusiveMaximum")
        best = (-math.inf, False) if low else (math.inf, False)
        for kw, excl in ((inc, False), (exc, True)):
            if kw in s and isinstance(s[kw], (int, float)):
                v = float(s[kw])
                tighter = v > best[0] or (v == best[0] and excl) if low else (
                    v < best[0] or (v == best[0] and excl))
                if tighter:
                    best = (v, excl)
        return best

    def _numeric(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str) -> list[str]:
        out = []
        for low in (True, False):
            (va, ea), (vb, eb) = self._bound(a, low), self._bound(b, low)
            ok = (va > vb or (va == vb and (ea or not eb))) if low else (
                va < vb or (va == vb and (ea or not eb)))
            if not ok:
                out.append(f"{path}: the {'lower' if low else 'upper'} bound tightened from "
                           f"{va} to {vb}" if math.isfinite(va) else
                           f"{path}: a {'lower' if low else 'upper'} bound {vb} was added")
        if "multipleOf" in b:
            ma, mb = a.get("multipleOf"), b["multipleOf"]
            if not (isinstance(ma, (int, float)) and ma / mb == int(ma / mb)):
                out.append(f"{path}: multipleOf {mb} is not implied by the other side")
        return out

    @staticmethod
    def _length(a: Mapping[str, Any], b: Mapping[str, Any], path: str, lo: str, hi: str,
                what: str) -> list[str]:
        out = []
        if b.get(lo, 0) > a.get(lo, 0):
            out.append(f"{path}: {lo} of {what} raised to {b[lo]}")
        if hi in b and a.get(hi, math.inf) > b[hi]:
            out.append(f"{path}: {hi} of {what} lowered to {b[hi]}")
        return out

    def _string(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str) -> list[str]:
        out = self._length(a, b, path, "minLength", "maxLength", "strings")
        for kw in ("pattern", "format"):
            if kw in b and a.get(kw) != b[kw]:
                out.append(f"{path}: {kw} {b[kw]!r} is not implied by the other side")
        return out

    def _array(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str) -> list[str]:
        out = self._length(a, b, path, "minItems", "maxItems", "arrays")
        if b.get("uniqueItems") and not a.get("uniqueItems"):
            out.append(f"{path}: uniqueItems was added")
        for kw in ("prefixItems", "contains", "minContains", "maxContains", "unevaluatedItems"):
            if kw in b and a.get(kw) != b[kw]:
                out.append(f"{path}: `{kw}` differs and cannot be compared")
        if "items" in b:
            out += self.sub(a.get("items", True), b["items"], f"{path}[*]")
        return out

    def _object(self, a: Mapping[str, Any], b: Mapping[str, Any], path: str) -> list[str]:
        out = self._length(a, b, path, "minProperties", "maxProperties", "objects")
        for kw in ("patternProperties", "propertyNames", "dependentRequired", "dependentSchemas",
                   "unevaluatedProperties"):
            if kw in b and a.get(kw) != b[kw]:
                out.append(f"{path}: `{kw}` differs and cannot be compared")
        pa: Mapping[str, Any] = a.get("properties", {})
        pb: Mapping[str, Any] = b.get("properties", {})
        add_a = a.get("additionalProperties", True) if "patternProperties" not in a else True
        add_b = b.get("additionalProperties", True)
        missing = sorted(set(b.get("required", ())) - set(a.get("required", ())))
        out += [f"{path}.{name}: became required" for name in missing]
        for name in sorted(pb):
            here = f"{path}.{name}"
            if name in pa:
                out += self.sub(pa[name], pb[name], here)
            else:
                out += self.sub(add_a, pb[name], here)
        for name in sorted(set(pa) - set(pb)):
            out += self.sub(pa[name], add_b, f"{path}.{name}")
        if add_b is not True:
            out += self.sub(add_a, add_b, f"{path}.<additional property>")
        return out


def subschema_reasons(a: Any, b: Any) -> list[str]:
    """Why some instance valid under ``a`` might be invalid under ``b``; [] when none is.

    Parameters
    ----------
    a, b : dict or bool
        JSON Schemas (Draft 2020-12); local ``$ref`` resolve within each.

    Returns
    -------
    reasons : list of str
        Each names a JSON path (``$.subject.lane``) and what changed there.

    Examples
    --------
    >>> old = {"type": "object", "properties": {"lane": {"enum": ["a", "b"]}}}
    >>> new = {"type": "object", "properties": {"lane": {"enum": ["a", "b", "c"]}}}
    >>> subschema_reasons(old, new)
    []
    >>> subschema_reasons(new, old)
    ["$.lane: value 'c' is no longer accepted"]
    """
    return _Checker(a, b).sub(a, b, "$")

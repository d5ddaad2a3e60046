"""Role- and attribute-based access checks with explanations."""

from __future__ import annotations

import pytest

from lukhas.services.security import (
    AccessDeniedError,
    AccessPolicy,
    AccessRequest,
    Role,
    Rule,
    same_attribute,
)


def _policy() -> AccessPolicy:
    return AccessPolicy(
        roles=[Role("viewer", frozenset({"doc:read"})),
               Role("editor", frozenset({"doc:write"}), inherits=("viewer",)),
               Role("admin", frozenset({"*:*"}))],
        rules=[Rule("owner-edits", "allow", "doc:write",
                    lambda r: r.resource.get("owner") == r.subject.get("id"),
                    "the subject owns the document"),
               Rule("tenant-wall", "deny", "*:*",
                    lambda r: not same_attribute("tenant")(r), "resource in another tenant"),
               Rule("frozen", "deny", "doc:write",
                    lambda r: bool(r.context.get("maintenance")), "maintenance window")])


DOC = {"type": "doc", "id": "d1", "tenant": "t1", "owner": "bob"}


def test_rbac_with_inheritance_explains_the_path() -> None:
    d = _policy().check({"id": "ann", "roles": ["editor"], "tenant": "t1"}, "read", DOC)
    assert d.allowed and d.roles == ("viewer",)
    assert "role 'viewer' (via 'editor') grants doc:read" in d.explain()
    assert _policy().permissions(["editor"]) == {"doc:read", "doc:write"}


def test_abac_allow_rule_grants_what_no_role_does() -> None:
    bob = {"id": "bob", "roles": [], "tenant": "t1"}
    d = _policy().check(bob, "write", DOC)
    assert d.allowed and d.rules == ("owner-edits",)
    assert "the subject owns the document" in d.explain()
    assert not _policy().check(bob, "delete", DOC)


def test_deny_overrides_every_grant() -> None:
    root = {"id": "root", "roles": ["admin"], "tenant": "t2"}
    d = _policy().check(root, "read", DOC)
    assert not d.allowed and d.rules == ("tenant-wall",)
    assert "resource in another tenant" in d.explain()
    local = {"id": "root", "roles": ["admin"], "tenant": "t1"}
    assert _policy().check(local, "write", DOC)
    d2 = _policy().check(local, "write", DOC, {"maintenance": True})
    assert not d2 and "maintenance window" in d2.explain()


def test_denial_without_grant_names_the_roles_held() -> None:
    d = _policy().check({"id": "eve", "roles": ["viewer"], "tenant": "t1"}, "write", DOC)
    assert not d and "no role grants doc:write (roles held: 'viewer')" in d.explain()
    with pytest.raises(AccessDeniedError) as info:
        _policy().require({"id": "eve", "roles": ["viewer"], "tenant": "t1"}, "write", DOC)
    assert isinstance(info.value, PermissionError) and info.value.decision == d


def test_wildcards_match_whole_parts_only() -> None:
    p = AccessPolicy(roles=[Role("r", frozenset({"doc:*", "*:list"}))])
    s = {"id": "s", "roles": ["r"]}
    assert p.check(s, "anything", {"type": "doc"})
    assert p.check(s, "list", {"type": "img"})
    assert not p.check(s, "read", {"type": "docs"})


def test_validation_and_cycles() -> None:
    p = AccessPolicy([Role("a", inherits=("b",))])
    with pytest.raises(ValueError, match="cycle: b -> a -> b"):
        p.add_role(Role("b", inherits=("a",)))
    assert p.permissions(["a"]) == frozenset()  # the bad role was not kept
    with pytest.raises(ValueError, match="'<resource type>:<action>'"):
        Role("x", frozenset({"read"}))
    with pytest.raises(ValueError, match="`effect`"):
        Rule("x", "maybe", "*:*", lambda r: True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`subject\\['roles'\\]`"):
        _policy().check({"id": "s", "roles": "admin"}, "read", DOC)
    with pytest.raises(TypeError, match="`resource\\['type'\\]`"):
        _policy().check({"id": "s", "roles": []}, "read", {"id": 1})
    assert AccessRequest({}, "a", {"type": "t"}).context == {}

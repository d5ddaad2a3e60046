"""Role- and attribute-based access checks that explain themselves.

Roles grant permissions ``"<resource type>:<action>"`` (``*`` matches a whole part)
and may inherit other roles.  Rules add attribute conditions: an ``allow`` rule grants
what no role does (an owner may edit their own document), a ``deny`` rule overrides
everything (no access across tenants).  Every check returns a :class:`Decision` whose
:meth:`~Decision.explain` says which role or rule decided, and :meth:`AccessPolicy.require`
raises :class:`~lukhas.services.security.AccessDeniedError` carrying it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal

from lukhas._validation import check_choice, check_str, describe
from lukhas.services.security._errors import AccessDeniedError

__all__ = ["AccessPolicy", "AccessRequest", "Decision", "Role", "Rule", "same_attribute"]

logger = logging.getLogger(__name__)

_PERM: Final = re.compile(r"[A-Za-z0-9_.*-]+:[A-Za-z0-9_.*-]+")
_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


def _check_perm(name: str, value: Any) -> str:
    text = check_str(name, value, empty=False)
    if not _PERM.fullmatch(text):
        raise ValueError(f"`{name}` must read '<resource type>:<action>' (`*` for any), got "
                         f"{text!r}.")
    return text


def _part_matches(pattern: str, value: str) -> bool:
    return pattern == "*" or pattern == value


def _grants(permission: str, resource_type: str, action: str) -> bool:
    rt, _, act = permission.partition(":")
    return _part_matches(rt, resource_type) and _part_matches(act, action)


@dataclass(frozen=True, slots=True)
class Role:
    """A named set of permissions, optionally inheriting other roles' permissions."""

    name: str
    permissions: frozenset[str] = frozenset()
    inherits: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_str("name", self.name, empty=False)
        object.__setattr__(self, "permissions",
                           frozenset(_check_perm("permissions", p) for p in self.permissions))
        object.__setattr__(self, "inherits",
                           tuple(check_str("inherits", r, empty=False) for r in self.inherits))


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """Who wants to do what to which resource, in which context.

    ``subject`` holds ``"id"`` and ``"roles"`` plus any attributes; ``resource`` holds
    ``"type"`` (and usually ``"id"``) plus attributes; ``context`` anything else (time,
    network, lane).
    """

    subject: Mapping[str, Any]
    action: str
    resource: Mapping[str, Any]
    context: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    @property
    def resource_type(self) -> str:
        """``resource["type"]``."""
        return str(self.resource.get("type", ""))


Condition = Callable[[AccessRequest], bool]


@dataclass(frozen=True, slots=True)
class Rule:
    """An attribute rule.

    Attributes
    ----------
    name : str
    effect : {"allow", "deny"}
    permission : str
        ``"<resource type>:<action>"`` the rule applies to (``*`` for any).
    condition : callable(AccessRequest) -> bool
        When the rule fires.
    description : str
        Said in explanations ("the subject owns the resource").
    """

    name: str
    effect: Literal["allow", "deny"]
    permission: str
    condition: Condition
    description: str = ""

    def __post_init__(self) -> None:
        check_str("name", self.name, empty=False)
        check_choice("effect", self.effect, ("allow", "deny"))
        _check_perm("permission", self.permission)
        if not callable(self.condition):
            raise TypeError(f"`condition` must be callable, got {describe(self.condition)}.")


def same_attribute(name: str) -> Condition:
    """A condition: ``subject[name]`` is present and equals ``resource[name]``.

    Examples
    --------
    >>> cond = same_attribute("tenant")
    >>> cond(AccessRequest({"tenant": "a"}, "read", {"type": "doc", "tenant": "a"}))
    True
    """
    key = check_str("name", name, empty=False)

    def condition(req: AccessRequest) -> bool:
        return key in req.subject and req.subject.get(key) == req.resource.get(key)

    return condition


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of a check and why.

    Attributes
    ----------
    allowed : bool
    request : AccessRequest
    reasons : tuple of str
        Each role grant, allow rule or deny rule that decided, in words.
    roles : tuple of str
        Roles (direct or inherited) whose permissions matched.
    rules : tuple of str
        Names of the rules that fired.
    """

    allowed: bool
    request: AccessRequest
    reasons: tuple[str, ...]
    roles: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.allowed

    def explain(self) -> str:
        """One sentence: the verdict and its reasons."""
        who = self.request.subject.get("id", "<anonymous>")
        what = f"{self.request.resource_type}:{self.request.action}"
        rid = self.request.resource.get("id")
        target = f"{what} on {rid!r}" if rid is not None else what
        verdict = "allowed" if self.allowed else "denied"
        return f"{who!r} {verdict} {target}: " + "; ".join(self.reasons)


class AccessPolicy:
    """Roles and rules; :meth:`check` decides and explains.

    Deny rules override; otherwise a request is allowed when one of the subject's roles
    (with inheritance) grants ``"<type>:<action>"`` or an allow rule fires.

    Parameters
    ----------
    roles : iterable of Role, optional
    rules : iterable of Rule, optional

    Examples
    --------
    >>> policy = AccessPolicy(
    ...     roles=[Role("reader", frozenset({"doc:read"})),
    ...            Role("editor", frozenset({"doc:write"}), inherits=("reader",))],
    ...     rules=[Rule("tenant-wall", "deny", "*:*",
    ...                 lambda r: not same_attribute("tenant")(r), "different tenant")])
    >>> alice = {"id": "alice", "roles": ["editor"], "tenant": "t1"}
    >>> policy.check(alice, "read", {"type": "doc", "id": "d1", "tenant": "t1"}).explain()
    "'alice' allowed doc:read on 'd1': role 'reader' (via 'editor') grants doc:read"
    >>> bool(policy.check(alice, "read", {"type": "doc", "id": "d2", "tenant": "t2"}))
    False
    """

    def __init__(self, roles: Iterable[Role] = (), rules: Iterable[Rule] = ()) -> None:
        self._roles: dict[str, Role] = {}
        self._rules: list[Rule] = []
        for role in roles:
            self.add_role(role)
        for rule in rules:
            self.add_rule(rule)

    def add_role(self, role: Role) -> None:
        """Add (or replace) a role; refuses inheritance cycles."""
        if not isinstance(role, Role):
            raise TypeError(f"`role` must be a Role, got {describe(role)}.")
        previous = self._roles.get(role.name)
        self._roles[role.name] = role
        try:
            self._closure(role.name)
        except ValueError:
            if previous is None:
                del self._roles[role.name]
            else:
                self._roles[role.name] = previous
            raise

    def add_rule(self, rule: Rule) -> None:
        """Add a rule (rules are evaluated in the order added)."""
        if not isinstance(rule, Rule):
            raise TypeError(f"`rule` must be a Rule, got {describe(rule)}.")
        self._rules.append(rule)

    def _closure(self, name: str) -> list[tuple[str, str]]:
        """``(role, via)`` for ``name`` and every role it inherits (depth first)."""
        out: list[tuple[str, str]] = []
        seen: set[str] = set()

        def walk(r: str, via: str, path: tuple[str, ...]) -> None:
            if r in path:
                raise ValueError(f"role inheritance cycle: {' -> '.join((*path, r))}")
            if r in seen or r not in self._roles:
                return
            seen.add(r)
            out.append((r, via))
            for parent in self._roles[r].inherits:
                walk(parent, via, (*path, r))

        walk(name, name, ())
        return out

    def permissions(self, roles: Iterable[str]) -> frozenset[str]:
        """Every permission the given roles grant, inherited ones included."""
        found: set[str] = set()
        for role in roles:
            for r, _ in self._closure(role):
                found |= self._roles[r].permissions
        return frozenset(found)

    def check(self, subject: Mapping[str, Any], action: str, resource: Mapping[str, Any],
              context: Mapping[str, Any] | None = None) -> Decision:
        """Decide one request.

        Parameters
        ----------
        subject : mapping
            ``"id"``, ``"roles"`` (list of role names) and attributes.
        action : str
        resource : mapping
            ``"type"`` and attributes.
        context : mapping, optional

        Returns
        -------
        decision : Decision
        """
        if not isinstance(subject, Mapping):
            raise TypeError(f"`subject` must be a mapping, got {describe(subject)}.")
        if not isinstance(resource, Mapping):
            raise TypeError(f"`resource` must be a mapping, got {describe(resource)}.")
        act = check_str("action", action, empty=False)
        rtype = check_str("resource['type']", resource.get("type"), empty=False)
        req = AccessRequest(subject, act, resource, _EMPTY if context is None else context)
        roles = subject.get("roles", ())
        if isinstance(roles, str) or not isinstance(roles, Iterable):
            raise TypeError(f"`subject['roles']` must be a list of role names, got "
                            f"{describe(roles)}.")
        fired_deny = [r for r in self._rules
                      if r.effect == "deny" and _grants(r.permission, rtype, act)
                      and r.condition(req)]
        if fired_deny:
            why = tuple(f"rule {r.name!r} denies: {r.description or r.name}" for r in fired_deny)
            return Decision(False, req, why,
                            rules=tuple(r.name for r in fired_deny))
        reasons: list[str] = []
        matched: list[str] = []
        for role in roles:
            for r, via in self._closure(str(role)):
                for perm in sorted(self._roles[r].permissions):
                    if _grants(perm, rtype, act):
                        how = f"role {r!r}" + (f" (via {via!r})" if via != r else "")
                        reasons.append(f"{how} grants {perm}")
                        matched.append(r)
                        break
        fired_allow = [r for r in self._rules
                       if r.effect == "allow" and _grants(r.permission, rtype, act)
                       and r.condition(req)]
        reasons += [f"rule {r.name!r} allows: {r.description or r.name}" for r in fired_allow]
        if reasons:
            return Decision(True, req, tuple(reasons), tuple(dict.fromkeys(matched)),
                            tuple(r.name for r in fired_allow))
        held = ", ".join(map(repr, roles)) or "none"
        return Decision(False, req, (f"no role grants {rtype}:{act} (roles held: {held}) and "
                                     "no rule allows it",))

    def require(self, subject: Mapping[str, Any], action: str, resource: Mapping[str, Any],
                context: Mapping[str, Any] | None = None) -> Decision:
        """:meth:`check`, raising :class:`AccessDeniedError` (a PermissionError) on denial."""
        decision = self.check(subject, action, resource, context)
        if not decision.allowed:
            logger.info("access denied: %s", decision.explain())
            raise AccessDeniedError(decision)
        return decision

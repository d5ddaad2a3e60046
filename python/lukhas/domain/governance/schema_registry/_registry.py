"""The schema registry: versioned JSON Schemas per subject, compatibility checked, SQLite-backed."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, Final

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from lukhas._validation import check_str, describe
from lukhas.domain.governance.schema_registry._compat import subschema_reasons

__all__ = [
    "CompatibilityMode",
    "CompatibilityResult",
    "IncompatibleSchemaError",
    "InvalidSchemaError",
    "SchemaRegistry",
    "SchemaVersion",
    "UnknownSchemaError",
    "ValidationResult",
    "builtin_schema",
    "guardian_schema_path",
]

logger = logging.getLogger(__name__)

_DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"
_SEMVER: Final = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
_SUBJECT: Final = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,127}")
_FILE: Final = re.compile(r"(?P<subject>[A-Za-z][A-Za-z0-9_.]*)-(?P<version>\d+\.\d+\.\d+)\.json")
_RFC3339: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_MAX_ERRORS: Final = 100
#: Subjects shipped with the library: subject -> (compatibility, versions).
_BUILTIN: Final = {"guardian_decision": ("NONE", ("1.0.0", "2.0.0"))}


def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return True


def _format_checker() -> FormatChecker:
    """jsonschema's checker with RFC 3339 ``date-time`` asserted (no extra dependency)."""
    checker: FormatChecker = copy.deepcopy(Draft202012Validator.FORMAT_CHECKER)
    checker.checks("date-time")(_date_time)
    return checker


_FORMATS: Final = _format_checker()


def _version_key(version: str) -> tuple[int, int, int]:
    m = _SEMVER.fullmatch(version)
    if m is None:
        raise ValueError(f"`version` must be 'X.Y.Z' (semantic version), got {version!r}.")
    return int(m[1]), int(m[2]), int(m[3])


def builtin_schema(subject: str, version: str) -> dict[str, Any]:
    """A schema shipped with the library (package data).

    Examples
    --------
    >>> subject = builtin_schema("guardian_decision", "2.0.0")["$defs"]["Subject"]
    >>> subject["properties"]["lane"]["enum"][:2]
    ['candidate', 'lukhas']
    """
    text = resources.files(__package__).joinpath("schemas", f"{subject}-{version}.json")
    data: dict[str, Any] = json.loads(text.read_text("utf-8"))
    return data


def guardian_schema_path() -> Path:
    """Where the installed guardian decision schema 2.0.0 lives (point LUKHAS's
    ``governance/guardian_schema.json`` at it with a symlink or a copy)."""
    return Path(str(resources.files(__package__).joinpath("schemas",
                                                          "guardian_decision-2.0.0.json")))


class CompatibilityMode(StrEnum):
    """What a new version of a subject must keep readable.

    BACKWARD: the new schema accepts all data the previous version accepted (consumers
    can upgrade first).  FORWARD: the previous schema accepts all data the new one does
    (producers can upgrade first).  FULL: both.  NONE: no check.
    """

    BACKWARD = "BACKWARD"
    FORWARD = "FORWARD"
    FULL = "FULL"
    NONE = "NONE"


class InvalidSchemaError(ValueError):
    """The schema is not a valid Draft 2020-12 JSON Schema."""


class UnknownSchemaError(LookupError):
    """No such subject, or no such version of it."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class IncompatibleSchemaError(ValueError):
    """A new version breaks the subject's compatibility mode; :attr:`reasons` says where."""

    def __init__(self, subject: str, version: str, result: CompatibilityResult) -> None:
        self.subject = subject
        self.version = version
        self.result = result
        self.reasons = result.reasons
        head = "; ".join(result.reasons[:5]) + (" ..." if len(result.reasons) > 5 else "")
        super().__init__(f"{subject} {version} is not {result.mode.value}-compatible with "
                         f"{result.against}: {head}")


@dataclass(frozen=True, slots=True)
class CompatibilityResult:
    """The outcome of a compatibility check.

    Attributes
    ----------
    compatible : bool
    mode : CompatibilityMode
    against : str or None
        The version compared with (the latest); None for a subject's first version.
    reasons : tuple of str
        Where and why it breaks (``"BACKWARD: $.lane: value 'dev' is no longer accepted"``).
    """

    compatible: bool
    mode: CompatibilityMode
    against: str | None
    reasons: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.compatible


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    """One registered version of a subject."""

    subject: str
    version: str
    fingerprint: str
    created_ms: int


@dataclass(slots=True)
class ValidationResult:
    """The outcome of validating one instance.

    Attributes
    ----------
    is_valid : bool
    errors : list of str
        ``"<json path>: <message>"``, at most 100.
    validation_time_ms : float
    schema_id, version : str
    """

    is_valid: bool
    errors: list[str] = field(default_factory=list)
    validation_time_ms: float = 0.0
    schema_id: str = ""
    version: str = ""

    def __bool__(self) -> bool:
        return self.is_valid


def _fingerprint(schema: Any) -> str:
    return hashlib.sha256(json.dumps(schema, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


def _check_mode(value: Any) -> CompatibilityMode:
    if isinstance(value, CompatibilityMode):
        return value
    if isinstance(value, str) and value.upper() in CompatibilityMode.__members__:
        return CompatibilityMode[value.upper()]
    raise ValueError(f"`compatibility` must be one of {list(CompatibilityMode.__members__)}, "
                     f"got {describe(value)}.")


class SchemaRegistry:
    """Versioned JSON Schemas (Draft 2020-12) per subject, persisted in SQLite.

    A new version of a subject is checked against the latest one under the subject's
    compatibility mode and refused with the reason when it breaks it.  Validators are
    compiled once per ``(subject, version)`` and cached.  The guardian decision schema
    (``guardian_decision`` 1.0.0 and 2.0.0, compatibility NONE: 2.0.0 is a new major
    version) ships with the library and is always present.

    Parameters
    ----------
    base_path : str or os.PathLike, optional
        A directory: the registry's database is ``schema_registry.sqlite3`` in it, and
        every ``<subject>-<X.Y.Z>.json`` file there is registered at start-up.  Default:
        in memory only.
    database : str or os.PathLike, optional
        The SQLite file (overrides ``base_path``'s); ``":memory:"`` for none.
    default_compatibility : str, default "BACKWARD"
        The mode of new subjects.

    Examples
    --------
    >>> reg = SchemaRegistry()
    >>> sorted(reg.list_schemas()["guardian_decision"])
    ['1.0.0', '2.0.0']
    >>> v1 = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    >>> reg.register("counter", v1).version
    '1.0.0'
    >>> reg.validate_data({"n": 1}, "counter").is_valid
    True
    >>> v2 = {**v1, "required": ["n", "unit"]}           # old data lacks "unit"
    >>> reg.check_compatibility("counter", v2).reasons
    ('BACKWARD: $.unit: became required',)
    """

    def __init__(self, base_path: str | os.PathLike[str] | None = None, *,
                 database: str | os.PathLike[str] | None = None,
                 default_compatibility: str | CompatibilityMode = "BACKWARD") -> None:
        self.default_compatibility = _check_mode(default_compatibility)
        self.base_path = None if base_path is None else Path(base_path)
        if database is None:
            if self.base_path is not None:
                self.base_path.mkdir(parents=True, exist_ok=True)
                database = self.base_path / "schema_registry.sqlite3"
            else:
                database = ":memory:"
        self.database = os.fspath(database)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.database, check_same_thread=False,
                                     isolation_level=None)
        self._schemas: dict[str, dict[str, Any]] = {}  # subject -> version -> schema
        self._modes: dict[str, CompatibilityMode] = {}
        self._validators: dict[tuple[str, str], Draft202012Validator] = {}
        self._stats = {"validations": 0, "valid": 0, "invalid": 0, "cache_hits": 0,
                       "cache_misses": 0, "refused": 0, "time_ms": 0.0}
        try:
            self._open()
        except BaseException:
            self._conn.close()
            raise

    # ---- storage -----------------------------------------------------------------

    def _open(self) -> None:
        c = self._conn
        if self.database != ":memory:":
            c.execute("PRAGMA journal_mode=WAL")
        c.execute("CREATE TABLE IF NOT EXISTS schema_subjects (subject TEXT PRIMARY KEY, "
                  "compatibility TEXT NOT NULL)")
        c.execute("CREATE TABLE IF NOT EXISTS schema_versions (subject TEXT NOT NULL, "
                  "version TEXT NOT NULL, schema TEXT NOT NULL, fingerprint TEXT NOT NULL, "
                  "created_ms INTEGER NOT NULL, PRIMARY KEY (subject, version))")
        for subject, mode in c.execute("SELECT subject, compatibility FROM schema_subjects"):
            self._modes[subject] = CompatibilityMode(mode)
        for subject, version, text in c.execute(
                "SELECT subject, version, schema FROM schema_versions"):
            self._schemas.setdefault(subject, {})[version] = json.loads(text)
        for subject, (mode, versions) in _BUILTIN.items():
            if subject not in self._modes:
                self.set_compatibility(subject, mode)
            for version in versions:
                if version not in self._schemas.get(subject, {}):
                    self._store(subject, version, builtin_schema(subject, version))
        if self.base_path is not None:
            for path in sorted(self.base_path.glob("*.json")):
                m = _FILE.fullmatch(path.name)
                if m and m["version"] not in self._schemas.get(m["subject"], {}):
                    self.register(m["subject"], json.loads(path.read_text("utf-8")),
                                  m["version"])

    def _store(self, subject: str, version: str, schema: dict[str, Any]) -> SchemaVersion:
        created = int(time.time() * 1000)
        fp = _fingerprint(schema)
        with self._lock:
            self._conn.execute(
                "INSERT INTO schema_versions (subject, version, schema, fingerprint, created_ms) "
                "VALUES (?, ?, ?, ?, ?)", (subject, version, json.dumps(schema), fp, created))
            if subject not in self._modes:
                self.set_compatibility(subject, self.default_compatibility)
            self._schemas.setdefault(subject, {})[version] = schema
        return SchemaVersion(subject, version, fp, created)

    def close(self) -> None:
        """Close the database."""
        self._conn.close()

    def __enter__(self) -> SchemaRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- subjects and versions ---------------------------------------------------

    def list_schemas(self) -> dict[str, list[str]]:
        """Every subject with its versions, oldest first."""
        with self._lock:
            return {s: sorted(vs, key=_version_key) for s, vs in sorted(self._schemas.items())}

    def versions(self, subject: str) -> list[str]:
        """The versions of ``subject``, oldest first."""
        return self.list_schemas().get(subject) or self._unknown(subject)

    def _unknown(self, subject: str, version: str | None = None) -> Any:
        known = sorted(self._schemas)
        if subject not in self._schemas:
            raise UnknownSchemaError(f"no schema subject {subject!r} (known: {known})")
        raise UnknownSchemaError(f"{subject!r} has no version {version!r} (versions: "
                                 f"{sorted(self._schemas[subject], key=_version_key)})")

    def latest_version(self, subject: str) -> str:
        """The newest version of ``subject``."""
        return self.versions(subject)[-1]

    def get_schema(self, subject: str, version: str | None = None) -> dict[str, Any]:
        """A copy of the schema (default the latest version)."""
        v = self.latest_version(subject) if version is None else version
        try:
            return copy.deepcopy(self._schemas[subject][v])
        except KeyError:
            return self._unknown(subject, v)  # type: ignore[no-any-return]

    def get_compatibility(self, subject: str) -> CompatibilityMode:
        """The compatibility mode of ``subject``."""
        try:
            return self._modes[subject]
        except KeyError:
            return self._unknown(subject)  # type: ignore[no-any-return]

    def set_compatibility(self, subject: str, compatibility: str | CompatibilityMode) -> None:
        """Set the compatibility mode that new versions of ``subject`` must keep."""
        mode = _check_mode(compatibility)
        self._check_subject(subject)
        with self._lock:
            self._conn.execute(
                "INSERT INTO schema_subjects (subject, compatibility) VALUES (?, ?) "
                "ON CONFLICT (subject) DO UPDATE SET compatibility = excluded.compatibility",
                (subject, mode.value))
            self._modes[subject] = mode

    @staticmethod
    def _check_subject(subject: Any) -> str:
        text = check_str("subject", subject, empty=False)
        if not _SUBJECT.fullmatch(text):
            raise ValueError(f"`subject` must be 1-128 characters of letters, digits and "
                             f"'_.-', starting with a letter, got {text!r}.")
        return text

    @staticmethod
    def _checked_schema(schema: Any) -> dict[str, Any]:
        if not isinstance(schema, dict):
            raise TypeError(f"`schema` must be a dict (a JSON Schema), got {describe(schema)}.")
        declared = schema.get("$schema", _DRAFT)
        if declared != _DRAFT:
            raise InvalidSchemaError(f"`schema` must be Draft 2020-12 ($schema {_DRAFT!r}), got "
                                     f"{declared!r}.")
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as err:
            raise InvalidSchemaError(f"`schema` is not a valid JSON Schema at "
                                     f"{err.json_path}: {err.message}") from err
        try:
            json.dumps(schema)
        except (TypeError, ValueError) as err:
            raise InvalidSchemaError(f"`schema` must be JSON-serialisable: {err}") from err
        return copy.deepcopy(schema)

    def check_compatibility(self, subject: str, schema: dict[str, Any],
                            compatibility: str | CompatibilityMode | None = None
                            ) -> CompatibilityResult:
        """Whether ``schema`` may follow the latest version of ``subject``.

        Parameters
        ----------
        subject : str
        schema : dict
        compatibility : str, optional
            Default the subject's mode.

        Returns
        -------
        result : CompatibilityResult
        """
        self._check_subject(subject)
        new = self._checked_schema(schema)
        mode = _check_mode(compatibility) if compatibility is not None else self._modes.get(
            subject, self.default_compatibility)
        if subject not in self._schemas:
            return CompatibilityResult(True, mode, None)
        latest = self.latest_version(subject)
        old = self._schemas[subject][latest]
        reasons: list[str] = []
        if mode in (CompatibilityMode.BACKWARD, CompatibilityMode.FULL):
            reasons += [f"BACKWARD: {r}" for r in subschema_reasons(old, new)]
        if mode in (CompatibilityMode.FORWARD, CompatibilityMode.FULL):
            reasons += [f"FORWARD: {r}" for r in subschema_reasons(new, old)]
        return CompatibilityResult(not reasons, mode, latest, tuple(reasons))

    def register(self, subject: str, schema: dict[str, Any], version: str | None = None, *,
                 compatibility: str | CompatibilityMode | None = None) -> SchemaVersion:
        """Add a version of ``subject`` (creating the subject on first use).

        Parameters
        ----------
        subject : str
        schema : dict
            A Draft 2020-12 JSON Schema.
        version : str, optional
            ``"X.Y.Z"``, above the latest; default the latest with its minor bumped
            (``"1.0.0"`` for a new subject).
        compatibility : str, optional
            Set the subject's mode before checking (new subjects default to
            ``default_compatibility``).

        Returns
        -------
        version : SchemaVersion
            Registering the same schema under the latest version again returns it.

        Raises
        ------
        IncompatibleSchemaError
            If the schema breaks the subject's compatibility mode (with the reasons).
        InvalidSchemaError
            If ``schema`` is not a valid Draft 2020-12 schema.
        """
        subj = self._check_subject(subject)
        new = self._checked_schema(schema)
        with self._lock:
            existing = self._schemas.get(subj, {})
            latest = max(existing, key=_version_key) if existing else None
            if version is None:
                if latest is not None and _fingerprint(existing[latest]) == _fingerprint(new):
                    return self._describe(subj, latest)
                major, minor, _ = _version_key(latest) if latest else (1, -1, 0)
                ver = f"{major}.{minor + 1}.0"
            else:
                ver = check_str("version", version, empty=False)
                if not _SEMVER.fullmatch(ver):
                    raise ValueError(f"`version` must be 'X.Y.Z' (semantic version), got "
                                     f"{ver!r}.")
                if ver in existing:
                    if _fingerprint(existing[ver]) == _fingerprint(new):
                        return self._describe(subj, ver)
                    raise ValueError(f"{subj} {ver} is already registered with another schema; "
                                     "versions are immutable.")
                if latest is not None and _version_key(ver) <= _version_key(latest):
                    raise ValueError(f"`version` must be above the latest {latest}, got {ver}.")
            if compatibility is not None:
                self.set_compatibility(subj, compatibility)
            result = self.check_compatibility(subj, new)
            if not result.compatible:
                self._stats["refused"] += 1
                raise IncompatibleSchemaError(subj, ver, result)
            stored = self._store(subj, ver, new)
        logger.info("schema %s %s registered (%s)", subj, ver, result.mode.value)
        return stored

    def _describe(self, subject: str, version: str) -> SchemaVersion:
        fp, created = self._conn.execute(
            "SELECT fingerprint, created_ms FROM schema_versions WHERE subject = ? AND "
            "version = ?", (subject, version)).fetchone()
        return SchemaVersion(subject, version, fp, int(created))

    # ---- validation --------------------------------------------------------------

    def validator(self, subject: str, version: str | None = None) -> Draft202012Validator:
        """The compiled validator of ``(subject, version)`` (cached).

        Formats are asserted (``date-time`` as RFC 3339).
        """
        v = version if version is not None else self.latest_version(subject)
        key = (subject, v)
        found = self._validators.get(key)
        if found is not None:
            self._stats["cache_hits"] += 1
            return found
        self._stats["cache_misses"] += 1
        try:
            schema = self._schemas[subject][v]
        except KeyError:
            return self._unknown(subject, v)  # type: ignore[no-any-return]
        compiled = Draft202012Validator(schema, format_checker=_FORMATS)
        with self._lock:
            self._validators[key] = compiled
        return compiled

    def _result(self, validator: Draft202012Validator, data: Any, subject: str, version: str,
                start: float) -> ValidationResult:
        if validator.is_valid(data):
            ok, errors = True, []
        else:
            found = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
            ok = False
            errors = [f"{e.json_path}: {e.message}" for e in found[:_MAX_ERRORS]]
        elapsed = (time.perf_counter() - start) * 1000.0
        st = self._stats
        st["validations"] += 1
        st["valid" if ok else "invalid"] += 1
        st["time_ms"] += elapsed
        return ValidationResult(ok, errors, elapsed, subject, version)

    def validate_data(self, data: Any, schema_id: str, version: str | None = None
                      ) -> ValidationResult:
        """Validate one instance against ``schema_id`` (default its latest version).

        Returns
        -------
        result : ValidationResult

        Raises
        ------
        UnknownSchemaError
            If the subject or version does not exist.
        """
        start = time.perf_counter()
        v = version if version is not None else self.latest_version(schema_id)
        return self._result(self.validator(schema_id, v), data, schema_id, v, start)

    def validate_many(self, items: Iterable[Any], schema_id: str, version: str | None = None
                      ) -> list[ValidationResult]:
        """:meth:`validate_data` for each item, with one lookup of the validator."""
        v = version if version is not None else self.latest_version(schema_id)
        compiled = self.validator(schema_id, v)
        return [self._result(compiled, d, schema_id, v, time.perf_counter()) for d in items]

    def is_valid(self, data: Any, schema_id: str, version: str | None = None) -> bool:
        """Whether ``data`` is valid (no error messages are built)."""
        return bool(self.validator(schema_id, version).is_valid(data))

    def iter_subjects(self) -> Iterator[str]:
        """Subject names."""
        return iter(sorted(self._schemas))

    def get_metrics(self) -> dict[str, Any]:
        """Counts and rates: ``total_schemas`` (subject versions), ``subjects``,
        ``validations``, ``valid``, ``invalid``, ``cache_hits``, ``cache_misses``,
        ``cache_hit_rate``, ``compiled_validators``, ``avg_validation_ms``,
        ``refused_registrations``."""
        st = self._stats
        lookups = st["cache_hits"] + st["cache_misses"]
        n = st["validations"]
        return {
            "total_schemas": sum(len(v) for v in self._schemas.values()),
            "subjects": len(self._schemas),
            "validations": int(n), "valid": int(st["valid"]), "invalid": int(st["invalid"]),
            "cache_hits": int(st["cache_hits"]), "cache_misses": int(st["cache_misses"]),
            "cache_hit_rate": (st["cache_hits"] / lookups) if lookups else 0.0,
            "compiled_validators": len(self._validators),
            "avg_validation_ms": (st["time_ms"] / n) if n else 0.0,
            "refused_registrations": int(st["refused"]),
            "database": self.database,
        }

"""Versioned JSON Schemas with compatibility modes, and the LUKHAS lanes.

- :class:`SchemaRegistry`: subjects with semantic versions, Draft 2020-12 validation
  through ``jsonschema`` with compiled validators cached per ``(subject, version)``,
  compatibility modes BACKWARD / FORWARD / FULL / NONE checked when a version is
  registered (refused with the reasons), persistence in SQLite.
- The guardian decision schema 2.0.0 ships as package data
  (:func:`guardian_schema_path`); its ``$defs.Subject.properties.lane.enum`` is the
  seven lanes of :class:`LUKHASLane` (and :func:`get_lane_enum`).

Examples
--------
>>> get_lane_enum() == LUKHASLane.get_all_values()
True
>>> SchemaRegistry().validate_data({"schema_version": "2.0.0"}, "guardian_decision").is_valid
False
"""

from __future__ import annotations

from lukhas.domain.governance.schema_registry._compat import subschema_reasons
from lukhas.domain.governance.schema_registry._lanes import LUKHASLane, get_lane_enum
from lukhas.domain.governance.schema_registry._registry import (
    CompatibilityMode,
    CompatibilityResult,
    IncompatibleSchemaError,
    InvalidSchemaError,
    SchemaRegistry,
    SchemaVersion,
    UnknownSchemaError,
    ValidationResult,
    builtin_schema,
    guardian_schema_path,
)

__all__ = [
    "CompatibilityMode",
    "CompatibilityResult",
    "IncompatibleSchemaError",
    "InvalidSchemaError",
    "LUKHASLane",
    "SchemaRegistry",
    "SchemaVersion",
    "UnknownSchemaError",
    "ValidationResult",
    "builtin_schema",
    "get_lane_enum",
    "guardian_schema_path",
    "subschema_reasons",
]


def __dir__() -> list[str]:
    return list(__all__)

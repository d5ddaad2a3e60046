"""Guardian decisions and envelopes: serialise, deserialise, validate, migrate, checksum.

Decisions follow the guardian decision schema 2.0.0 of the schema registry
(:mod:`lukhas.domain.governance.schema_registry`); 1.x decisions migrate to it.
Serialised decisions are canonical JSON; every result carries the SHA-256 content
checksum, and envelopes (:class:`GuardianEnvelopeSerializer`) carry it so that a changed
payload is caught.  ``get_system_health()`` runs a self-test.

Examples
--------
>>> r = GuardianSerializer().migrate_decision({"decision": "deny", "timestamp": 1.7e9})
>>> r.success, r.data["decision"]["status"], len(r.checksum)
(True, 'deny', 64)
"""

from __future__ import annotations

from lukhas.domain.governance.guardian_serializers._migrate import (
    TARGET_VERSION,
    canonical,
    content_checksum,
)
from lukhas.domain.governance.guardian_serializers._serializer import (
    ENVELOPE_VERSION,
    GuardianEnvelopeSerializer,
    GuardianResult,
    GuardianSerializer,
    deserialize_guardian,
    get_system_health,
    serialize_guardian,
    validate_guardian,
)

__all__ = [
    "ENVELOPE_VERSION",
    "TARGET_VERSION",
    "GuardianEnvelopeSerializer",
    "GuardianResult",
    "GuardianSerializer",
    "canonical",
    "content_checksum",
    "deserialize_guardian",
    "get_system_health",
    "serialize_guardian",
    "validate_guardian",
]


def __dir__() -> list[str]:
    return list(__all__)

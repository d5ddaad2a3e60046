"""Governance: the schema registry and lanes, guardian serializers, the GDPR consent ledger.

Import the subpackages directly; this package itself imports nothing.
"""

from __future__ import annotations

__all__: list[str] = []

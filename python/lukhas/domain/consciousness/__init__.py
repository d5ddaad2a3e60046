"""The consciousness domain: event streams, their hub and service, the ticker.

Import the subpackages directly; this package itself imports nothing.
"""

from __future__ import annotations

__all__: list[str] = []

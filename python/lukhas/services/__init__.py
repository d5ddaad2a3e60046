"""Runtime services built on the primitives (layer 3 of 5).

Reliability, tracing, observability, drift detection, the policy guard, novelty
detection, API analytics, the kernel bus, task management and the code sandbox.

Import the subpackages directly; this package itself imports nothing.
"""

from __future__ import annotations

__all__: list[str] = []

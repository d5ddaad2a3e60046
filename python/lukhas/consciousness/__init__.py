"""``lukhas.consciousness``: the production consciousness services.

Import the submodules directly (``from lukhas.consciousness.consciousness_stream
import ConsciousnessStream``); this package itself imports nothing.
"""

from __future__ import annotations

__all__: list[str] = []

"""Suite-wide test settings.

Under CI (``CI`` set, as ``.ci/run`` is run) hypothesis derandomizes: every run
draws the same examples, so a submission's result does not depend on luck.
Locally examples are random, which is how new edge cases get found; the
examples that failed are replayed from ``.hypothesis/`` until they pass.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

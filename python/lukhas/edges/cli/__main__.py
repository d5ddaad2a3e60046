"""``python -m lukhas.edges.cli``: the same as the ``lukhas`` console script."""

from __future__ import annotations

import sys

from lukhas.edges.cli import main

sys.exit(main())

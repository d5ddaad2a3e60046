"""``python -m lukhas.cli``: the same as the ``lukhas`` console script."""

from __future__ import annotations

import sys

from lukhas.cli import main

sys.exit(main())

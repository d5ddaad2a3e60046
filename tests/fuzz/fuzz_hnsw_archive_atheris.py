"""Atheris harness: structure-aware mutations of HNSW archives (see hnsw_archive_driver).

Run: ``PYTHONPATH=tests python tests/fuzz/fuzz_hnsw_archive_atheris.py -atheris_runs=20000``
from the repo root.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from fuzz.hnsw_archive_driver import good_archive, load_and_use, mutate

_DIR = Path(tempfile.mkdtemp(prefix="lukhas-hnsw-fuzz-"))


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    arrays = {k: v.copy() for k, v in good_archive().items()}
    script = [tuple(fdp.ConsumeIntInRange(0, 2**20) for _ in range(5))
              for _ in range(fdp.ConsumeIntInRange(1, 4))]
    mutate(arrays, script)  # type: ignore[arg-type]
    load_and_use(arrays, _DIR)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()

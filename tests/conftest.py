"""Suite-wide test settings.

Under CI (``CI`` set, as ``.ci/run`` is run) hypothesis derandomizes: every run
draws the same examples, so a submission's result does not depend on luck.
Locally examples are random, which is how new edge cases get found; the
examples that failed are replayed from ``.hypothesis/`` until they pass.

``pg_dsn`` is one real PostgreSQL server per session (``initdb`` + ``pg_ctl`` on a
temporary directory and a loopback port) for every suite with a PostgreSQL backend.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from reference.pg_server import find_pg_bin, pg_server

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """A libpq connection string to the session's PostgreSQL server (skips without one)."""
    if find_pg_bin() is None:
        pytest.skip("no PostgreSQL server binary (initdb and pg_ctl on PATH or in "
                    "/usr/lib/postgresql/*/bin); install Debian's `postgresql` to run these")
    pytest.importorskip("psycopg", reason="psycopg 3 is the `ledger` extra")
    with pg_server() as dsn:
        yield dsn

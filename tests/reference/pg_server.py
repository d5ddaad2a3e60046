"""A throwaway PostgreSQL server for tests: ``initdb`` + ``pg_ctl`` on a temporary directory.

The server listens on 127.0.0.1 at a free port (and a socket inside the directory),
trusts local connections, and is stopped and deleted afterwards.  When the tests run as
root (initdb refuses root), the server runs as the ``postgres`` user, or ``nobody``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["find_pg_bin", "pg_server"]


def find_pg_bin() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``, or None when there is none."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


@contextlib.contextmanager
def pg_server() -> Iterator[str]:
    """Start a server; yield its DSN (``postgresql://lukhas@127.0.0.1:PORT/postgres``)."""
    bindir = find_pg_bin()
    if bindir is None:
        raise FileNotFoundError("no PostgreSQL server binary (initdb, pg_ctl)")
    root = Path(tempfile.mkdtemp(prefix="lukhas-pg-"))
    ids = _run_as()
    kwargs: dict[str, int] = {}
    if ids is not None:
        os.chown(root, *ids)
        kwargs = {"user": ids[0], "group": ids[1]}
    data, log = root / "data", root / "server.log"
    port = _free_port()
    try:
        subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "-U", "lukhas", "--auth=trust",
             "-E", "UTF8", "--no-locale", "--no-sync"],
            check=True, capture_output=True, cwd=root, **kwargs,  # type: ignore[arg-type]
        )
        opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c max_connections=60"
        subprocess.run(
            [str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(log), "-w",
             "-t", "60", "start"],
            check=True, capture_output=True, cwd=root, **kwargs,  # type: ignore[arg-type]
        )
        try:
            yield f"postgresql://lukhas@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True, cwd=root, **kwargs,  # type: ignore[arg-type]
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)

"""Run one program under resource limits inside the strongest available sandbox.

Backends, strongest first:

``"bwrap"``
    bubblewrap: new user, mount, PID, network, IPC and UTS namespaces, ``/``
    bound read-only, private tmpfs on ``/tmp``, all capabilities dropped.
``"unshare"``
    util-linux ``unshare`` with a user namespace: new mount, PID and network
    namespaces; the bootstrap remounts every mount read-only, mounts private
    tmpfs, then drops every capability.
``"none"``
    No namespaces: resource limits, a private working directory and (when the
    executor runs as root) an unprivileged user only.  The network is *not*
    blocked.

On every backend the program gets a clean environment, its own session and
process group, RLIMIT_AS/DATA, CPU, FSIZE, NOFILE, NPROC and CORE limits, a
wall-clock timeout and bounded output capture; when it ends (or is killed) its
whole process group is killed too.  Under root the sandbox runs as ``nobody``
(uid 65534), so RLIMIT_NPROC is enforced and root-owned files are out of reach.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lukhas.services.code_executor._bootstrap import (
    BOOTSTRAP_SOURCE,
    SETUP_FAILURE_STATUS,
    SETUP_FAILURE_TAG,
)

__all__ = [
    "BACKENDS",
    "IsolationUnavailableError",
    "RunOutcome",
    "SandboxLimits",
    "available_backends",
    "run_sandboxed",
    "sandbox_python",
]

logger = logging.getLogger(__name__)

#: Backends from strongest to weakest.
BACKENDS: tuple[str, ...] = ("bwrap", "unshare", "none")
#: The unprivileged identity used when the executor runs as root.
NOBODY = 65534
_TMPFS_POINTS = ("/tmp", "/var/tmp", "/dev/shm")
_SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
_READ_CHUNK = 65536
#: Seconds to keep reading after the program exited (its stragglers are killed).
_EXIT_GRACE = 1.0


class IsolationUnavailableError(OSError):
    """Raised when the requested isolation cannot be provided on this machine."""


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one run.

    Attributes
    ----------
    wall_seconds : float
        Wall-clock timeout.
    cpu_seconds : int
        RLIMIT_CPU (SIGXCPU at the soft limit, SIGKILL one second later).
    memory_bytes : int
        Address-space limit (RLIMIT_AS); RLIMIT_DATA for runtimes that reserve
        large virtual ranges (Node.js).
    file_bytes : int
        RLIMIT_FSIZE: the largest file the program may write.
    max_processes : int
        Processes the sandbox identity may create beyond those it already has.
    max_open_files : int
        RLIMIT_NOFILE.
    max_output_bytes : int
        Captured bytes per stream; the program is killed when it writes more.
    tmpfs_bytes : int
        Size of each private tmpfs (namespace backends).
    """

    wall_seconds: float
    cpu_seconds: int
    memory_bytes: int
    file_bytes: int
    max_processes: int
    max_open_files: int
    max_output_bytes: int
    tmpfs_bytes: int


@dataclass(frozen=True)
class RunOutcome:
    """What happened to one sandboxed program.

    Attributes
    ----------
    returncode : int or None
        Exit status, negative for a signal, None if it never started.
    stdout, stderr : bytes
        Captured output (truncated to ``max_output_bytes`` each).
    timed_out : bool
        Killed by the wall-clock timeout.
    output_exceeded : bool
        Killed for writing more than ``max_output_bytes``.
    setup_error : str or None
        The sandbox could not be built (the bootstrap's message).
    duration_s : float
    backend : str
    """

    returncode: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool
    output_exceeded: bool
    setup_error: str | None
    duration_s: float
    backend: str


def _run_as_nobody() -> bool:
    return os.geteuid() == 0


def _world_executable(path: str) -> bool:
    """True when every directory on ``path`` is world-searchable and the file world-r-x."""
    real = os.path.realpath(path)
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return False
    if not (mode & stat.S_IROTH and mode & stat.S_IXOTH):
        return False
    parent = os.path.dirname(real)
    while True:
        try:
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
        if parent == "/":
            return True
        parent = os.path.dirname(parent)


@functools.cache
def sandbox_python() -> str:
    """Return a Python interpreter the sandbox identity can execute.

    Returns
    -------
    path : str
        ``sys.executable`` when usable, otherwise the first world-executable
        ``python3`` on the usual paths.

    Raises
    ------
    IsolationUnavailableError
        If no interpreter is reachable for the unprivileged sandbox user.
    """
    candidates = [sys.executable]
    if _run_as_nobody():
        candidates += [p for p in ("/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3")]
        for candidate in candidates:
            if candidate and _world_executable(candidate):
                return os.path.realpath(candidate)
        raise IsolationUnavailableError(
            "no Python interpreter is executable by the unprivileged sandbox user "
            f"(uid {NOBODY}); tried {candidates}"
        )
    return sys.executable


def _count_processes(uid: int) -> int:
    """Processes whose real uid is ``uid`` (RLIMIT_NPROC counts these)."""
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith("Uid:"):
                        count += int(line.split()[1]) == uid
                        break
        except OSError:
            continue
    return count


def _tool(name: str) -> str | None:
    """The real path of a tool on PATH: the sandbox identity may not be able to traverse
    the directory PATH names (a private bin folder), only the file's own."""
    found = shutil.which(name)
    return os.path.realpath(found) if found is not None else None


def _wrapper(backend: str, network: bool, limits: SandboxLimits) -> list[str]:
    if backend == "bwrap":
        bwrap = _tool("bwrap")
        if bwrap is None:
            raise IsolationUnavailableError("bubblewrap (`bwrap`) is not installed")
        argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        for point in _TMPFS_POINTS:
            argv += ["--size", str(limits.tmpfs_bytes), "--tmpfs", point]
        argv += ["--unshare-all", "--die-with-parent", "--new-session", "--chdir", "/tmp"]
        if network:
            argv.append("--share-net")
        return [*argv, "--"]
    if backend == "unshare":
        unshare = _tool("unshare")
        if unshare is None:
            raise IsolationUnavailableError("util-linux `unshare` is not installed")
        argv = [unshare, "--user", "--map-root-user", "--mount", "--pid", "--fork",
                "--kill-child", "--mount-proc"]
        if not network:
            argv.append("--net")
        return [*argv, "--"]
    return []


def _rlimits(limits: SandboxLimits, uid: int, data_limit: bool) -> dict[str, list[int]]:
    nproc = _count_processes(uid) + limits.max_processes + 1  # + 1: the waiting bootstrap
    memory = "RLIMIT_DATA" if data_limit else "RLIMIT_AS"
    return {
        memory: [limits.memory_bytes, limits.memory_bytes],
        "RLIMIT_CPU": [limits.cpu_seconds, limits.cpu_seconds + 1],
        "RLIMIT_FSIZE": [limits.file_bytes, limits.file_bytes],
        "RLIMIT_NOFILE": [limits.max_open_files, limits.max_open_files],
        "RLIMIT_NPROC": [nproc, nproc],
        "RLIMIT_CORE": [0, 0],
    }


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _end_run(proc: subprocess.Popen[bytes]) -> None:
    """Stop the whole run: everything the program started, in any session.

    A bootstrap still running gets SIGTERM first: it kills every descendant (it
    is their subreaper, so daemons that left the process group are among them)
    and exits.  Under bubblewrap and ``unshare`` the end of the namespace's
    first process also kills everything in the PID namespace.  Whatever is
    left of the process group is then killed outright.
    """
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(_EXIT_GRACE)
    _kill_group(proc.pid)


def _prepare(
    argv: Sequence[str], backend: str, limits: SandboxLimits, network: bool, data_limit: bool
) -> tuple[list[str], dict[str, object], str | None]:
    """Return the full command, the spawn keyword arguments and the work dir to remove."""
    as_nobody = _run_as_nobody()
    uid = NOBODY if as_nobody else os.getuid()
    wrapper = _wrapper(backend, network, limits)
    python = sandbox_python()
    workdir = None
    if backend == "none":
        workdir = tempfile.mkdtemp(prefix="lukhas-exec-")
        if as_nobody:
            os.chown(workdir, NOBODY, NOBODY)
    env = {"PATH": _SANDBOX_PATH, "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
           "HOME": workdir or "/tmp", "TMPDIR": workdir or "/tmp"}
    config = {
        "private_mounts": backend == "unshare",
        "tmpfs": list(_TMPFS_POINTS),
        "tmpfs_bytes": limits.tmpfs_bytes,
        "cwd": workdir or "/tmp",
        "rlimits": _rlimits(limits, uid, data_limit),
        "drop_caps": backend == "unshare",
        "argv": list(argv),
        "env": env,
    }
    command = [*wrapper, python, "-I", "-S", "-c", BOOTSTRAP_SOURCE, json.dumps(config)]
    kwargs: dict[str, object] = {
        "stdin": subprocess.DEVNULL,
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "env": {"PATH": _SANDBOX_PATH, "LANG": "C.UTF-8"},
        "cwd": workdir or "/",
        "start_new_session": True,
        "close_fds": True,
    }
    if as_nobody:
        kwargs.update(user=NOBODY, group=NOBODY, extra_groups=[])
    return command, kwargs, workdir


def _collect(
    proc: subprocess.Popen[bytes], limits: SandboxLimits
) -> tuple[bytes, bytes, bool, bool]:
    """Read both pipes until EOF, the deadline or the output cap; return what was read."""
    assert proc.stdout is not None and proc.stderr is not None  # both are PIPEs
    sinks = {proc.stdout.fileno(): bytearray(), proc.stderr.fileno(): bytearray()}
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    deadline = time.monotonic() + limits.wall_seconds
    timed_out = overflow = False
    exited_at: float | None = None
    with selectors.DefaultSelector() as selector:
        for fd in sinks:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                timed_out = True
                break
            if exited_at is None and proc.poll() is not None:
                exited_at = now
                _kill_group(proc.pid)  # stragglers must not keep the pipes open
            if exited_at is not None and now - exited_at > _EXIT_GRACE:
                break  # an escaped process holds the pipes; stop listening to it
            for key, _ in selector.select(min(deadline - now, 0.05)):
                fd = int(key.fd)
                try:
                    chunk = os.read(fd, _READ_CHUNK)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(fd)
                    continue
                sink = sinks[fd]
                room = limits.max_output_bytes - len(sink)
                sink += chunk[: max(room, 0)]
                if len(chunk) > room:
                    overflow = True
            if overflow:
                break
    return bytes(sinks[out_fd]), bytes(sinks[err_fd]), timed_out, overflow


def _await_eof(proc: subprocess.Popen[bytes]) -> None:
    """Discard output until every holder of the pipes is gone (or the grace expires).

    Every process of the sandbox inherits the pipes, so end-of-file on both
    means they have all exited: the kernel's teardown of a killed namespace is
    asynchronous, and this makes the executor return only after it finished.
    """
    fds = [f.fileno() for f in (proc.stdout, proc.stderr) if f is not None and not f.closed]
    deadline = time.monotonic() + _EXIT_GRACE
    with selectors.DefaultSelector() as selector:
        for fd in fds:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map() and (remaining := deadline - time.monotonic()) > 0:
            for key, _ in selector.select(remaining):
                try:
                    if not os.read(int(key.fd), _READ_CHUNK):
                        selector.unregister(key.fd)
                except BlockingIOError:
                    continue


def _run_blocking(
    argv: Sequence[str], backend: str, limits: SandboxLimits, network: bool, data_limit: bool
) -> RunOutcome:
    command, kwargs, workdir = _prepare(argv, backend, limits, network, data_limit)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(command, **kwargs)  # type: ignore[call-overload]
        with proc:
            try:
                stdout, stderr, timed_out, overflow = _collect(proc, limits)
            finally:
                _end_run(proc)  # the program and everything it started
                _await_eof(proc)
                returncode = proc.wait()
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    duration = time.monotonic() - start
    if 128 < returncode < 128 + 65:
        # the bootstrap (and the namespace's init) report "killed by signal N" as 128 + N
        returncode = -(returncode - 128)
    setup_error = None
    if returncode == SETUP_FAILURE_STATUS and stderr.startswith(SETUP_FAILURE_TAG.encode()):
        setup_error = stderr.decode("utf-8", "replace")[len(SETUP_FAILURE_TAG):].strip()
    elif backend == "bwrap" and returncode == 1 and stderr.startswith(b"bwrap:"):
        setup_error = stderr.decode("utf-8", "replace").strip()
    return RunOutcome(
        returncode=returncode,
        stdout=stdout,
        stderr=stderr,
        timed_out=timed_out,
        output_exceeded=overflow and not timed_out,
        setup_error=setup_error,
        duration_s=duration,
        backend=backend,
    )


async def run_sandboxed(
    argv: Sequence[str],
    *,
    backend: str,
    limits: SandboxLimits,
    network: bool,
    data_limit: bool = False,
) -> RunOutcome:
    """Run ``argv`` in the sandbox and collect what happened.

    The blocking work (spawning, reading both pipes under the deadline,
    killing the process group) runs in a worker thread, so the event loop
    stays free and a process that keeps its pipes open cannot hang it.

    Parameters
    ----------
    argv : sequence of str
        The untrusted program (absolute executable path first).
    backend : {"bwrap", "unshare", "none"}
        Isolation backend (see :func:`available_backends`).
    limits : SandboxLimits
        Resource limits.
    network : bool
        Share the host network (namespace backends block it otherwise).
    data_limit : bool, default=False
        Limit RLIMIT_DATA instead of RLIMIT_AS.

    Returns
    -------
    outcome : RunOutcome
    """
    return await asyncio.to_thread(_run_blocking, argv, backend, limits, network, data_limit)


def _probe_limits() -> SandboxLimits:
    return SandboxLimits(wall_seconds=10.0, cpu_seconds=5, memory_bytes=1 << 30,
                         file_bytes=1 << 20, max_processes=8, max_open_files=64,
                         max_output_bytes=4096, tmpfs_bytes=1 << 20)


#: Probe programs and what a working backend must report for each: a program that
#: writes to the private /tmp and prints, and one killed by a signal (some namespace
#: tools fail to report a signal death, e.g. util-linux 2.38 ``unshare --kill-child``).
_PROBES: tuple[tuple[str, int, bytes], ...] = (
    ("open('/tmp/probe', 'w').close(); print('sandbox-ok')", 0, b"sandbox-ok"),
    ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", -signal.SIGKILL, b""),
)


def _probe(backend: str) -> str | None:
    """Run the probe programs exactly as executions run; None if all behaved, else why."""
    python = sandbox_python()
    for source, status, marker in _PROBES:
        outcome = _run_blocking([python, "-I", "-S", "-c", source], backend, _probe_limits(),
                                False, False)
        if outcome.returncode != status or marker not in outcome.stdout:
            return (f"probe {source!r} exited {outcome.returncode} (expected {status}): "
                    f"{outcome.stderr[-300:]!r}")
    return None


@functools.cache
def _backend_works(backend: str) -> bool:
    """Build a real sandbox with ``backend`` once per process and check it runs programs.

    The probes go through the same path as executions (the blocking runner, on a
    worker thread as :func:`run_sandboxed` uses), so a backend that only fails
    there is caught here.
    """
    if backend == "none":
        return True
    try:
        _wrapper(backend, False, _probe_limits())
        sandbox_python()
    except IsolationUnavailableError:
        return False
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lukhas-probe") as pool:
        try:
            problem = pool.submit(_probe, backend).result()
        except (OSError, subprocess.SubprocessError) as err:
            problem = f"{type(err).__name__}: {err}"
    if problem is not None:
        logger.info("sandbox backend %s unavailable: %s", backend, problem)
        return False
    return True


def available_backends() -> tuple[str, ...]:
    """Return the backends that work on this machine, strongest first.

    Each namespace backend is probed once per process by building a real
    sandbox and running two tiny programs in it the way executions run (one
    must print, one must be reported killed by its signal); ``"none"`` (no
    namespaces: the network cannot be blocked) is always listed last.

    Returns
    -------
    backends : tuple of str

    Examples
    --------
    >>> available_backends()[-1]
    'none'
    """
    return tuple(b for b in BACKENDS if _backend_works(b))


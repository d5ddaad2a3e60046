"""``CodeExecutor``: run untrusted Python, bash or JavaScript and report what happened."""

from __future__ import annotations

import logging
import math
import re
import shutil
import signal
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lukhas._validation import check_choice, check_int, check_real, check_str, describe
from lukhas.services.code_executor._policy import screen_bash, screen_javascript, screen_python
from lukhas.services.code_executor._sandbox import (
    BACKENDS,
    IsolationUnavailableError,
    RunOutcome,
    SandboxLimits,
    available_backends,
    run_sandboxed,
    sandbox_python,
)

__all__ = [
    "LANGUAGES",
    "MAX_MEMORY_BYTES",
    "MAX_TIMEOUT_SECONDS",
    "CodeExecutor",
    "ExecutionResult",
    "parse_memory_size",
]

logger = logging.getLogger(__name__)

#: Languages the executor knows how to run.
LANGUAGES: tuple[str, ...] = ("python", "bash", "javascript")
_MAX_SOURCE_BYTES = 120_000  # one argv string may hold at most 128 KiB on Linux
_MEMORY_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1000, "kib": 1024, "m": 1024**2,
                 "mb": 1000**2, "mib": 1024**2, "g": 1024**3, "gb": 1000**3, "gib": 1024**3}
_MIN_MEMORY = 32 * 1024**2
#: Largest ``memory_limit``: 128 TiB, the x86-64 user address space (RLIMIT_AS beyond it
#: limits nothing).
MAX_MEMORY_BYTES = 1 << 47
#: Longest ``execution_timeout``: one day (a run is not a service).
MAX_TIMEOUT_SECONDS = 86_400.0
#: Upper bounds of the ``resource_limits`` overrides (counts fit RLIMIT's C types).
_LIMIT_CEILINGS = {"cpu_seconds": int(MAX_TIMEOUT_SECONDS), "max_file_size": 1 << 47,
                   "max_processes": 1 << 20, "max_open_files": 1 << 20,
                   "max_output_bytes": 1 << 34, "tmpfs_size": 1 << 40}
_MEMORY_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
_MEMORY_SIGNS = ("MemoryError", "Cannot allocate memory", "heap out of memory",
                 "Allocation failed", "std::bad_alloc", "out of memory")


def parse_memory_size(name: str, value: Any) -> int:
    """Convert ``value`` (bytes as an int, or a string with a unit) to bytes.

    Parameters
    ----------
    name : str
        Parameter name for messages.
    value : int or str
        ``536870912``, ``"512m"``, ``"512MB"``, ``"512MiB"`` or ``"1g"`` (docker style:
        ``k``/``m``/``g`` are binary units, ``kb``/``mb``/``gb`` decimal).

    Returns
    -------
    size : int
        At least 32 MiB (an interpreter cannot start in less).

    Raises
    ------
    TypeError
        If ``value`` is neither an int nor a str.
    ValueError
        If the string is malformed or the size is below 32 MiB.

    Examples
    --------
    >>> parse_memory_size("memory_limit", "512m")
    536870912
    >>> parse_memory_size("memory_limit", "1GB")
    1000000000
    """
    if isinstance(value, str):
        match = _MEMORY_PATTERN.match(value)
        unit = match.group(2).lower() if match else None
        if match is None or unit not in _MEMORY_UNITS:
            raise ValueError(
                f"`{name}` must be a size such as '512m', '512MB' or '1g', got {value!r}."
            )
        size = int(float(match.group(1)) * _MEMORY_UNITS[unit])
    else:
        size = check_int(name, value)
    if size > MAX_MEMORY_BYTES:
        raise ValueError(
            f"`{name}` must be at most {MAX_MEMORY_BYTES} bytes (128 TiB, the x86-64 user "
            f"address space), got {size} bytes."
        )
    if size < _MIN_MEMORY:
        raise ValueError(
            f"`{name}` must be at least 32 MiB ({_MIN_MEMORY} bytes), got {size} bytes; "
            "ints are bytes, so pass e.g. '256m' for 256 MiB."
        )
    return size


@dataclass(frozen=True)
class ExecutionResult:
    """The outcome of one execution.

    Attributes
    ----------
    success : bool
        The program ran and exited with status 0 within every limit.
    output : str
        Captured standard output.
    error : str
        Empty on success; otherwise why it failed: the policy refusal, the limit
        that was hit, or the program's standard error.
    language : str
    exit_code : int or None
        Exit status (negative: killed by that signal); None if it never ran.
    duration_s : float
        Wall-clock seconds.
    timed_out : bool
        Stopped by the wall-clock timeout.
    limit_hit : str or None
        ``"timeout"``, ``"cpu"``, ``"memory"``, ``"output"`` or ``"file_size"``.
    isolation : str
        Sandbox backend used: ``"bwrap"``, ``"unshare"`` or ``"none"``; ``""``
        when the code was refused before running.
    network_isolated : bool
        The program had no network (namespace backend without ``enable_network``).
    stderr : str
        The program's raw standard error.
    """

    success: bool
    output: str
    error: str
    language: str
    exit_code: int | None = None
    duration_s: float = 0.0
    timed_out: bool = False
    limit_hit: str | None = None
    isolation: str = ""
    network_isolated: bool = False
    stderr: str = ""


def _choose_backend(isolation: str, enable_network: bool) -> str:
    """The sandbox backend for a requested ``isolation``; never weaker than asked.

    ``"auto"`` takes the strongest namespace backend that passed its probe and
    never falls back to ``"none"``; ``"none"`` is used only when asked for by
    name, and only with ``enable_network=True`` (without namespaces the network
    cannot be blocked, so asking for no network there is refused).
    """
    working = available_backends()
    confined = [b for b in working if b != "none"]
    if isolation == "auto":
        if confined:
            return confined[0]
        raise IsolationUnavailableError(
            "no namespace sandbox works on this machine (bubblewrap is not installed or "
            "failed its probe, and unprivileged user namespaces are unavailable to "
            "`unshare`): install bubblewrap, or pass isolation='none' with "
            "enable_network=True to run without namespaces."
        )
    if isolation not in working:
        raise IsolationUnavailableError(
            f"`isolation`={isolation!r} is not available on this machine "
            f"(working backends: {', '.join(working)}); install bubblewrap or allow "
            "unprivileged user namespaces, or pass isolation='auto'."
        )
    if isolation == "none" and not enable_network:
        raise IsolationUnavailableError(
            "isolation='none' cannot block the network, and enable_network=False asks for "
            "that: pass enable_network=True to run without namespaces knowingly, or use a "
            "namespace backend."
        )
    return isolation


class CodeExecutor:
    """Run untrusted code in a sandboxed subprocess with hard resource limits.

    Parameters
    ----------
    supported_languages : iterable of str or None, default=None
        Languages this executor accepts; all of ``LANGUAGES`` when None.
    execution_timeout : float, default=30
        Wall-clock seconds per execution (CPU time is limited to the same, rounded up).
    memory_limit : int or str, default="512m"
        Address space per execution (bytes, or a string such as ``"256m"``).
    enable_network : bool, default=False
        Allow network access.  Without it, namespace backends cut the network
        off and the static screen refuses network modules.
    enable_filesystem : bool, default=False
        Allow filesystem/process APIs past the static screen.  Writes stay
        confined to a private scratch directory either way.
    resource_limits : mapping or None, default=None
        Overrides: ``max_processes`` (16), ``max_open_files`` (64),
        ``max_file_size`` (bytes, 16 MiB), ``max_output_bytes`` (1 MiB per
        stream), ``tmpfs_size`` (bytes, 64 MiB) and ``cpu_seconds``.
    isolation : {"auto", "bwrap", "unshare", "none"}, default="auto"
        Sandbox backend; ``"auto"`` takes the strongest namespace backend
        that passed its probe here, and never falls back to ``"none"``.
        ``"none"`` (by name only, and only with ``enable_network=True``)
        keeps the resource limits, ``no_new_privs`` and the clean-up of every
        process the program starts, but confines files and ``/proc`` only when
        the executor runs as root (the program then runs as ``nobody``), and
        never blocks the network.
    screen : bool, default=True
        Refuse obviously disallowed code before running it.

    Raises
    ------
    IsolationUnavailableError
        If ``isolation`` names a backend this machine cannot provide, if
        ``"auto"`` finds no namespace backend, or if ``"none"`` is asked for
        with the network disabled (it cannot be enforced there).

    Examples
    --------
    >>> import asyncio
    >>> executor = CodeExecutor(execution_timeout=10)
    >>> result = asyncio.run(executor.execute_python("print(sum(range(11)))"))
    >>> result.success, result.output
    (True, '55\\n')
    >>> asyncio.run(executor.execute_python("import socket")).error[:17]
    'Permission denied'
    """

    def __init__(
        self,
        supported_languages: Iterable[str] | None = None,
        execution_timeout: float = 30,
        memory_limit: int | str = "512m",
        enable_network: bool = False,
        enable_filesystem: bool = False,
        resource_limits: Mapping[str, int] | None = None,
        *,
        isolation: str = "auto",
        screen: bool = True,
    ) -> None:
        languages = LANGUAGES if supported_languages is None else tuple(supported_languages)
        for i, language in enumerate(languages):
            check_choice(f"supported_languages[{i}]", language, LANGUAGES)
        self.supported_languages = languages
        self.execution_timeout = check_real(
            "execution_timeout", execution_timeout, low=0.0, high=MAX_TIMEOUT_SECONDS,
            low_inclusive=False
        )
        self.memory_limit = parse_memory_size("memory_limit", memory_limit)
        for flag, value in (("enable_network", enable_network),
                            ("enable_filesystem", enable_filesystem), ("screen", screen)):
            if not isinstance(value, bool):
                raise TypeError(f"`{flag}` must be a bool, got {describe(value)}.")
        self.enable_network = enable_network
        self.enable_filesystem = enable_filesystem
        self.screen = screen
        self.limits = self._limits(dict(resource_limits or {}))
        check_choice("isolation", isolation, ("auto", *BACKENDS))
        self.isolation = _choose_backend(isolation, enable_network)

    def _limits(self, overrides: dict[str, int]) -> SandboxLimits:
        known = {"max_processes", "max_open_files", "max_file_size", "max_output_bytes",
                 "tmpfs_size", "cpu_seconds"}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(
                f"`resource_limits` has unknown keys {unknown}; expected some of {sorted(known)}."
            )

        def get(key: str, default: int, low: int) -> int:
            return check_int(f"resource_limits[{key!r}]", overrides.get(key, default), low=low,
                             high=_LIMIT_CEILINGS[key])

        return SandboxLimits(
            wall_seconds=self.execution_timeout,
            cpu_seconds=get("cpu_seconds", max(1, math.ceil(self.execution_timeout)), 1),
            memory_bytes=self.memory_limit,
            file_bytes=get("max_file_size", 16 * 1024**2, 0),
            max_processes=get("max_processes", 16, 1),
            max_open_files=get("max_open_files", 64, 16),
            max_output_bytes=get("max_output_bytes", 1024**2, 1024),
            tmpfs_bytes=get("tmpfs_size", 64 * 1024**2, 1024**2),
        )

    # -- public entry points ----------------------------------------------------
    async def execute_python(self, code: str) -> ExecutionResult:
        """Run Python source (stdlib only, isolated mode) in the sandbox.

        Parameters
        ----------
        code : str
            Python source.

        Returns
        -------
        result : ExecutionResult
        """
        return await self._execute("python", code, screen_python,
                                   lambda: [sandbox_python(), "-I", "-S", "-c", code])

    async def execute_bash(self, command: str) -> ExecutionResult:
        """Run a bash command line in the sandbox.

        Parameters
        ----------
        command : str
            Passed to ``bash -c``.

        Returns
        -------
        result : ExecutionResult
        """

        def argv() -> list[str] | None:
            bash = shutil.which("bash", path="/usr/bin:/bin")
            return None if bash is None else [bash, "--noprofile", "--norc", "-c", command]

        return await self._execute("bash", command, screen_bash, argv)

    async def execute_javascript(self, code: str) -> ExecutionResult:
        """Run JavaScript with Node.js in the sandbox.

        The V8 heap is capped at half of ``memory_limit`` and the data segment
        at ``memory_limit`` (V8 reserves more address space than it uses, so
        RLIMIT_AS cannot be used).

        Parameters
        ----------
        code : str
            JavaScript source, run with ``node -e``.

        Returns
        -------
        result : ExecutionResult
            Failed with "JavaScript runtime not found" when Node.js is missing.
        """

        def argv() -> list[str] | None:
            node = shutil.which("node", path="/usr/local/bin:/usr/bin:/bin")
            if node is None:
                return None
            heap_mb = max(16, self.memory_limit // (2 * 1024**2))
            return [node, f"--max-old-space-size={heap_mb}", "-e", code]

        return await self._execute("javascript", code, screen_javascript, argv)

    # -- machinery ------------------------------------------------------------
    def _refused(self, language: str, error: str) -> ExecutionResult:
        return ExecutionResult(success=False, output="", error=error, language=language)

    async def _execute(
        self,
        language: str,
        source: str,
        screener: Callable[..., str | None],
        argv: Callable[[], list[str] | None],
    ) -> ExecutionResult:
        check_str("code", source, plain_text=True)
        if len(source.encode()) > _MAX_SOURCE_BYTES:
            raise ValueError(
                f"`code` must be at most {_MAX_SOURCE_BYTES} bytes, got {len(source.encode())}."
            )
        if language not in self.supported_languages:
            return self._refused(
                language, f"Permission denied: language {language!r} is not enabled for this "
                f"executor (supported_languages={list(self.supported_languages)})."
            )
        if self.screen:
            reason = screener(source, network=self.enable_network,
                              filesystem=self.enable_filesystem)
            if reason is not None:
                logger.info("refused %s code: %s", language, reason)
                return self._refused(language, reason)
        command = argv()
        if command is None:
            runtime = {"bash": "bash", "javascript": "JavaScript runtime (node)"}[language]
            return self._refused(language, f"{runtime} not found on this machine.")
        outcome = await run_sandboxed(
            command, backend=self.isolation, limits=self.limits,
            network=self.enable_network, data_limit=language == "javascript",
        )
        return self._result(language, outcome)

    def _result(self, language: str, outcome: RunOutcome) -> ExecutionResult:
        stdout = outcome.stdout.decode("utf-8", "replace")
        stderr = outcome.stderr.decode("utf-8", "replace")
        rc = outcome.returncode
        limit: str | None = None
        if outcome.setup_error is not None:
            error = f"sandbox setup failed ({outcome.backend}): {outcome.setup_error}"
        elif outcome.timed_out:
            limit = "timeout"
            error = (f"Execution timeout: exceeded the {self.execution_timeout:g} s "
                     "wall-clock limit.")
        elif outcome.output_exceeded:
            limit = "output"
            error = (f"Output limit exceeded: more than {self.limits.max_output_bytes} bytes "
                     "on one stream.")
        elif rc is not None and rc < 0 and -rc in (signal.SIGXCPU, signal.SIGKILL):
            limit = "cpu"
            error = (f"CPU time limit exceeded ({self.limits.cpu_seconds} s; timeout): "
                     f"killed by {signal.Signals(-rc).name}.")
        elif rc is not None and rc < 0 and -rc == signal.SIGXFSZ:
            limit = "file_size"
            error = f"File size limit exceeded ({self.limits.file_bytes} bytes)."
        elif rc != 0 and any(sign in stderr for sign in _MEMORY_SIGNS):
            limit = "memory"
            error = (f"Memory limit exceeded ({self.memory_limit // 1024**2} MiB): "
                     f"{_last_line(stderr)}")
        elif rc != 0:
            error = stderr.strip() or f"exited with status {rc}"
        else:
            error = ""
        return ExecutionResult(
            success=not error,
            output=stdout,
            error=error,
            language=language,
            exit_code=rc,
            duration_s=outcome.duration_s,
            timed_out=outcome.timed_out,
            limit_hit=limit,
            isolation=outcome.backend,
            network_isolated=outcome.backend != "none" and not self.enable_network,
            stderr=stderr,
        )

    def __repr__(self) -> str:
        return (f"CodeExecutor(isolation={self.isolation!r}, "
                f"execution_timeout={self.execution_timeout:g}, "
                f"memory_limit={self.memory_limit}, enable_network={self.enable_network})")


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""

"""Sandboxed execution of untrusted Python, bash and JavaScript.

:class:`CodeExecutor` runs each snippet in a fresh subprocess under hard
resource limits (CPU, address space, file size, process count, open files,
output size) and a wall-clock timeout, inside the strongest sandbox this
machine offers (bubblewrap, then ``unshare`` namespaces, detected at run time
and reported in every :class:`ExecutionResult`).  Asking for isolation the
machine cannot give raises :class:`IsolationUnavailableError`.

Examples
--------
>>> from lukhas.services.code_executor import available_backends
>>> "none" in available_backends()
True
"""

from __future__ import annotations

from lukhas.services.code_executor._executor import (
    LANGUAGES,
    CodeExecutor,
    ExecutionResult,
    parse_memory_size,
)
from lukhas.services.code_executor._sandbox import (
    BACKENDS,
    IsolationUnavailableError,
    SandboxLimits,
    available_backends,
)

__all__ = [
    "BACKENDS",
    "LANGUAGES",
    "CodeExecutor",
    "ExecutionResult",
    "IsolationUnavailableError",
    "SandboxLimits",
    "available_backends",
    "parse_memory_size",
]


def __dir__() -> list[str]:
    return list(__all__)

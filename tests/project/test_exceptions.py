"""Every exception class the library defines specialises a builtin more specific than
``Exception`` (``ValueError``, ``RuntimeError``, ``TimeoutError``, ...), so that callers can
catch library errors by the builtin they would catch anyway (the attrs style)."""

from __future__ import annotations

import builtins
import importlib
import pkgutil
from types import ModuleType

import pytest

import lukhas

#: Exception classes allowed to subclass only ``Exception``.  Empty: no contract in
#: /work/shared/LUKHAS_CONTRACT.md demands a bare ``Exception`` subclass (it asks only that
#: ``CircuitBreakerOpenError`` be *an* ``Exception`` subclass, which a ``RuntimeError`` is).
ALLOWED_BARE: frozenset[str] = frozenset()

#: Modules not imported by the walk: the ``python -m`` entry points run the CLI on import.
SKIPPED = frozenset({"lukhas.__main__", "lukhas.edges.cli.__main__"})

BUILTIN_EXCEPTIONS = frozenset(
    obj for obj in vars(builtins).values()
    if isinstance(obj, type) and issubclass(obj, BaseException)
) - {BaseException, Exception}


def _modules() -> list[ModuleType]:
    walk = pkgutil.walk_packages(lukhas.__path__, prefix="lukhas.")
    return [lukhas, *(importlib.import_module(i.name) for i in walk if i.name not in SKIPPED)]


def _library_exceptions() -> dict[str, type[BaseException]]:
    classes: dict[str, type[BaseException]] = {}
    for module in _modules():
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, BaseException)
                    and obj.__module__ == module.__name__):
                classes[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return classes


LIBRARY_EXCEPTIONS = _library_exceptions()


def test_the_walk_finds_the_library_exceptions() -> None:
    # Guards the walk itself: a few exceptions known to exist must be among those found.
    names = {name.rsplit(".", 1)[1] for name in LIBRARY_EXCEPTIONS}
    assert {"CircuitBreakerOpenError", "TaskLimitError", "TaskTimeoutError",
            "EmptyRingError"} <= names


@pytest.mark.parametrize("name", sorted(LIBRARY_EXCEPTIONS))
def test_exception_subclasses_a_specific_builtin(name: str) -> None:
    cls = LIBRARY_EXCEPTIONS[name]
    builtin_bases = [base for base in cls.__mro__[1:] if base in BUILTIN_EXCEPTIONS]
    assert builtin_bases or name in ALLOWED_BARE, (
        f"{name} subclasses no builtin exception more specific than Exception: "
        f"{[b.__name__ for b in cls.__mro__]}"
    )


def test_circuit_breaker_open_error_is_a_runtime_error_and_an_exception() -> None:
    from lukhas.services.reliability import CircuitBreakerOpenError

    err = CircuitBreakerOpenError("api", 1.5)
    assert isinstance(err, RuntimeError) and isinstance(err, Exception)  # contract: Exception
    assert (err.name, err.retry_after) == ("api", 1.5)

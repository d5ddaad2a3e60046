"""Fallbacks: try alternatives in order when the primary callable fails."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

__all__ = ["with_fallback"]

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_NO_DEFAULT: Any = object()


def with_fallback(
    *alternatives: Callable[..., Any],
    on: tuple[type[BaseException], ...] = (Exception,),
    default: Any = _NO_DEFAULT,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a function so that failures fall back to alternatives, then a default.

    Each alternative is called with the same arguments.  For an async
    function, alternatives may be sync or async.  If every callable fails and
    no ``default`` is given, the **last** exception propagates, carrying notes
    that list the earlier failures.

    Parameters
    ----------
    *alternatives : callable
        Tried in order after the decorated function fails.
    on : tuple of exception types, default=(Exception,)
        Failures that trigger the next alternative; others propagate at once.
    default : object, optional
        Returned when everything failed.

    Returns
    -------
    decorator : callable

    Raises
    ------
    TypeError
        If an alternative is not callable.

    Examples
    --------
    >>> @with_fallback(lambda key: f"cached:{key}")
    ... def fetch(key):
    ...     raise ConnectionError("upstream down")
    >>> fetch("user-1")
    'cached:user-1'
    >>> @with_fallback(default=0)
    ... def parse(text):
    ...     return int(text)
    >>> parse("x")
    0
    """
    for i, alt in enumerate(alternatives):
        if not callable(alt):
            raise TypeError(f"`alternatives[{i}]` must be callable, got {type(alt).__name__}.")

    def finish(errors: list[BaseException]) -> Any:
        if default is not _NO_DEFAULT:
            return default
        last = errors[-1]
        for earlier in errors[:-1]:
            last.add_note(f"earlier alternative failed: {type(earlier).__name__}: {earlier}")
        raise last

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        chain = (func, *alternatives)
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
                errors: list[BaseException] = []
                for candidate in chain:
                    try:
                        result = candidate(*args, **kwargs)
                        if inspect.isawaitable(result):
                            result = await result
                        return result
                    except on as err:
                        logger.info("%s failed (%r); falling back", candidate, err)
                        errors.append(err)
                return finish(errors)

            return cast(Callable[P, R], async_wrapper)

        @functools.wraps(func)
        def sync_wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            errors: list[BaseException] = []
            for candidate in chain:
                try:
                    return cast(R, candidate(*args, **kwargs))
                except on as err:
                    logger.info("%s failed (%r); falling back", candidate, err)
                    errors.append(err)
            return cast(R, finish(errors))

        return sync_wrapper

    return decorate

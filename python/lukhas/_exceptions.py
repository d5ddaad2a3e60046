"""Domain exceptions shared across lukhas.

Each refines the builtin it subclasses (as attrs does), so callers may catch
either the precise class or the builtin.
"""

from __future__ import annotations

__all__ = ["EmptyRingError", "GlyphCollisionError", "StoreBusyError"]


class EmptyRingError(IndexError):
    """Raised when popping or indexing an empty ring."""


class GlyphCollisionError(ValueError):
    """Raised when two different glyphs hash to the same value where that is not allowed."""


class StoreBusyError(TimeoutError):
    """Raised when a store's database stayed locked by another writer past the wait allowed.

    Attributes
    ----------
    path : str
        The database.
    waited_s : float
        How long the call waited for the lock, in seconds.
    """

    def __init__(self, path: str, waited_s: float) -> None:
        super().__init__(
            f"the store {path!r} stayed locked by another writer for {waited_s:g} s "
            "(its busy_timeout); retry later or raise busy_timeout.")
        self.path = path
        self.waited_s = waited_s

"""The ledger's exception and verification report."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LedgerIntegrityError", "VerificationReport"]


class LedgerIntegrityError(ValueError):
    """The stored ledger (or an export) is damaged or was altered behind the library's back."""


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """What :meth:`Ledger.verify` found.

    Attributes
    ----------
    ok : bool
        True when every check passed.
    size : int
        Entries examined.
    first_bad_index : int or None
        The first entry that is wrong, missing or unexpected; None when ``ok``.
    reason : str
        ``"ok"`` or a sentence naming what failed.
    """

    ok: bool
    size: int
    first_bad_index: int | None
    reason: str

    def __bool__(self) -> bool:
        return self.ok

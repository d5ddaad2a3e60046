"""The consent ledger's value types: statuses, states, events, history items, access reports."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lukhas.services.ledger import Entry, InclusionProof, TreeHead, leaf_data

__all__ = [
    "AccessRecord",
    "ConsentEvent",
    "ConsentHistory",
    "ConsentState",
    "ConsentStateError",
    "ConsentStatus",
    "HistoryItem",
    "SubjectAccess",
    "from_ms",
]


class ConsentStateError(ValueError):
    """An operation that the current state does not allow (withdrawing a consent that is
    not granted)."""


class ConsentStatus(enum.StrEnum):
    """Where consent for one (subject, purpose) stands.

    ``GRANTED`` past its expiry reads as ``EXPIRED`` before :meth:`ConsentLedger.expire_due`
    records the expiry; ``NONE`` means the ledger never saw the pair.
    """

    NONE = "none"
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    ERASED = "erased"


def from_ms(ms: int | None) -> datetime | None:
    """Milliseconds since the Unix epoch as an aware UTC datetime (None stays None)."""
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True, slots=True)
class ConsentState:
    """The current state of one (subject, purpose), as the index holds it.

    Attributes
    ----------
    purpose : str
    status : ConsentStatus
        Already adjusted for expiry at the time of the query.
    expires_at : datetime or None
        When a grant lapses (aware UTC); None for no expiry or a status other than granted.
    index : int
        The ledger index of the event that set this state.
    """

    purpose: str
    status: ConsentStatus
    expires_at: datetime | None
    index: int


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    """One recorded consent event (the return value of grant, withdraw, expire and erase).

    Attributes
    ----------
    index : int
        Its ledger index.
    op : {"grant", "withdraw", "expire", "erase"}
    purpose : str or None
        None for ``"erase"`` (it covers every purpose).
    at : datetime
        When it happened (aware UTC, millisecond resolution).
    expires_at : datetime or None
        A grant's expiry.
    entry : Entry
        The ledger entry (pseudonym and encrypted evidence only).
    """

    index: int
    op: str
    purpose: str | None
    at: datetime
    expires_at: datetime | None
    entry: Entry


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """A consent event with the proof that it sits in the ledger.

    Attributes
    ----------
    event : ConsentEvent
    proof : InclusionProof
        Inclusion of ``event.entry`` in the tree of :attr:`ConsentHistory.head`.
    """

    event: ConsentEvent
    proof: InclusionProof

    @property
    def index(self) -> int:
        """The event's ledger index."""
        return self.event.index

    def verify(self, root: bytes) -> bool:
        """Whether the entry's fields hash to the proven leaf and the proof leads to ``root``.

        Parameters
        ----------
        root : bytes of length 32
            A tree head's root the verifier trusts.

        Returns
        -------
        ok : bool
        """
        e = self.event.entry
        leaf = hashlib.sha256(
            b"\x00" + leaf_data(e.index, e.kind, e.actor, e.stamp, e.content_type, e.payload)
        ).digest()
        return (self.proof.index == e.index and leaf == e.leaf_hash == self.proof.leaf_hash
                and self.proof.verify(root))


@dataclass(frozen=True, slots=True)
class ConsentHistory:
    """Every event about one subject, with inclusion proofs against one tree head.

    Attributes
    ----------
    pseudonym : str
        The subject's pseudonym (what the ledger entries carry).
    head : TreeHead
        The tree head every proof leads to.
    items : tuple of HistoryItem
        In ledger order.
    """

    pseudonym: str
    head: TreeHead
    items: tuple[HistoryItem, ...]

    def verify(self, head: TreeHead | None = None) -> bool:
        """Whether every item verifies against ``head`` (default :attr:`head`)."""
        h = self.head if head is None else head
        return all(item.proof.size == h.size and item.verify(h.root) for item in self.items)


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """One event in a data-subject access report, evidence decrypted.

    Attributes
    ----------
    event : ConsentEvent
    evidence : JSON value or None
        The decrypted evidence; None when there was none or it is no longer readable.
    evidence_readable : bool
        False when the event carried evidence that can no longer be decrypted (the
        subject's data key was shredded).
    """

    event: ConsentEvent
    evidence: Any
    evidence_readable: bool


@dataclass(frozen=True, slots=True)
class SubjectAccess:
    """Everything the consent ledger holds about one subject (GDPR art. 15).

    Attributes
    ----------
    subject : str
    pseudonym : str
    erased : bool
        Whether the subject's latest event among grants and erasures is an erasure (their
        data key was shredded and no grant came since).
    states : tuple of ConsentState
        Current state per purpose, by purpose.
    records : tuple of AccessRecord
        Every event, in ledger order.
    """

    subject: str
    pseudonym: str
    erased: bool
    states: tuple[ConsentState, ...]
    records: tuple[AccessRecord, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (ISO 8601 times)."""
        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat()

        return {
            "subject": self.subject, "pseudonym": self.pseudonym, "erased": self.erased,
            "states": [{"purpose": s.purpose, "status": str(s.status),
                        "expires_at": iso(s.expires_at), "index": s.index} for s in self.states],
            "records": [{"index": r.event.index, "op": r.event.op, "purpose": r.event.purpose,
                         "at": iso(r.event.at), "expires_at": iso(r.event.expires_at),
                         "evidence": r.evidence, "evidence_readable": r.evidence_readable}
                        for r in self.records],
        }

"""A GDPR consent ledger on the audit ledger (LUKHAS path ``governance.consent``).

- :class:`ConsentLedger`: :meth:`~ConsentLedger.grant`, :meth:`~ConsentLedger.withdraw`
  and :meth:`~ConsentLedger.expire_due` record consent events per (subject, purpose) on
  an append-only :class:`~lukhas.services.ledger.Ledger`; the current state
  (:meth:`~ConsentLedger.status`, :meth:`~ConsentLedger.state`) comes from an index
  committed in the same transaction; :meth:`~ConsentLedger.history` returns every event
  with an inclusion proof; :meth:`~ConsentLedger.access` and :meth:`~ConsentLedger.erase`
  answer data-subject requests, erasure by crypto-shredding the subject's data key.
- Entries carry only the subject's pseudonym and evidence encrypted under the subject's
  key, so erasing keeps the chain verifiable.
- SQLite by default, PostgreSQL through the same stores (a ``postgresql://`` URL).

Examples
--------
>>> from lukhas.services.security import KeyRing
>>> with ConsentLedger(keyring=KeyRing.generate()) as cl:
...     _ = cl.grant("u1", "marketing", evidence={"checkbox": True})
...     _ = cl.withdraw("u1", "marketing")
...     str(cl.status("u1", "marketing"))
'withdrawn'
"""

from __future__ import annotations

from lukhas.domain.governance.consent._ledger import ConsentLedger, decode_event
from lukhas.domain.governance.consent._records import (
    AccessRecord,
    ConsentEvent,
    ConsentHistory,
    ConsentState,
    ConsentStateError,
    ConsentStatus,
    HistoryItem,
    SubjectAccess,
)

__all__ = [
    "AccessRecord",
    "ConsentEvent",
    "ConsentHistory",
    "ConsentLedger",
    "ConsentState",
    "ConsentStateError",
    "ConsentStatus",
    "HistoryItem",
    "SubjectAccess",
    "decode_event",
]


def __dir__() -> list[str]:
    return list(__all__)

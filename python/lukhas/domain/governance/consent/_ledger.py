"""The GDPR consent ledger: consent events on the audit ledger, an index beside it."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Final

from lukhas._validation import check_str, describe
from lukhas.domain.governance.consent._records import (
    AccessRecord,
    ConsentEvent,
    ConsentHistory,
    ConsentState,
    ConsentStateError,
    ConsentStatus,
    HistoryItem,
    SubjectAccess,
    from_ms,
)
from lukhas.domain.governance.consent._tables import KeyTable, Tables
from lukhas.primitives.clock import HybridLogicalClock
from lukhas.services.ledger import Entry, Ledger, VerificationReport, canonical_json, open_store
from lukhas.services.security import DataKeyVault, DecryptionError, KeyRing, UnknownKeyError

__all__ = ["ConsentLedger", "decode_event"]

logger = logging.getLogger(__name__)

_PURPOSE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
_PSEUDONYM_KEY: Final = "p:pseudonyms"
_OPS: Final = ("grant", "withdraw", "expire", "erase")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _ms(name: str, value: Any) -> int:
    if not isinstance(value, datetime):
        raise TypeError(f"`{name}` must be a timezone-aware datetime, got {describe(value)}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"`{name}` must be timezone-aware (e.g. datetime.now(timezone.utc)), "
                         f"got the naive {value!r}.")
    return int(value.timestamp() * 1000)


def _subject(value: Any) -> str:
    return check_str("subject", value, empty=False, max_length=512, plain_text=True)


def _purpose(value: Any) -> str:
    text = check_str("purpose", value, empty=False, max_length=128)
    if not _PURPOSE.fullmatch(text):
        raise ValueError("`purpose` must be 1-128 characters of letters, digits and '._:/-', "
                         f"starting with a letter or digit, got {text!r}.")
    return text


def decode_event(entry: Entry) -> dict[str, Any] | None:
    """The consent event an entry records, as its JSON dict; None for other entries.

    Keys: ``v``, ``op``, ``subject`` (the pseudonym), ``purpose``, ``at_ms``,
    ``expires_ms`` and ``evidence`` (base64 of the sealed evidence, or None).
    """
    if not entry.kind.startswith("consent.") or entry.content_type != "json":
        return None
    value = entry.value
    if not isinstance(value, dict) or value.get("op") not in _OPS:
        return None
    return value


def _event(entry: Entry, doc: dict[str, Any]) -> ConsentEvent:
    at = from_ms(int(doc["at_ms"]))
    assert at is not None
    exp = doc.get("expires_ms")
    return ConsentEvent(entry.index, str(doc["op"]), doc.get("purpose"), at,
                        from_ms(None if exp is None else int(exp)), entry)


class ConsentLedger:
    """A GDPR consent ledger: grant, withdraw, expire and erase, provably recorded.

    Every event is an entry of an append-only audit ledger
    (:class:`~lukhas.services.ledger.Ledger`) that carries only the subject's
    *pseudonym* (a keyed HMAC of the subject id) and the evidence *encrypted* under the
    subject's own data key (a :class:`~lukhas.services.security.DataKeyVault` entry,
    wrapped by ``keyring``).  The current state per (subject, purpose) lives in an index
    table written in the same transaction as the entry, so :meth:`status` and
    :meth:`state` never scan the chain.  :meth:`history` hands a subject every event
    with an inclusion proof against one tree head; :meth:`access` answers a data-subject
    access request; :meth:`erase` crypto-shreds the subject's data key: the chain still
    verifies, the evidence can never be decrypted again.

    Parameters
    ----------
    store : str, os.PathLike or StoreCore, default ":memory:"
        A SQLite path (default backend), a PostgreSQL URL or a ledger store; the consent
        tables live in the same database as the ledger's.
    keyring : KeyRing
        Wraps the per-subject data keys (keep it outside the database: whoever holds
        the database alone can read no evidence).
    name : str, default "consent"
        The ledger's name (table prefix).
    clock : callable returning an aware datetime, optional
        The time of each event; ``datetime.now(timezone.utc)`` by default.
    hlc : HybridLogicalClock, optional
        The audit ledger's stamp clock.

    Notes
    -----
    Purposes (short identifiers such as ``"analytics"``) and expiry times are stored in
    clear in the entries, so the index can be rebuilt and checked from the chain
    (:meth:`check_index`).  On PostgreSQL a deleted key row stays in the table file until
    ``VACUUM``; run it after erasures where that matters.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> cl = ConsentLedger(keyring=KeyRing.generate())
    >>> t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> _ = cl.grant("alice", "analytics", at=t0, expires_at=t0 + timedelta(days=30),
    ...              evidence={"form": "signup-v3"})
    >>> str(cl.status("alice", "analytics", now=t0))
    'granted'
    >>> str(cl.status("alice", "analytics", now=t0 + timedelta(days=31)))
    'expired'
    >>> _ = cl.withdraw("alice", "analytics", at=t0 + timedelta(days=1))
    >>> history = cl.history("alice")
    >>> [item.event.op for item in history.items], history.verify()
    (['grant', 'withdraw'], True)
    >>> _ = cl.erase("alice")
    >>> cl.access("alice").records[0].evidence_readable, cl.verify().ok
    (False, True)
    """

    def __init__(
        self, store: Any = ":memory:", *, keyring: KeyRing, name: str = "consent",
        clock: Callable[[], datetime] | None = None, hlc: HybridLogicalClock | None = None,
    ) -> None:
        if not isinstance(keyring, KeyRing):
            raise TypeError(f"`keyring` must be a KeyRing, got {describe(keyring)}.")
        if clock is not None and not callable(clock):
            raise TypeError(f"`clock` must be a callable returning a datetime, got "
                            f"{describe(clock)}.")
        self._clock = clock if clock is not None else _utcnow
        self._ledger = Ledger(open_store(store, name), clock=hlc)
        try:
            self._t = Tables(self._ledger.store)
            self._t.create()
            self._keys = KeyTable(self._t)
            self._vault = DataKeyVault(keyring, self._keys)
            self._keys.ensure(_PSEUDONYM_KEY, keyring)
        except BaseException:
            self._ledger.close()
            raise

    # ---- lifecycle -----------------------------------------------------------------

    @property
    def ledger(self) -> Ledger:
        """The underlying audit ledger (for tree heads, consistency proofs, export)."""
        return self._ledger

    @property
    def vault(self) -> DataKeyVault:
        """The per-subject data keys (names ``"s:<pseudonym>"``)."""
        return self._vault

    def close(self) -> None:
        """Close the database connection."""
        self._ledger.close()

    def __enter__(self) -> ConsentLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- helpers -------------------------------------------------------------------

    def pseudonym(self, subject: str) -> str:
        """The subject's pseudonym: HMAC-SHA256 of the id under the ledger's pseudonym key.

        Parameters
        ----------
        subject : str

        Returns
        -------
        pseudonym : str
            64 hex digits; the only form of the subject the ledger entries carry.
        """
        return self._vault.pseudonym(_PSEUDONYM_KEY, _subject(subject).encode("utf-8"))

    def _now(self, name: str, at: datetime | None) -> int:
        return _ms(name, self._clock() if at is None else at)

    def _aad(self, pseudonym: str, op: str, purpose: str | None, at_ms: int) -> bytes:
        return f"lukhas-consent-v1|{self._ledger.name}|{pseudonym}|{op}|{purpose}|{at_ms}".encode()

    def _record(self, doc: dict[str, Any], actor: str,
                index_update: Callable[[Any, int], None]) -> ConsentEvent:
        sql = self._t.sql

        def hook(cur: Any, entries: list[Entry]) -> None:
            idx = entries[0].index
            index_update(cur, idx)
            cur.execute(sql("INSERT INTO {ev} (pseudonym, idx) VALUES ({p}, {p})"),
                        (doc["subject"], idx))

        entry = self._ledger.append_many([(doc, f"consent.{doc['op']}", actor)], hook=hook)[0]
        logger.debug("consent %s recorded at index %d", doc["op"], entry.index)
        return _event(entry, doc)

    def _upsert(self, cur: Any, pseudonym: str, purpose: str, status: str,
                expires_ms: int | None, idx: int) -> None:
        cur.execute(self._t.sql(
            "INSERT INTO {s} (pseudonym, purpose, status, expires_ms, idx) "
            "VALUES ({p}, {p}, {p}, {p}, {p}) ON CONFLICT (pseudonym, purpose) DO UPDATE SET "
            "status = excluded.status, expires_ms = excluded.expires_ms, idx = excluded.idx"),
            (pseudonym, purpose, status, expires_ms, idx))

    def _raw(self, cur: Any, pseudonym: str, purpose: str) -> tuple[str, int | None, int] | None:
        cur.execute(self._t.sql("SELECT status, expires_ms, idx FROM {s} WHERE pseudonym = {p} "
                                "AND purpose = {p}"), (pseudonym, purpose))
        got = cur.fetchone()
        return None if got is None else (str(got[0]),
                                         None if got[1] is None else int(got[1]), int(got[2]))

    # ---- recording -----------------------------------------------------------------

    def grant(
        self, subject: str, purpose: str, *, expires_at: datetime | None = None,
        evidence: Any = None, at: datetime | None = None, actor: str = "consent",
    ) -> ConsentEvent:
        """Record that ``subject`` consents to ``purpose`` (replacing any earlier state).

        Parameters
        ----------
        subject : str
            The data subject's id (1-512 characters); never stored in clear.
        purpose : str
            What the consent covers: 1-128 characters of letters, digits and ``._:/-``.
        expires_at : datetime, optional
            Aware datetime after ``at`` when the consent lapses.
        evidence : JSON-serialisable value, optional
            How consent was given (form version, IP, wording...); stored encrypted under
            the subject's data key.
        at : datetime, optional
            When it was given; default the ledger's clock.
        actor : str, default "consent"
            The ledger entry's actor (a system name, not personal data).

        Returns
        -------
        event : ConsentEvent
        """
        pseudo, purp = self.pseudonym(subject), _purpose(purpose)
        at_ms = self._now("at", at)
        exp_ms = None if expires_at is None else _ms("expires_at", expires_at)
        if exp_ms is not None and exp_ms <= at_ms:
            raise ValueError(f"`expires_at` must be after `at` ({from_ms(at_ms)}), got "
                             f"{expires_at!r}.")
        sealed = None
        if evidence is not None:
            try:
                plain = canonical_json(evidence)
            except (TypeError, ValueError) as err:
                raise TypeError(f"`evidence` must be a JSON-serialisable value without NaN, "
                                f"got {describe(evidence)} ({err}).") from err
            name = f"s:{pseudo}"
            self._keys.ensure(name, self._vault.keyring)
            sealed = base64.b64encode(self._vault.encrypt(
                name, plain, self._aad(pseudo, "grant", purp, at_ms))).decode("ascii")
        doc = {"v": 1, "op": "grant", "subject": pseudo, "purpose": purp, "at_ms": at_ms,
               "expires_ms": exp_ms, "evidence": sealed}
        return self._record(doc, actor, lambda cur, idx: self._upsert(
            cur, pseudo, purp, "granted", exp_ms, idx))

    def withdraw(
        self, subject: str, purpose: str, *, at: datetime | None = None,
        actor: str = "consent",
    ) -> ConsentEvent:
        """Record that ``subject`` withdraws consent to ``purpose``.

        Parameters
        ----------
        subject : str
        purpose : str
        at : datetime, optional
            Default the ledger's clock.
        actor : str, default "consent"

        Returns
        -------
        event : ConsentEvent
            Its :meth:`history` item is the proof a subject can be handed.

        Raises
        ------
        ConsentStateError
            If the consent is not currently recorded as granted (a grant past its
            expiry that is not yet recorded as expired can still be withdrawn).
        """
        pseudo, purp = self.pseudonym(subject), _purpose(purpose)
        at_ms = self._now("at", at)

        def update(cur: Any, idx: int) -> None:
            raw = self._raw(cur, pseudo, purp)
            if raw is None or raw[0] != "granted":
                raise ConsentStateError(
                    f"cannot withdraw `purpose` {purp!r}: its consent is "
                    f"{'none' if raw is None else raw[0]}, not granted.")
            self._upsert(cur, pseudo, purp, "withdrawn", None, idx)

        doc = {"v": 1, "op": "withdraw", "subject": pseudo, "purpose": purp, "at_ms": at_ms,
               "expires_ms": None, "evidence": None}
        return self._record(doc, actor, update)

    def expire_due(self, now: datetime | None = None, *, actor: str = "consent") -> list[
            ConsentEvent]:
        """Record an expiry event for every grant whose ``expires_at`` is at or before ``now``.

        Parameters
        ----------
        now : datetime, optional
            Default the ledger's clock.
        actor : str, default "consent"

        Returns
        -------
        events : list of ConsentEvent
            One per expired (subject, purpose), in ledger order.
        """
        now_ms = self._now("now", now)
        with self._ledger.store.cursor() as cur:
            cur.execute(self._t.sql(
                "SELECT pseudonym, purpose, expires_ms, idx FROM {s} WHERE status = 'granted' "
                "AND expires_ms IS NOT NULL AND expires_ms <= {p} ORDER BY idx"), (now_ms,))
            due = [(str(a), str(b), int(c), int(d)) for a, b, c, d in cur.fetchall()]
        events = []
        for pseudo, purp, exp_ms, seen in due:
            def update(cur: Any, idx: int, pseudo: str = pseudo, purp: str = purp,
                       seen: int = seen) -> None:
                raw = self._raw(cur, pseudo, purp)
                if raw is None or raw[0] != "granted" or raw[2] != seen:
                    raise ConsentStateError("changed concurrently")
                self._upsert(cur, pseudo, purp, "expired", None, idx)

            doc = {"v": 1, "op": "expire", "subject": pseudo, "purpose": purp,
                   "at_ms": exp_ms, "expires_ms": None, "evidence": None}
            try:
                events.append(self._record(doc, actor, update))
            except ConsentStateError:
                logger.info("consent changed while expiring; skipped")
        return events

    def erase(self, subject: str, *, at: datetime | None = None,
              actor: str = "consent") -> ConsentEvent:
        """Erase a subject (GDPR art. 17) by crypto-shredding their data key.

        In one transaction: an ``erase`` entry is appended, every index row of the
        subject becomes ``erased``, and the subject's wrapped data key is deleted.  The
        ledger keeps every entry (``verify()`` still passes) but the evidence in them can
        never be decrypted again.  A later :meth:`grant` starts afresh with a new key.

        Parameters
        ----------
        subject : str
        at : datetime, optional
        actor : str, default "consent"

        Returns
        -------
        event : ConsentEvent
        """
        pseudo = self.pseudonym(subject)
        at_ms = self._now("at", at)

        def update(cur: Any, idx: int) -> None:
            cur.execute(self._t.sql("UPDATE {s} SET status = 'erased', expires_ms = NULL, "
                                    "idx = {p} WHERE pseudonym = {p}"), (idx, pseudo))
            self._keys.delete_in(cur, f"s:{pseudo}")

        doc = {"v": 1, "op": "erase", "subject": pseudo, "purpose": None, "at_ms": at_ms,
               "expires_ms": None, "evidence": None}
        event = self._record(doc, actor, update)
        logger.info("consent subject erased at index %d", event.index)
        return event

    # ---- querying ------------------------------------------------------------------

    def _effective(self, status: str, expires_ms: int | None, now_ms: int) -> ConsentStatus:
        if status == "granted" and expires_ms is not None and expires_ms <= now_ms:
            return ConsentStatus.EXPIRED
        return ConsentStatus(status)

    def status(self, subject: str, purpose: str, *, now: datetime | None = None
               ) -> ConsentStatus:
        """The current status of (subject, purpose), from the index.

        Parameters
        ----------
        subject : str
        purpose : str
        now : datetime, optional
            The time expiry is judged at; default the ledger's clock.

        Returns
        -------
        status : ConsentStatus
            ``NONE`` when the ledger never saw the pair.
        """
        pseudo, purp = self.pseudonym(subject), _purpose(purpose)
        now_ms = self._now("now", now)
        with self._ledger.store.cursor() as cur:
            raw = self._raw(cur, pseudo, purp)
        return ConsentStatus.NONE if raw is None else self._effective(raw[0], raw[1], now_ms)

    def is_granted(self, subject: str, purpose: str, *, now: datetime | None = None) -> bool:
        """Whether consent is granted (and not expired) now."""
        return self.status(subject, purpose, now=now) is ConsentStatus.GRANTED

    def state(self, subject: str, *, now: datetime | None = None) -> dict[str, ConsentState]:
        """Every purpose's current state for ``subject``, from the index.

        Parameters
        ----------
        subject : str
        now : datetime, optional

        Returns
        -------
        states : dict of str to ConsentState
            By purpose (sorted); empty when the ledger never saw the subject.
        """
        pseudo = self.pseudonym(subject)
        now_ms = self._now("now", now)
        with self._ledger.store.cursor() as cur:
            cur.execute(self._t.sql("SELECT purpose, status, expires_ms, idx FROM {s} WHERE "
                                    "pseudonym = {p} ORDER BY purpose"), (pseudo,))
            rows = cur.fetchall()
        out = {}
        for purp, status, exp, idx in rows:
            exp_ms = None if exp is None else int(exp)
            eff = self._effective(str(status), exp_ms, now_ms)
            out[str(purp)] = ConsentState(str(purp), eff, from_ms(exp_ms)
                                          if eff is ConsentStatus.GRANTED else None, int(idx))
        return out

    def _events(self, pseudo: str) -> list[ConsentEvent]:
        with self._ledger.store.cursor() as cur:
            cur.execute(self._t.sql("SELECT idx FROM {ev} WHERE pseudonym = {p} ORDER BY idx"),
                        (pseudo,))
            indices = [int(r[0]) for r in cur.fetchall()]
        out = []
        for i in indices:
            entry = self._ledger.get(i)
            doc = decode_event(entry)
            if doc is None or doc.get("subject") != pseudo:
                raise ConsentStateError(f"ledger entry {i} is not a consent event of this "
                                        "subject; the index was altered (run check_index()).")
            out.append(_event(entry, doc))
        return out

    def history(self, subject: str) -> ConsentHistory:
        """Every event about ``subject``, each with an inclusion proof.

        Parameters
        ----------
        subject : str

        Returns
        -------
        history : ConsentHistory
            Proofs against the current tree head (recorded, so :meth:`verify` later
            checks the ledger still agrees with it); ``history.verify()`` checks them all.
        """
        pseudo = self.pseudonym(subject)
        events = self._events(pseudo)
        head = self._ledger.tree_head()
        items = tuple(HistoryItem(e, self._ledger.inclusion_proof(e.index, head.size))
                      for e in events)
        return ConsentHistory(pseudo, head, items)

    def access(self, subject: str, *, now: datetime | None = None) -> SubjectAccess:
        """Answer a data-subject access request: every state and event, evidence decrypted.

        Parameters
        ----------
        subject : str
        now : datetime, optional

        Returns
        -------
        report : SubjectAccess
            After :meth:`erase`, ``erased`` is True and no earlier evidence is readable.
        """
        sub = _subject(subject)
        pseudo = self.pseudonym(sub)
        name = f"s:{pseudo}"
        records = []
        for event in self._events(pseudo):
            doc = decode_event(event.entry)
            assert doc is not None
            sealed = doc.get("evidence")
            if sealed is None:
                records.append(AccessRecord(event, None, True))
                continue
            try:
                plain = self._vault.decrypt(name, base64.b64decode(sealed), self._aad(
                    pseudo, event.op, event.purpose, int(doc["at_ms"])))
            except (UnknownKeyError, DecryptionError):
                records.append(AccessRecord(event, None, False))
            else:
                records.append(AccessRecord(event, json.loads(plain), True))
        states = tuple(self.state(sub, now=now).values())
        last = [r.event.op for r in records if r.event.op in ("grant", "erase")]
        erased = bool(last) and last[-1] == "erase"
        return SubjectAccess(sub, pseudo, erased, states, tuple(records))

    # ---- integrity -----------------------------------------------------------------

    def verify(self) -> VerificationReport:
        """Verify the audit ledger (every hash re-derived; see :meth:`Ledger.verify`)."""
        return self._ledger.verify()

    def replay(self, entries: Iterable[Entry] | None = None) -> dict[
            tuple[str, str], tuple[str, int | None, int]]:
        """The index a replay of the chain gives: (pseudonym, purpose) -> (status,
        expires_ms, index).  A chain scan; for audits, not queries."""
        state: dict[tuple[str, str], tuple[str, int | None, int]] = {}
        for entry in self._ledger.entries() if entries is None else entries:
            doc = decode_event(entry)
            if doc is None:
                continue
            pseudo, purp, op = doc["subject"], doc["purpose"], doc["op"]
            if op == "erase":
                for key in [k for k in state if k[0] == pseudo]:
                    state[key] = ("erased", None, entry.index)
            elif op == "grant":
                state[(pseudo, purp)] = ("granted", doc["expires_ms"], entry.index)
            else:
                state[(pseudo, purp)] = ("withdrawn" if op == "withdraw" else "expired", None,
                                         entry.index)
        return state

    def check_index(self) -> list[tuple[str, str]]:
        """The (pseudonym, purpose) pairs where the index disagrees with a chain replay.

        Returns
        -------
        mismatches : list of (str, str)
            Empty when the index is exactly what the ledger's entries imply.
        """
        want = self.replay()
        with self._ledger.store.cursor() as cur:
            cur.execute(self._t.sql("SELECT pseudonym, purpose, status, expires_ms, idx FROM {s}"))
            have = {(str(a), str(b)): (str(c), None if d is None else int(d), int(e))
                    for a, b, c, d, e in cur.fetchall()}
        return sorted(k for k in want.keys() | have.keys() if want.get(k) != have.get(k))

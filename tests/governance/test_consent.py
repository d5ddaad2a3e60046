"""The GDPR consent ledger (``governance.consent``) on SQLite and a real PostgreSQL server.

Transitions (grant, withdraw, expiry read and recorded, erasure), the index against a slow
replay of the chain over random operation sequences, inclusion proofs a subject can check
with the reference Merkle code, crypto-shredding (the chain still verifies, the evidence is
gone for good, no subject id is stored in clear) and tampering behind the library's back.
"""

from __future__ import annotations

import base64
import itertools
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lukhas.domain.governance.consent import (
    ConsentLedger,
    ConsentStateError,
    ConsentStatus,
)
from lukhas.services.ledger import leaf_data
from lukhas.services.security import DecryptionError, KeyRing, UnknownKeyError, unseal
from reference.consent_ref import ConsentModel, replay_chain
from reference.merkle_ref import ref_leaf_hash, ref_path, ref_root

_names = itertools.count()
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class Target:
    """Where one test's consent ledger lives, and raw SQL behind the library's back."""

    backend: str
    spec: str
    name: str
    ph: str
    keyring: KeyRing

    def open(self, **kwargs: Any) -> ConsentLedger:
        kwargs.setdefault("keyring", self.keyring)
        kwargs.setdefault("clock", lambda: T0)
        return ConsentLedger(self.spec, name=self.name, **kwargs)

    @contextmanager
    def raw(self) -> Iterator[Any]:
        """A cursor with the append-only triggers out of the way, committed at exit."""
        t = f"{self.name}_entries"
        if self.backend == "sqlite":
            conn = sqlite3.connect(self.spec, isolation_level=None)
            for op in ("update", "delete"):
                conn.execute(f"DROP TRIGGER IF EXISTS {t}_no_{op}")
            conn.execute("BEGIN")
            yield conn.cursor()
            conn.execute("COMMIT")
            conn.close()
        else:
            import psycopg

            with psycopg.connect(self.spec) as pg, pg.cursor() as cur:
                cur.execute(f"ALTER TABLE {t} DISABLE TRIGGER USER")
                yield cur
                cur.execute(f"ALTER TABLE {t} ENABLE TRIGGER USER")

    def sql(self, text: str) -> str:
        return text.replace("?", self.ph).replace("{N}", self.name)


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    name = f"c{next(_names)}"
    ring = KeyRing.generate("kek-1")
    if request.param == "sqlite":
        return Target("sqlite", str(tmp_path / "consent.db"), name, "?", ring)
    return Target("postgresql", request.getfixturevalue("pg_dsn"), name, "%s", ring)


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


# ---- transitions -----------------------------------------------------------------------


def test_grant_withdraw_expire_transitions(target: Target) -> None:
    day = timedelta(days=1)
    with target.open() as cl:
        assert cl.status("alice", "analytics") is ConsentStatus.NONE
        assert cl.state("alice") == {}
        g = cl.grant("alice", "analytics", expires_at=T0 + 30 * day, evidence={"form": "v3"})
        assert (g.index, g.op, g.purpose, g.at, g.expires_at) == (
            0, "grant", "analytics", T0, T0 + 30 * day)
        cl.grant("alice", "email", at=T0 + day)
        assert cl.status("alice", "analytics") is ConsentStatus.GRANTED
        assert cl.is_granted("alice", "email", now=T0 + 1000 * day)  # no expiry
        # past expires_at it reads as expired before anything is recorded
        assert cl.status("alice", "analytics", now=T0 + 30 * day) is ConsentStatus.EXPIRED
        assert cl.status("alice", "analytics", now=T0 + 30 * day - timedelta(
            milliseconds=1)) is ConsentStatus.GRANTED
        st_ = cl.state("alice", now=T0 + 31 * day)
        assert {p: s.status for p, s in st_.items()} == {
            "analytics": ConsentStatus.EXPIRED, "email": ConsentStatus.GRANTED}
        assert st_["analytics"].expires_at is None and st_["email"].index == 1
        # expire_due records the expiry once, at the expiry time
        assert cl.expire_due(T0 + 29 * day) == []
        (ev,) = cl.expire_due(T0 + 31 * day)
        assert (ev.op, ev.purpose, ev.at, ev.index) == ("expire", "analytics", T0 + 30 * day, 2)
        assert cl.expire_due(T0 + 31 * day) == []
        assert cl.status("alice", "analytics", now=T0) is ConsentStatus.EXPIRED
        with pytest.raises(ConsentStateError, match="expired, not granted"):
            cl.withdraw("alice", "analytics")
        # re-grant, then withdraw
        cl.grant("alice", "analytics", at=T0 + 32 * day)
        w = cl.withdraw("alice", "analytics", at=T0 + 33 * day)
        assert (w.op, w.index) == ("withdraw", 4)
        assert cl.status("alice", "analytics") is ConsentStatus.WITHDRAWN
        assert cl.state("bob") == {}
        assert [i.event.op for i in cl.history("alice").items] == [
            "grant", "grant", "expire", "grant", "withdraw"]
        assert cl.verify().ok and cl.check_index() == []


def test_refused_operation_appends_nothing(target: Target) -> None:
    with target.open() as cl:
        with pytest.raises(ConsentStateError, match="none, not granted"):
            cl.withdraw("alice", "analytics")
        cl.grant("alice", "analytics")
        cl.withdraw("alice", "analytics")
        with pytest.raises(ConsentStateError, match="withdrawn, not granted"):
            cl.withdraw("alice", "analytics")
        # the failed withdrawals rolled back with their entries: two entries, index agrees
        assert cl.ledger.size == 2
        assert [e.kind for e in cl.ledger.entries()] == ["consent.grant", "consent.withdraw"]
        assert cl.check_index() == [] and cl.verify().ok


def test_expiry_of_a_withdrawable_grant(target: Target) -> None:
    with target.open() as cl:
        cl.grant("u", "p", expires_at=T0 + timedelta(hours=1))
        # past expiry but not yet recorded: the withdrawal is still recorded (and wins)
        cl.withdraw("u", "p", at=T0 + timedelta(hours=2))
        assert cl.expire_due(T0 + timedelta(days=1)) == []
        assert cl.status("u", "p") is ConsentStatus.WITHDRAWN


def test_state_survives_reopen_and_needs_the_keyring(target: Target) -> None:
    with target.open() as cl:
        cl.grant("alice", "analytics", evidence={"ip": "192.0.2.1"})
        pseudo = cl.pseudonym("alice")
    with target.open() as cl:
        assert cl.pseudonym("alice") == pseudo
        assert cl.status("alice", "analytics") is ConsentStatus.GRANTED
        assert cl.access("alice").records[0].evidence == {"ip": "192.0.2.1"}
    with target.open(keyring=KeyRing.generate("other")) as cl, pytest.raises(UnknownKeyError):
        cl.status("alice", "analytics")


# ---- proofs ----------------------------------------------------------------------------


def test_history_items_carry_inclusion_proofs(target: Target) -> None:
    with target.open() as cl:
        cl.grant("alice", "analytics", evidence={"v": 1})
        for i in range(6):
            cl.grant(f"other{i}", "analytics")
        cl.withdraw("alice", "analytics")
        cl.grant("alice", "email")
        hist = cl.history("alice")
        assert [i.index for i in hist.items] == [0, 7, 8]
        assert hist.head == cl.ledger.tree_head() and hist.verify()
        assert all(i.event.entry.actor == "consent" for i in hist.items)
        # a subject checks the withdrawal with the reference RFC 6962 code alone
        leaves = [ref_leaf_hash(leaf_data(e.index, e.kind, e.actor, e.stamp, e.content_type,
                                          e.payload)) for e in cl.ledger.entries()]
        assert ref_root(leaves) == hist.head.root
        item = hist.items[1]
        assert item.event.op == "withdraw"
        assert list(item.proof.path) == ref_path(7, leaves)
        assert item.proof.leaf_hash == leaves[7]
        # wrong root, wrong leaf, or a proof moved to another item: refused
        assert not item.verify(bytes(32))
        assert not hist.items[0].__class__(hist.items[0].event, item.proof).verify(hist.head.root)
        # the head stays provable after more appends
        cl.grant("bob", "x")
        assert cl.ledger.consistency_proof(hist.head.size).verify()
        assert cl.verify().ok


# ---- erasure ---------------------------------------------------------------------------


def test_erasure_shreds_the_key_and_keeps_the_chain(target: Target) -> None:
    with target.open() as cl:
        cl.grant("alice@example.org", "analytics", evidence={"email": "alice@example.org"})
        cl.grant("alice@example.org", "email", evidence={"ip": "198.51.100.7"})
        cl.grant("bob", "analytics", evidence={"form": "b"})
        before = cl.access("alice@example.org")
        assert not before.erased
        assert [r.evidence for r in before.records] == [
            {"email": "alice@example.org"}, {"ip": "198.51.100.7"}]
        sealed = [json.loads(e.payload)["evidence"] for e in cl.ledger.entries()]
        head = cl.ledger.tree_head()
        pseudo = cl.pseudonym("alice@example.org")
        key_before = cl.vault.data_key(f"s:{pseudo}")

        ev = cl.erase("alice@example.org")
        assert ev.op == "erase" and ev.purpose is None
        # the chain verifies, and still agrees with the head handed out before erasure
        assert cl.verify().ok and cl.ledger.consistency_proof(head.size).verify()
        assert cl.check_index() == []
        assert {s.status for s in cl.state("alice@example.org").values()} == {
            ConsentStatus.ERASED}
        assert cl.status("alice@example.org", "analytics") is ConsentStatus.ERASED
        after = cl.access("alice@example.org")
        assert after.erased
        assert [(r.event.op, r.evidence, r.evidence_readable) for r in after.records] == [
            ("grant", None, False), ("grant", None, False), ("erase", None, True)]
        assert "alice" not in json.dumps(after.to_dict()).replace(after.subject, "")
        with pytest.raises(UnknownKeyError):
            cl.vault.data_key(f"s:{pseudo}")
        # even the old key's holder-less blob stays shut to everyone holding the keyring
        with pytest.raises(DecryptionError):
            unseal(target.keyring.new_data_key()[0], base64.b64decode(sealed[0]))
        assert unseal(key_before, base64.b64decode(sealed[0]),
                      cl._aad(pseudo, "grant", "analytics", _ms(T0))) == (
            b'{"email":"alice@example.org"}')  # only the shredded key opened it
        # bob is untouched; history proofs still verify
        assert cl.access("bob").records[0].evidence == {"form": "b"}
        assert cl.history("alice@example.org").verify()
        # a later grant starts afresh with a new key; old evidence stays unreadable
        cl.grant("alice@example.org", "analytics", evidence={"again": True})
        again = cl.access("alice@example.org")
        assert [r.evidence_readable for r in again.records] == [False, False, True, True]
        assert again.records[-1].evidence == {"again": True} and not again.erased
        assert cl.status("alice@example.org", "email") is ConsentStatus.ERASED
        assert cl.check_index() == []


def test_no_subject_id_or_evidence_in_clear(target: Target) -> None:
    with target.open() as cl:
        cl.grant("carol-9f3", "analytics", evidence={"note": "secret-evidence-xyz"})
        cl.withdraw("carol-9f3", "analytics")
        cl.erase("carol-9f3")
    with target.raw() as cur:
        dump = b""
        for table in ("entries", "consent_state", "consent_events", "consent_keys"):
            cur.execute(f"SELECT * FROM {target.name}_{table}")
            for row in cur.fetchall():
                dump += b"|".join(bytes(v) if isinstance(v, (bytes, memoryview))
                                  else str(v).encode() for v in row)
    assert b"carol-9f3" not in dump and b"secret-evidence-xyz" not in dump
    assert b"analytics" in dump  # purposes are stored in clear, by design


def test_sqlite_erasure_leaves_no_key_bytes_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    ring = KeyRing.generate()
    with ConsentLedger(path, keyring=ring) as cl:
        cl.grant("dave", "p", evidence={"x": 1})
        wrapped = bytes(cl.vault._storage[f"s:{cl.pseudonym('dave')}"])
        assert wrapped in _files(tmp_path)
        cl.erase("dave")
        with cl.ledger.store.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert wrapped not in _files(tmp_path)


def _files(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("c.db*")))


# ---- tampering -------------------------------------------------------------------------


def test_tampered_entry_is_caught_by_verify(target: Target) -> None:
    with target.open() as cl:
        cl.grant("alice", "analytics")
        cl.withdraw("alice", "analytics")
        cl.grant("bob", "analytics")
        assert cl.verify().ok
        forged = json.loads(cl.ledger.get(1).payload)
    forged.update(op="grant", expires_ms=None)
    with target.raw() as cur:  # turn the withdrawal into a grant behind the library's back
        cur.execute(target.sql("UPDATE {N}_entries SET kind = ?, payload = ? WHERE idx = 1"),
                    ("consent.grant", json.dumps(forged, separators=(",", ":")).encode()))
    with target.open() as cl:
        report = cl.verify()
        assert not report.ok and report.first_bad_index == 1


def test_tampered_index_is_caught_by_check_index(target: Target) -> None:
    with target.open() as cl:
        cl.grant("alice", "analytics")
        cl.withdraw("alice", "analytics")
        pseudo = cl.pseudonym("alice")
    with target.raw() as cur:
        cur.execute(target.sql("UPDATE {N}_consent_state SET status = 'granted' "
                               "WHERE pseudonym = ?"), (pseudo,))
    with target.open() as cl:
        assert cl.status("alice", "analytics") is ConsentStatus.GRANTED  # the index lies...
        assert cl.verify().ok  # ...the chain is intact...
        assert cl.check_index() == [(pseudo, "analytics")]  # ...and the replay shows it


# ---- the index against a slow replay ---------------------------------------------------

_op = st.one_of(
    st.tuples(st.just("grant"), st.integers(0, 3), st.integers(0, 2),
              st.one_of(st.none(), st.integers(1, 50)), st.booleans()),
    st.tuples(st.just("withdraw"), st.integers(0, 3), st.integers(0, 2)),
    st.tuples(st.just("expire"), st.integers(0, 60)),
    st.tuples(st.just("erase"), st.integers(0, 3)),
    st.tuples(st.just("tick"), st.integers(0, 20)),
)


def _run_ops(cl: ConsentLedger, ops: list[tuple[Any, ...]]) -> None:
    model = ConsentModel()
    subjects = [f"subject-{i}" for i in range(4)]
    purposes = ["analytics", "email", "research"]
    now = 0  # minutes after T0
    for op in ops:
        at = T0 + timedelta(minutes=now)
        if op[0] == "grant":
            s, p = subjects[op[1]], purposes[op[2]]
            exp = None if op[3] is None else at + timedelta(minutes=op[3])
            cl.grant(s, p, expires_at=exp, at=at, evidence={"n": now} if op[4] else None)
            model.grant(s, p, None if exp is None else _ms(exp))
        elif op[0] == "withdraw":
            s, p = subjects[op[1]], purposes[op[2]]
            if model.can_withdraw(s, p):
                cl.withdraw(s, p, at=at)
                model.withdraw(s, p)
            else:
                with pytest.raises(ConsentStateError):
                    cl.withdraw(s, p, at=at)
        elif op[0] == "expire":
            when = at + timedelta(minutes=op[1])
            assert len(cl.expire_due(when)) == model.expire_due(_ms(when))
        elif op[0] == "erase":
            cl.erase(subjects[op[1]], at=at)
            model.erase(subjects[op[1]])
        else:
            now += op[1]
        # the index answers like the model at every step, judged at several times
        for q in (0, 10, 100):
            t = T0 + timedelta(minutes=now + q)
            for s in subjects:
                st_ = cl.state(s, now=t)
                for p in purposes:
                    want = model.status(s, p, _ms(t))
                    assert cl.status(s, p, now=t).value == want
                    assert (st_[p].status.value if p in st_ else "none") == want
    # the index equals a slow replay of the chain, row for row
    pseudo = {cl.pseudonym(s): s for s in subjects}
    replayed = replay_chain(cl.ledger.entries())
    with cl.ledger.store.cursor() as cur:
        cur.execute(f"SELECT pseudonym, purpose, status, expires_ms FROM {cl.ledger.name}"
                    "_consent_state")
        index = {(str(a), str(b)): (str(c), None if d is None else int(d))
                 for a, b, c, d in cur.fetchall()}
    assert index == replayed
    assert {(pseudo[k[0]], k[1]): v for k, v in replayed.items()} == model.state
    assert cl.check_index() == [] and cl.verify().ok
    for s in subjects:
        assert cl.history(s).verify()


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_op, max_size=30))
def test_index_agrees_with_replay_sqlite(ops: list[tuple[Any, ...]]) -> None:
    with ConsentLedger(keyring=KeyRing.generate(), clock=lambda: T0) as cl:
        _run_ops(cl, ops)


@settings(max_examples=8, suppress_health_check=[HealthCheck.too_slow,
                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(_op, max_size=20))
def test_index_agrees_with_replay_postgresql(pg_dsn: str, ops: list[tuple[Any, ...]]) -> None:
    with ConsentLedger(pg_dsn, name=f"h{next(_names)}", keyring=KeyRing.generate(),
                       clock=lambda: T0) as cl:
        _run_ops(cl, ops)


# ---- the boundary ----------------------------------------------------------------------


def test_inputs_are_validated() -> None:
    ring = KeyRing.generate()
    with pytest.raises(TypeError, match="`keyring`"):
        ConsentLedger(keyring="k")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`clock`"):
        ConsentLedger(keyring=ring, clock=3)  # type: ignore[arg-type]
    with ConsentLedger(keyring=ring) as cl:
        with pytest.raises(TypeError, match="`subject`"):
            cl.grant(42, "p")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="`subject`"):
            cl.grant("", "p")
        with pytest.raises(ValueError, match="`subject`"):
            cl.status("a\x00b", "p")
        with pytest.raises(TypeError, match="`purpose`"):
            cl.grant("s", None)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="`purpose`"):
            cl.grant("s", "no spaces")
        with pytest.raises(TypeError, match="`expires_at`"):
            cl.grant("s", "p", expires_at="2030-01-01")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="`expires_at` must be timezone-aware"):
            cl.grant("s", "p", expires_at=datetime(2030, 1, 1))
        with pytest.raises(ValueError, match="`expires_at` must be after"):
            cl.grant("s", "p", at=T0, expires_at=T0)
        with pytest.raises(TypeError, match="`evidence`"):
            cl.grant("s", "p", evidence={"x": {1, 2}})
        with pytest.raises(TypeError, match="`evidence`"):
            cl.grant("s", "p", evidence=float("nan"))
        with pytest.raises(ValueError, match="`now`"):
            cl.expire_due(datetime(2030, 1, 1))
        with pytest.raises(TypeError, match="`at`"):
            cl.erase("s", at=1.5)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="`actor`"):
            cl.grant("s", "p", actor="")
        assert cl.ledger.size == 0  # nothing refused was recorded
        # any timezone works, and reads back in UTC
        ev = cl.grant("s", "p", at=datetime(2026, 1, 1, 9, tzinfo=timezone(timedelta(hours=9))))
        assert ev.at == datetime(2026, 1, 1, 0, tzinfo=UTC)


def test_lukhas_path() -> None:
    import governance.consent as lane
    import lukhas.domain.governance.consent as home

    assert lane is home and lane.ConsentLedger is ConsentLedger


def test_ledger_append_hook_commits_or_rolls_back_with_the_entries(target: Target) -> None:
    from lukhas.services.ledger import Ledger

    with Ledger(target.spec, name=target.name) as ledger:
        with ledger.store.transaction() as cur:
            cur.execute(f"CREATE TABLE {target.name}_side (idx BIGINT PRIMARY KEY)")
        seen: list[int] = []

        def hook(cur: Any, entries: list[Any]) -> None:
            seen.extend(e.index for e in entries)
            cur.execute(target.sql("INSERT INTO {N}_side (idx) VALUES (?)"), (entries[-1].index,))

        ledger.append_many([({"a": 1}, "k", "x"), ({"a": 2}, "k", "x")], hook=hook)

        def failing(cur: Any, entries: list[Any]) -> None:
            hook(cur, entries)
            raise RuntimeError("refused")

        with pytest.raises(RuntimeError, match="refused"):
            ledger.append_many([({"a": 3}, "k", "x")], hook=failing)
        with pytest.raises(TypeError, match="`hook`"):
            ledger.append_many([({"a": 4}, "k", "x")], hook=3)  # type: ignore[arg-type]
        assert seen == [0, 1, 2] and ledger.size == 2 and ledger.verify().ok
        with ledger.store.cursor() as cur:
            cur.execute(f"SELECT idx FROM {target.name}_side")
            assert [int(r[0]) for r in cur.fetchall()] == [1]
        assert ledger.append({"a": 5}).index == 2  # the rolled-back index is reused

"""One conformance suite for every ledger backend (SQLite and a real PostgreSQL server).

Behaviour, tamper evidence (rows changed, deleted, reordered and inserted with raw SQL
behind the library's back: ``verify()`` names the first bad index), durability (a
writer killed with SIGKILL mid-append) and concurrency (appenders in several processes
never fork the chain).  The PostgreSQL half starts its own server with ``initdb`` and
``pg_ctl`` and skips only when no server binary exists.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lukhas.primitives.merkle import verify_consistency, verify_inclusion
from lukhas.services.ledger import (
    Ledger,
    LedgerIntegrityError,
    PostgresStore,
    SQLiteStore,
    TreeHead,
    leaf_data,
    verify_export_lines,
)
from reference.merkle_ref import ref_chain, ref_leaf_hash, ref_root

_names = itertools.count()


@dataclass
class Target:
    """Where one test's ledger lives, and raw SQL access behind the library's back."""

    backend: str
    spec: str
    name: str
    ph: str

    def open(self, **kwargs: Any) -> Ledger:
        return Ledger(self.spec, name=self.name, **kwargs)

    @contextmanager
    def raw(self) -> Iterator[Any]:
        """A cursor with the append-only triggers out of the way, committed at exit."""
        t = f"{self.name}_entries"
        if self.backend == "sqlite":
            conn = sqlite3.connect(self.spec, isolation_level=None)
            for op in ("update", "delete"):
                conn.execute(f"DROP TRIGGER IF EXISTS {t}_no_{op}")
            conn.execute("BEGIN")
            cur = conn.cursor()
            yield cur
            conn.execute("COMMIT")
            conn.close()
        else:
            import psycopg

            with psycopg.connect(self.spec) as conn, conn.cursor() as cur:
                cur.execute(f"ALTER TABLE {t} DISABLE TRIGGER USER")
                yield cur
                cur.execute(f"ALTER TABLE {t} ENABLE TRIGGER USER")

    def sql(self, text: str) -> str:
        return text.replace("?", self.ph).replace("{E}", f"{self.name}_entries")


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    name = f"t{next(_names)}"
    if request.param == "sqlite":
        return Target("sqlite", str(tmp_path / "ledger.db"), name, "?")
    dsn = request.getfixturevalue("pg_dsn")
    return Target("postgresql", dsn, name, "%s")


# ---- behaviour -----------------------------------------------------------------------


def test_append_read_and_hashes_match_reference(target: Target) -> None:
    with target.open() as ledger:
        e0 = ledger.append({"b": [1, 2], "a": "x"}, kind="auth", actor="alice")
        e1 = ledger.append(b"\x00raw\xff", kind="blob", actor="bob")
        more = ledger.append_many([("s", "k", "c"), {"payload": 3.5, "kind": "num"}])
        assert [e.index for e in (e0, e1, *more)] == [0, 1, 2, 3]
        assert e0.value == {"a": "x", "b": [1, 2]} and e0.payload == b'{"a":"x","b":[1,2]}'
        assert e1.value == b"\x00raw\xff" and e1.content_type == "bytes"
        assert more[1].actor == "system" and more[1].value == 3.5
        assert len(ledger) == ledger.size == 4
        stored = list(ledger.entries())
        assert stored == [e0, e1, *more] and ledger.get(1) == e1
        assert list(ledger.entries(1, 3)) == [e1, more[0]]
        # stamps increase along the ledger
        assert all(a.stamp < b.stamp for a, b in itertools.pairwise(stored))
        leaves = [ref_leaf_hash(leaf_data(e.index, e.kind, e.actor, e.stamp, e.content_type,
                                          e.payload)) for e in stored]
        assert [e.leaf_hash for e in stored] == leaves
        assert [e.chain_hash for e in stored] == ref_chain(leaves)
        assert ledger.tree_head() == TreeHead(4, ref_root(leaves))
        assert ledger.tree_head(2) == TreeHead(2, ref_root(leaves[:2]))
        assert ledger.verify().ok
        with pytest.raises(IndexError, match="index"):
            ledger.get(4)


def test_proofs_for_every_size(target: Target) -> None:
    with target.open() as ledger:
        heads = [ledger.tree_head()]
        for i in range(9):
            ledger.append({"i": i})
            heads.append(ledger.tree_head())
        for head in heads[1:]:
            for i in range(head.size):
                proof = ledger.inclusion_proof(i, head.size)
                assert proof.verify(head.root)
                assert verify_inclusion(ledger.get(i).leaf_hash, i, head.size, list(proof.path),
                                        head.root)
        for a, b in itertools.combinations(heads, 2):
            cp = ledger.consistency_proof(a.size, b.size)
            assert cp.verify()
            assert verify_consistency(a.size, b.size, a.root, b.root, list(cp.path))


def test_reopen_continues_the_chain(target: Target) -> None:
    with target.open() as ledger:
        ledger.append_many([({"n": i}, "k", "a") for i in range(5)])
        head = ledger.tree_head()
    with target.open() as ledger:
        assert ledger.size == 5
        ledger.append({"n": 5})
        assert ledger.consistency_proof(head.size).verify()
        assert ledger.verify(head).ok


def test_append_only_triggers_refuse_update_and_delete(target: Target) -> None:
    with target.open() as ledger:
        ledger.append({"x": 1})
        ledger.tree_head()  # a row in every table, so row triggers have something to refuse
        store = ledger.store
        if target.backend == "sqlite":
            assert isinstance(store, SQLiteStore)
            conn = sqlite3.connect(target.spec)
            for statement in (f"UPDATE {target.name}_entries SET kind = 'y'",
                              f"DELETE FROM {target.name}_entries",
                              f"DELETE FROM {target.name}_checkpoints"):
                with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                    conn.execute(statement)
            conn.close()
        else:
            import psycopg

            assert isinstance(store, PostgresStore)
            for statement in (f"UPDATE {target.name}_entries SET kind = 'y'",
                              f"DELETE FROM {target.name}_entries",
                              f"TRUNCATE {target.name}_entries",
                              f"DELETE FROM {target.name}_roots"):
                with psycopg.connect(target.spec) as conn, pytest.raises(
                        psycopg.errors.RaiseException, match="append-only"):
                    conn.execute(statement)
        assert ledger.verify().ok


def test_signed_tree_heads(target: Target) -> None:
    ed25519 = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ed25519")
    key, other = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    with target.open() as ledger:
        ledger.append_many([(b"a", "k", "x"), (b"b", "k", "x")])
        sth = ledger.sign_tree_head(key)
        assert sth.size == 2 and sth.verify(key.public_key())
        assert not sth.verify(other.public_key())
        forged = type(sth)(3, sth.root, sth.timestamp_ms, sth.key_id, sth.signature)
        assert not forged.verify(key.public_key())
        assert type(sth).from_json(json.loads(json.dumps(sth.to_json()))) == sth
        assert ledger.verify(sth).ok


def test_export_import_round_trip_and_third_party_check(target: Target) -> None:
    ed25519 = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ed25519")
    key = ed25519.Ed25519PrivateKey.generate()
    with target.open() as ledger:
        ledger.append_many([({"i": i, "note": "ü"}, "k", f"actor{i % 3}") for i in range(37)])
        ledger.append(b"\xff\x00bytes")
        buf = io.StringIO()
        head = ledger.export_jsonl(buf, signing_key=key)
        text = buf.getvalue()
        lines = text.splitlines()
        assert verify_export_lines(lines) == (True, None, "ok")
        header = json.loads(lines[0])
        assert header["size"] == 38 and bytes.fromhex(header["root"]) == head.root
        # a third party changes nothing but one payload byte: caught at that entry
        entry = json.loads(lines[12])
        entry["stamp"] += 1
        assert verify_export_lines([lines[0], *lines[1:12], json.dumps(entry), *lines[13:]])[:2] \
            == (False, 11)
        assert verify_export_lines(lines[:-1])[:2] == (False, 37)
        copy = Ledger.import_jsonl(io.StringIO(text), name=f"{target.name}i")
        assert list(copy.entries()) == list(ledger.entries())
        assert copy.tree_head() == head and copy.verify().ok
        copy.append({"after": "import"})
        assert copy.verify().ok
        copy.close()
        with pytest.raises(LedgerIntegrityError, match="entry 11"):
            Ledger.import_jsonl(io.StringIO("\n".join(
                [lines[0], *lines[1:12], json.dumps(entry), *lines[13:]])))


def test_validation_messages(target: Target) -> None:
    with target.open() as ledger:
        with pytest.raises(TypeError, match="payload"):
            ledger.append(object())
        with pytest.raises(TypeError, match="payload"):
            ledger.append({"x": float("nan")})
        with pytest.raises(ValueError, match="kind"):
            ledger.append(b"x", kind="")
        with pytest.raises(ValueError, match="actor"):
            ledger.append(b"x", actor="a\x00b")
        with pytest.raises(ValueError, match="actor"):
            ledger.append(b"x", actor="\ud800")
        with pytest.raises(TypeError, match=r"records\[0\]"):
            ledger.append_many([b"x"])
        with pytest.raises(ValueError, match="size"):
            ledger.tree_head(1)
        assert ledger.size == 0 and ledger.verify().ok
    with pytest.raises(ValueError, match="name"):
        Ledger(target.spec, name="Bad-Name")


# ---- tamper evidence -----------------------------------------------------------------

N = 10


def _forge(target: Target, cur: Any, index: int, prev_chain: bytes, kind: str = "forged") -> None:
    payload = b"forged"
    leaf = ref_leaf_hash(leaf_data(index, kind, "mallory", 1, "bytes", payload))
    chain = hashlib.sha256(prev_chain + leaf).digest()
    cur.execute(target.sql("INSERT INTO {E} (idx, kind, actor, stamp, ctype, payload, leaf_hash, "
                           "chain_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                (index, kind, "mallory", 1, "bytes", payload, leaf, chain))


def _t_payload(t: Target, cur: Any, k: int, chains: list[bytes]) -> int:
    cur.execute(t.sql("UPDATE {E} SET payload = ? WHERE idx = ?"), (b'{"i":-1}', k))
    return k


def _t_kind(t: Target, cur: Any, k: int, chains: list[bytes]) -> int:
    cur.execute(t.sql("UPDATE {E} SET kind = ? WHERE idx = ?"), ("other", k))
    return k


def _t_stamp(t: Target, cur: Any, k: int, chains: list[bytes]) -> int:
    cur.execute(t.sql("UPDATE {E} SET stamp = stamp + 1 WHERE idx = ?"), (k,))
    return k


def _t_chain(t: Target, cur: Any, k: int, chains: list[bytes]) -> int:
    cur.execute(t.sql("UPDATE {E} SET chain_hash = ? WHERE idx = ?"), (bytes(32), k))
    return k


def _t_leaf_short(t: Target, cur: Any, k: int, chains: list[bytes]) -> int:
    cur.execute(t.sql("UPDATE {E} SET leaf_hash = ? WHERE idx = ?"), (b"short", k))
    return k


def _t_delete(t: Target, cur: Any, k: int, chains: list[bytes]) -> int:
    cur.execute(t.sql("DELETE FROM {E} WHERE idx = ?"), (k,))
    return k


def _t_delete_tail(t: Target, cur: Any, k: int, chains: list[bytes]) -> int:
    cur.execute(t.sql("DELETE FROM {E} WHERE idx >= ?"), (k,))
    return k


def _t_reorder(t: Target, cur: Any, k: int, chains: list[bytes]) -> int:
    j = min(k + 3, N - 1)
    if j == k:
        j, k = k, k - 2
    cur.execute(t.sql("UPDATE {E} SET idx = -1 WHERE idx = ?"), (k,))
    cur.execute(t.sql("UPDATE {E} SET idx = ? WHERE idx = ?"), (k, j))
    cur.execute(t.sql("UPDATE {E} SET idx = ? WHERE idx = -1"), (j,))
    return k


def _t_insert_end(t: Target, cur: Any, k: int, chains: list[bytes]) -> int:
    # a forged entry with correct-looking hashes appended past the last commit
    _forge(t, cur, N, chains[N - 1])
    return N


def _t_insert_middle(t: Target, cur: Any, k: int, chains: list[bytes]) -> int:
    # shift entries k.. up by one and forge a well-hashed entry at k
    cur.execute(t.sql("UPDATE {E} SET idx = idx + 1000 WHERE idx >= ?"), (k,))
    cur.execute(t.sql("UPDATE {E} SET idx = idx - 999 WHERE idx >= 1000"))
    _forge(t, cur, k, chains[k - 1] if k else bytes(32))
    return k


def _t_rewrite(t: Target, cur: Any, k: int, chains: list[bytes]) -> int:
    # replace entries k.. with a self-consistent forged chain (every hash recomputed)
    cur.execute(t.sql("DELETE FROM {E} WHERE idx >= ?"), (k,))
    prev = chains[k - 1] if k else bytes(32)
    for i in range(k, N):
        _forge(t, cur, i, prev)
        cur.execute(t.sql("SELECT chain_hash FROM {E} WHERE idx = ?"), (i,))
        prev = bytes(cur.fetchone()[0])
    return k


TAMPERS: dict[str, Callable[[Target, Any, int, list[bytes]], int]] = {
    "payload": _t_payload, "kind": _t_kind, "stamp": _t_stamp, "chain": _t_chain,
    "leaf_short": _t_leaf_short, "delete": _t_delete, "delete_tail": _t_delete_tail,
    "reorder": _t_reorder, "insert_end": _t_insert_end, "insert_middle": _t_insert_middle,
    "rewrite": _t_rewrite,
}


@pytest.mark.parametrize("k", [0, 4, N - 1])
@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_verify_names_first_bad_index(target: Target, tamper: str, k: int) -> None:
    with target.open() as ledger:
        chains = [ledger.append({"i": i}, kind="k", actor="a").chain_hash for i in range(N)]
        assert ledger.verify().ok
        with target.raw() as cur:
            want = TAMPERS[tamper](target, cur, k, chains)
        report = ledger.verify()
        assert not report.ok and not report
        assert report.first_bad_index == want, report.reason
        assert str(want) in report.reason


def test_verify_checks_handed_out_heads(target: Target) -> None:
    with target.open() as ledger:
        ledger.append_many([({"i": i}, "k", "a") for i in range(6)])
        assert ledger.verify(TreeHead(6, ledger.tree_head().root)).ok
        bad = ledger.verify(TreeHead(7, bytes(32)))
        assert (bad.ok, bad.first_bad_index) == (False, 6)
        bad = ledger.verify(TreeHead(4, bytes(32)))
        assert (bad.ok, bad.first_bad_index) == (False, 3)


# ---- durability and concurrency ------------------------------------------------------

_WRITER = textwrap.dedent("""
    import sys
    from lukhas.services.ledger import Ledger
    spec, name, tag, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    ledger = Ledger(spec, name=name)
    for i in range(count):
        e = ledger.append({"tag": tag, "seq": i, "pad": "x" * (i % 50)}, kind="w", actor=tag)
        print(e.index, flush=True)
""")


def _writer(target: Target, tag: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, target.spec, target.name, tag, str(count)],
        stdout=subprocess.PIPE, text=True,
    )


def test_sigkill_mid_append_keeps_every_committed_entry(target: Target) -> None:
    with target.open():
        pass  # create the schema before the writer races for it
    proc = _writer(target, "w", 100_000)
    assert proc.stdout is not None
    committed = [int(proc.stdout.readline()) for _ in range(60)]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    with target.open() as ledger:
        report = ledger.verify()
        assert report.ok, report.reason
        assert ledger.size >= committed[-1] + 1
        for e in ledger.entries():
            assert e.value["seq"] == e.index and e.actor == "w"
        ledger.append({"after": "crash"})
        assert ledger.verify().ok


def test_concurrent_appenders_never_fork_the_chain(target: Target) -> None:
    with target.open():
        pass
    procs = [_writer(target, f"p{j}", 40) for j in range(4)]
    for p in procs:
        assert p.wait(timeout=300) == 0
        assert p.stdout is not None
        p.stdout.close()
    with target.open() as ledger:
        report = ledger.verify()
        assert report.ok, report.reason
        entries = list(ledger.entries())
        assert [e.index for e in entries] == list(range(160))
        seen = sorted((e.actor, e.value["seq"]) for e in entries)
        assert seen == sorted((f"p{j}", i) for j in range(4) for i in range(40))
        # each writer's entries appear in its own order
        for j in range(4):
            seqs = [e.value["seq"] for e in entries if e.actor == f"p{j}"]
            assert seqs == sorted(seqs)


def test_sqlite_integrity_check_on_open(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with Ledger(path) as ledger:
        ledger.append_many([({"i": i, "pad": "y" * 500}, "k", "a") for i in range(200)])
    raw = bytearray(path.read_bytes())
    for off in range(4096, len(raw), 997):  # scribble over every page but the header
        raw[off] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises((LedgerIntegrityError, sqlite3.DatabaseError)):
        Ledger(path)

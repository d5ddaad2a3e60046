"""Lamport and vector clocks against the dict-based reference, plus the partial-order laws."""

from __future__ import annotations

import pickle
import threading
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.clock import (
    DEFAULT_NODES,
    LamportClock,
    NodeIndex,
    Ordering,
    VectorClock,
)
from reference.clock_ref import ref_compare, ref_merge

pytestmark = pytest.mark.clock

NODES = ["a", "b", "c", 7, -1]
dict_clocks = st.dictionaries(
    st.sampled_from(NODES), st.integers(0, 4) | st.sampled_from([2**63, 2**64 - 1]), max_size=5
)


def _clock(counts: dict[Any, int], nodes: NodeIndex, owner: Any = "a") -> VectorClock:
    return VectorClock(owner, nodes, counts=counts)


def _nonzero(d: dict[Any, int]) -> dict[Any, int]:
    return {k: v for k, v in d.items() if v}


# -- Lamport ---------------------------------------------------------------------------------


def test_lamport_rules() -> None:
    a, b = LamportClock(), LamportClock(5)
    assert (a.value, b.value) == (0, 5)
    assert a.tick() == 1 and a.tick() == 2
    assert a.receive(b.value) == 6  # max(2, 5) + 1
    assert b.receive(1) == 6  # max(5, 1) + 1
    assert b.merge(3) == 6 and b.merge(np.uint64(10)) == 10
    assert pickle.loads(pickle.dumps(b)).value == 10
    assert repr(b) == "LamportClock(value=10)"


def test_lamport_accepts_full_uint64_and_overflows_loudly() -> None:
    c = LamportClock(2**64 - 2)
    assert c.tick() == 2**64 - 1
    with pytest.raises(OverflowError, match="2\\*\\*64 - 1"):
        c.tick()
    with pytest.raises(OverflowError):
        LamportClock().receive(2**64 - 1)
    assert LamportClock().merge(2**64 - 1) == 2**64 - 1


@pytest.mark.parametrize(
    ("value", "exc", "match"),
    [
        (-1, ValueError, "`remote` must be an int in \\[0, 18446744073709551615\\], got -1"),
        (2**64, ValueError, "`remote`"),
        (1.5, TypeError, "`remote` must be an int"),
        (True, TypeError, "`remote`"),
        ("3", TypeError, "`remote`"),
    ],
)
def test_lamport_rejects_bad_remote(value: Any, exc: type[Exception], match: str) -> None:
    clock = LamportClock(3)
    with pytest.raises(exc, match=match):
        clock.receive(value)
    assert clock.value == 3
    with pytest.raises(exc):
        LamportClock(value)


@given(st.lists(st.tuples(st.sampled_from(["tick", "recv"]), st.integers(0, 50)), max_size=40))
def test_lamport_matches_reference(ops: list[tuple[str, int]]) -> None:
    clock, t = LamportClock(), 0
    for op, remote in ops:
        if op == "tick":
            t += 1
            assert clock.tick() == t
        else:
            t = max(t, remote) + 1
            assert clock.receive(remote) == t
    assert clock.value == t


# -- vector clock basics ---------------------------------------------------------------------


def test_vector_clock_message_exchange() -> None:
    nodes = NodeIndex()
    a, b, c = (VectorClock(n, nodes) for n in "abc")
    assert a.compare(b) is Ordering.EQUAL and a == b
    a.increment()
    msg = a.copy()
    assert b.receive(msg) == 1
    assert b.to_dict() == {"a": 1, "b": 1}
    assert a.compare(b) is Ordering.BEFORE and a < b and a <= b and b > a and b >= a
    c.increment()
    assert c.compare(b) is Ordering.CONCURRENT
    assert not (c < b or c > b or c == b or c <= b or c >= b) and c != b
    assert b.dominates(a) and not a.dominates(b) and b.dominates(b)
    assert b["a"] == 1 and b["zzz"] == 0
    assert (a.node, a.slot, a.nodes) == ("a", 0, nodes)


def test_rich_comparisons_refuse_other_types() -> None:
    clock = VectorClock("a", NodeIndex())
    assert (clock == 3) is False
    with pytest.raises(TypeError):
        _ = clock < 3  # type: ignore[operator]
    with pytest.raises(TypeError, match="unhashable"):
        hash(clock)


def test_default_index_is_shared_and_survives_pickling() -> None:
    x, y = VectorClock("dflt-x"), VectorClock("dflt-y")
    assert x.nodes is DEFAULT_NODES and y.nodes is DEFAULT_NODES
    x.increment()
    restored = pickle.loads(pickle.dumps(x))
    assert restored.nodes is DEFAULT_NODES and restored == x and restored.node == "dflt-x"


def test_pickle_private_index() -> None:
    nodes = NodeIndex(["p", "q"])
    clock = VectorClock("q", nodes, counts={"p": 3, "q": 4})
    restored = pickle.loads(pickle.dumps(clock))
    assert restored.to_dict() == {"p": 3, "q": 4} and restored.nodes.ids == ("p", "q")


def test_node_index() -> None:
    nodes = NodeIndex(["a", 3])
    assert nodes.slot(np.int64(3)) == 1 and nodes.slot(3) == 1
    assert nodes.slot("new") == 2 and len(nodes) == 3 and "new" in nodes
    assert list(nodes) == ["a", 3, "new"] and nodes.find(True) is None
    assert repr(nodes) == "NodeIndex(['a', 3, 'new'])"
    with pytest.raises(TypeError, match=r"`node` must be a str or an int node id, got 1\.5"):
        nodes.slot(1.5)
    with pytest.raises(TypeError, match="`node`"):
        nodes.slot(True)
    with pytest.raises(ValueError, match="`node` must be an int in"):
        nodes.slot(2**63)
    with pytest.raises(TypeError, match="`counts` must be a mapping"):
        nodes.dense([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`counts\\['a'\\]` must be an int in"):
        nodes.dense({"a": -1})


def test_constructor_validation() -> None:
    with pytest.raises(TypeError, match="`nodes` must be a NodeIndex or None"):
        VectorClock("a", {})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`node`"):
        VectorClock(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`other` must be a VectorClock or a mapping"):
        VectorClock("a", NodeIndex()).compare(3)


def test_increment_overflows_loudly() -> None:
    clock = VectorClock("a", NodeIndex(), counts={"a": 2**64 - 1})
    with pytest.raises(OverflowError, match="'a' is already at 2\\*\\*64 - 1"):
        clock.increment()
    assert clock["a"] == 2**64 - 1


def test_growth_beyond_initial_width() -> None:
    nodes = NodeIndex()
    early = VectorClock("n0", nodes)
    early.increment()
    late = [VectorClock(f"n{i}", nodes) for i in range(1, 40)]
    for clock in late:
        clock.increment()
        early.merge(clock)
    assert early.width == 40 and early.to_dict() == {f"n{i}": 1 for i in range(40)}
    assert late[-1].compare(early) is Ordering.BEFORE and late[-1].width == 40
    assert early.to_array(64).shape == (64,)
    with pytest.raises(ValueError, match="`width` must be an int >= 40"):
        early.to_array(3)


def test_foreign_index_is_aligned_by_node_id() -> None:
    x = VectorClock("a", NodeIndex(["a", "b"]), counts={"a": 2, "b": 1})
    y = VectorClock("b", NodeIndex(["c", "b", "a"]), counts={"a": 2, "b": 3, "c": 1})
    assert x.compare(y) is Ordering.BEFORE and y.compare(x) is Ordering.AFTER
    x.merge(y)
    assert x.to_dict() == {"a": 2, "b": 3, "c": 1} and x == y
    assert x.compare({"a": 2, "b": 3, "c": 1}) is Ordering.EQUAL


# -- serialisation -----------------------------------------------------------------------------


@given(dict_clocks, st.sampled_from([*NODES, "ünï", ""]))
def test_bytes_and_dict_round_trip(counts: dict[Any, int], owner: Any) -> None:
    clock = VectorClock(owner, NodeIndex(), counts=counts)
    back = VectorClock.from_bytes(clock.to_bytes(), nodes=NodeIndex())
    assert back.node == owner and back.to_dict() == _nonzero(counts)
    again = VectorClock.from_dict(clock.to_dict(), node=owner, nodes=NodeIndex())
    assert again.to_dict() == _nonzero(counts)
    assert VectorClock.from_bytes(bytearray(clock.to_bytes()), nodes=clock.nodes) == clock


def test_from_bytes_rejects_malformed_data() -> None:
    good = VectorClock("a", NodeIndex(), counts={"a": 1, 5: 2}).to_bytes()
    for cut in range(len(good)):
        with pytest.raises(ValueError, match="`data`"):
            VectorClock.from_bytes(good[:cut], nodes=NodeIndex())
    with pytest.raises(ValueError, match="1 trailing byte"):
        VectorClock.from_bytes(good + b"\0", nodes=NodeIndex())
    with pytest.raises(ValueError, match="unknown node-id tag b'x'"):
        VectorClock.from_bytes(good[:5] + b"x" + good[6:], nodes=NodeIndex())
    bad_utf8 = good[:5] + b"s\x01\x00\xff" + good[9:]
    with pytest.raises(ValueError, match="not UTF-8"):
        VectorClock.from_bytes(bad_utf8, nodes=NodeIndex())
    with pytest.raises(TypeError, match="`data` must be bytes"):
        VectorClock.from_bytes("abc")  # type: ignore[arg-type]


# -- laws against the reference --------------------------------------------------------------


@settings(max_examples=150)
@given(dict_clocks, dict_clocks)
def test_compare_and_merge_match_reference(x: dict[Any, int], y: dict[Any, int]) -> None:
    nodes = NodeIndex()
    a, b = _clock(x, nodes), _clock(y, nodes, owner="b")
    code = ref_compare(x, y)
    assert a.compare(b) == code
    assert (a == b) == (code == 0) and (a < b) == (code == 1) and (a > b) == (code == 2)
    assert (a <= b) == (code in (0, 1)) and (a >= b) == (code in (0, 2))
    assert a.dominates(b) == (code in (0, 2))
    merged = a.copy()
    merged.merge(b)
    assert merged.to_dict() == ref_merge(x, y)
    # Across indexes the answer is the same.
    assert _clock(x, NodeIndex()).compare(_clock(y, NodeIndex(["c", 7]))) == code


@settings(max_examples=150)
@given(dict_clocks, dict_clocks, dict_clocks)
def test_partial_order_laws(x: dict[Any, int], y: dict[Any, int], z: dict[Any, int]) -> None:
    nodes = NodeIndex()
    a, b, c = _clock(x, nodes), _clock(y, nodes), _clock(z, nodes)
    assert a <= a and a.compare(a) is Ordering.EQUAL  # reflexive
    if a <= b and b <= a:  # antisymmetric
        assert a == b and a.to_dict() == b.to_dict()
    if a <= b and b <= c:  # transitive
        assert a <= c
    # compare is consistent when the arguments swap
    flip = {0: 0, 1: 2, 2: 1, 3: 3}
    assert b.compare(a) == flip[a.compare(b)]
    # merge is the least upper bound
    lub = a.copy()
    lub.merge(b)
    assert a <= lub and b <= lub
    if a <= c and b <= c:
        assert lub <= c
    # ... and commutative, associative, idempotent
    other = b.copy()
    other.merge(a)
    assert other == lub
    left = lub.copy()
    left.merge(c)
    bc = b.copy()
    bc.merge(c)
    right = a.copy()
    right.merge(bc)
    assert left == right
    same = lub.copy()
    same.merge(lub)
    assert same == lub


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=30))
def test_receive_makes_sender_happen_before(messages: list[tuple[int, int]]) -> None:
    nodes = NodeIndex()
    clocks = [VectorClock(i, nodes) for i in range(4)]
    for src, dst in messages:
        clocks[src].increment()
        sent = clocks[src].copy()
        clocks[dst].receive(sent)
        assert sent < clocks[dst]
        assert sent.compare(clocks[dst]) is Ordering.BEFORE


def test_node_index_registration_is_thread_safe() -> None:
    nodes = NodeIndex()
    barrier = threading.Barrier(4)

    def register() -> None:
        barrier.wait()
        for i in range(2000):
            nodes.slot(f"n{i}")

    threads = [threading.Thread(target=register) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert nodes.ids == tuple(f"n{i}" for i in range(2000))


def test_from_array_round_trips_a_batch_row() -> None:
    nodes = NodeIndex(["a", "b", "c"])
    clock = VectorClock("b", nodes, counts={"a": 4, "c": 2**64 - 1})
    back = VectorClock.from_array(clock.to_array(), "b", nodes)
    assert back == clock and back.to_dict() == clock.to_dict()
    assert VectorClock.from_array([1], "c", nodes).to_dict() == {"a": 1}
    with pytest.raises(ValueError, match="`counts` has 4 slots but `nodes` holds 3"):
        VectorClock.from_array([0, 0, 0, 1], "a", nodes)
    with pytest.raises(ValueError, match="`counts` must hold counters >= 0"):
        VectorClock.from_array([-1], "a", nodes)
    with pytest.raises(ValueError, match="`counts` must be 1-dimensional"):
        VectorClock.from_array([[1]], "a", nodes)


@pytest.mark.fuzz
@settings(max_examples=300)
@given(st.binary(max_size=64))
def test_from_bytes_never_crashes_on_garbage(data: bytes) -> None:
    for payload in (data, b"LKVC\x01" + data):
        try:
            clock = VectorClock.from_bytes(payload, nodes=NodeIndex())
        except ValueError:
            continue
        assert VectorClock.from_bytes(clock.to_bytes(), nodes=NodeIndex()) == clock

"""Topic validation and the routing trie against the slow reference matcher."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.services.bus._routing import RouteTable
from lukhas.services.bus._topics import TopicTrie, check_pattern, check_topic
from reference.kernel_bus_ref import RefSub, ref_route, ref_topic_matches

WORDS = st.sampled_from(["a", "b", "c"])
PATTERN_WORDS = st.sampled_from(["a", "b", "c", "*", "#"])
topics = st.lists(WORDS, min_size=1, max_size=5).map(".".join)
patterns = st.lists(PATTERN_WORDS, min_size=1, max_size=5).map(".".join)


@pytest.mark.parametrize(
    ("pattern", "topic", "expected"),
    [
        ("a.b", "a.b", True),
        ("a.*", "a.b", True),
        ("a.*", "a", False),
        ("a.*", "a.b.c", False),
        ("a.#", "a", True),
        ("a.#", "a.b.c", True),
        ("#", "a.b", True),
        ("#.c", "c", True),
        ("#.c", "a.b.c", True),
        ("#.c", "a.c.b", False),
        ("a.#.c", "a.c", True),
        ("a.#.c", "a.x.y.c", True),
        ("*.#", "a", True),
        ("#.#", "a.b", True),
        ("*.*", "a", False),
    ],
)
def test_trie_matches_known_cases(pattern: str, topic: str, expected: bool) -> None:
    trie: TopicTrie[str] = TopicTrie()
    trie.add(check_pattern("pattern", pattern), pattern)
    assert (trie.match(topic) == [pattern]) is expected
    assert ref_topic_matches(pattern, topic) is expected


@settings(max_examples=200, deadline=None)
@given(st.lists(patterns, max_size=12), topics)
def test_trie_match_equals_reference(pats: list[str], topic: str) -> None:
    trie: TopicTrie[int] = TopicTrie()
    for i, p in enumerate(pats):
        trie.add(p.split("."), i)
    found = trie.match(topic)
    assert len(found) == len(set(found)), "each value is reported once"
    assert sorted(found) == [i for i, p in enumerate(pats) if ref_topic_matches(p, topic)]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(patterns, st.integers(-2, 2)), min_size=1, max_size=10),
    st.lists(st.integers(0, 9), max_size=5),
    st.lists(topics, min_size=1, max_size=5),
)
def test_route_table_equals_reference(
    specs: list[tuple[str, int]], removals: list[int], probe: list[str]
) -> None:
    table = RouteTable()
    subs = [table.add(p, print, priority=prio, name=None) for p, prio in specs]
    for topic in probe:  # fill the cache before the removals: they must invalidate it
        table.route(topic)
    removed = {i for i in removals if i < len(subs)}
    for i in removed:
        assert table.remove(subs[i])
        assert not subs[i].active
    ref = [RefSub(p, prio, i) for i, (p, prio) in enumerate(specs) if i not in removed]
    for topic in probe:
        got = [s.seq for s in table.route(topic)]
        assert got == [r.seq for r in ref_route(ref, topic)]
    assert len(table) == len(ref)


def test_removal_prunes_and_reports_absence() -> None:
    trie: TopicTrie[str] = TopicTrie()
    trie.add(["a", "*", "c"], "x")
    assert not trie.remove(["a", "*", "c"], "other")
    assert not trie.remove(["a", "b"], "x")
    assert trie.remove(["a", "*", "c"], "x")
    assert trie.match("a.b.c") == []
    assert trie._root.is_empty()


@pytest.mark.parametrize("bad", ["", "a..b", ".a", "a."])
def test_malformed_names_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="`topic` must be non-empty dot-separated words"):
        check_topic("topic", bad)
    with pytest.raises(ValueError, match="`pattern` must be non-empty"):
        check_pattern("pattern", bad)


def test_wildcards_must_be_whole_words() -> None:
    with pytest.raises(ValueError, match=r"only as whole words, got 'mem\*'"):
        check_pattern("pattern", "mem*")
    with pytest.raises(ValueError, match="cannot contain the wildcards"):
        check_topic("topic", "a.#")
    with pytest.raises(TypeError, match="`topic` must be a str of dot-separated words, got 3"):
        check_topic("topic", 3)

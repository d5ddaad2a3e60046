"""Pure-Python oracles for the kernel bus: wildcard matching and delivery order."""

from __future__ import annotations

from dataclasses import dataclass


def ref_words_match(pattern: list[str], topic: list[str]) -> bool:
    """AMQP topic matching, by the definition: '*' is one word, '#' any run of words."""
    if not pattern:
        return not topic
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(ref_words_match(rest, topic[k:]) for k in range(len(topic) + 1))
    if not topic:
        return False
    return (head == "*" or head == topic[0]) and ref_words_match(rest, topic[1:])


def ref_topic_matches(pattern: str, topic: str) -> bool:
    """Whether the dotted ``pattern`` matches the dotted ``topic``."""
    return ref_words_match(pattern.split("."), topic.split("."))


@dataclass
class RefSub:
    pattern: str
    priority: int
    seq: int


def ref_route(subs: list[RefSub], topic: str) -> list[RefSub]:
    """Every matching subscription, highest priority first, ties by subscription order."""
    hits = [s for s in subs if ref_topic_matches(s.pattern, topic)]
    return sorted(hits, key=lambda s: (-s.priority, s.seq))

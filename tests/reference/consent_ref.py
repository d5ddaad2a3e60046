"""Slow, obvious references for the consent ledger.

- :func:`replay_chain`: the current state per (pseudonym, purpose) read back from the raw
  ledger entries (JSON payloads) one by one, with nothing from the library but the entries;
- :class:`ConsentModel`: the same state from the operations themselves, per subject id, with
  expiry judged at query time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

__all__ = ["ConsentModel", "replay_chain"]


def replay_chain(entries: Iterable[Any]) -> dict[tuple[str, str], tuple[str, int | None]]:
    """(pseudonym, purpose) -> (recorded status, expires_ms), by walking the chain."""
    state: dict[tuple[str, str], tuple[str, int | None]] = {}
    for entry in entries:
        if not entry.kind.startswith("consent."):
            continue
        doc = json.loads(entry.payload.decode("utf-8"))
        op = doc["op"]
        assert entry.kind == "consent." + op
        who = doc["subject"]
        if op == "erase":
            for key in list(state):
                if key[0] == who:
                    state[key] = ("erased", None)
        elif op == "grant":
            state[(who, doc["purpose"])] = ("granted", doc["expires_ms"])
        elif op == "withdraw":
            assert state[(who, doc["purpose"])][0] == "granted"
            state[(who, doc["purpose"])] = ("withdrawn", None)
        elif op == "expire":
            assert state[(who, doc["purpose"])][0] == "granted"
            state[(who, doc["purpose"])] = ("expired", None)
        else:
            raise AssertionError(f"unknown op {op!r}")
    return state


class ConsentModel:
    """Consent per (subject, purpose) straight from the operations (times in ms)."""

    def __init__(self) -> None:
        self.state: dict[tuple[str, str], tuple[str, int | None]] = {}

    def grant(self, subject: str, purpose: str, expires_ms: int | None) -> None:
        self.state[(subject, purpose)] = ("granted", expires_ms)

    def can_withdraw(self, subject: str, purpose: str) -> bool:
        return self.state.get((subject, purpose), ("none", None))[0] == "granted"

    def withdraw(self, subject: str, purpose: str) -> None:
        assert self.can_withdraw(subject, purpose)
        self.state[(subject, purpose)] = ("withdrawn", None)

    def expire_due(self, now_ms: int) -> int:
        due = [k for k, (s, e) in self.state.items()
               if s == "granted" and e is not None and e <= now_ms]
        for k in due:
            self.state[k] = ("expired", None)
        return len(due)

    def erase(self, subject: str) -> None:
        for k in list(self.state):
            if k[0] == subject:
                self.state[k] = ("erased", None)

    def status(self, subject: str, purpose: str, now_ms: int) -> str:
        s, e = self.state.get((subject, purpose), ("none", None))
        if s == "granted" and e is not None and e <= now_ms:
            return "expired"
        return s

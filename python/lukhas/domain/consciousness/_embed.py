"""Concept vectors: words hashed to fixed random unit vectors (feature hashing, shared).

A concept (a lower-case word) maps to a unit vector drawn from a generator seeded
by the BLAKE2b hash of the word, so the same word has the same vector in every
process and on every machine, and two different words are nearly orthogonal in
``dim`` dimensions (expected ``|cos|`` about ``1/sqrt(dim)``).  A text's vector is
the normalised mean of its words' vectors.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import numpy as np
import numpy.typing as npt

__all__ = ["STOPWORDS", "concept_vector", "concepts_of", "text_vector"]

STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "for", "from",
    "has", "have", "how", "in", "into", "is", "it", "its", "of", "on", "or", "our", "should",
    "so", "than", "that", "the", "their", "then", "there", "these", "this", "those", "to",
    "was", "we", "were", "what", "when", "where", "which", "while", "who", "why", "will",
    "with", "without", "would", "you", "your", "new", "use", "using", "make", "more", "most",
    "some", "any", "all", "not", "no", "avoid", "must", "need", "needs", "ideas", "idea",
    "about", "over", "under", "between", "focus", "include", "consider", "themselves",
    "itself", "ourselves", "yourself", "thing", "things",
})
_WORD = re.compile(r"[a-z][a-z0-9_\-]{2,}")


def concepts_of(text: str) -> list[str]:
    """The distinct content words of `text`, in first-seen order.

    Examples
    --------
    >>> concepts_of("Design a memory palace for the dreaming mind")
    ['design', 'memory', 'palace', 'dreaming', 'mind']
    """
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if word not in STOPWORDS:
            seen.setdefault(word, None)
    return list(seen)


@lru_cache(maxsize=65536)
def _cached(word: str, dim: int) -> npt.NDArray[np.float64]:
    seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
    vec = np.random.default_rng(seed).standard_normal(dim)
    vec /= np.linalg.norm(vec)
    vec.setflags(write=False)
    return vec


def concept_vector(word: str, dim: int) -> npt.NDArray[np.float64]:
    """The fixed unit vector of one concept (read-only, shape (dim,), float64)."""
    return _cached(word, dim)


def text_vector(words: list[str], dim: int) -> npt.NDArray[np.float64]:
    """Normalised mean of the words' vectors (zeros when `words` is empty)."""
    if not words:
        return np.zeros(dim)
    vec: npt.NDArray[np.float64] = np.sum([_cached(w, dim) for w in words], axis=0)
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm > 0 else vec

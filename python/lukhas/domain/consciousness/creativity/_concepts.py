"""Concept vectors for the creativity engine: the domain's shared hashing embedder."""

from __future__ import annotations

from lukhas.domain.consciousness._embed import (
    STOPWORDS,
    concept_vector,
    concepts_of,
    text_vector,
)

__all__ = ["STOPWORDS", "concept_vector", "concepts_of", "text_vector"]

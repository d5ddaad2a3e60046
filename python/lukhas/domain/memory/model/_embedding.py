"""Text embeddings without a model: signed feature hashing of words and character trigrams."""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_int, describe
from lukhas.primitives.glyphs import glyph_hash_many

__all__ = ["HashingEmbedder"]

_WORD = re.compile(r"\w+")
_EMPTY_TOKEN = "\x00empty"


class HashingEmbedder:
    """Deterministic unit-norm text embeddings by signed feature hashing.

    Each text becomes a bag of its lower-cased words and the character
    trigrams of each word (with boundary marks, so ``"fold"`` and
    ``"folding"`` share features).  Every token is hashed once with XXH3
    (:func:`lukhas.primitives.glyphs.glyph_hash_many`); the low bits pick a
    dimension and the top bit a sign (Weinberger et al. 2009), and the sum is
    L2-normalised.  Texts that share many tokens get high cosine similarity,
    which is what near-duplicate detection needs; it is not a semantic model.

    Parameters
    ----------
    dim : int, default=256
        Embedding width, >= 8.
    seed : int, default=0
        Hash seed: embeddings are comparable only under one seed.

    Examples
    --------
    >>> emb = HashingEmbedder(64)
    >>> v = emb(["the cat sat", "the cat sat down", "quantum annealing"])
    >>> v.shape, v.dtype
    ((3, 64), dtype('float32'))
    >>> bool(v[0] @ v[1] > 0.7 > v[0] @ v[2])
    True
    """

    def __init__(self, dim: int = 256, seed: int = 0) -> None:
        self.dim = check_int("dim", dim, low=8)
        self.seed = check_int("seed", seed, low=0, high=2**64 - 1)

    def __repr__(self) -> str:
        return f"HashingEmbedder(dim={self.dim}, seed={self.seed})"

    @staticmethod
    def tokens(text: str) -> list[str]:
        """The hashed tokens of ``text``: words and ``#``-bounded character trigrams.

        Examples
        --------
        >>> HashingEmbedder.tokens("Hi Bo")
        ['hi', '#hi', 'hi#', 'bo', '#bo', 'bo#']
        """
        out: list[str] = []
        for word in _WORD.findall(text.lower()):
            out.append(word)
            marked = f"#{word}#"
            out.extend(marked[i : i + 3] for i in range(len(marked) - 2))
        return out or [_EMPTY_TOKEN]

    def __call__(self, texts: str | list[str]) -> npt.NDArray[np.float32]:
        """Embed one text (shape (dim,)) or a list of texts (shape (n, dim)).

        Parameters
        ----------
        texts : str or list of str

        Returns
        -------
        vectors : ndarray of dtype float32, unit rows

        Raises
        ------
        TypeError
            For anything but a str or a list of str.
        """
        if isinstance(texts, str):
            one: npt.NDArray[np.float32] = self([texts])[0]
            return one
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise TypeError(f"`texts` must be a str or a list of str, got {describe(texts)}.")
        out = np.zeros((len(texts), self.dim), dtype=np.float64)
        for row, text in enumerate(texts):
            digests = glyph_hash_many(self.tokens(text), seed=self.seed)
            slots = (digests % np.uint64(self.dim)).astype(np.intp)
            signs = np.where(digests >> np.uint64(63), -1.0, 1.0)
            np.add.at(out[row], slots, signs)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        # A text whose tokens cancel exactly keeps one fixed unit direction.
        out[norms[:, 0] == 0.0, 0] = 1.0
        norms[norms == 0.0] = 1.0
        unit: npt.NDArray[np.float32] = (out / norms).astype(np.float32)
        return unit

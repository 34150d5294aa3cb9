"""Near-duplicate detection: the same response published twice must be counted once."""

from __future__ import annotations

import hashlib
import re

import numpy as np

SHINGLE_WORDS = 5
SIGNATURE_SIZE = 128
DUPLICATE_SIMILARITY = 0.8

_WORD = re.compile(r"[a-z0-9]+")
_MERSENNE = (1 << 61) - 1
_rng = np.random.default_rng(55)
_A = _rng.integers(1, _MERSENNE, SIGNATURE_SIZE, dtype=np.uint64)
_B = _rng.integers(0, _MERSENNE, SIGNATURE_SIZE, dtype=np.uint64)


def minhash_signature(text: str) -> list[int]:
    """A MinHash signature of the text's word shingles; similar texts share most positions."""
    words = _WORD.findall(text.lower())
    shingles = {
        " ".join(words[i : i + SHINGLE_WORDS])
        for i in range(max(1, len(words) - SHINGLE_WORDS + 1))
    }
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(s.encode(), digest_size=7).digest()) for s in shingles],
        dtype=np.uint64,
    )
    # Modular hashing in uint64 wraps harmlessly: we only need a consistent permutation.
    permuted = (np.outer(hashes, _A) + _B) % np.uint64(_MERSENNE)
    return permuted.min(axis=0).astype(np.int64).tolist()


def similarity(left: list[int], right: list[int]) -> float:
    """Estimated Jaccard similarity of two signatures' shingle sets."""
    if not left or not right:
        return 0.0
    return float(np.mean(np.asarray(left) == np.asarray(right)))


def find_duplicate(signature: list[int], others: dict[str, list[int]]) -> str | None:
    """The id of the most similar earlier document at or above the duplicate threshold."""
    best_id, best = None, DUPLICATE_SIMILARITY
    for doc_id, other in others.items():
        score = similarity(signature, other)
        if score >= best:
            best_id, best = doc_id, score
    return best_id

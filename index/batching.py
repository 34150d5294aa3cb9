"""Tokenise once, sort by length, run batches on every core: the fast encoders' shared loop.

Sorting by token count before batching means a batch pads to the length of its longest text,
which is close to every other's; each batch runs whole on one core, one batch per core at a
time, so a core that another process takes slows one batch and stalls nothing else.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# (input ids, attention mask), both int64 (batch, tokens) -> normalised float32 (batch, dim)
Runner = Callable[[np.ndarray, np.ndarray], np.ndarray]


def cores() -> int:
    """CPU cores this process may use (its affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class Tokenized:
    """Texts as word-piece ids (truncated to the model's limit), with their lengths."""

    ids: list[list[int]]
    lengths: np.ndarray

    @property
    def tokens(self) -> int:
        return int(self.lengths.sum())


class TokenBatcher:
    """A model's own tokenizer (tokenizer.json) and the batch loop around any runner."""

    def __init__(self, location: Path, workers: int | None = None) -> None:
        from tokenizers import Tokenizer

        self.max_tokens = max_seq_length(location)
        self._tokenizer = Tokenizer.from_file(str(location / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_tokens)
        self._counter = Tokenizer.from_file(str(location / "tokenizer.json"))
        self._counter.no_padding()
        self._counter.no_truncation()
        self.workers = workers or cores()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """Word-pieces of the text, special tokens excluded (as sentence-transformers counts)."""
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def tokenize(self, texts: Sequence[str]) -> Tokenized:
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [e.ids for e in encodings]
        return Tokenized(ids, np.array([len(i) for i in ids], dtype=np.int64))

    def encode(
        self,
        tokenized: Tokenized,
        run: Runner,
        dim: int,
        batch_size: int,
        progress: bool = False,
        sort: bool = True,
    ) -> np.ndarray:
        """Vectors for tokenized texts, in input order; `sort=False` only to measure padding."""
        lengths = tokenized.lengths
        out = np.zeros((len(lengths), dim), dtype=np.float32)
        order = np.argsort(lengths, kind="stable") if sort else np.arange(len(lengths))
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]

        def one(rows: np.ndarray) -> int:
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for n, row in enumerate(rows):
                ids[n, : lengths[row]] = tokenized.ids[row]
                mask[n, : lengths[row]] = 1
            out[rows] = run(ids, mask)
            return len(rows)

        done = map(one, batches) if len(batches) < 2 or self.workers < 2 else None
        bar = _progress_bar(len(lengths), progress)
        for count in done if done is not None else self._executor().map(one, batches):
            if bar is not None:
                bar.update(count)
        if bar is not None:
            bar.close()
        return out

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="embed")
            return self._pool


def max_seq_length(location: Path) -> int:
    """sentence-transformers' limit for the model, else the model's position count."""
    try:
        settings = json.loads((location / "sentence_bert_config.json").read_text("utf-8"))
        return int(settings["max_seq_length"])
    except (OSError, ValueError, KeyError):
        config = json.loads((location / "config.json").read_text("utf-8"))
        return int(config.get("max_position_embeddings", 512))


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding", unit="text")

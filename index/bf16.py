"""Bulk embedding in bfloat16 on CPUs with AMX: about twice ONNX fp32's speed, same vectors.

Intel's AMX tiles multiply bfloat16 matrices far faster than AVX-512 multiplies float32; torch
reaches them through oneDNN under autocast. On the bundled model the vectors agree with float32
ones to a cosine of 0.9999 or better (`python -m bench embed` measures it), and answers on the
dev set are unchanged. Loading torch costs seconds, so only large jobs (an ingest) use this;
queries and small jobs stay on ONNX Runtime.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

BATCH_SIZE = 16  # measured: AMX tiles want more rows than ONNX's fp32 kernels do
# Below this many tokens in one call, loading torch (about 3 s) costs more than it saves.
MIN_TOKENS = 50_000
CPU_FLAG = "amx_bf16"


def amx_bf16() -> bool:
    """True when this CPU multiplies bfloat16 matrices in AMX tiles (Linux's cpuinfo says so)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return CPU_FLAG in line.split()
    except OSError:
        pass
    return False


class Bf16Runner:
    """The model in torch under bfloat16 autocast; `run` may be called from many threads."""

    def __init__(self, location: Path) -> None:
        import torch

        from index.onnx import pooled_model

        # One thread a call, one call per core, as for ONNX (see index/batching.py).
        torch.set_num_threads(1)
        self._torch = torch
        self._module, self._names = pooled_model(location, "sdpa")
        one = np.ones((1, 2), dtype=np.int64)
        self.dim = int(self(one, one).shape[1])

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        torch = self._torch
        ids_t = torch.from_numpy(ids)
        inputs = [ids_t, torch.from_numpy(mask), torch.zeros_like(ids_t)]
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            return self._module(*inputs[: len(self._names)]).numpy()

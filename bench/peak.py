"""The CPU's peak arithmetic rates, measured with large matrix products, for '% of peak'.

fp32 and bf16 peaks are the best of several 2048x2048 products through torch (MKL/oneDNN use
AVX-512 FMA for fp32 and AMX tiles for bf16 where present); the int8 peak through
`torch._int_mm` (AMX or VNNI). The AVX-512 VNNI int8 peak is estimated as 4x the fp32 FMA
peak: one VPDPBUSD does 64 int8 multiply-adds per 512-bit lane set where one VFMADD does 16.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

SIZE = 2048
TRIES = 8
VNNI_OVER_FP32 = 4


@dataclass(frozen=True, slots=True)
class Peaks:
    """Operations per second (GFLOP/s or GOP/s) on all cores this process may use."""

    cores: int
    fp32_gflops: float
    bf16_gflops: float | None
    int8_gops: float | None
    vnni_int8_gops_estimate: float | None
    flags: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def cpu_flags() -> tuple[str, ...]:
    """The SIMD and matrix features that decide the peaks (from /proc/cpuinfo)."""
    wanted = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8")
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            flags = next(line for line in cpuinfo if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return ()
    return tuple(f for f in wanted if f in flags)


def measure(cores: int) -> Peaks:
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(cores)
    try:
        fp32 = _best(torch.randn(SIZE, SIZE), torch.randn(SIZE, SIZE), torch.mm)
        flags = cpu_flags()
        bf16 = None
        if "avx512_bf16" in flags or "amx_bf16" in flags:
            a, b = torch.randn(SIZE, SIZE), torch.randn(SIZE, SIZE)
            bf16 = _best(a.bfloat16(), b.bfloat16(), torch.mm)
        int8 = None
        try:
            a = torch.randint(-128, 127, (SIZE, SIZE), dtype=torch.int8)
            int8 = _best(a, a.t().contiguous(), torch._int_mm)
        except (RuntimeError, AttributeError):
            pass
        vnni = fp32 * VNNI_OVER_FP32 if "avx512_vnni" in flags else None
        return Peaks(cores, fp32, bf16, int8, vnni, flags)
    finally:
        torch.set_num_threads(threads)


def _best(a: Any, b: Any, multiply: Any) -> float:
    for _ in range(2):
        multiply(a, b)
    best = 0.0
    for _ in range(TRIES):
        started = time.perf_counter()
        multiply(a, b)
        best = max(best, 2 * SIZE**3 / (time.perf_counter() - started) / 1e9)
    return best

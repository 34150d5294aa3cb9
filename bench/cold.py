"""A cold `pccqa ask` on an existing index: a new process each time, as a person runs it.

    python -m bench cold [--rounds 5] [--ref GIT_REF] [--json]

Paired rounds of the same question in fresh processes: ours (ONNX Runtime, lazy imports)
against the torch path (PCCQA_BACKEND=torch: the model as every question loaded it before),
and, with --ref, against another revision's code (e.g. main) run from a `git archive` copy.
Then `python -X importtime` of one run each: what the imports cost, by top-level package.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.paired import paired, ratio, table

QUESTION = "which forces use tuServ for demographic capture?"
REPO = Path(__file__).resolve().parent.parent
PACKAGES = (
    "gradio",
    "langchain_core",
    "langsmith",  # langchain_core's tracing, with pydantic, tenacity and requests below
    "pydantic",
    "tenacity",
    "requests",
    "langchain_text_splitters",
    "torch",
    "transformers",
    "sentence_transformers",
    "onnxruntime",
    "tokenizers",
    "faiss",
    "numpy",
)
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)")


@dataclass(frozen=True, slots=True)
class ColdRow:
    name: str
    seconds: tuple[float, ...]
    median_s: float
    speedup: float
    imports_s: float
    packages_s: dict[str, float]


@dataclass(frozen=True, slots=True)
class ColdBench:
    rows: tuple[ColdRow, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def table(self) -> str:
        main = table(
            ("`pccqa ask` in a new process", "median s", "min s", "max s", "speed-up", "imports s"),
            [
                (
                    r.name,
                    r.median_s,
                    min(r.seconds),
                    max(r.seconds),
                    f"{r.speedup:.2f}x",
                    r.imports_s,
                )
                for r in self.rows
            ],
        )
        imports = table(
            ("import s, by package", *(r.name.split(" (")[0] for r in self.rows)),
            [(p, *(r.packages_s.get(p, 0.0) for r in self.rows)) for p in PACKAGES],
        )
        return (
            f'Cold `pccqa ask "{QUESTION}"` on an existing index of the bundled corpus, '
            f"{len(self.rows[0].seconds)} paired rounds:\n{main}\n\n"
            f"python -X importtime, one run each:\n{imports}"
        )


def _run(tree: Path, env: dict[str, str], extra: tuple[str, ...] = ()) -> str:
    """`pccqa ask` from the code in `tree` (the working directory comes first on sys.path)."""
    done = subprocess.run(
        [sys.executable, *extra, "-c", "from ui.cli import main; main()", "ask", QUESTION],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stderr


def import_times(stderr: str) -> tuple[float, dict[str, float]]:
    """Total import seconds, and each top-level package's share (its modules' own times)."""
    total, packages = 0.0, dict.fromkeys(PACKAGES, 0.0)
    for self_us, _, _, name in _LINE.findall(stderr):
        total += int(self_us) / 1e6
        top = name.split(".")[0]
        if top in packages:
            packages[top] += int(self_us) / 1e6
    return total, packages


def run(rounds: int = 5, ref: str | None = None) -> ColdBench:
    from index.build import ingest_and_index

    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "home"
        ingest_and_index([REPO / "corpus"], home)
        base_env = {**os.environ, "PCCQA_HOME": str(home), "HF_HUB_OFFLINE": "1"}
        base_env.pop("PYTHONPATH", None)
        variants: dict[str, tuple[Path, dict[str, str]]] = {}
        if ref:
            tree = Path(scratch) / "ref"
            tree.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(REPO), "archive", ref], capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
            variants[f"{ref} (before)"] = (tree, {**base_env, "PYTHONPATH": str(tree)})
        variants["torch path"] = (REPO, {**base_env, "PCCQA_BACKEND": "torch"})
        variants["ours"] = (REPO, base_env)
        for tree, env in variants.values():  # the first run of each answers (and warms the OS)
            _run(tree, env)
        seconds = paired(
            {name: (lambda t=tree, e=env: _run(t, e)) for name, (tree, env) in variants.items()},
            rounds,
            warm=False,
        )
        baseline = next(iter(seconds.values()))
        rows = []
        for name, (tree, env) in variants.items():
            imports, packages = import_times(_run(tree, env, ("-X", "importtime")))
            rows.append(
                ColdRow(
                    name,
                    tuple(seconds[name]),
                    statistics.median(seconds[name]),
                    ratio(baseline, seconds[name]),
                    imports,
                    packages,
                )
            )
    return ColdBench(tuple(rows))

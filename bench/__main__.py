"""`python -m bench [WHAT ...] [--json]`: speed figures, each beside its baseline from one run.

    embed    embedding throughput and % of peak, every way of running the model (bench/embed.py)
    quality  dev-set answers with fp32, int8 and bf16 vectors against torch fp32 (bench/quality.py)
    ingest   ingest-to-ready of 200 synthetic responses against the LangChain tutorial
    cold     a cold `pccqa ask` on an existing index against the torch path; import times
    load     20 web users x 5 questions: answers side by side against one at a time
    scale    400,000 synthetic chunks: extrapolated ingest, memory, which-forces answer latency
    ann      FAISS exact against IVF at 100k and 1M vectors (bench/ann.py)
    hybrid   FTS5 + IVF hybrid search at 1M chunks (bench/hybrid_scale.py)

With no WHAT: embed, ingest, cold, load and scale (about half an hour on 2 cores).
Figures are medians over rounds in which ours and the baseline ran back to back.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any

DEFAULT = ("embed", "ingest", "cold", "load", "scale")
CHOICES = (*DEFAULT, "quality", "ann", "hybrid")


def run_one(what: str, args: argparse.Namespace) -> Any:
    """One benchmark's report (an object with table() and to_dict())."""
    if what == "embed":
        from bench import embed

        return embed.run(rounds=args.rounds)
    if what == "quality":
        from bench import quality

        return quality.run()
    if what == "ingest":
        from bench import corpus

        return corpus.run(rounds=args.rounds)
    if what == "cold":
        from bench import cold

        return cold.run(rounds=max(args.rounds, 5), ref=args.ref)
    if what == "load":
        from bench import load

        return load.run_paired(rounds=args.rounds)
    if what == "scale":
        from bench import scale

        return scale.run(args.chunks)
    raise ValueError(what)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    parser.add_argument("what", nargs="*", choices=[*CHOICES, []], metavar="WHAT")
    parser.add_argument("--rounds", type=int, default=3, help="paired rounds (default 3)")
    parser.add_argument("--chunks", type=int, default=400_000, help="size for `scale`")
    parser.add_argument("--ref", help="`cold` also runs this git revision's code (e.g. main)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    logging.basicConfig(level=logging.WARNING)
    results = {}
    for what in args.what or DEFAULT:
        if what in ("ann", "hybrid"):
            from bench import ann, hybrid_scale

            code = (ann if what == "ann" else hybrid_scale).main(["--json"] if args.json else [])
            if code:
                return code
            continue
        report = run_one(what, args)
        results[what] = report.to_dict()
        if not args.json:
            print(report.table(), end="\n\n", flush=True)
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

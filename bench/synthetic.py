"""Synthetic responses for benchmarks: the bundled ones' shape, new prose, every file different.

    python -m bench.synthetic OUT_DIR [--documents 200] [--seed 7]

Each document follows one of the bundled responses line by line (headings, field labels,
recommendation quotes, dates, sign-off), re-addressed to one of the 43 forces, with every body
paragraph replaced by new sentences of about the same length drawn from a word-trigram model of
the bundled prose. So lengths, vocabulary, structure and the share of quoted text are those of
real responses, while no two documents repeat each other's prose (the embedding cache and the
near-duplicate check get no free wins). 200 documents come to about 1.3 M characters.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent.parent / "corpus"
DOCUMENTS = 200
SEED = 7
ORDER = 2  # words of context: readable sentences that still recombine the corpus freely
BODY_MIN_CHARS = 160  # shorter lines are headings, labels, dates and addresses: kept as written
SCALE = (0.5, 0.95)  # documents vary in length around their template's
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_QUOTED = re.compile(r"\bshould\b|^\s*(?:recommendation|\d+[.)])", re.IGNORECASE)
INSPECTIONS = (
    "An inspection of how well the police tackle serious youth violence",
    "An inspection of vetting, misconduct, and misogyny in the police service",
    "An inspection into activity to tackle child sexual exploitation and abuse",
    "The police response to burglary, robbery and other acquisitive crime",
    "An inspection of the police's response to domestic abuse",
)
_START = ("<s>",) * ORDER


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text) if p.strip()]


def _sentences(text: str) -> list[list[str]]:
    found = []
    for paragraph in _paragraphs(text):
        if len(paragraph) < BODY_MIN_CHARS or _QUOTED.search(paragraph):
            continue
        for sentence in _SENTENCE.split(" ".join(paragraph.split())):
            words = sentence.split()
            if len(words) >= 6:
                found.append(words)
    return found


class ProseModel:
    """A word-trigram model of the bundled responses' prose, for sentences never seen before."""

    def __init__(self, texts: list[str], rng: random.Random) -> None:
        self.rng = rng
        self.next: dict[tuple[str, ...], list[str]] = defaultdict(list)
        self.seen: set[str] = set()
        for text in texts:
            for words in _sentences(text):
                self.seen.add(" ".join(words))
                context = _START
                for word in [*words, "</s>"]:
                    self.next[context].append(word)
                    context = (*context[1:], word)

    def sentence(self) -> str:
        """A new sentence of 8 to 60 words that is not one of the corpus's own."""
        while True:
            words, context = [], _START
            while len(words) < 60:
                word = self.rng.choice(self.next[context])
                if word == "</s>":
                    break
                words.append(word)
                context = (*context[1:], word)
            text = " ".join(words)
            if len(words) >= 8 and text not in self.seen:
                self.seen.add(text)
                return text

    def paragraph(self, chars: int) -> str:
        """New sentences until the paragraph is about `chars` long."""
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < chars:
            parts.append(self.sentence())
        return " ".join(parts)


def generate(out: Path, documents: int = DOCUMENTS, seed: int = SEED) -> list[Path]:
    """Write `documents` synthetic responses as .txt files into `out`; returns their paths."""
    from ingest.forces import all_forces, detect_force

    rng = random.Random(seed)
    templates = [(p, p.read_text(encoding="utf-8")) for p in sorted(BUNDLED.glob("*.txt"))]
    prose = ProseModel([text for _, text in templates], rng)
    template_forces = [detect_force(text, path.name) for path, text in templates]
    names = sorted({f.force for f in template_forces if f}, key=len, reverse=True)
    other_force = re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE)
    forces = all_forces()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for number in range(documents):
        (path, text), force = templates[number % len(templates)], forces[number % len(forces)]
        inspection = INSPECTIONS[(number // len(forces)) % len(INSPECTIONS)]
        scale = rng.uniform(*SCALE)
        body = []
        for paragraph in _paragraphs(text):
            if len(paragraph) < BODY_MIN_CHARS or _QUOTED.search(paragraph):
                body.append(paragraph)
            else:
                body.append(prose.paragraph(int(len(paragraph) * scale)))
        document = other_force.sub(
            lambda m, name=force.force: name.upper() if m.group().isupper() else name,
            "\n\n".join(body),
        )
        document = document.replace(INSPECTIONS[0], inspection)
        kind = other_force.sub("", path.stem.replace("-", " ")).strip().replace(" ", "-")
        target = out / f"{number:03d}-{_slug(force.force)}-{kind}.txt"
        target.write_text(document, encoding="utf-8")
        written.append(target)
    return written


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--documents", type=int, default=DOCUMENTS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    paths = generate(args.out, args.documents, args.seed)
    chars = sum(len(p.read_text(encoding="utf-8")) for p in paths)
    print(f"{len(paths)} documents, {chars:,} characters in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

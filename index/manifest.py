"""The index folder describes itself: what model built it, with which settings, how many vectors.

The manifest names the generation it describes. The database holds the authoritative copy,
committed with the generation's rows; manifest.json is written after the commit, for people and
tools, and may lag one generation behind after a crash.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from index.errors import CorruptIndexError
from ingest.chunking import CHUNK_OVERLAP_TOKENS, CHUNK_TOKENS

MANIFEST_FILE = "manifest.json"
VECTORS_FILE = "vectors.faiss"  # generation 0's, as pcc-qa wrote it before generations
DATABASE_FILE = "corpus.sqlite3"
EMBED_FORMAT = "section: text"


@dataclass(frozen=True, slots=True)
class Manifest:
    """Build-time settings; query time reads the model from here, never from the environment."""

    model: str
    dim: int
    normalised: bool
    index_kind: str
    vectors: int
    chunk_tokens: int = CHUNK_TOKENS
    chunk_overlap_tokens: int = CHUNK_OVERLAP_TOKENS
    embed_format: str = EMBED_FORMAT
    generation: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: object = "the index manifest") -> Manifest:
        """Rebuild a manifest; one from another version of pcc-qa is a CorruptIndexError."""
        known = {k: v for k, v in data.items() if k != "settings_hash"}
        try:
            return cls(**known)
        except TypeError as error:
            raise CorruptIndexError(
                f"{source} was written by another version of pcc-qa ({error}): "
                "run `pccqa ingest --rebuild` to re-index"
            ) from error

    @property
    def settings_hash(self) -> str:
        """Names the build: two indexes with the same hash embed the same text the same way."""
        varying = ("vectors", "index_kind", "generation")
        settings = {k: v for k, v in asdict(self).items() if k not in varying}
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "settings_hash": self.settings_hash}


def vectors_file(home: Path, generation: int) -> Path:
    """Where a generation's vectors live; each generation has its own file."""
    return home / (VECTORS_FILE if generation == 0 else f"vectors-{generation}.faiss")


def read_manifest(home: Path) -> Manifest | None:
    """manifest.json, or None when there is none; raises CorruptIndexError if unreadable."""
    path = home / MANIFEST_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CorruptIndexError(
            f"the index manifest {path} is unreadable ({error}): run `pccqa ingest --rebuild`"
        ) from error
    if not isinstance(data, dict):
        raise CorruptIndexError(
            f"the index manifest {path} is not a manifest: run `pccqa ingest --rebuild`"
        )
    return Manifest.from_dict(data, path)


def write_manifest(home: Path, manifest: Manifest) -> None:
    """Atomic: readers see the old manifest or the new one, never half of one."""
    atomic_write_text(home / MANIFEST_FILE, json.dumps(manifest.to_dict(), indent=2))


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

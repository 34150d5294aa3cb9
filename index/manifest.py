"""The index folder describes itself: what model built it, with which settings, how many vectors."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ingest.chunking import CHUNK_OVERLAP_TOKENS, CHUNK_TOKENS

MANIFEST_FILE = "manifest.json"
VECTORS_FILE = "vectors.faiss"
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

    @property
    def settings_hash(self) -> str:
        """Names the build: two indexes with the same hash embed the same text the same way."""
        settings = {k: v for k, v in asdict(self).items() if k not in ("vectors", "index_kind")}
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "settings_hash": self.settings_hash}


def read_manifest(home: Path) -> Manifest | None:
    path = home / MANIFEST_FILE
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("settings_hash", None)
    return Manifest(**data)


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

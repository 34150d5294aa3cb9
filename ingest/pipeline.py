"""Incremental ingestion: files -> Documents -> Chunks in the store, one transaction per run."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ingest.duplicates import find_duplicate
from ingest.errors import IngestError
from ingest.faults import fault_point
from ingest.loaders import MAX_FILE_BYTES, SUPPORTED_SUFFIXES
from ingest.parse import Parsed, parse_file
from ingest.sandbox import SANDBOXED_SUFFIXES, ParseLimits, ParseSandbox, describe_failure
from ingest.store import CorpusStore

log = logging.getLogger(__name__)

DEFAULT_CORPUS = Path("corpus")
# Bump when what is read from a file changes (text, metadata, chunks): a later ingest then
# re-reads every file instead of keeping what an older pcc-qa extracted. Vectors of unchanged
# text still come from the embedding cache.
READING_VERSION = 2


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What happened to one file: added, updated, unchanged, removed or failed (with why)."""

    path: str
    status: str
    reason: str = ""
    doc_id: str | None = None
    force: str | None = None
    chunks: int = 0
    duplicate_of: str | None = None
    content_hash: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(slots=True)
class IngestReport:
    """The summary of a run that the CLI prints and scripts read (`--json`)."""

    files: list[FileOutcome] = field(default_factory=list)
    total_chunks: int = 0
    total_documents: int = 0

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "failed"]

    @property
    def changed(self) -> bool:
        return any(f.status in ("added", "updated", "removed") for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.count("added"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "removed": self.count("removed"),
            "failed": self.count("failed"),
            "documents": self.total_documents,
            "chunks": self.total_chunks,
            "files": [f.to_dict() for f in self.files],
        }


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[FileOutcome], list[Path]]:
    """Files to ingest, outcomes for paths that cannot be, and the folders that were walked."""
    files: list[Path] = []
    problems: list[FileOutcome] = []
    roots: list[Path] = []
    for path in paths:
        if not path.exists():
            problems.append(FileOutcome(str(path), "failed", f"{path} does not exist"))
        elif path.is_dir():
            roots.append(path.resolve())
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            files.append(path)
    return files, problems, roots


def ingest_paths(
    paths: Iterable[Path],
    store: CorpusStore,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    rebuild: bool = False,
    on_file: Callable[[Path], None] | None = None,
    limits: ParseLimits | None = None,
) -> IngestReport:
    """Bring the store in line with the files under `paths`; all-or-nothing.

    Unchanged files (same content hash) are skipped, changed ones replaced, and documents
    whose files are gone from a walked folder are removed. Files that failed before with the
    same content are reported again without re-parsing. A file that cannot be read, for any
    reason, is reported and never stops the others; PDF, DOCX and HTML are read in a worker
    process under `limits`.
    """
    files, outcomes, roots = collect_files(paths)
    known = store.known_hashes()
    failed_before = store.failures()
    parsed: list[Parsed] = []
    with ParseSandbox(limits) as sandbox:
        for path in files:
            if on_file:
                on_file(path)
            key = str(path.resolve())
            outcome, result = _parse_one(
                path, key, known, failed_before, max_bytes, rebuild, sandbox
            )
            outcomes.append(outcome)
            if result:
                parsed.append(result)
            fault_point("parse")
    seen = {str(p.resolve()) for p in files}
    gone = [p for p in known if p not in seen and any(Path(p).is_relative_to(r) for r in roots)]
    with store.transaction():
        outcomes = _write(store, parsed, outcomes, gone)
    report = IngestReport(files=outcomes)
    report.total_documents = len(store.known_hashes())
    report.total_chunks = store.chunk_count()
    return report


def _parse_one(
    path: Path,
    key: str,
    known: dict[str, str],
    failed_before: dict[str, tuple[str | None, str]],
    max_bytes: int,
    rebuild: bool,
    sandbox: ParseSandbox,
) -> tuple[FileOutcome, Parsed | None]:
    try:
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise IngestError(
                f"{path.name}: unsupported file type '{path.suffix or '(none)'}'; "
                f"supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}"
            )
        content_hash = _file_hash(path)
    except IngestError as error:
        return FileOutcome(key, "failed", _reason(error)), None
    except Exception as error:  # unreadable, vanished, a symlink loop: this file's failure
        return FileOutcome(key, "failed", describe_failure(path, error)), None
    if not rebuild and known.get(key) == content_hash:
        return FileOutcome(key, "unchanged"), None
    previous = failed_before.get(key)
    if not rebuild and previous and previous[0] == content_hash:
        return FileOutcome(key, "failed", previous[1]), None
    try:
        if path.suffix.lower() in SANDBOXED_SUFFIXES:
            result = sandbox.parse(path, key, content_hash, max_bytes)
        else:
            result = parse_file(path, key, content_hash, max_bytes)
    except IngestError as error:
        return FileOutcome(key, "failed", _reason(error), content_hash=content_hash), None
    except Exception as error:  # a reader's bug on one file must not stop the others
        log.debug("reading %s failed", path, exc_info=True)
        reason = describe_failure(path, error)
        return FileOutcome(key, "failed", reason, content_hash=content_hash), None
    status = "updated" if key in known else "added"
    if rebuild and known.get(key) == content_hash:
        status = "unchanged"
    return FileOutcome(key, status, doc_id=result.document.doc_id), result


def _write(
    store: CorpusStore, parsed: list[Parsed], outcomes: list[FileOutcome], gone: list[str]
) -> list[FileOutcome]:
    for path in gone:
        store.delete_document(path)
        store.clear_failure(path)
        outcomes.append(FileOutcome(path, "removed"))
    by_path: dict[str, FileOutcome] = {o.path: o for o in outcomes}
    for item in parsed:
        doc = item.document
        store.delete_document(doc.path)
        duplicate_of = find_duplicate(item.signature, store.signatures())
        doc = replace(doc, duplicate_of=duplicate_of)
        store.put_document(doc, item.chunks, item.signature)
        store.clear_failure(doc.path)
        by_path[doc.path] = FileOutcome(
            doc.path,
            by_path[doc.path].status,
            doc_id=doc.doc_id,
            force=doc.metadata.force,
            chunks=len(item.chunks),
            duplicate_of=duplicate_of,
            content_hash=doc.content_hash,
        )
    for outcome in by_path.values():
        if outcome.status == "failed" and outcome.content_hash:
            store.record_failure(outcome.path, outcome.content_hash, outcome.reason)
    return list(by_path.values())


def _file_hash(path: Path) -> str:
    """The file's bytes and the reading rules: new rules re-read every file once."""
    digest = hashlib.sha256(f"pcc-qa reading rules {READING_VERSION}\0".encode())
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _reason(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__

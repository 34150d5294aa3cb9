"""What the web UI does, as plain functions over an AppState: tests call them without Gradio.

Each returns HTML strings, file paths or our own types; ui/web.py wires them to components.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from index.search import SearchFilters
from index.types import Hit
from ingest.types import Document
from qa.chain import QAEngine
from qa.types import Answer, Citation
from ui import render
from ui.locks import EngineLock

log = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_MB = 20.0
SIMILAR_K = 5
SAMPLE_SIZE = 10
EXPORT_LIFETIME_S = 3600  # Gradio has served a download long before its folder is swept
UPLOAD_DIR = "uploads"
VERDICTS = ("correct", "partly correct", "wrong")
UPLOAD_TYPES = (".pdf", ".docx", ".txt", ".html", ".htm")
EXAMPLES = (
    "Which forces use tuServ for demographic capture?",
    "Which PCCs secured funding for a violence reduction unit?",
    "Which forces mention the Athena system?",
    "Which responses were sent within 56 days?",
)
RATING_HEADERS = ("Rated at", "Verdict", "Note", "Question", "Answer")


@dataclass
class AppState:
    """What every handler needs: the engine, where state lives, and the upload limit."""

    engine: QAEngine
    home: Path
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB
    login_required: bool = False
    export_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pccqa-web-")))
    lock: EngineLock = field(default_factory=EngineLock)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def scratch(self) -> Path:
        """A fresh folder for one download, so concurrent users never overwrite each other."""
        self.export_dir.mkdir(parents=True, exist_ok=True)
        cutoff = time.time() - EXPORT_LIFETIME_S
        for old in self.export_dir.iterdir():
            if old.is_dir() and old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        return Path(tempfile.mkdtemp(dir=self.export_dir))

    def configuration(self) -> dict[str, Any]:
        """What produced an answer, stored with each rating so results can be compared later."""
        from importlib.metadata import version

        llm = self.engine.llm
        return {
            "pcc_qa": version("pcc-qa"),
            "model": self.engine.index.embedder.model,
            "llm": None if llm is None else type(llm).__name__,
        }


# Ask -------------------------------------------------------------------------------------------


def ask(
    app: AppState,
    question: str,
    forces: Sequence[str] | None = None,
    inspection: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> tuple[str, str, Answer | None]:
    """Answer HTML, source-card HTML and the Answer (None when the question could not be asked)."""
    question = (question or "").strip()
    if not question:
        return render.notice("Type a question first.", "warning"), "", None
    try:
        filters = SearchFilters(
            tuple(forces or ()), inspection or None, _day(date_from), _day(date_to)
        )
    except ValueError as error:
        return render.notice(str(error), "error"), "", None
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        return render.notice("The 'from' date is after the 'to' date.", "error"), "", None
    with app.lock.shared():
        answer = app.engine.answer(question, filters)
    return render.answer_html(answer), render.sources_html(answer), answer


def _day(value: str | None) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date: use YYYY-MM-DD") from None


def evidence_files(app: AppState, answer: Answer | None) -> tuple[Path | None, Path | None]:
    """The answer's evidence table as CSV and XLSX files, or (None, None) if nothing is cited."""
    if answer is None or not answer.citations:
        return None, None
    with app.lock:
        documents = {d.doc_id: d for d in app.engine.documents}
    rows = render.evidence_rows(answer, documents)
    folder = app.scratch()
    columns = render.EVIDENCE_COLUMNS
    return (
        render.write_csv(rows, columns, folder / "evidence-table.csv"),
        render.write_xlsx(rows, columns, folder / "evidence-table.xlsx", "Evidence"),
    )


def open_source(app: AppState, target: Citation | None) -> tuple[str, Path | None]:
    """The whole cited document at the cited place, and a copy of its original file."""
    if target is None:
        return render.notice("That source is no longer on screen: ask again.", "warning"), None
    with app.lock:
        document = app.engine.index.store.document(target.doc_id)
    if document is None:
        return render.notice("That document has been removed from the corpus.", "warning"), None
    html = render.document_html(document, target.char_start, target.char_end, target.quote)
    return html, original_file(app, document)


def original_file(app: AppState, document: Document) -> Path | None:
    """A downloadable copy of the file a document was read from, if it is still there."""
    source = Path(document.path)
    if not source.is_file():
        return None
    return Path(shutil.copy2(source, app.scratch() / document.file_name))


def similar_to(app: AppState, target: Citation | None) -> tuple[str, list[Hit]]:
    """Passages like the cited one in other forces' responses, for the viewer panel."""
    if target is None:
        return render.notice("That source is no longer on screen: ask again.", "warning"), []
    try:
        from qa.compare import similar_passages
    except ImportError:
        return render.notice("Finding similar passages is not available yet.", "warning"), []
    with app.lock:
        hits = similar_passages(
            app.engine.index, target.quote or target.passage, target.force, SIMILAR_K
        )
    return render.similar_html(hits, target.label), hits


def resolve(
    ref: str, answer: Answer | None, similar: Sequence[Hit] = (), matrices: Sequence[Any] = ()
) -> Citation | None:
    """The passage a clicked button names: c3 (citation), n2 (nearest), s1 (similar), m0|F|R3."""
    kind, rest = (ref or " ")[0], (ref or " ")[1:]
    if kind in "cn" and answer is not None:
        pool = answer.citations if kind == "c" else answer.nearest
        return next((c for c in pool if str(c.number) == rest), None)
    if kind == "s" and rest.isdigit() and 0 < int(rest) <= len(similar):
        return _hit_citation(int(rest), similar[int(rest) - 1])
    if kind == "m":
        index, _, cell = rest.partition("|")
        force, _, key = cell.partition("|")
        if index.isdigit() and int(index) < len(matrices):
            try:
                return matrices[int(index)].cell(force, key).citation
            except (KeyError, ValueError, LookupError):
                return None
    return None


def _hit_citation(number: int, hit: Hit) -> Citation:
    chunk = hit.chunk
    return Citation(
        number, chunk.doc_id, chunk.file_name, chunk.force, chunk.section, chunk.page,
        chunk.char_start, chunk.char_end, quote="", chunk_id=chunk.chunk_id, passage=chunk.text,
    )  # fmt: skip


# Documents, compare ------------------------------------------------------------------------------


def documents_table(app: AppState) -> list[list[Any]]:
    """The Documents tab's rows, with a compliance column where qa.compliance is installed."""
    with app.lock:
        documents = app.engine.documents
        try:
            from qa.compliance import compliance_report

            compliance = {
                r.file_name: render.compliance_text(r) for r in compliance_report(app.engine)
            }
        except ImportError:
            compliance = {}
    return render.document_rows(documents, compliance)


def open_document(app: AppState, file_name: str) -> tuple[str, Path | None]:
    """A document picked from the table, from the top."""
    with app.lock:
        document = next((d for d in app.engine.documents if d.file_name == file_name), None)
    if document is None:
        return render.notice("Pick a document in the table to read it.", "info"), None
    return render.document_html(document), original_file(app, document)


def compare(app: AppState, inspection: str | None) -> tuple[str, list[Path], list[Any]]:
    """Each force's answer to each recommendation, as tables plus CSV and Markdown downloads."""
    try:
        from qa.compare import compare_responses
    except ImportError:
        return render.notice("Comparing responses is not available yet.", "warning"), [], []
    with app.lock:
        matrices = compare_responses(app.engine, inspection or None)
    if not matrices:
        return render.notice("No recommendations found to compare.", "info"), [], []
    folder = app.scratch()
    csv_path = folder / "comparison.csv"
    csv_path.write_text("\n".join(m.to_csv() for m in matrices), encoding="utf-8-sig")
    md_path = folder / "comparison.md"
    md_path.write_text("\n\n".join(m.to_markdown() for m in matrices), encoding="utf-8")
    html = "".join(render.matrix_html(m, i) for i, m in enumerate(matrices))
    return html, [csv_path, md_path], list(matrices)


# Ingest ------------------------------------------------------------------------------------------


def ingest_files(
    app: AppState,
    paths: Sequence[str | Path] | None,
    username: str | None = None,
    progress: Callable[..., Any] | None = None,
) -> str:
    """Add uploaded files to the corpus and make them searchable at once; report every failure."""
    from index.build import ingest_and_index
    from ingest.pipeline import FileOutcome

    if app.login_required and not username:
        return render.notice("Sign in to add documents.", "error")
    if not paths:
        return render.notice("Choose one or more files to add first.", "warning")
    folder = app.home / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    refused, accepted = [], []
    for path in map(Path, paths):
        size = path.stat().st_size
        if size > app.max_upload_bytes:
            reason = (
                f"{path.name} is {size / 2**20:.1f} MB, over the {app.max_upload_mb:g} MB limit"
            )
            refused.append(FileOutcome(path.name, "failed", reason))
            continue
        accepted.append(Path(shutil.copyfile(path, folder / Path(path.name).name)))
    if progress:
        progress(0.05, desc="Reading files")
    try:
        with app.lock:
            report, sync = ingest_and_index(
                accepted, app.home, max_bytes=app.max_upload_bytes, progress=progress is not None
            )
            app.engine.refresh()
    except (*_library_errors(), OSError) as error:
        log.warning("upload failed: %s", error)
        return render.notice(f"Nothing was added: {error}", "error")
    report.files.extend(refused)
    return render.ingest_report_html(report, sync)


def _library_errors() -> tuple[type[Exception], ...]:
    """The domain errors an ingest can raise; each becomes one sentence for the person."""
    from index.embedder import ModelUnavailable
    from index.errors import CorruptIndexError, IndexNotFound, ModelMismatch
    from ingest.errors import IngestError
    from ingest.store import SchemaMismatch

    return (
        IngestError, IndexNotFound, ModelMismatch, CorruptIndexError, SchemaMismatch,
        ModelUnavailable,
    )  # fmt: skip


# Review ------------------------------------------------------------------------------------------


def rate(app: AppState, answer: Answer | None, verdict: str | None, note: str = "") -> str:
    """Store an evaluator's verdict on the answer on screen, with what produced it."""
    if answer is None:
        return render.notice("Ask a question first, then rate its answer.", "warning")
    if verdict not in VERDICTS:
        return render.notice("Choose correct, partly correct or wrong.", "warning")
    rating = {
        "question": answer.question,
        "filters": answer.filters,
        "answer": answer.text,
        "citations": [c.to_dict() for c in answer.citations],
        "configuration": app.configuration(),
        "verdict": verdict,
        "note": (note or "").strip(),
    }
    with app.lock:
        rating_id = app.engine.index.store.add_rating(rating)
    return render.notice(f"Rating {rating_id} saved: {verdict}.")


def sample_ratings(app: AppState, size: float | None = SAMPLE_SIZE) -> list[list[Any]]:
    """A random sample of past rated answers to review again."""
    with app.lock:
        ratings = app.engine.index.store.ratings(sample=max(1, int(size or SAMPLE_SIZE)))
    return render.rating_rows(ratings)


def export_ratings(app: AppState) -> list[Path]:
    """Every rating as CSV (for people) and JSONL (for scripts)."""
    with app.lock:
        ratings = app.engine.index.store.ratings()
    folder = app.scratch()
    return [
        render.write_csv(ratings, render.RATING_COLUMNS, folder / "ratings.csv"),
        render.write_jsonl(ratings, folder / "ratings.jsonl"),
    ]


def filter_choices(app: AppState) -> tuple[list[str], list[str]]:
    """Forces and inspections in the corpus now, for the filter drop-downs."""
    with app.lock:
        store = app.engine.index.store
        return store.forces(), store.inspections()

"""What the web UI does, as plain functions over an AppState: tests call them without Gradio.

Each returns HTML strings, file paths or our own types; the ui/web*.py modules wire them to
components. The Review tab's handlers are in ui/handlers_review.py.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from index.search import SearchFilters
from ingest.errors import StoreError
from ingest.metadata import canonical_inspections
from ingest.types import Document
from qa.chain import QAEngine
from qa.types import Answer, Citation
from ui import exports, render, render_documents
from ui.format import question_problem
from ui.locks import EngineLock
from ui.review import ReviewLog

log = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_MB = 20.0
SIMILAR_K = 5
EXPORT_LIFETIME_S = 3600  # Gradio has served a download long before its folder is swept
UPLOAD_DIR = "uploads"
REVIEW_DIR = "review"
UPLOAD_TYPES = (".pdf", ".docx", ".txt", ".html", ".htm")
EXAMPLES = (
    "Which forces use tuServ for demographic capture?",
    "Which PCCs secured funding for a violence reduction unit?",
    "Which forces mention the Athena system?",
    "Which responses were sent within 56 days?",
)
MIN_SHARED_WORDS = 3  # an inspection filter value shorter than this would match other titles


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

    @property
    def review(self) -> ReviewLog:
        """Every answer given and every reviewer's verdicts, beside the corpus."""
        return ReviewLog(self.home / REVIEW_DIR)

    def scratch(self) -> Path:
        """A fresh folder for one download, so concurrent users never overwrite each other."""
        self.export_dir.mkdir(parents=True, exist_ok=True)
        cutoff = time.time() - EXPORT_LIFETIME_S
        for old in self.export_dir.iterdir():
            if old.is_dir() and old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        return Path(tempfile.mkdtemp(dir=self.export_dir))

    def configuration(self) -> dict[str, Any]:
        """What produced an answer, stored with it so results can be compared later."""
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
    if problem := question_problem(question):
        return render.notice(problem, "warning"), "", None
    try:
        filters = SearchFilters(
            tuple(forces or ()), inspection or None, _day(date_from), _day(date_to)
        )
    except ValueError as error:
        return render.notice(str(error), "error"), "", None
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        return render.notice("The 'from' date is after the 'to' date.", "error"), "", None
    with app.lock.shared():
        documents = app.engine.documents
    if problem := filters_exclude_everything(documents, filters):
        return render.notice(problem, "warning"), "", None
    with app.lock.shared():
        answer = app.engine.answer(question, filters)
        searched = app.engine.index.corpus.sentence()
    link = render.permalink(question, filters.forces)
    html = render.answer_html(answer, link, status=searched)
    return html, render.sources_html(answer), answer


def _day(value: str | None) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date: use YYYY-MM-DD") from None


def filters_exclude_everything(documents: Sequence[Document], filters: SearchFilters) -> str | None:
    """Which filter leaves no response to search, in words, or None when some remain."""
    kept = [d for d in documents if not d.duplicate_of]
    if filters.forces:
        kept = [d for d in kept if d.metadata.force in filters.forces]
        if not kept:
            return f"No response from {', '.join(filters.forces)} is in the corpus."
    if filters.inspection:
        wanted = filters.inspection.lower()
        kept = [d for d in kept if wanted in (d.metadata.inspection or "").lower()]
        if not kept:
            return f"No response in the corpus is to an inspection matching '{filters.inspection}'."
    if filters.date_from or filters.date_to:
        dated = [d.metadata.response_date for d in kept if d.metadata.response_date]
        inside = [
            day
            for day in dated
            if (not filters.date_from or day >= filters.date_from)
            and (not filters.date_to or day <= filters.date_to)
        ]
        if not inside:
            span = " and ".join(
                f"{word} {day.isoformat()}"
                for word, day in (("from", filters.date_from), ("to", filters.date_to))
                if day
            )
            found = (
                f"the responses are dated {min(dated).isoformat()} to {max(dated).isoformat()}"
                if dated
                else "no response states its date"
            )
            undated = len(kept) - len(dated)
            if dated and undated:
                found += f", and {render.plural(undated, 'response')} give no date"
            return (
                f"The date filter ({span}) leaves no response to search: {found}. "
                "Widen or clear the dates under “Narrow the search”."
            )
    return None


def evidence_files(app: AppState, answer: Answer | None) -> tuple[Path | None, Path | None]:
    """The answer's evidence table as CSV and XLSX, named after its question; None if empty."""
    if answer is None or not (answer.citations or answer.forces_without_evidence):
        return None, None
    with app.lock:
        documents = {d.doc_id: d for d in app.engine.documents}
    rows = exports.evidence_rows(answer, documents)
    folder = app.scratch()
    stem = exports.file_stem("evidence", answer.question)
    columns = exports.EVIDENCE_COLUMNS
    return (
        exports.write_csv(rows, columns, folder / f"{stem}.csv"),
        exports.write_xlsx([("Evidence", rows, columns)], folder / f"{stem}.xlsx"),
    )


def open_source(app: AppState, target: Citation | None, back: str = "") -> tuple[str, Path | None]:
    """The whole cited document at the cited place, and a copy of its original file."""
    if target is None:
        return render.notice("That source is no longer on screen: ask again.", "warning"), None
    with app.lock:
        document = app.engine.index.store.document(target.doc_id)
        reingested = document is None and target.file_name in app.engine.index.store.file_names()
    if reingested:
        return render.notice(
            "That source was re-ingested since this answer: ask again.", "warning"
        ), None
    if document is None:
        return render.notice("That document has been removed from the corpus.", "warning"), None
    html = render_documents.document_html(
        document, target.char_start, target.char_end, target.quote, back=back
    )
    return html, original_file(app, document)


def original_file(app: AppState, document: Document) -> Path | None:
    """A downloadable copy of the file a document was read from, if it is still there."""
    source = Path(document.path)
    if not source.is_file():
        return None
    return Path(shutil.copy2(source, app.scratch() / document.file_name))


def similar_to(app: AppState, target: Citation | None) -> tuple[str, list[Citation]]:
    """Each other force's passage most like the cited one, on demand (a button), sentence marked."""
    if target is None:
        return render.notice("That source is no longer on screen: ask again.", "warning"), []
    from qa.compare import similar_citations

    with app.lock:
        found = similar_citations(
            app.engine.index, target.quote or target.passage, target.force, SIMILAR_K
        )
    return render.similar_html(found, target.label), found


def resolve(
    ref: str,
    answer: Answer | None,
    similar: Sequence[Citation] = (),
    matrices: Sequence[Any] = (),
) -> Citation | None:
    """The passage a clicked button names: c3 (cited), r1 (related), n2 (nearest), s1 (similar),
    m0|Force|R3 (a Compare cell; m0|Force|R3|detail its own sentence)."""
    kind, rest = (ref or " ")[0], (ref or " ")[1:]
    if kind in "crn" and answer is not None:
        pool = {"c": answer.citations, "r": answer.related, "n": answer.nearest}[kind]
        return next((c for c in pool if str(c.number) == rest), None)
    if kind == "s":
        return next((c for c in similar if str(c.number) == rest), None)
    if kind == "m":
        index, force, key, *part = rest.split("|")
        if index.isdigit() and int(index) < len(matrices) and part in ([], ["detail"]):
            try:
                cell = matrices[int(index)].cell(force, key)
            except (KeyError, ValueError, LookupError):
                return None
            return cell.detail if part else cell.citation
    return None


# Documents, compare ------------------------------------------------------------------------------


def documents_table(app: AppState) -> list[list[Any]]:
    """The Documents tab's rows, each inspection under its one canonical name."""
    from qa.compliance import compliance_report

    with app.lock:
        documents = app.engine.documents
        compliance = {
            r.file_name: render_documents.compliance_text(r) for r in compliance_report(app.engine)
        }
    names = canonical_inspections(d.metadata.inspection or "" for d in documents)
    return render_documents.document_rows(documents, compliance, names)


def open_document(app: AppState, file_name: str) -> tuple[str, Path | None]:
    """A document picked from the table, from the top."""
    with app.lock:
        document = next((d for d in app.engine.documents if d.file_name == file_name), None)
    if document is None:
        return render.notice("Pick a document in the table to read it.", "info"), None
    return render_documents.document_html(document), original_file(app, document)


def compare(app: AppState, inspection: str | None) -> tuple[str, list[Path], list[Any]]:
    """Each force's answer to each recommendation, as tables plus CSV, XLSX and Markdown."""
    from qa.compare import compare_responses

    with app.lock:
        matrices = compare_responses(app.engine, inspection or None)
    if not matrices:
        return render.notice("No recommendations found to compare.", "info"), [], []
    folder = app.scratch()
    stem = exports.file_stem("comparison", inspection or "")
    parts = [m.to_csv() for m in matrices]
    csv_path = folder / f"{stem}.csv"
    csv_path.write_text(
        "".join(parts[:1] + [p.split("\n", 1)[1] for p in parts[1:]]), encoding="utf-8-sig"
    )
    sheets = []
    for matrix, text in zip(matrices, parts, strict=True):
        rows = exports.csv_rows(text)
        sheets.append((matrix.inspection, rows, list(rows[0]) if rows else []))
    xlsx_path = exports.write_xlsx(sheets, folder / f"{stem}.xlsx")
    md_path = folder / f"{stem}.md"
    md_path.write_text("\n\n".join(m.to_markdown() for m in matrices), encoding="utf-8")
    html = "".join(render_documents.matrix_html(m, i) for i, m in enumerate(matrices))
    return html, [csv_path, xlsx_path, md_path], list(matrices)


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
        progress(0.1, desc=f"Reading and indexing {render.plural(len(accepted), 'file')}")
    try:
        with app.lock:
            report, sync = ingest_and_index(
                accepted, app.home, max_bytes=app.max_upload_bytes, wait=False
            )
            app.engine.refresh()
    except (*_library_errors(), OSError) as error:
        log.warning("upload failed: %s", error)
        return render.notice(f"Nothing was added: {error}", "error")
    if progress:
        progress(1.0, desc="Done")
    report.files.extend(refused)
    return render_documents.ingest_report_html(report, sync)


def _library_errors() -> tuple[type[Exception], ...]:
    """The domain errors an ingest can raise; each becomes one sentence for the person."""
    from index.embedder import ModelUnavailable
    from index.errors import CorruptIndexError, IndexNotFound, ModelMismatch
    from ingest.errors import IngestError
    from ingest.store import SchemaMismatch

    return (
        IngestError, IndexNotFound, ModelMismatch, CorruptIndexError, SchemaMismatch,
        ModelUnavailable, StoreError,
    )  # fmt: skip


def filter_choices(app: AppState) -> tuple[list[str], list[tuple[str, str]]]:
    """Forces in the corpus now, and its inspections once each as (name, filter value)."""
    with app.lock:
        forces = app.engine.index.store.forces()
        titles = [d.metadata.inspection for d in app.engine.documents if d.metadata.inspection]
    groups: dict[str, list[str]] = {}
    for title, name in canonical_inspections(titles).items():
        groups.setdefault(name, []).append(title)
    return forces, [(name, _shared_wording(name, groups[name])) for name in sorted(groups)]


def _shared_wording(name: str, wordings: list[str]) -> str:
    """The longest stretch every wording shares: the filter matches titles by substring."""
    shared = name.lower()
    for other in (w.lower() for w in wordings):
        match = SequenceMatcher(None, shared, other, autojunk=False).find_longest_match()
        shared = shared[match.a : match.a + match.size]
    shared = shared.strip(" .,:;–-")
    return shared if len(shared.split()) >= MIN_SHARED_WORDS else name

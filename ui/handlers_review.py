"""The Review tab's handlers: sample answers, read each with its sources, record verdicts.

Plain functions over an AppState, like ui/handlers.py; the record itself is ui/review.py.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ingest.home import not_writable_sentence
from qa.types import Answer
from ui import exports, render, render_review
from ui.handlers import AppState
from ui.review import (
    ANSWER_VERDICTS,
    CITATION_VERDICTS,
    REVIEW_COLUMNS,
    SampleFilters,
    answer_from_record,
    draw_sample,
    export_rows,
    review_stats,
)

SAMPLE_SIZE = 10

log = logging.getLogger(__name__)


def remember(app: AppState, answer: Answer | None) -> str | None:
    """Keep an answer the UI showed, so evaluators can sample it; its id.

    None when nothing was shown, or the home cannot be written (a read-only home still answers).
    """
    if answer is None:
        return None
    configuration = app.configuration()
    try:
        with app.lock:
            return app.review.record_answer(answer, configuration)
    except OSError as error:
        log.warning("answer not recorded for review: %s", error)
        return None


def rate(
    app: AppState,
    answer_id: str | None,
    verdict: str | None,
    note: str = "",
    reviewer: str | None = None,
    citations: dict[str, str] | None = None,
) -> str:
    """Save a reviewer's verdict on one answer; saving again replaces it, never adds a second."""
    if not answer_id:
        return render.notice("Ask a question first, then rate its answer.", "warning")
    if verdict not in ANSWER_VERDICTS:
        return render.notice("Choose correct, partly correct or wrong.", "warning")
    with app.lock:
        if app.review.answer(answer_id) is None:
            return render.notice("That answer is no longer in the record: ask again.", "warning")
        if citations is None:
            earlier = app.review.review(answer_id, reviewer) or {}
            citations = earlier.get("citations", {})
        try:
            app.review.save_review(answer_id, reviewer, verdict, note, citations)
        except OSError as error:
            sentence = not_writable_sentence(app.home, error)
            return render.notice(f"The review was not saved: {sentence}.", "error")
    claims = f", {render.plural(len(citations), 'source')} checked" if citations else ""
    return render.notice(f"Review saved: {verdict}{claims}. Saving again replaces it.")


def sample(
    app: AppState,
    size: float | None = SAMPLE_SIZE,
    filters: SampleFilters | None = None,
) -> tuple[list[list[Any]], str]:
    """A random (or by-kind stratified) sample of all answers: table rows and a summary line."""
    with app.lock:
        answers, reviews = app.review.answers(), app.review.reviews()
    reviewed = {answer_id for answer_id, _ in reviews}
    chosen = draw_sample(
        answers, reviewed, max(1, int(size or SAMPLE_SIZE)), filters or SampleFilters()
    )
    summary = (
        f"{render.plural(len(chosen), 'answer')} drawn from {len(answers)} "
        f"({len(reviewed)} reviewed). Click a row to read it with its sources."
    )
    if not answers:
        summary = "No answers yet: questions asked on the Ask tab are kept here for review."
    return render_review.sample_rows(chosen, reviews), summary


def open_answer(
    app: AppState, answer_id: str, reviewer: str | None = None
) -> tuple[str, str, Answer | None, dict[str, str], str | None, str]:
    """A sampled answer as it was shown, its sources with verdict buttons, and any review so far."""
    with app.lock:
        record = app.review.answer(answer_id)
        earlier = app.review.review(answer_id, reviewer) or {}
    if record is None:
        return (
            render.notice("Pick an answer in the sample to read it.", "info"),
            "",
            None,
            {},
            None,
            "",
        )
    answer = answer_from_record(record)
    verdicts = dict(earlier.get("citations", {}))
    header = render_review.record_header(record)
    return (
        header + render.answer_html(answer),
        render.sources_html(answer, verdicts=verdicts),
        answer,
        verdicts,
        earlier.get("verdict"),
        earlier.get("note", ""),
    )


def mark_citation(
    answer: Answer | None, verdicts: dict[str, str], ref: str, value: str
) -> tuple[str, dict[str, str]]:
    """Record (or, pressed again, clear) a verdict on one citation; the re-rendered sources."""
    if answer is None:
        return "", verdicts
    number = ref[1:] if ref[:1] == "c" else ""
    if value in CITATION_VERDICTS and any(str(c.number) == number for c in answer.citations):
        verdicts = dict(verdicts)
        if verdicts.get(number) == value:
            del verdicts[number]
        else:
            verdicts[number] = value
    return render.sources_html(answer, verdicts=verdicts), verdicts


def stats_html(app: AppState) -> str:
    """Counts and rates by verdict and by question kind, claims checked, and agreement."""
    with app.lock:
        stats = review_stats(app.review.answers(), app.review.reviews())
    return render_review.stats_html(stats)


def export_reviews(app: AppState) -> list[Path]:
    """Every answer with its reviews: CSV and XLSX (one row per citation), JSONL (nested)."""
    with app.lock:
        rows, records = export_rows(app.review.answers(), app.review.reviews())
    folder = app.scratch()
    return [
        exports.write_csv(rows, REVIEW_COLUMNS, folder / "reviews.csv"),
        exports.write_xlsx([("Reviews", rows, REVIEW_COLUMNS)], folder / "reviews.xlsx"),
        exports.write_jsonl(records, folder / "reviews.jsonl"),
    ]


def kinds_and_forces(app: AppState) -> tuple[list[str], list[str]]:
    """The question kinds and forces in the record, for the sample's filters."""
    with app.lock:
        answers = app.review.answers()
        forces = app.engine.index.store.forces()
    return sorted({a.get("kind", "general") for a in answers}), forces

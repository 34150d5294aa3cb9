"""The `pccqa` command: one verb per job, `--json` for scripts, errors as one sentence.

Exit codes: 0 ok, 1 failure or partial failure (some files failed, nothing found to serve), 2 usage.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import wraps
from importlib.metadata import version
from pathlib import Path
from typing import Any

import click

from ui import format as fmt

DEFAULT_HOME = Path(".pccqa")
DEFAULT_CORPUS = Path("corpus")
EXIT_PARTIAL = 1


def _home() -> Path:
    return Path(os.environ.get("PCCQA_HOME", DEFAULT_HOME))


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _domain_errors() -> tuple[type[Exception], ...]:
    from index.embedder import ModelUnavailable
    from index.errors import CorruptIndexError, IndexNotFound, ModelMismatch
    from ingest.errors import IngestError
    from ingest.store import SchemaMismatch

    return (IngestError, IndexNotFound, ModelMismatch, CorruptIndexError, SchemaMismatch,
            ModelUnavailable)


def friendly_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Library errors become one sentence on stderr and exit code 1, at the edge only."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except _domain_errors() as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(EXIT_PARTIAL)

    return wrapper


def _watching(as_json: bool) -> bool:
    """Progress bars only when a person is watching."""
    return sys.stderr.isatty() and not as_json


@contextmanager
def open_index(build_if_missing: bool = True, progress: bool = False) -> Iterator[Any]:
    """The searchable index in PCCQA_HOME, built from corpus/ first if there is none."""
    from index.manifest import read_manifest
    from index.search import SearchIndex

    home = _home()
    if build_if_missing and read_manifest(home) is None and DEFAULT_CORPUS.is_dir():
        from index.build import ingest_and_index

        click.echo(f"No index in {home}: building it from {DEFAULT_CORPUS}/ ...", err=True)
        ingest_and_index([DEFAULT_CORPUS], home, progress=progress)
    index = SearchIndex.open(home)
    try:
        yield index
    finally:
        index.close()


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"'{value}' is not a date: use YYYY-MM-DD") from error


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--force / --inspection / --from / --to, shared by every command that searches."""
    for option in reversed(
        [
            click.option("--force", "forces", multiple=True, help="Only this force (repeatable)."),
            click.option("--inspection", help="Only responses to inspections matching this."),
            click.option("--from", "date_from", help="Responses dated on or after (YYYY-MM-DD)."),
            click.option("--to", "date_to", help="Responses dated on or before (YYYY-MM-DD)."),
        ]
    ):
        func = option(func)
    return func


def make_filters(forces: tuple[str, ...], inspection: str | None, date_from: str | None,
                 date_to: str | None) -> Any:
    from index.search import SearchFilters
    from ingest.forces import find_force

    names = []
    for name in forces:
        force = find_force(name)
        if force is None:
            raise click.BadParameter(
                f"'{name}' is not a force of England and Wales (try e.g. 'Norfolk', "
                "'West Mercia', 'Metropolitan')", param_hint="--force")
        names.append(force.force)
    return SearchFilters(tuple(names), inspection, _date(date_from), _date(date_to))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version("pcc-qa"), prog_name="pccqa")
@click.option("-v", "--verbose", count=True, help="-v for progress details, -vv for debugging.")
def cli(verbose: int) -> None:
    """Search and question PCC responses to HMICFRS inspections, with checkable citations.

    State lives in $PCCQA_HOME (default ./.pccqa); the embedding model is $PCCQA_MODEL.
    """
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "sentence_transformers", "transformers", "pypdf", "faiss"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Re-read every file and re-embed from scratch.")
@click.option("--model", envvar="PCCQA_MODEL", help="sentence-transformers model name or path.")
@click.option("--max-file-mb", type=click.FloatRange(min=0.001), default=50.0, show_default=True,
              help="Files larger than this are refused.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@friendly_errors
def ingest(paths: tuple[Path, ...], rebuild: bool, model: str | None, max_file_mb: float,
           as_json: bool) -> None:
    """Add, update and remove documents, then bring the search index up to date."""
    from index.build import ingest_and_index

    report, sync = ingest_and_index(
        list(paths) or [DEFAULT_CORPUS], _home(), model=model, rebuild=rebuild,
        max_bytes=int(max_file_mb * 1024 * 1024), progress=_watching(as_json),
    )
    if as_json:
        _emit_json({**report.to_dict(), "index": sync.to_dict()})
    else:
        click.echo(fmt.ingest_report(report, sync))
    if report.failed:
        sys.exit(EXIT_PARTIAL)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print documents as JSON.")
@friendly_errors
def docs(as_json: bool) -> None:
    """List the documents in the corpus with their extracted metadata."""
    from index.manifest import DATABASE_FILE
    from ingest.store import CorpusStore

    with CorpusStore(_home() / DATABASE_FILE) as store:
        documents = store.documents()
    if as_json:
        _emit_json([d.to_dict() for d in documents])
    else:
        click.echo(fmt.documents_table(documents))


@cli.command()
@click.argument("query")
@filter_options
@click.option("-k", "k", type=click.IntRange(1, 100), default=8, show_default=True)
@click.option("--mode", type=click.Choice(["hybrid", "dense", "keyword"]), default="hybrid",
              show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print hits as JSON.")
@friendly_errors
def search(query: str, forces: tuple[str, ...], inspection: str | None, date_from: str | None,
           date_to: str | None, k: int, mode: str, as_json: bool) -> None:
    """Ranked passages for a query, with force, document, section, page and score."""
    filters = make_filters(forces, inspection, date_from, date_to)
    with open_index(progress=_watching(as_json)) as index:
        hits = index.search(query, k=k, filters=filters, mode=mode)
    if as_json:
        _emit_json([h.to_dict() for h in hits])
    else:
        click.echo(fmt.hits_table(hits))


def main() -> None:
    """Console entry point."""
    cli()


@cli.command()
@click.argument("question")
@filter_options
@click.option("--llm", envvar="PCCQA_LLM", help="Chat model for prose, e.g. ollama:llama3.1 "
              "or openai:MODEL@http://localhost:8000/v1 (default: none, extractive).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@friendly_errors
def ask(question: str, forces: tuple[str, ...], inspection: str | None, date_from: str | None,
        date_to: str | None, llm: str | None, as_json: bool) -> None:
    """Answer a question with numbered, verified citations (or say nothing answers it)."""
    from qa.chain import QAEngine

    filters = make_filters(forces, inspection, date_from, date_to)
    chat_model = None
    if llm:
        from qa.llm import make_chat_model

        chat_model = make_chat_model(llm)
    with open_index(progress=_watching(as_json)) as index:
        result = QAEngine(index, llm=chat_model).answer(question, filters)
    if as_json:
        _emit_json(result.to_dict())
    else:
        click.echo(fmt.answer_text(result))

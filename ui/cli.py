"""The `pccqa` command: one verb per job, `--json` for scripts, errors as one sentence.

Exit codes: 0 ok, 1 failure or partial failure (some files failed, nothing found to serve), 2 usage.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from ui import format as fmt
from ui.cli_common import (
    DEFAULT_CORPUS,
    EXIT_PARTIAL,
    emit_json,
    filter_options,
    friendly_errors,
    home_dir,
    make_filters,
    open_index,
    say_waiting,
    watching,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pcc-qa", prog_name="pccqa")
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
@click.option(
    "--max-file-mb",
    type=click.FloatRange(min=0.001),
    default=50.0,
    show_default=True,
    help="Files larger than this are refused.",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="Fail (exit 1) if another ingest is running, instead of waiting.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@friendly_errors
def ingest(
    paths: tuple[Path, ...],
    rebuild: bool,
    model: str | None,
    max_file_mb: float,
    no_wait: bool,
    as_json: bool,
) -> None:
    """Add, update and remove documents, then bring the search index up to date."""
    from index.build import ingest_and_index

    report, sync = ingest_and_index(
        list(paths) or [DEFAULT_CORPUS],
        home_dir(),
        model=model,
        rebuild=rebuild,
        max_bytes=int(max_file_mb * 1024 * 1024),
        progress=watching(as_json),
        wait=not no_wait,
        on_wait=say_waiting,
    )
    if as_json:
        emit_json({**report.to_dict(), "index": sync.to_dict()})
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

    with CorpusStore.reader(home_dir() / DATABASE_FILE) as store:
        documents = store.documents()
    if as_json:
        emit_json([d.to_dict() for d in documents])
    else:
        click.echo(fmt.documents_table(documents))


@cli.command()
@click.argument("query")
@filter_options
@click.option("-k", "k", type=click.IntRange(1, 100), default=8, show_default=True)
@click.option(
    "--mode", type=click.Choice(["hybrid", "dense", "keyword"]), default="hybrid", show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="Print hits as JSON.")
@friendly_errors
def search(
    query: str,
    forces: tuple[str, ...],
    inspection: str | None,
    date_from: str | None,
    date_to: str | None,
    k: int,
    mode: str,
    as_json: bool,
) -> None:
    """Ranked passages for a query, with force, document, section, page and score."""
    filters = make_filters(forces, inspection, date_from, date_to)
    with open_index(progress=watching(as_json)) as index:
        hits = index.search(query, k=k, filters=filters, mode=mode)
    if as_json:
        emit_json([h.to_dict() for h in hits])
    else:
        click.echo(fmt.hits_table(hits))


@cli.command()
@click.argument("question")
@filter_options
@click.option(
    "--llm",
    envvar="PCCQA_LLM",
    help="Chat model for prose, e.g. ollama:llama3.1 "
    "or openai:MODEL@http://localhost:8000/v1 (default: none, extractive).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@friendly_errors
def ask(
    question: str,
    forces: tuple[str, ...],
    inspection: str | None,
    date_from: str | None,
    date_to: str | None,
    llm: str | None,
    as_json: bool,
) -> None:
    """Answer a question with numbered, verified citations (or say nothing answers it)."""
    from qa.chain import QAEngine

    if problem := fmt.question_problem(question):
        raise click.BadParameter(problem, param_hint="QUESTION")
    filters = make_filters(forces, inspection, date_from, date_to)
    chat_model = None
    if llm:
        from qa.llm import make_chat_model

        chat_model = make_chat_model(llm)
    with open_index(progress=watching(as_json)) as index:
        result = QAEngine(index, llm=chat_model).answer(question, filters)
        corpus = index.corpus
    if as_json:
        emit_json({**result.to_dict(), "corpus": corpus.to_dict()})
    else:
        click.echo(fmt.answer_text(result))


@cli.command(name="eval")
@click.option(
    "--set",
    "set_name",
    type=click.Choice(["dev", "locked", "seeds"]),
    default="dev",
    show_default=True,
    help="dev: tune on it; locked: the held-out test set to report; seeds: the five seeds.",
)
@click.option(
    "--questions",
    "questions_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Another question file (JSONL); needs --corpus.",
)
@click.option(
    "--corpus",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The folder the questions are about (default: the set's own corpus).",
)
@click.option(
    "--variants/--no-variants",
    default=True,
    show_default=True,
    help="Also ask every question in lower case, with a typo, and reworded.",
)
@click.option(
    "--fit",
    "refit",
    is_flag=True,
    help="First refit the answer policy on the dev and seeds sets (qa/data/answer_policy.json).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@friendly_errors
def evaluate_command(
    set_name: str,
    questions_file: Path | None,
    corpus: Path | None,
    variants: bool,
    refit: bool,
    as_json: bool,
) -> None:
    """Score answers per question kind beside BM25 and the tutorial retriever (top-3 forces)."""
    from ui.cli_eval import QUESTION_SETS, fit, run_eval

    if refit:
        fitted = fit(home_dir(), progress=watching(as_json))
        if not as_json:
            click.echo(f"Answer policy fitted: {fitted}", err=True)

    default_questions, default_corpus = QUESTION_SETS[set_name]
    if questions_file and not corpus:
        raise click.UsageError("--questions needs --corpus: the folder its questions are about")
    report = run_eval(
        questions_file.stem if questions_file else set_name,
        questions_file or default_questions,
        corpus or default_corpus,
        home_dir(),
        with_variants=variants,
        progress=watching(as_json),
    )
    if as_json:
        emit_json(report.to_dict())
    else:
        click.echo(report.table())


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args: tuple[str, ...]) -> None:
    """Speed figures beside their baselines: runs `python -m bench ARGS` (see `-- --help`)."""
    import subprocess

    # A separate process: benchmarks stay out of the product's imports, and time a cold start.
    sys.exit(subprocess.call([sys.executable, "-m", "bench", *args]))


def _register_commands() -> None:
    """Commands that live in their own modules: comparison, compliance, peer passages, web UI."""
    from ui.cli_compare import compare, compliance, similar
    from ui.serve import hash_password_command, serve

    for command in (compare, compliance, similar, serve, hash_password_command):
        cli.add_command(command)


_register_commands()


def main() -> None:
    """Console entry point."""
    cli()

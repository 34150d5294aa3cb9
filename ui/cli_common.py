"""What every `pccqa` command shares: where state lives, JSON output, errors as one sentence."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any

import click

DEFAULT_HOME = Path(".pccqa")
DEFAULT_CORPUS = Path("corpus")
EXIT_PARTIAL = 1


def home_dir() -> Path:
    return Path(os.environ.get("PCCQA_HOME", DEFAULT_HOME))


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _domain_errors() -> tuple[type[Exception], ...]:
    from index.embedder import ModelUnavailable
    from index.errors import CorruptIndexError, IndexNotFound, ModelMismatch
    from ingest.errors import IngestError, StoreError
    from ingest.store import SchemaMismatch

    return (
        IngestError,
        IndexNotFound,
        ModelMismatch,
        CorruptIndexError,
        SchemaMismatch,
        ModelUnavailable,
        StoreError,
    )


def friendly_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Library errors become one sentence on stderr and exit code 1, at the edge only.

    A disk or database error that reached here unnamed (a full disk while reading, a file
    that went bad) is named the same way: a person never sees a traceback, unless -vv.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except _domain_errors() as error:
            _fail(error)
        except (OSError, sqlite3.Error) as error:
            from ingest.home import storage_error

            logging.getLogger(__name__).debug("unnamed storage error", exc_info=True)
            _fail(storage_error(error, home_dir()))

    return wrapper


def _fail(error: BaseException) -> None:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    click.echo(f"Error: {text}", err=True)
    sys.exit(EXIT_PARTIAL)


def watching(as_json: bool) -> bool:
    """Progress bars only when a person is watching."""
    return sys.stderr.isatty() and not as_json


@contextmanager
def open_index(build_if_missing: bool = True, progress: bool = False) -> Iterator[Any]:
    """The searchable index in PCCQA_HOME, built from corpus/ first if there is none."""
    from index.errors import IndexNotFound
    from index.search import SearchIndex

    home = home_dir()
    try:
        index = SearchIndex.open(home)
    except IndexNotFound:
        if not (build_if_missing and DEFAULT_CORPUS.is_dir()):
            raise
        from index.build import ingest_and_index

        click.echo(f"No index in {home}: building it from {DEFAULT_CORPUS}/ ...", err=True)
        ingest_and_index([DEFAULT_CORPUS], home, progress=progress, on_wait=say_waiting)
        index = SearchIndex.open(home)
    try:
        yield index
    finally:
        index.close()


def say_waiting(pid: int | None) -> None:
    """What a second ingest says while the first one holds the home."""
    click.echo(f"another ingest is running (pid {pid or 'unknown'}), waiting…", err=True)


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


def resolve_force(name: str) -> str:
    """The registry's short name for what a person typed, or a usage error listing examples."""
    from ingest.forces import find_force

    force = find_force(name)
    if force is None:
        raise click.BadParameter(
            f"'{name}' is not a force of England and Wales (try e.g. 'Norfolk', "
            "'West Mercia', 'Metropolitan')",
            param_hint="--force",
        )
    return force.force


def make_filters(
    forces: tuple[str, ...], inspection: str | None, date_from: str | None, date_to: str | None
) -> Any:
    """SearchFilters from CLI options, with forces resolved and dates checked."""
    from index.search import SearchFilters

    names = tuple(resolve_force(name) for name in forces)
    return SearchFilters(names, inspection, _date(date_from), _date(date_to))

"""PCCQA_HOME as a place on disk: one writer at a time, and disk failures said in one sentence."""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.errors import CorruptDatabase, HomeNotWritable, IngestBusy, NoSpaceLeft, StoreError

log = logging.getLogger(__name__)

LOCK_FILE = "ingest.lock"
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)
SLACK_BYTES = 16 * 2**20  # WAL pages, journal and temporary files beyond the estimate


def writable(home: Path) -> bool:
    """Whether this process may create files in home (False on a read-only mount)."""
    return os.access(home, os.W_OK | os.X_OK)


@contextmanager
def writer_lock(
    home: Path, *, wait: bool = True, on_wait: Callable[[int | None], None] | None = None
) -> Iterator[None]:
    """Hold PCCQA_HOME's writer lock: ingests run one at a time, and a kill releases it.

    flock(2) dies with its process, so a killed ingest never leaves a stale lock behind.
    Raises IngestBusy when another process holds it and `wait` is False.
    """
    with storage_errors(home):
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(home / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            if not wait:
                raise IngestBusy(
                    f"another ingest is running on {home} (pid {holder or 'unknown'}): "
                    "try again when it has finished"
                ) from None
            if on_wait:
                on_wait(holder)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def _holder(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


@contextmanager
def storage_errors(home: Path, needed_bytes: Callable[[], int] = lambda: 0) -> Iterator[None]:
    """Turn a full disk, a read-only home or a damaged database into one domain error."""
    try:
        yield
    except StoreError:
        raise
    except (OSError, sqlite3.Error) as error:
        translated = storage_error(error, home, needed_bytes())
        if translated is error:
            raise
        raise translated from error


def storage_error(error: BaseException, home: Path, needed_bytes: int = 0) -> Exception:
    """The domain error a raw OSError or sqlite3 error stands for, or the error itself."""
    if is_no_space(error):
        return NoSpaceLeft(no_space_sentence(home, needed_bytes))
    code = getattr(error, "errno", None)
    text = str(error)
    if code in (errno.EEXIST, errno.ENOTDIR) and not home.is_dir():
        return HomeNotWritable(f"PCCQA_HOME ({home}) is not a folder: point it at one")
    if (
        code in NOT_WRITABLE
        or "readonly database" in text
        or (isinstance(error, sqlite3.OperationalError) and "unable to open" in text)
    ):
        return HomeNotWritable(not_writable_sentence(home, error))
    if isinstance(error, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
    ):
        return CorruptDatabase(corrupt_sentence(home, error))
    return error if isinstance(error, Exception) else RuntimeError(text)


def is_no_space(error: BaseException) -> bool:
    text = str(error)
    return (
        getattr(error, "errno", None) in NO_SPACE
        or "disk is full" in text
        or "No space left" in text
        or getattr(error, "sqlite_errorname", "") == "SQLITE_FULL"
    )


def no_space_sentence(home: Path, needed_bytes: int = 0) -> str:
    free = _free_bytes(home)
    short = max(needed_bytes + SLACK_BYTES - free, 2**20)
    return (
        f"no space left in PCCQA_HOME ({home}): the previous corpus is unchanged; "
        f"free {short / 2**20:.0f} MB and run again"
    )


def not_writable_sentence(home: Path, error: BaseException) -> str:
    reason = getattr(error, "strerror", None) or str(error)
    return (
        f"cannot write to PCCQA_HOME ({home}): {reason.lower()}; searching and asking still "
        "work, but to ingest point PCCQA_HOME at a folder you can write"
    )


def corrupt_sentence(home: Path, error: BaseException) -> str:
    return (
        f"the corpus database in PCCQA_HOME ({home}) is damaged ({error}): move it aside "
        "and run `pccqa ingest` to rebuild it from your files"
    )


def _free_bytes(home: Path) -> int:
    try:
        return shutil.disk_usage(home).free
    except OSError:
        return 0

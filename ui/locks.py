"""A lock that answers share and everything else holds alone: concurrent answers, safe ingests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class EngineLock:
    """`with lock:` is exclusive (and re-entrant); `with lock.shared():` admits many at once.

    Answers only read the index, so they run side by side; an ingest (which swaps the vectors
    and clears the engine's caches) waits for the answers in flight and holds the rest back.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.RLock())
        self._readers = 0

    def __enter__(self) -> EngineLock:
        self._condition.acquire()
        while self._readers:
            self._condition.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        self._condition.release()

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                self._condition.notify_all()

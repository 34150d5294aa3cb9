"""A running server follows the corpus: it moves to each newly published generation by itself.

A CLI ingest, another server's upload or a deletion publishes a new generation; within
POLL_SECONDS the server's engine switches to it, between requests (under the app's lock, which
every handler holds while it reads the engine), so no answer mixes two generations and nobody
has to restart anything.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0


def follow_corpus(
    app: Any, interval: float = POLL_SECONDS, stop: threading.Event | None = None
) -> threading.Thread:
    """Start a daemon thread that refreshes `app.engine` whenever a newer generation appears.

    `app` is a ui.handlers.AppState (its `engine` and `lock`); set `stop` to end the thread.
    """
    stop = stop or threading.Event()
    thread = threading.Thread(
        target=_follow, args=(app, interval, stop), name="follow-corpus", daemon=True
    )
    thread.start()
    return thread


def _follow(app: Any, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            catch_up(app)
        except Exception as error:  # a bad moment (a damaged file, a full disk) is retried
            log.warning("could not move to the newest corpus yet: %s", error)


def catch_up(app: Any) -> bool:
    """Switch the app's engine to the newest generation if there is one; True if it moved."""
    if not app.engine.index.is_stale():
        return False
    with app.lock:
        if not app.engine.index.is_stale():
            return False
        app.engine.refresh()
    index = app.engine.index
    log.info("now answering from corpus generation %d", index.generation)
    return True

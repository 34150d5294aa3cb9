"""The web UI's engine lock: answers side by side, an ingest alone."""

from __future__ import annotations

import threading

from ui.locks import EngineLock


def test_answers_share_the_lock_and_an_ingest_waits_for_them() -> None:
    lock = EngineLock()
    inside, release, ingested = threading.Barrier(3), threading.Event(), threading.Event()

    def answer() -> None:
        with lock.shared():
            inside.wait(timeout=5)  # both answers are in at once
            release.wait(timeout=5)

    def ingest() -> None:
        with lock:
            ingested.set()

    answers = [threading.Thread(target=answer) for _ in range(2)]
    for thread in answers:
        thread.start()
    inside.wait(timeout=5)
    writer = threading.Thread(target=ingest)
    writer.start()
    assert not ingested.wait(timeout=0.2), "an ingest must wait for answers in flight"
    release.set()
    assert ingested.wait(timeout=5)
    for thread in [*answers, writer]:
        thread.join(timeout=5)


def test_the_exclusive_side_is_reentrant() -> None:
    lock = EngineLock()
    with lock, lock:
        pass
    with lock.shared():
        pass

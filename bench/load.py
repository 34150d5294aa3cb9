"""Load test of the web UI: concurrent gradio_client users, each asking several questions.

    python bench/load.py [--clients 20] [--questions 5] [--url URL] [--json]

Without --url it launches the app in-process on a free localhost port, over the index in
$PCCQA_HOME (built from corpus/ first if missing), and closes it afterwards. Every answer must
come back: the app's bounded queue serves a crowd in turn rather than dropping anyone. Exit
code 1 when any answer is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

CLIENTS = 20
QUESTIONS_PER_CLIENT = 5
QUESTIONS = (
    "Which forces use tuServ for demographic capture?",
    "Which PCCs secured funding for a violence reduction unit?",
    "Which forces mention the Athena system?",
    "Which responses were sent within 56 days?",
    "How do forces plan to improve the recording of ethnicity data?",
    "What did Norfolk say about outcome 22?",
    "How many pigeons live in Cumbria?",
)
ANSWER_MARK = 'class="pq-answer'
TIMEOUT_S = 600.0  # a request waiting its turn in a long queue is slow, not dropped


@dataclass(frozen=True, slots=True)
class Request:
    """One question one client asked: how long it took, and whether an answer came back."""

    client: int
    question: str
    seconds: float
    answered: bool
    error: str = ""


@dataclass(slots=True)
class LoadReport:
    """The figures the benchmark prints."""

    clients: int
    questions_per_client: int
    url: str
    wall_seconds: float
    requests: list[Request] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(r.answered for r in self.requests)

    def summary(self) -> dict[str, Any]:
        seconds = sorted(r.seconds for r in self.requests if r.answered) or [0.0]
        cuts = statistics.quantiles(seconds, n=100, method="inclusive") if len(seconds) > 1 else []
        return {
            "clients": self.clients,
            "questions_per_client": self.questions_per_client,
            "expected": self.clients * self.questions_per_client,
            "answered": self.answered,
            "p50_s": round(cuts[49] if cuts else seconds[0], 3),
            "p95_s": round(cuts[94] if cuts else seconds[0], 3),
            "max_s": round(seconds[-1], 3),
            "wall_s": round(self.wall_seconds, 2),
            "answers_per_s": round(self.answered / self.wall_seconds, 2),
            "errors": sorted({r.error for r in self.requests if r.error}),
            "url": self.url,
        }


def run_load(url: str, clients: int, per_client: int) -> LoadReport:
    """Start `clients` threads at once, each its own gradio_client session asking in turn."""
    from gradio_client import Client

    def one_client(number: int) -> list[Request]:
        done = []
        try:
            client = Client(
                url, verbose=False, analytics_enabled=False, httpx_kwargs={"timeout": TIMEOUT_S}
            )
        except Exception as caught:  # a client that cannot connect loses all its answers
            client, failure = None, f"connecting: {type(caught).__name__}: {caught}"
        for j in range(per_client):
            question = QUESTIONS[(number + j) % len(QUESTIONS)]
            started = time.perf_counter()
            try:
                if client is None:
                    raise ConnectionError(failure)
                answer_html, *_ = client.predict(question, [], "", "", "", [], api_name="/ask")
                error = "" if ANSWER_MARK in answer_html else "no answer in the reply"
            except Exception as caught:  # any failure is a dropped answer, counted and shown
                error = f"{type(caught).__name__}: {caught}"
            done.append(Request(number, question, time.perf_counter() - started, not error, error))
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(one_client, range(clients)))
    report = LoadReport(clients, per_client, url, time.perf_counter() - started)
    report.requests = [r for batch in results for r in batch]
    return report


@contextmanager
def local_app() -> Iterator[str]:
    """The app on a free 127.0.0.1 port over $PCCQA_HOME, closed on exit."""
    from qa.chain import QAEngine
    from ui.cli_common import home_dir, open_index
    from ui.handlers import AppState
    from ui.web import create_app, launch_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with open_index() as index:
        state = AppState(QAEngine(index), home_dir())
        demo = create_app(state)
        url = launch_app(demo, state, port=port, prevent_thread_lock=True, quiet=True)
        try:
            yield url
        finally:
            demo.close(verbose=False)


def main(argv: list[str] | None = None) -> int:
    """Run the load test and print its figures; exit 1 unless every answer came back."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent users")
    parser.add_argument(
        "--questions", type=int, default=QUESTIONS_PER_CLIENT, help="questions per user"
    )
    parser.add_argument("--url", help="a running app to test (default: launch one here)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    # No telemetry from the app or the clients; the model loads from disk.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.url:
        report = run_load(args.url, args.clients, args.questions)
    else:
        with local_app() as url:
            report = run_load(url, args.clients, args.questions)
    figures = report.summary()
    if args.json:
        print(json.dumps({**figures, "requests": [asdict(r) for r in report.requests]}, indent=2))
    else:
        print(
            f"answers: {figures['answered']}/{figures['expected']} returned "
            f"({args.clients} clients x {args.questions} questions)\n"
            f"latency: p50 {figures['p50_s']:.2f} s, p95 {figures['p95_s']:.2f} s, "
            f"max {figures['max_s']:.2f} s\n"
            f"wall: {figures['wall_s']:.1f} s, {figures['answers_per_s']:.2f} answers/s"
        )
        for error in figures["errors"]:
            print(f"error: {error}", file=sys.stderr)
    return 0 if figures["answered"] == figures["expected"] else 1


if __name__ == "__main__":
    sys.exit(main())

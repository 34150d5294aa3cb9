"""Load test of the web UI: concurrent users, each asking several questions in turn.

    python bench/load.py [--clients 20] [--questions 5] [--url URL] [--gradio-client] [--json]
    python -m bench load [--rounds 3]     # answers side by side against one at a time, paired

Each user is one browser-like session (one Gradio session, one event stream) that asks, waits
for the answer and asks again. The users are coroutines on one thread speaking Gradio's queue
protocol (join, then the server-sent events): on a 2-core machine a load generator must not
take the cores it is measuring. `--gradio-client` uses gradio_client instead (a thread and
several polling loops per user; in-process it costs more CPU than the server does).

Without --url the app is started in its own process (`pccqa serve`) over $PCCQA_HOME (built
from corpus/ first if missing). Every answer must come back: exit code 1 when any is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CLIENTS = 20
QUESTIONS_PER_CLIENT = 5
ROUNDS = 3
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
START_TIMEOUT_S = 120.0
REPO = Path(__file__).resolve().parent.parent


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
    """All users start at once; each asks its questions one after another."""
    return asyncio.run(_run_async(url.rstrip("/") + "/", clients, per_client))


async def _run_async(url: str, clients: int, per_client: int) -> LoadReport:
    import httpx

    limits = httpx.Limits(max_connections=4 * clients)
    async with httpx.AsyncClient(timeout=TIMEOUT_S, limits=limits) as http:
        config = (await http.get(f"{url}config")).json()
        ask = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "ask")

        async def user(number: int) -> list[Request]:
            session, done = uuid.uuid4().hex, []
            for j in range(per_client):
                question = QUESTIONS[(number + j) % len(QUESTIONS)]
                started = time.perf_counter()
                try:
                    html = await _ask(http, url, ask, session, question)
                    error = "" if ANSWER_MARK in html else "no answer in the reply"
                except Exception as caught:  # any failure is a dropped answer, counted and shown
                    error = f"{type(caught).__name__}: {caught}"
                seconds = time.perf_counter() - started
                done.append(Request(number, question, seconds, not error, error))
            return done

        started = time.perf_counter()
        results = await asyncio.gather(*(user(n) for n in range(clients)))
    report = LoadReport(clients, per_client, url, time.perf_counter() - started)
    report.requests = [r for batch in results for r in batch]
    return report


async def _ask(http: Any, url: str, fn_index: int, session: str, question: str) -> str:
    """Gradio's queue protocol: join the queue, then read events until this one completes."""
    joined = await http.post(
        f"{url}gradio_api/queue/join",
        json={
            "data": [question, [], "", "", "", []],
            "event_data": None,
            "fn_index": fn_index,
            "trigger_id": None,
            "session_hash": session,
        },
    )
    joined.raise_for_status()
    event_id = joined.json()["event_id"]
    params = {"session_hash": session}
    async with http.stream("GET", f"{url}gradio_api/queue/data", params=params) as stream:
        buffer = ""
        async for text in stream.aiter_text():
            buffer += text
            while "\n\n" in buffer:
                line, buffer = buffer.split("\n\n", 1)
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") != event_id:
                    continue
                if message.get("msg") == "process_completed":
                    if not message.get("success"):
                        raise RuntimeError(str(message.get("output")))
                    return str(message["output"]["data"][0])
    raise ConnectionError("the event stream closed before the answer")


def run_gradio_client(url: str, clients: int, per_client: int) -> LoadReport:
    """The same load through gradio_client: one thread per user."""
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    def one_client(number: int) -> list[Request]:
        done = []
        client = Client(
            url, verbose=False, analytics_enabled=False, httpx_kwargs={"timeout": TIMEOUT_S}
        )
        for j in range(per_client):
            question = QUESTIONS[(number + j) % len(QUESTIONS)]
            started = time.perf_counter()
            try:
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


@contextlib.contextmanager
def served(home: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """`pccqa serve` in its own process on a free localhost port; stopped on exit."""
    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    environment = {**os.environ, **(env or {}), "PCCQA_HOME": str(home)}
    environment["GRADIO_ANALYTICS_ENABLED"] = "False"
    command = [sys.executable, "-c", "from ui.cli import main; main()", "serve", "--port"]
    with open(os.devnull, "wb") as quiet:
        server = subprocess.Popen(
            [*command, str(port)], cwd=REPO, env=environment, stdout=quiet, stderr=quiet
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}config", timeout=2).status_code == 200:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"`pccqa serve` did not start (exit {server.poll()})")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)
        if server.poll() is None:
            server.kill()


@dataclass(frozen=True, slots=True)
class LoadBench:
    """Paired load runs: the app answering one at a time, and as configured."""

    rounds: tuple[dict[str, dict[str, Any]], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"rounds": list(self.rounds), "medians": self._medians()}

    def _medians(self) -> dict[str, dict[str, float]]:
        names = list(self.rounds[0])
        keys = ("p50_s", "p95_s", "max_s", "answers_per_s", "answered")
        return {
            name: {k: statistics.median(r[name][k] for r in self.rounds) for k in keys}
            for name in names
        }

    def table(self) -> str:
        from bench.paired import table

        medians = self._medians()
        rows = [
            (
                name,
                f"{m['answered']:.0f}/100",
                m["p50_s"],
                m["p95_s"],
                m["max_s"],
                m["answers_per_s"],
            )
            for name, m in medians.items()
        ]
        return (
            f"Web UI, {CLIENTS} users x {QUESTIONS_PER_CLIENT} questions, `pccqa serve` in its own "
            f"process, medians of {len(self.rounds)} paired rounds:\n"
            + table(("app", "answers", "p50 s", "p95 s", "max s", "answers/s"), rows)
        )


def run_paired(rounds: int = ROUNDS) -> LoadBench:
    """One app answering one at a time (as before), one as configured; each round hits both."""
    from bench.paired import paired
    from index.build import ingest_and_index

    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "home"
        ingest_and_index([REPO / "corpus"], home)
        apps = {
            "one answer at a time (before)": {"PCCQA_ANSWER_CONCURRENCY": "1"},
            "answers side by side, one per core": {},
        }
        summaries: list[dict[str, dict[str, Any]]] = [{} for _ in range(rounds)]
        with served(home, apps["one answer at a time (before)"]) as before, served(home) as ours:
            urls = dict(zip(apps, (before, ours), strict=True))
            for url in urls.values():  # warm: model, caches, first-shape costs
                run_load(url, 2, len(QUESTIONS))
            counters = dict.fromkeys(apps, 0)

            def variant(name: str) -> Any:
                def go() -> None:
                    summary = run_load(urls[name], CLIENTS, QUESTIONS_PER_CLIENT).summary()
                    summaries[counters[name]][name] = summary
                    counters[name] += 1

                return go

            paired({name: variant(name) for name in apps}, rounds, warm=False)
    return LoadBench(tuple(summaries))


def main(argv: list[str] | None = None) -> int:
    """Run the load test and print its figures; exit 1 unless every answer came back."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent users")
    parser.add_argument(
        "--questions", type=int, default=QUESTIONS_PER_CLIENT, help="questions per user"
    )
    parser.add_argument("--url", help="a running app to test (default: start one here)")
    parser.add_argument("--gradio-client", action="store_true", help="users via gradio_client")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    load = run_gradio_client if args.gradio_client else run_load
    if args.url:
        report = load(args.url, args.clients, args.questions)
    else:
        from ui.cli_common import home_dir, open_index

        with open_index():  # builds the index from corpus/ if there is none
            pass
        with served(home_dir().resolve()) as url:
            report = load(url, args.clients, args.questions)
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

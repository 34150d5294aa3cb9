"""Read hostile formats in a worker process with a memory ceiling and a per-file deadline.

PDF, DOCX and HTML parsers decompress, nest and loop at a file's say; a bomb must cost a
refusal, not the machine. One worker per ingest (started on the first such file, reused for
the rest) runs `parse_file` under RLIMIT_AS; a file that takes longer than its deadline gets
the worker killed and replaced. Plain text is read in-process: it is size-capped, and has no
decompression or nesting, so a text-only corpus never pays for the worker's start.

Run as `python -m ingest.sandbox MEMORY_MB`, it is that worker: JSON lines in, JSON lines out.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import IngestError, ResourceLimit
from ingest.parse import Parsed

SANDBOXED_SUFFIXES = frozenset({".pdf", ".docx", ".html", ".htm"})
PARSE_SECONDS = float(os.environ.get("PCCQA_PARSE_SECONDS", 120))
PARSE_MEMORY_MB = int(os.environ.get("PCCQA_PARSE_MEMORY_MB", 2048))
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """The budget for reading one file: wall-clock seconds and address space."""

    seconds: float = field(default_factory=lambda: PARSE_SECONDS)
    memory_mb: int = field(default_factory=lambda: PARSE_MEMORY_MB)


class ParseSandbox:
    """The parent's side: send a file to the worker, wait within the deadline, read the result."""

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self.limits = limits or ParseLimits()
        self.peak_mb = 0.0  # the worker's peak resident memory so far, for benchmarks
        self._worker: subprocess.Popen[bytes] | None = None
        self._buffer = b""

    def __enter__(self) -> ParseSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker; it also stops by itself when this process dies (its stdin closes)."""
        worker, self._worker = self._worker, None
        if worker is not None:
            if worker.stdin:
                worker.stdin.close()
            try:
                worker.wait(timeout=2)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()

    def parse(self, path: Path, key: str, content_hash: str, max_bytes: int) -> Parsed:
        """parse_file in the worker; raises IngestError (ResourceLimit when over budget)."""
        request = {"path": str(path), "key": key, "hash": content_hash, "max_bytes": max_bytes}
        worker = self._start()
        assert worker.stdin is not None
        try:
            worker.stdin.write(json.dumps(request).encode() + b"\n")
            worker.stdin.flush()
        except BrokenPipeError:
            return self._died(path)
        line = self._read_line(worker, time.monotonic() + self.limits.seconds)
        if line is None:
            self._kill()
            raise ResourceLimit(
                f"{path.name} took more than {self.limits.seconds:g} s to read: refused"
            )
        if not line:
            return self._died(path)
        reply = json.loads(line)
        self.peak_mb = max(self.peak_mb, reply.get("peak_kb", 0) / 1024)
        if reply.get("restart"):  # out of memory: the worker may be in no state to go on
            self._kill()
            raise ResourceLimit(reply["reason"])
        if not reply["ok"]:
            raise IngestError(reply["reason"])
        return Parsed.from_dict(reply["parsed"])

    def _start(self) -> subprocess.Popen[bytes]:
        if self._worker is None or self._worker.poll() is not None:
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(
                p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH")) if p
            )}  # fmt: skip
            self._worker = subprocess.Popen(
                [sys.executable, "-m", "ingest.sandbox", str(self.limits.memory_mb)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
                bufsize=0,
            )
            self._buffer = b""
        return self._worker

    def _read_line(self, worker: subprocess.Popen[bytes], deadline: float) -> bytes | None:
        """One reply line; b"" if the worker died, None if the deadline passed first."""
        assert worker.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(worker.stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                data = os.read(worker.stdout.fileno(), 1 << 20)
                if not data:
                    return b""
                self._buffer += data
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _died(self, path: Path) -> Parsed:
        code = self._kill()
        how = f"signal {signal.Signals(-code).name}" if code and code < 0 else f"exit {code}"
        raise ResourceLimit(
            f"{path.name} stopped its reader ({how}) within the {self.limits.memory_mb} MB, "
            f"{self.limits.seconds:g} s budget: refused"
        )

    def _kill(self) -> int | None:
        worker, self._worker = self._worker, None
        if worker is None:
            return None
        if worker.poll() is None:
            worker.kill()
        return worker.wait()


def _serve(memory_mb: int) -> None:
    """The worker: read one request a line, answer one line, until stdin closes."""
    import resource

    from ingest.parse import parse_file

    limit = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for line in sys.stdin.buffer:
        request = json.loads(line)
        path = Path(request["path"])
        reply: dict[str, Any]
        try:
            parsed = parse_file(path, request["key"], request["hash"], request["max_bytes"])
            reply = {"ok": True, "parsed": parsed.to_dict()}
        except MemoryError:
            reply = {
                "ok": False,
                "restart": True,
                "reason": f"{path.name} needs more than {memory_mb} MB of memory to read: refused",
            }
        except IngestError as error:
            reply = {"ok": False, "reason": str(error).splitlines()[0]}
        except Exception as error:  # a parser's bug on one file is that file's failure
            reply = {"ok": False, "reason": describe_failure(path, error)}
        reply["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def describe_failure(path: Path, error: BaseException) -> str:
    """One line for an unexpected parser error: the file, the error's type and its first line."""
    detail = str(error).splitlines()[0] if str(error) else ""
    return (
        f"{path.name} could not be read ({type(error).__name__}{': ' + detail if detail else ''})"
    )


if __name__ == "__main__":
    _serve(int(sys.argv[1]))

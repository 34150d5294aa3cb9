"""Named points in an ingest where a test can kill the process, as `kill -9` would.

PCCQA_FAULT_AT=<stage> makes the process exit at once (status 137, no cleanup, no flush) when
it reaches that stage; the crash-consistency tests and bench/crash.py use it. Unset, it costs a
dictionary lookup.
"""

from __future__ import annotations

import os

FAULT_ENV = "PCCQA_FAULT_AT"
# In the order an ingest reaches them: parse one file, embed one batch, save the next
# generation's vectors, commit it, write the manifest that names it.
STAGES = ("parse", "embed", "index-save", "commit", "manifest")
KILLED = 137


def fault_point(stage: str) -> None:
    """Die here, without cleanup, if PCCQA_FAULT_AT names this stage."""
    if os.environ.get(FAULT_ENV) == stage:
        os._exit(KILLED)

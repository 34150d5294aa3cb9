"""Chunks follow sections, fit the embedder, and carry exact citation anchors."""

from __future__ import annotations

import re
from itertools import pairwise

from ingest.chunking import chunk_document, find_sections
from ingest.normalise import normalise
from ingest.sentences import split_sentences
from ingest.types import Document, DocumentMetadata, Page

from .conftest import CORPUS


def corpus_documents() -> list[Document]:
    return [
        Document(
            doc_id=path.stem,
            path=str(path),
            file_type="txt",
            content_hash="",
            text=path.read_text(encoding="utf-8"),
            metadata=DocumentMetadata(force=path.stem.split("-pcc")[0]),
        )
        for path in sorted(CORPUS.glob("*.txt"))
    ]


def test_chunks_fit_the_real_tokenizer(embedder) -> None:
    for document in corpus_documents():
        for chunk in chunk_document(document):
            assert embedder.count_tokens(f"{chunk.section}: {chunk.text}") <= embedder.max_tokens


def test_chunks_never_cross_a_section_boundary() -> None:
    for document in corpus_documents():
        norm = normalise(document.text)
        sections = find_sections(norm)
        bounds = [
            (norm.offsets[s.start], norm.offsets[min(s.end, len(norm.text)) - 1] + 1)
            for s in sections
        ]
        for chunk in chunk_document(document):
            assert any(
                start <= chunk.char_start and chunk.char_end <= end for start, end in bounds
            ), chunk


def test_recommendation_sections_are_named() -> None:
    norfolk = next(d for d in corpus_documents() if d.doc_id.startswith("norfolk"))
    sections = {c.section for c in chunk_document(norfolk)}
    assert {"Recommendation 3", "Recommendation 4"} <= sections
    assert any(s.lower().startswith("pcc response") for s in sections)
    cambs = next(d for d in corpus_documents() if d.doc_id.startswith("cambridgeshire"))
    tuserv = [c for c in chunk_document(cambs) if "tuServ" in c.text]
    assert tuserv and tuserv[0].section == "Recommendation 4"


def test_long_sections_split_with_overlap_and_exact_spans() -> None:
    body = " ".join(f"Sentence number {i} about outcome 22 training." for i in range(200))
    document = Document("d", "long.txt", "txt", "", "Force response\n\n" + body)
    chunks = chunk_document(document)
    assert len(chunks) > 3
    for chunk in chunks:
        assert document.text[chunk.char_start : chunk.char_end] == chunk.text
        assert chunk.section == "Force response"
    assert all(a.char_end > b.char_start for a, b in pairwise(chunks))


def test_pages_are_carried_from_the_source() -> None:
    text = "Page one text about the inspection.\n\nPage two text about tuServ software."
    split = text.index("Page two")
    document = Document(
        "d", "x.pdf", "pdf", "", text, pages=(Page(1, 0, split), Page(2, split, len(text)))
    )
    chunks = chunk_document(document, max_tokens=10, overlap_tokens=0)
    assert chunks[0].page == 1 and chunks[-1].page == 2


def test_sentences_are_exact_substrings() -> None:
    for document in corpus_documents():
        for sentence in split_sentences(document.text):
            assert document.text[sentence.start : sentence.end] == sentence.text
            assert len(re.findall(r"\w+", sentence.key)) >= 4

"""Hybrid search on the real corpus with the real model: ranking, filters, persistence, repair."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.build import ingest_and_index
from index.errors import CorruptIndexError, IndexNotFound, ModelMismatch
from index.keyword import fts_terms
from index.manifest import read_manifest, vectors_file
from index.search import SearchFilters, SearchIndex

from .conftest import CORPUS


def top_force(index: SearchIndex, query: str, mode: str = "hybrid") -> str | None:
    hits = index.search(query, k=3, mode=mode)
    return hits[0].chunk.force if hits else None


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_tuserv_finds_cambridgeshire_first(search_index: SearchIndex, mode: str) -> None:
    hits = search_index.search("tuServ demographic data", k=3, mode=mode)
    assert hits[0].chunk.force == "Cambridgeshire"
    assert "tuServ" in hits[0].chunk.text


def test_athena_finds_norfolk(search_index: SearchIndex) -> None:
    assert top_force(search_index, "Athena") == "Norfolk"


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
def test_paraphrase_without_shared_words_is_found(search_index: SearchIndex, mode: str) -> None:
    # The passage: "employing different software options (tuServ) to capture more demographic and
    # personal data from victims and suspects through mandated input fields". No shared words.
    hits = search_index.search(
        "compulsory boxes in the computer system that record who offenders are", k=3, mode=mode
    )
    assert any("mandated input fields" in h.chunk.text for h in hits)


def test_force_filter_returns_only_that_force(search_index: SearchIndex) -> None:
    hits = search_index.search("outcome 22", k=10, filters=SearchFilters(forces=("Norfolk",)))
    assert hits and {h.chunk.force for h in hits} == {"Norfolk"}


def test_a_force_named_in_the_query_is_only_words(search_index: SearchIndex) -> None:
    # Search never guesses intent: "learned from the West Midlands VRU" is not a filter.
    hits = search_index.search("what did West Mercia say about outcome 22", k=10)
    assert len({h.chunk.force for h in hits}) > 1


def test_diverse_search_shows_each_force_first(search_index: SearchIndex) -> None:
    hits = search_index.search("which forces train officers in outcome 22?", k=5, diverse=True)
    assert len({h.chunk.force for h in hits}) == 5


@pytest.mark.parametrize("one_pass_up_to", [50_000, 0], ids=["exact pass", "per-force dense"])
def test_each_force_search_matches_a_force_filtered_search(
    search_index: SearchIndex, monkeypatch: pytest.MonkeyPatch, one_pass_up_to: int
) -> None:
    import index.search as search_module

    monkeypatch.setattr(search_module, "EACH_FORCE_IN_ONE_PASS", one_pass_up_to)
    query = "training officers in the use of outcome 22"
    by_force = search_index.search_each_force(query, search_index.forces, 3)
    assert set(by_force) == set(search_index.forces)
    for force, hits in by_force.items():
        alone = search_index.search(query, 3, SearchFilters(forces=(force,)))
        assert [h.chunk.chunk_id for h in hits] == [h.chunk.chunk_id for h in alone], force
        assert all(h.keyword_score is None or h.keyword_score > 0 for h in hits)


def test_keyword_query_is_safe_from_fts_syntax() -> None:
    assert fts_terms('tuServ" OR (NEAR') == ['"tuserv"', '"near"']
    assert '"violence reduction unit"' in fts_terms("VRU funding")


def test_unknown_mode_names_the_options(search_index: SearchIndex) -> None:
    with pytest.raises(ValueError, match="hybrid, dense, keyword"):
        search_index.search("x", mode="fuzzy")


def test_persistence_round_trip(corpus_home: Path, search_index: SearchIndex) -> None:
    reopened = SearchIndex.open(corpus_home)
    try:
        first = [h.chunk.chunk_id for h in search_index.search("needs assessment", k=5)]
        again = [h.chunk.chunk_id for h in reopened.search("needs assessment", k=5)]
        assert first == again
    finally:
        reopened.close()


def test_querying_with_another_model_says_how_to_reindex(corpus_home: Path) -> None:
    with pytest.raises(ModelMismatch, match="pccqa ingest --rebuild"):
        SearchIndex.open(corpus_home, model="BAAI/bge-small-en-v1.5")


def test_missing_index_says_to_ingest(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match="pccqa ingest"):
        SearchIndex.open(tmp_path)


def test_incremental_runs_keep_vectors_and_chunks_in_step(
    tmp_path: Path, corpus_copy: Path, embedder
) -> None:
    home = tmp_path / "home"
    _, first = ingest_and_index([corpus_copy], home)
    assert first.vectors == first.added and first.embedded > 0
    _, again = ingest_and_index([corpus_copy], home)
    assert again.embedded == 0 and again.added == 0 and again.removed == 0
    (next(corpus_copy.glob("cleveland*"))).unlink()
    norfolk = next(corpus_copy.glob("norfolk*"))
    norfolk.write_text(norfolk.read_text().replace("Athena", "Athena (the shared system)"))
    _, changed = ingest_and_index([corpus_copy], home)
    assert changed.removed > 0 and changed.added > 0
    index = SearchIndex.open(home)
    try:
        assert len(index.vectors) == index.store.chunk_count()
        assert set(index.vectors.ids().tolist()) == set(index.store.chunk_ids())
        assert "Cleveland" not in {h.chunk.force for h in index.search("VRU funding", k=10)}
    finally:
        index.close()


def test_corrupt_index_file_is_reported_and_rebuild_repairs(
    tmp_path: Path, corpus_home: Path, embedder
) -> None:
    home = tmp_path / "home"
    shutil.copytree(corpus_home, home)
    vectors = vectors_file(home, read_manifest(home).generation)
    vectors.write_bytes(vectors.read_bytes()[:100])
    with pytest.raises(CorruptIndexError, match="pccqa ingest --rebuild"):
        SearchIndex.open(home)
    _, sync = ingest_and_index([CORPUS], home, rebuild=True)
    assert sync.embedded == 0, "a rebuild re-uses the embedding cache"
    index = SearchIndex.open(home)
    try:
        assert index.search("tuServ", k=1)[0].chunk.force == "Cambridgeshire"
    finally:
        index.close()
    assert read_manifest(home).vectors == sync.vectors


def test_terms_in_most_chunks_are_left_out_of_keyword_queries(
    search_index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.search as search_module

    monkeypatch.setattr(search_module, "COMMON_TERM_MIN", 5)
    monkeypatch.setattr(search_module, "COMMON_TERM_SHARE", 0.1)
    search_index._chunks = None
    terms = search_index._discriminating(fts_terms("tuServ serious youth violence"))
    assert '"tuserv"' in terms
    assert not {'"serious"', '"youth"', '"violence"'} & set(terms)
    assert search_index._discriminating(['"violence"']) == [], "dense alone ranks it"
    assert search_index.search("serious youth violence", k=3), "and still finds passages"


def test_concurrent_filtered_searches_do_not_mix_forces(search_index: SearchIndex) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def forces_found(force: str) -> set[str | None]:
        filters = SearchFilters(forces=(force,))
        found: set[str | None] = set()
        for _ in range(20):
            found |= {h.chunk.force for h in search_index.search("outcome 22", 5, filters)}
        return found

    with ThreadPoolExecutor(4) as pool:
        results = dict(
            zip(
                ["Norfolk", "Cumbria", "West Mercia", "Cleveland"],
                pool.map(forces_found, ["Norfolk", "Cumbria", "West Mercia", "Cleveland"]),
                strict=True,
            )
        )
    for force, found in results.items():
        assert found == {force}

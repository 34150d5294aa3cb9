"""Normalisation rules, and the promise citations rest on: clean characters map to the source."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.normalise import LIGATURES, Normalised, normalise, to_source_span

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MARKUP_ALPHABET = [*"ab Z-\n\t*_#[]()<>!/:.,", "ﬁ", "ﬃ", "\u00a0", "\u00ad", "\u2009", "\r", "\f"]


def _documented_replacement(original: str, char: str) -> bool:
    """Ligatures expand, odd spaces become " ", and CR, VT, FF or a block tag's "<" become "\n"."""
    return (
        char in LIGATURES.get(original, "")
        or (char == " " and original.isspace())
        or (char == "\n" and original in "\r\v\f<")
    )


def _assert_traceable(source: str, norm: Normalised) -> None:
    """Every clean character is its source character or a documented replacement of it."""
    assert len(norm.offsets) == len(norm.text) + 1
    assert norm.offsets[-1] == len(source)
    assert all(a <= b for a, b in zip(norm.offsets, norm.offsets[1:], strict=False))
    for i, char in enumerate(norm.text):
        original = source[norm.offsets[i]]
        assert original == char or _documented_replacement(original, char), (i, char, original)


@pytest.mark.parametrize(
    ("source", "clean"),
    [
        ("see [outcome 22](#) now", "see outcome 22 now"),
        ("Twitter: [@PCCCambs](https://twitter.com/PCCCambs)", "Twitter: @PCCCambs"),
        ("a [link](https://x.org/a_(b)) b", "a link b"),
        ("logo ![crest](crest.png) here", "logo here"),
        ("<https://www.gov.uk>", "https://www.gov.uk"),
        ("**West Mercia** ", "West Mercia"),
        ("__Bold__ and 5 ** 2 and ____ sign", "Bold and 5 ** 2 and ____ sign"),
        ("## An inspection\n#hashtag", "An inspection\n#hashtag"),
        ("published on 8<sup>th</sup> March", "published on 8th March"),
        ('<span class="x">PCC</span> <b>reply</b>', "PCC reply"),
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("5 < 6 and 7 > 3", "5 < 6 and 7 > 3"),
        (
            "Yours\n\nA handwritten signature in black ink, appearing to be 'D P'.\n\nD P",
            "Yours\n\nD P",
        ),
        ("x\nAn image of the force crest.\ny", "x\ny"),
        ("x\n[Image: PCC logo]\ny", "x\ny"),
        ("An image is worth a thousand words.", "An image is worth a thousand words."),
        ("A signature is needed.", "A signature is needed."),
        ("e\ufb03cient ﬁnance", "efficient finance"),
        ("re\u00adport\u200b", "report"),
        ("early inter-\nvention", "early intervention"),
        ("Anti-\nSocial and 2023-\n24", "Anti-\nSocial and 2023-\n24"),
        ("a\u00a0b\u2009c", "a b c"),
        ("“quoted” ‘text’", "“quoted” ‘text’"),
        ("a \t b\t\tc", "a b c"),
        ("line  \nnext\t\n", "line\nnext"),
        ("a\n\n\n\n\nb", "a\n\nb"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("page one\fpage two", "page one\n\npage two"),
        ("\n\n\n  text  \n\n", "text"),
        ("", ""),
    ],
)
def test_rules(source: str, clean: str) -> None:
    norm = normalise(source)
    assert norm.text == clean
    _assert_traceable(source, norm)


def test_ligature_expansion_maps_each_letter_to_the_ligature() -> None:
    source = "an \ufb03cer"
    norm = normalise(source)
    assert norm.text == "an fficer"
    assert norm.offsets[3:6] == (3, 3, 3)
    assert to_source_span(norm, 3, 4) == (3, 4)


def test_source_span_quotes_the_original_wording() -> None:
    source = "trained in Home Office crime [outcome 22](#) **now**."
    norm = normalise(source)
    start = norm.text.index("outcome 22")
    a, b = to_source_span(norm, start, start + len("outcome 22"))
    assert source[a:b] == "outcome 22"
    a, b = to_source_span(norm, norm.text.index("outcome"), len(norm.text))
    assert source[a:b] == "outcome 22](#) **now**."
    assert to_source_span(norm, 0, 0) == (0, 0)
    assert to_source_span(norm, len(norm.text), len(norm.text)) == (len(source), len(source))


@pytest.mark.parametrize(("start", "end"), [(-1, 2), (3, 2), (0, 10_000)])
def test_source_span_rejects_spans_outside_the_text(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="outside the clean text"):
        to_source_span(normalise("some text"), start, end)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(MARKUP_ALPHABET), max_size=80))
def test_markup_heavy_text_stays_traceable(source: str) -> None:
    _assert_traceable(source, normalise(source))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_stays_traceable(source: str) -> None:
    norm = normalise(source)
    _assert_traceable(source, norm)
    assert "\n\n\n" not in norm.text
    assert norm.text == norm.text.strip()


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.stem)
def test_corpus_files_clean_and_traceable(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    norm = normalise(source)
    _assert_traceable(source, norm)
    for leftover in ("](", "**", "<sup>", "## ", "\n\n\n", "handwritten signature", " \n"):
        assert leftover not in norm.text
    assert normalise(norm.text).text == norm.text


def test_corpus_wording_survives() -> None:
    source = (CORPUS / "cleveland-pcc-response-form-serious-youth-violence-2023.txt").read_text()
    text = normalise(source).text
    assert "Home Office crime outcome 22." in text
    assert "its Serious Violence Strategy, setting out" in text


def test_a_megabyte_normalises_in_well_under_a_second() -> None:
    corpus = "".join(path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt")))
    source = (corpus * (1_000_000 // len(corpus) + 1))[:1_000_000]
    began = time.perf_counter()
    norm = normalise(source)
    assert time.perf_counter() - began < 1.0
    assert len(norm.offsets) == len(norm.text) + 1

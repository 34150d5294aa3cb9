"""What the answer panel shows, on answers built by hand: corrections, unconfirmed forces,
markup made plain, the same passage once, and permalinks."""

from __future__ import annotations

from qa.types import Answer, Citation
from ui import render
from ui.web_ask import recent_html, remember_question

QUOTE = "We use tuServ to capture demographic data."


def cite(number: int, force: str, quote: str = QUOTE, passage: str = "") -> Citation:
    return Citation(number, f"d-{force}", f"{force}.txt", force, "Recommendation 4", None, 0, 99,
                    quote=quote, passage=passage or f"Before. {quote} After.")  # fmt: skip


def test_searched_for_shows_as_a_visible_correction() -> None:
    """Point 9: a corrected question is shown like a search engine's 'did you mean'."""
    answer = Answer(question="whcih forcs use tuserve", text="1 of 5 forces: Kent. [1]",
                    kind="which_forces", citations=(cite(1, "Kent"),),
                    searched_for="which forces use tuServ")  # fmt: skip
    html = render.answer_html(answer)
    assert "Searched for: <strong>which forces use tuServ</strong>" in html
    assert "you typed “whcih forcs use tuserve”" in html
    plain = Answer(question="q", text="t", kind="general")
    assert "Searched for" not in render.answer_html(plain)


def test_possibly_relevant_forces_have_their_own_heading_and_look() -> None:
    answer = Answer(question="q", text="1 of 5 forces: Kent. [1]", kind="which_forces",
                    citations=(cite(1, "Kent"),), related_forces=("Essex",),
                    related=(cite(1, "Essex", "Essex is looking at new software."),))  # fmt: skip
    html = render.sources_html(answer)
    cited, related = html.split("Possibly relevant, not confirmed")
    assert 'data-ref="c1"' in cited and "Essex" not in cited
    assert 'class="pq-sources pq-related"' in html and "pq-card pq-card-related" in related
    assert 'data-ref="r1"' in related and "(Essex)" in related
    assert 'id="pq-source-1"' not in related, "[1] in the answer points at the cited card only"


def test_markup_and_hard_line_breaks_are_made_plain_in_display() -> None:
    """Point 4: '8<sup>th</sup>' and '[text](#)' read as text; PDF line breaks joined."""
    passage = "published on 8<sup>th</sup> March in its [Serious Violence\nStrategy](#) to act."
    html = render.highlight(passage, "[Serious Violence\nStrategy](#)")
    assert "8th March" in html and "<mark>Serious Violence Strategy</mark>" in html
    assert "sup" not in html and "](#)" not in html and "\n" not in html


def test_the_same_nearest_passage_is_shown_once() -> None:
    twice = (cite(1, "Kent", "Same words."), cite(2, "Kent", "Same\nwords."), cite(3, "Essex"))
    answer = Answer(question="q", text="No response answers this.", kind="general",
                    abstained=True, nearest=twice)  # fmt: skip
    html = render.sources_html(answer)
    assert html.count('class="pq-card pq-card-nearest"') == 2


def test_permalinks_and_recent_questions() -> None:
    link = render.permalink("which forces use tuServ?", ["West Mercia", "Kent"])
    assert link == "?q=which%20forces%20use%20tuServ%3F&force=West%20Mercia&force=Kent"
    recent = remember_question([], "q1", [])
    recent = remember_question(recent, "q2", ["Kent"])
    recent = remember_question(recent, "q1", [])
    assert [r["q"] for r in recent] == ["q1", "q2"], "latest first, each once"
    html = recent_html(recent)
    assert "Your recent questions" in html and 'href="?q=q2&amp;force=Kent"' in html

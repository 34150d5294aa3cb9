"""HTML renderings for the web UI; every piece of document text is escaped here.

Pure functions over our own types, so they are tested without Gradio. Buttons carry
`data-action` and `data-ref` attributes; the web layer turns a click on one into an event.
Quotes are shown with markup and hard line breaks made plain; their spans stay exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape
from urllib.parse import quote as url_quote

from qa.types import Answer, Citation
from ui.review import CITATION_VERDICTS

SECTION_CHARS = 80
OPEN_ONLY = (("open", "Open in document"),)
ASK_ACTIONS = (*OPEN_ONLY, ("similar", "Similar in other forces"))
CONTEXT_CHARS = 160  # of the passage either side of a quote on its source card
_CITE_MARK = re.compile(r"\[(\d+)\]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_NEAREST_LIST = "\n\nNearest passages"
# Markup some sources carry into their text (HTML tags, markdown links and emphasis).
_TAG = re.compile(r"</?(?:sup|sub|b|i|u|em|strong|span|small|br)\b[^>]*>", re.IGNORECASE)
_LINK = re.compile(r"\[([^\]]{0,300})\]\([^)\s]*\)")
_EMPHASIS = re.compile(r"\*\*|__")


def shorten(text: str, limit: int) -> str:
    """Whitespace collapsed, cut at a word boundary with an ellipsis when over `limit`."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def notice(text: str, kind: str = "info") -> str:
    """A short message box: info, warning or error."""
    return f'<div class="pq-notice pq-{escape(kind)}" role="status">{escape(text)}</div>'


def plain(text: str, keep_lines: bool = False) -> str:
    """Source text as a reader wants it: no tags or link targets; hard line breaks joined."""
    text = _EMPHASIS.sub("", _LINK.sub(r"\1", _TAG.sub("", text)))
    if keep_lines:
        return text
    return re.sub(r"[ \t]*\n[ \t]*", " ", text)


def permalink(question: str, forces: Sequence[str] = ()) -> str:
    """'?q=...&force=...': a link that asks the same question with the same forces again."""
    parts = [f"q={url_quote(question, safe='')}"]
    parts += [f"force={url_quote(force, safe='')}" for force in forces]
    return "?" + "&".join(parts)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# Answers ---------------------------------------------------------------------------------------


def answer_html(answer: Answer, link: str = "", status: str = "") -> str:
    """The answer's prose with [n] links to its sources, a correction, and a status line.

    `status` is room for one more line under the answer (e.g. which corpus answered it).
    """
    text = answer.text.split(_NEAREST_LIST, 1)[0] if answer.abstained else answer.text
    state = "abstained" if answer.abstained else "found"
    title = "Nothing found" if answer.abstained else "Answer"
    meta = [f"Answered in {answer.elapsed_ms / 1000:.1f} s"]
    if answer.citations:
        meta.append(plural(len(answer.citations), "source"))
    parts = [f'<section class="pq-answer pq-{state}" data-state="{state}" aria-label="{title}">']
    if answer.searched_for:
        parts.append(
            '<p class="pq-corrected">Searched for: '
            f"<strong>{escape(answer.searched_for)}</strong> "
            f'<span class="pq-meta">(you typed “{escape(answer.question)}”)</span></p>'
        )
    parts += [f"<h2>{title}</h2>", _prose(text)]
    parts.extend(f'<p class="pq-warning">Warning: {escape(w)}</p>' for w in answer.warnings)
    footer = " · ".join(escape(m) for m in meta)
    if link:
        footer += (
            f' · <a class="pq-permalink" href="{escape(link)}" data-permalink="1">'
            "Link to this answer</a>"
        )
    parts.append(f'<footer class="pq-meta">{footer}</footer>')
    if status:
        parts.append(f'<p class="pq-status-line pq-meta">{escape(status)}</p>')
    parts.append("</section>")
    return "".join(parts)


def _prose(text: str) -> str:
    """The composer's small markdown (paragraphs, '- ' bullets, **bold**, [n]) as safe HTML."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        if lines and all(line.lstrip().startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line.lstrip()[2:])}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        elif lines:
            blocks.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return "".join(blocks)


def _inline(line: str) -> str:
    safe = _BOLD.sub(r"<strong>\1</strong>", escape(plain(line)))
    return _CITE_MARK.sub(r'<a class="pq-cite" href="#pq-source-\1">[\1]</a>', safe)


def sources_html(answer: Answer, verdicts: dict[str, str] | None = None) -> str:
    """Source cards: citations, then possibly relevant passages; or the nearest, as not an answer.

    With `verdicts` (the Review tab) each citation card carries its supports / partly / does
    not support buttons, the pressed one showing the verdict given.
    """
    parts = []
    if answer.citations:
        # Reviewing, a card opens its source and takes a verdict; peers are for the Ask tab.
        actions = OPEN_ONLY if verdicts is not None else ASK_ACTIONS
        cards = "".join(
            source_card(c, f"c{c.number}", verdicts=verdicts, actions=actions)
            for c in answer.citations
        )
        parts.append(f'<section class="pq-sources"><h3>Sources</h3>{cards}</section>')
    if answer.related:
        cards = "".join(source_card(c, f"r{c.number}", kind="related") for c in answer.related)
        forces = ", ".join(answer.related_forces or sorted({c.force or "" for c in answer.related}))
        parts.append(
            '<section class="pq-sources pq-related"><h3>Possibly relevant, not confirmed</h3>'
            f"<p>These responses ({escape(forces)}) come close to the question but do not clearly "
            f"state the answer: check them before counting them.</p>{cards}</section>"
        )
    if not answer.citations and answer.nearest:
        cards = "".join(
            source_card(c, f"n{c.number}", kind="nearest") for c in _distinct(answer.nearest)
        )
        parts.append(
            '<section class="pq-sources pq-nearest"><h3>Nearest passages — not an answer</h3>'
            "<p>No response answers the question. These are the closest passages, "
            f"shown so you can judge for yourself.</p>{cards}</section>"
        )
    return "".join(parts)


def _distinct(citations: Iterable[Citation]) -> list[Citation]:
    """The same passage once, even when it was reached twice."""
    seen: set[tuple[str, str]] = set()
    out = []
    for citation in citations:
        key = (citation.doc_id, " ".join(plain(citation.quote or citation.passage).split()))
        if key not in seen:
            seen.add(key)
            out.append(citation)
    return out


def source_card(
    citation: Citation,
    ref: str,
    kind: str = "cited",
    verdicts: dict[str, str] | None = None,
    actions: Sequence[tuple[str, str]] = ASK_ACTIONS,
) -> str:
    """A citation's heading, its passage with the quote highlighted, and its buttons."""
    passage = citation.passage or citation.quote
    label = {"nearest": "Nearest", "related": "?"}.get(kind, str(citation.number))
    buttons = "".join(
        f'<button type="button" data-action="{a}" data-ref="{escape(ref)}">{escape(t)}</button>'
        for a, t in actions
    )
    if verdicts is not None:
        buttons += verdict_buttons(ref, verdicts.get(str(citation.number)))
    anchor = f' id="pq-source-{citation.number}"' if kind == "cited" else ""
    return (
        f'<article class="pq-card pq-card-{kind}"{anchor} data-ref="{escape(ref)}">'
        f'<header><span class="pq-num">{escape(label)}</span>{_anchor(citation)}</header>'
        f'<blockquote class="pq-passage">{highlight(passage, citation.quote)}</blockquote>'
        f'<div class="pq-actions">{buttons}</div></article>'
    )


def verdict_buttons(ref: str, chosen: str | None) -> str:
    """Toggle buttons for a reviewer's verdict on one citation; aria-pressed marks the choice."""
    buttons = "".join(
        f'<button type="button" class="pq-verdict" data-action="verdict" data-ref="{escape(ref)}"'
        f' data-value="{escape(v)}" aria-pressed="{"true" if v == chosen else "false"}">'
        f"{escape(v.capitalize())}</button>"
        for v in CITATION_VERDICTS
    )
    return (
        '<span class="pq-verdicts" role="group" aria-label="Does the quote support the answer?">'
        f"{buttons}</span>"
    )


def _anchor(citation: Citation) -> str:
    parts = [f"<strong>{escape(citation.force or 'Unknown force')}</strong>"]
    if citation.section:
        parts.append(escape(shorten(plain(citation.section), SECTION_CHARS)))
    if citation.page is not None:
        parts.append(f"p. {citation.page}")
    parts.append(f'<span class="pq-file">{escape(citation.file_name)}</span>')
    return " · ".join(parts)


def highlight(text: str, quote: str, context: int = CONTEXT_CHARS) -> str:
    """Plain, escaped text with the first occurrence of the quote in <mark>, and at most
    `context` characters either side of it (the whole passage is a click away)."""
    at = text.find(quote) if quote else -1
    if at < 0:
        return escape(shorten(plain(text), context * 3))
    end = at + len(quote)
    before, marked, after = plain(text[:at]), plain(text[at:end]), plain(text[end:])
    if len(before) > context:
        before = "…" + before[-context:].split(" ", 1)[-1]
    if len(after) > context:
        after = after[:context].rsplit(" ", 1)[0] + "…"
    return f"{escape(before.lstrip())}<mark>{escape(marked)}</mark>{escape(after.rstrip())}"


def similar_html(similar: Sequence[Citation], source: str) -> str:
    """Passages from other forces like the one a person is reading, the closest sentence marked."""
    if not similar:
        return notice(f"No similar passages in other forces' responses to {source}.")
    cards = "".join(
        source_card(c, f"s{c.number}", kind="similar", actions=OPEN_ONLY) for c in similar
    )
    return (
        f'<section class="pq-similar"><h3>Similar in other forces</h3>'
        f"<p>The passage of each other force most like {escape(source)}; the closest sentence "
        f"is marked.</p>{cards}</section>"
    )

"""The Ask tab: a question, its answer with sources, the document viewer, and a quick rating.

One answer is one state: asking again clears the viewer, the similar list and the rating form.
Each answer's permalink (?q=...&force=...) asks it again; recent questions are kept in the
browser (localStorage), never on the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import gradio as gr

from ui import render
from ui.format import MAX_QUESTION_CHARS
from ui.handlers import (
    EXAMPLES,
    AppState,
    ask,
    evidence_files,
    filter_choices,
    open_source,
    resolve,
    similar_to,
)
from ui.handlers_review import rate, remember
from ui.review import ANSWER_VERDICTS
from ui.web import (
    ANSWER_EVENT,
    clicked,
    document_viewer,
    download,
    inspection_choices,
    username,
)
from ui.web_style import ANSWER_JS, CLICK_JS

VIEWER_PROMPT = "Open a source to read it here, at the quoted place."
RECENT_KEPT = 8


@dataclass
class AskTab:
    """What other tabs touch: the filter drop-downs, refreshed after an upload."""

    choices: tuple[gr.Dropdown, gr.Dropdown]


def recent_html(recent: list[dict[str, Any]]) -> str:
    """Example and recent questions as permalinks: one click asks again."""

    def links(items: list[tuple[str, list[str]]]) -> str:
        return "".join(
            f'<li><a href="{escape(render.permalink(q, forces))}">{escape(q)}'
            f"{escape(' (' + ', '.join(forces) + ')') if forces else ''}</a></li>"
            for q, forces in items
        )

    examples = links([(q, []) for q in EXAMPLES])
    mine = links([(r["q"], r.get("forces", [])) for r in recent])
    return (
        f'<nav class="pq-recent" aria-label="Example and recent questions">'
        f"<h3>Examples</h3><ul>{examples}</ul>"
        + (f"<h3>Your recent questions</h3><ul>{mine}</ul>" if mine else "")
        + "</nav>"
    )


def remember_question(
    recent: list[dict[str, Any]] | None, question: str, forces: list[str]
) -> list[dict[str, Any]]:
    """The recent-questions list with this one first, each question and forces once."""
    entry = {"q": question, "forces": list(forces)}
    return [entry, *(r for r in recent or [] if r != entry)][:RECENT_KEPT]


def build_ask_tab(app: AppState, demo: gr.Blocks) -> AskTab:
    """Question, filters, answer, sources, rating and the viewer beside them."""
    forces, inspections = filter_choices(app)
    with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
        answer_state, answer_id = gr.State(None), gr.State(None)
        similar_state = gr.State([])
        recent_state = gr.BrowserState([], storage_key="pccqa-recent-questions")
        with gr.Column(scale=3, min_width=300):
            with gr.Row(equal_height=False):
                question = gr.Textbox(
                    label="Your question",
                    info="Press Enter to ask.",
                    placeholder="e.g. Which forces use tuServ for demographic capture?",
                    lines=1,
                    max_lines=4,
                    max_length=MAX_QUESTION_CHARS,
                    scale=5,
                    elem_id="pq-question",
                )
                ask_button = gr.Button(
                    "Ask", variant="primary", scale=1, min_width=80, elem_id="pq-ask"
                )
            with gr.Row():
                with gr.Accordion("Narrow the search", open=False):
                    force_filter = gr.Dropdown(forces, multiselect=True, label="Forces", value=[])
                    inspection_filter = gr.Dropdown(
                        inspection_choices(inspections), label="Inspection", value=""
                    )
                    with gr.Row():
                        date_from = gr.Textbox(
                            label="Responses dated from", placeholder="YYYY-MM-DD"
                        )
                        date_to = gr.Textbox(label="Responses dated to", placeholder="YYYY-MM-DD")
                with gr.Accordion("Examples and your recent questions", open=False):
                    recent = gr.HTML(recent_html([]), elem_id="pq-recent")
            answer_html = gr.HTML(elem_id="pq-answer", js_on_load=ANSWER_JS, padding=False)
            sources_html = gr.HTML(elem_id="pq-sources", js_on_load=CLICK_JS, padding=False)
            with gr.Row():
                evidence_csv = gr.DownloadButton(
                    "Download evidence table (CSV)", visible=False, size="sm"
                )
                evidence_xlsx = gr.DownloadButton(
                    "Download evidence table (Excel)", visible=False, size="sm"
                )
            with gr.Group(visible=False, elem_id="pq-rating") as rating:
                verdict = gr.Radio(
                    list(ANSWER_VERDICTS), label="Rate this answer (for evaluators)",
                    elem_id="pq-verdict",
                )  # fmt: skip
                note = gr.Textbox(label="Note (optional)", lines=1, elem_id="pq-note")
                rate_button = gr.Button("Save rating", size="sm", elem_id="pq-rate")
            rate_status = gr.HTML(elem_id="pq-rate-status")
        with gr.Column(scale=2, min_width=300, elem_classes="pq-viewer-column"):
            similar_html = gr.HTML(elem_id="pq-similar", js_on_load=CLICK_JS)
            viewer, viewer_original = document_viewer("pq-viewer", VIEWER_PROMPT)

    outputs = [
        answer_html, sources_html, answer_state, answer_id, rating, verdict, note, rate_status,
        similar_html, similar_state, viewer, viewer_original, evidence_csv, evidence_xlsx,
        recent_state, recent,
    ]  # fmt: skip

    def on_ask(question, forces, inspection, date_from, date_to, recent):
        answer_text, sources, answer = ask(app, question, forces, inspection, date_from, date_to)
        if answer is not None:
            recent = remember_question(
                recent, answer.question, list(answer.filters.get("forces", []))
            )
        hidden, shown = gr.DownloadButton(visible=False), gr.Group(visible=answer is not None)
        return (
            answer_text, sources, answer, remember(app, answer), shown, None, "", "", "", [],
            render.notice(VIEWER_PROMPT), hidden, hidden, hidden, recent, recent_html(recent or []),
        )  # fmt: skip

    def on_open_link(recent, request: gr.Request):
        params = request.query_params if request else {}
        question = params.get("q", "") if params else ""
        if not question:
            return (
                gr.skip(),
                gr.skip(),
                *([gr.skip()] * (len(outputs) - 1)),
                recent_html(recent or []),
            )
        forces = [f for f in params.getlist("force") if f in app.engine.index.forces]
        return question, forces, *on_ask(question, forces, "", "", "", recent)

    def on_evidence(answer):
        csv_path, xlsx_path = evidence_files(app, answer)
        return download(csv_path), download(xlsx_path)

    def on_click(answer, similar, evt: gr.EventData):
        action, ref, _ = clicked(evt)
        target = resolve(ref, answer, similar)
        if action == "similar":
            html, found = similar_to(app, target)
            return gr.skip(), gr.skip(), html, found
        html, original = open_source(app, target, back=ref)
        return html, download(original), gr.skip(), similar

    inputs = [question, force_filter, inspection_filter, date_from, date_to, recent_state]
    asked = gr.on(
        [ask_button.click, question.submit], on_ask, inputs, outputs, api_name="ask",
        **ANSWER_EVENT,
    )  # fmt: skip
    asked.then(on_evidence, answer_state, [evidence_csv, evidence_xlsx], api_name="evidence")
    opened = demo.load(
        on_open_link, recent_state, [question, force_filter, *outputs],
        api_visibility="private", **ANSWER_EVENT,
    )  # fmt: skip
    opened.then(on_evidence, answer_state, [evidence_csv, evidence_xlsx], api_visibility="private")
    for clickable in (sources_html, similar_html):
        clickable.click(
            on_click, [answer_state, similar_state],
            [viewer, viewer_original, similar_html, similar_state], api_visibility="private",
        )  # fmt: skip

    def on_rate(answer_id, verdict, note, request: gr.Request):
        return rate(app, answer_id, verdict, note, username(request))

    rate_button.click(on_rate, [answer_id, verdict, note], rate_status, api_name="rate")
    return AskTab((force_filter, inspection_filter))

"""The Review tab: an evaluator samples answers, checks each citation against its source,
records verdicts, and reads agreement and error rates; everything exports."""

from __future__ import annotations

import gradio as gr

from ui.handlers import AppState, open_source, resolve
from ui.handlers_review import (
    SAMPLE_SIZE,
    export_reviews,
    kinds_and_forces,
    mark_citation,
    open_answer,
    rate,
    sample,
    stats_html,
)
from ui.render_review import ID_COLUMN, SAMPLE_HEADERS
from ui.review import ALL, ANSWER_VERDICTS, REVIEW_STATES, SampleFilters
from ui.web import clicked, document_viewer, download, username
from ui.web_style import CLICK_JS

INTRO = (
    "Every answer given on the Ask tab is kept here. **1.** Draw a sample (random, or in equal "
    "turns per question kind), narrowed by kind, force or review state. **2.** Click a row to "
    "read the answer as it was shown. **3.** For each source, open it in its document and mark "
    "whether the quote *supports*, *partly supports* or *does not support* the answer. "
    "**4.** Give your verdict on the whole answer, with notes, and save (saving again replaces "
    "your review). Results and exports are at the bottom."
)

EXPORT_LABEL = "Export answers and reviews (CSV, Excel, JSON Lines)"


def build_review_tab(app: AppState, demo: gr.Blocks) -> None:
    """Sample, read, check, save, report, export."""
    with gr.Tab("Review", id="review") as tab:
        answer_state, answer_id, verdicts_state = gr.State(None), gr.State(None), gr.State({})
        gr.Markdown(INTRO)
        with gr.Row(equal_height=True):
            size = gr.Number(SAMPLE_SIZE, label="How many", precision=0, minimum=1, min_width=90)
            kind = gr.Dropdown([ALL], value=ALL, label="Question kind", min_width=140)
            force = gr.Dropdown([ALL], value=ALL, label="Force", min_width=140)
            state = gr.Radio(list(REVIEW_STATES), value=ALL, label="Answers", min_width=260)
            stratify = gr.Checkbox(label="Equal turns per question kind", min_width=140)
        draw = gr.Button("Draw a sample", variant="primary", elem_id="pq-sample")
        summary = gr.HTML(elem_id="pq-sample-summary")
        table = gr.Dataframe(
            headers=list(SAMPLE_HEADERS), interactive=False, wrap=True, elem_id="pq-review-sample"
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                answer_html = gr.HTML(elem_id="pq-review-answer")
                sources = gr.HTML(elem_id="pq-review-sources", js_on_load=CLICK_JS)
                with gr.Group(visible=False) as form:
                    verdict = gr.Radio(
                        list(ANSWER_VERDICTS), label="Your verdict on the whole answer",
                        elem_id="pq-review-verdict",
                    )  # fmt: skip
                    note = gr.Textbox(label="Notes", lines=2, elem_id="pq-review-note")
                    save = gr.Button("Save review", elem_id="pq-save-review")
                status = gr.HTML(elem_id="pq-review-status")
            with gr.Column(scale=2, min_width=300, elem_classes="pq-viewer-column"):
                viewer, original = document_viewer(
                    "pq-review-viewer", "Open a source to check its quote in the document."
                )
        results = gr.HTML(elem_id="pq-review-stats")
        export = gr.Button(
            "Export answers and reviews (CSV, Excel, JSON Lines)", elem_id="pq-export"
        )
        files = gr.File(
            label="Reviews", visible=False, interactive=False, elem_id="pq-review-files"
        )

    def on_open_tab():
        kinds, forces = kinds_and_forces(app)
        return (
            gr.Dropdown(choices=[ALL, *kinds]),
            gr.Dropdown(choices=[ALL, *forces]),
            stats_html(app),
        )

    def on_draw(size, kind, force, state, stratify):
        rows, text = sample(app, size, SampleFilters(kind, force, state, bool(stratify)))
        return rows, f"<p>{text}</p>"

    def on_pick(evt: gr.SelectData, request: gr.Request):
        row = evt.row_value or []
        chosen = str(row[ID_COLUMN]) if row else ""
        html, cards, answer, verdicts, given, text = open_answer(app, chosen, username(request))
        return (
            html, cards, answer, chosen if answer else None, verdicts, given, text,
            gr.Group(visible=answer is not None), "", gr.skip(),
        )  # fmt: skip

    def on_card(answer, verdicts, evt: gr.EventData):
        action, ref, value = clicked(evt)
        if action == "verdict":
            cards, verdicts = mark_citation(answer, verdicts, ref, value)
            return cards, verdicts, gr.skip(), gr.skip()
        html, path = open_source(app, resolve(ref, answer), back=ref)
        return gr.skip(), verdicts, html, download(path)

    def on_save(chosen, given, text, verdicts, request: gr.Request):
        return rate(app, chosen, given, text, username(request), verdicts), stats_html(app)

    def on_export():
        return gr.File(value=[str(p) for p in export_reviews(app)], visible=True)

    tab.select(on_open_tab, None, [kind, force, results], api_visibility="private")
    draw.click(on_draw, [size, kind, force, state, stratify], [table, summary], api_name="sample")
    table.select(
        on_pick, None,
        [answer_html, sources, answer_state, answer_id, verdicts_state, verdict, note, form,
         status, viewer],
        api_visibility="private",
    )  # fmt: skip
    sources.click(
        on_card, [answer_state, verdicts_state], [sources, verdicts_state, viewer, original],
        api_visibility="private",
    )  # fmt: skip
    save.click(
        on_save, [answer_id, verdict, note, verdicts_state], [status, results], api_name="review"
    )
    export.click(on_export, None, files, api_name="export_reviews")

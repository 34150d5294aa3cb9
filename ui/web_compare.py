"""The Compare tab: recommendations down, forces across; each cell opens its source or finds
similar passages in other forces."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ui.handlers import AppState, compare, filter_choices, open_source, resolve, similar_to
from ui.web import ENGINE_EVENT, clicked, document_viewer, download, inspection_choices
from ui.web_style import CLICK_JS


@dataclass
class CompareTab:
    """The inspection drop-down, refreshed after an upload."""

    inspection: gr.Dropdown


def build_compare_tab(app: AppState) -> CompareTab:
    """Choose an inspection, compare, download; open a cell's quote or its peers beside it."""
    _, inspections = filter_choices(app)
    with gr.Tab("Compare", id="compare"):
        matrices_state, similar_state = gr.State([]), gr.State([])
        gr.Markdown(
            "How each force responded to each recommendation of an inspection, side by side. "
            "**Open** reads the response at that place; **Similar** finds other forces' "
            "passages like it."
        )
        with gr.Row():
            inspection = gr.Dropdown(
                inspection_choices(inspections), label="Inspection", value="", scale=4
            )
            button = gr.Button("Compare responses", variant="primary", scale=1, min_width=160)
        table = gr.HTML(elem_id="pq-compare", js_on_load=CLICK_JS)
        files = gr.File(label="Download the comparison", visible=False, interactive=False)
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=280):
                similar = gr.HTML(elem_id="pq-compare-similar", js_on_load=CLICK_JS)
            with gr.Column(scale=3, min_width=280):
                viewer, original = document_viewer("pq-compare-viewer")

    def on_compare(inspection):
        html, paths, matrices = compare(app, inspection)
        shown = gr.File(value=[str(p) for p in paths], visible=bool(paths))
        return html, shown, matrices, "", [], ""

    def on_click(matrices, found, evt: gr.EventData):
        action, ref, _ = clicked(evt)
        target = resolve(ref, None, found, matrices)
        if action == "similar":
            html, found = similar_to(app, target)
            return gr.skip(), gr.skip(), html, found
        html, path = open_source(app, target, back=ref)
        return html, download(path), gr.skip(), found

    button.click(
        on_compare, inspection, [table, files, matrices_state, similar, similar_state, viewer],
        api_name="compare", **ENGINE_EVENT,
    )  # fmt: skip
    for clickable in (table, similar):
        clickable.click(
            on_click, [matrices_state, similar_state], [viewer, original, similar, similar_state],
            api_visibility="private",
        )  # fmt: skip
    return CompareTab(inspection)

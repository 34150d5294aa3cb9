"""The Add documents tab: upload responses and see each file's outcome."""

from __future__ import annotations

from typing import Any

import gradio as gr

from ui.handlers import UPLOAD_TYPES, AppState, ingest_files
from ui.web import ENGINE_EVENT, refreshed, username

PROGRESS = gr.Progress()  # our own steps, not the tqdm bars of the libraries underneath


def build_ingest_tab(app: AppState, outdated: list[Any]) -> None:
    """Upload, add, report, empty the upload box; `outdated` (filters, table) are refreshed."""
    with gr.Tab("Add documents", id="ingest"):
        who = "Anyone who can open this page" if not app.login_required else "Signed-in users"
        gr.Markdown(
            f"Add PDF, Word (DOCX), text or web-page (HTML) responses, up to "
            f"{app.max_upload_mb:g} MB each. {who} can add documents. They can be searched as "
            "soon as this finishes; files that cannot be read are listed with the reason."
        )
        uploads = gr.File(
            label="Files to add",
            file_count="multiple",
            file_types=list(UPLOAD_TYPES),
            elem_id="pq-upload",
        )
        button = gr.Button("Add to the corpus", variant="primary", elem_id="pq-add")
        report = gr.HTML(elem_id="pq-ingest-report")

    def on_ingest(paths, request: gr.Request, progress=PROGRESS):
        html = ingest_files(app, paths, username(request), progress)
        return html, None, *refreshed(app)

    button.click(
        on_ingest, uploads, [report, uploads, *outdated], api_name="ingest", **ENGINE_EVENT
    )

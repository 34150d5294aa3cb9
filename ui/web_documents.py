"""The Documents tab: every response with its metadata; a row opens the document."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ui.handlers import AppState, documents_table, open_document
from ui.render_documents import DOCUMENT_COLUMNS, FILE_COLUMN
from ui.web import document_viewer, download

COLUMN_WIDTHS = ("9%", "19%", "8%", "8%", "5%", "6%", "8%", "10%", "12%", "15%")


@dataclass
class DocumentsTab:
    """The table, refreshed after an upload."""

    table: gr.Dataframe


def build_documents_tab(app: AppState) -> DocumentsTab:
    """A sortable, filterable table of documents and a viewer for the one clicked."""
    with gr.Tab("Documents", id="documents"):
        gr.Markdown(
            "Every response in the corpus. Click a column heading to sort, type in the search "
            "box to filter, and click a row to read the document."
        )
        table = gr.Dataframe(
            documents_table(app),
            headers=list(DOCUMENT_COLUMNS),
            datatype=["str"] * 4 + ["number"] + ["str"] * 5,
            column_widths=list(COLUMN_WIDTHS),
            interactive=False,
            show_search="filter",
            wrap=True,
            elem_id="pq-documents",
        )
        viewer, original = document_viewer(
            "pq-document-viewer", "Click a row to read the document here."
        )

    def on_select(evt: gr.SelectData):
        row = evt.row_value or []
        name = str(row[FILE_COLUMN]) if len(row) > FILE_COLUMN else ""
        html, path = open_document(app, name)
        return html, download(path)

    table.select(on_select, None, [viewer, original], api_visibility="private")
    return DocumentsTab(table)

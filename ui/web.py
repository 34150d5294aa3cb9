"""The web UI: a thin Gradio layer over the plain handlers in ui/handlers*.py.

`create_app(state)` builds the Blocks without launching: the page header, then one builder per
tab (ui/web_ask.py, web_documents.py, web_compare.py, web_ingest.py, web_review.py). `launch_app`
serves it on localhost with no analytics, share links or other outbound calls, and a bounded
queue. Gradio is imported only by ui/web*.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import gradio as gr

from index.batching import cores
from ui import render
from ui.handlers import AppState, filter_choices
from ui.web_style import APP_CSS, PAGE_JS, TITLE, VIEWER_JS, make_theme

QUEUE_SIZE = 256  # far above 100 waiting requests, so a crowd is served in turn, never dropped
DEFAULT_CONCURRENCY = 4
# Comparing and ingesting read or change much of the engine: one at a time.
ENGINE_EVENT = {"concurrency_id": "engine", "concurrency_limit": 1}
# Answers share the engine (ui/locks.py) and run side by side, one per core: a slow answer no
# longer holds every other user, and more would only queue for the GIL (`python -m bench load`).
ANSWER_EVENT = {
    "concurrency_id": "answer",
    "concurrency_limit": int(os.environ.get("PCCQA_ANSWER_CONCURRENCY", "0")) or cores(),
}
CACHE_SWEEP = (3600, 86400)  # hourly, drop Gradio's copies of downloads older than a day


def create_app(app: AppState) -> gr.Blocks:
    """Build the header and the five tabs, each wired to plain handlers; nothing is launched."""
    from ui.web_ask import build_ask_tab
    from ui.web_compare import build_compare_tab
    from ui.web_documents import build_documents_tab
    from ui.web_ingest import build_ingest_tab
    from ui.web_review import build_review_tab

    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=CACHE_SWEEP) as demo:
        gr.HTML(
            f'<header class="pq-intro"><h1>{TITLE}</h1><p>Question Police and Crime '
            "Commissioners' responses to HMICFRS inspections. Every statement links to a quote "
            "you can check in the original.</p></header>"
        )
        with gr.Tabs(overflow_behavior="wrap", elem_id="pq-tabs"):
            ask = build_ask_tab(app, demo)
            documents = build_documents_tab(app)
            compare = build_compare_tab(app)
            build_ingest_tab(app, [*ask.choices, compare.inspection, documents.table])
            build_review_tab(app, demo)

        demo.load(
            lambda: refreshed(app), None, [*ask.choices, compare.inspection, documents.table],
            api_name="refresh",
        )  # fmt: skip
    demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY, max_size=QUEUE_SIZE)
    return demo


def refreshed(app: AppState) -> tuple[Any, ...]:
    """The corpus as it is now: Ask's force and inspection filters, Compare's inspection
    drop-down and the Documents table's rows (after an upload, or on each page load)."""
    from ui.handlers import documents_table

    forces, inspections = filter_choices(app)
    choices = inspection_choices(inspections)
    return (
        gr.Dropdown(choices=forces),
        gr.Dropdown(choices=choices),
        gr.Dropdown(choices=choices),
        documents_table(app),
    )


def inspection_choices(inspections: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The inspection drop-down: every inspection once, by name, behind 'All inspections'."""
    return [("All inspections", ""), *inspections]


def document_viewer(elem_id: str, prompt: str = "") -> tuple[gr.HTML, gr.DownloadButton]:
    """A panel showing a document at its quoted place, with the original file to download."""
    viewer = gr.HTML(render.notice(prompt) if prompt else "", elem_id=elem_id, js_on_load=VIEWER_JS)
    original = gr.DownloadButton("Download the original file", visible=False, size="sm")
    return viewer, original


def download(path: Any) -> Any:
    """A download button offering the file, or hidden when there is none."""
    return gr.DownloadButton(value=str(path) if path else None, visible=path is not None)


def clicked(evt: gr.EventData) -> tuple[str, str, str]:
    """(action, ref, value) of a button clicked inside rendered HTML."""
    data = evt._data if isinstance(evt._data, dict) else {}
    return str(data.get("action", "")), str(data.get("ref", "")), str(data.get("value", ""))


def username(request: gr.Request | None) -> str | None:
    """Who is signed in (None without --auth-file): a review is theirs."""
    return getattr(request, "username", None) if request else None


def launch_app(
    demo: gr.Blocks,
    app: AppState,
    host: str = "127.0.0.1",
    port: int | None = 7860,
    auth: Callable[[str, str], bool] | None = None,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> str:
    """Serve the app with every outbound call switched off; returns the local URL."""
    _, url, _ = demo.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        auth_message="Sign in with the user name and password your administrator gave you.",
        max_file_size=app.max_upload_bytes,
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        share=False,
        inbrowser=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        run_history=False,
        footer_links=[],
        show_error=True,
        theme=make_theme(),
        css=APP_CSS,
        js=PAGE_JS,
    )
    return url

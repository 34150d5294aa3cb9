"""The web UI: a thin Gradio layer over the plain handlers in ui/handlers.py.

`create_app(state)` builds the Blocks without launching; `launch_app` serves it on localhost
with no analytics, share links or other outbound calls, and a bounded queue.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import gradio as gr

from index.batching import cores
from ui import render
from ui.handlers import (
    EXAMPLES,
    RATING_HEADERS,
    SAMPLE_SIZE,
    UPLOAD_TYPES,
    VERDICTS,
    AppState,
    ask,
    compare,
    documents_table,
    evidence_files,
    export_ratings,
    filter_choices,
    ingest_files,
    open_document,
    open_source,
    rate,
    resolve,
    sample_ratings,
    similar_to,
)

TITLE = "PCC response explorer"
QUEUE_SIZE = 256  # far above 100 waiting requests, so a crowd is served in turn, never dropped
DEFAULT_CONCURRENCY = 4
ENGINE = "engine"  # comparing and ingesting change or read much of the engine: one at a time
# Answers share the engine (ui/locks.py) and run side by side, one per core: a slow answer no
# longer holds every other user, and more would only queue for the GIL (`python -m bench load`).
ANSWER_CONCURRENCY = int(os.environ.get("PCCQA_ANSWER_CONCURRENCY", "0")) or cores()
TRACK_PROGRESS = gr.Progress(track_tqdm=True)
CACHE_SWEEP = (3600, 86400)  # hourly, drop Gradio's copies of downloads older than a day
DOCUMENT_COLUMN_WIDTHS = ("9%", "19%", "8%", "8%", "5%", "6%", "8%", "10%", "12%", "15%")

# Buttons inside rendered HTML report which passage they name; Python resolves it (never trusts it).
CLICK_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (button) trigger('click', {action: button.dataset.action, ref: button.dataset.ref});
});
"""
VIEWER_JS = (
    CLICK_JS
    + """
watch('value', () => {
  const cited = element.querySelector('#pq-cited')
    || element.querySelector('.pq-similar, .pq-document');
  if (cited) cited.scrollIntoView({block: 'center'});
});
"""
)
APP_CSS = """
.pq-intro p { margin: 0; color: var(--body-text-color-subdued); }
.pq-notice { padding: .6rem .9rem; border-radius: 6px; margin: .4rem 0; border-left: 4px solid; }
.pq-info { background: #eef4ff; border-color: #3b6fd8; color: #1d2b4f; }
.pq-warning { background: #fff6e0; border-color: #c98a00; color: #4a3500; }
.pq-error { background: #fdecec; border-color: #c62828; color: #5a1010; }
.pq-answer header, .pq-card header { display: flex; gap: .5rem; align-items: baseline;
  flex-wrap: wrap; }
.pq-answer h3 { margin: 0; }
.pq-meta { color: var(--body-text-color-subdued); font-size: .9em; }
.pq-abstained { border-left: 4px solid #c98a00; padding-left: .8rem; }
.pq-cite { font-size: .8em; vertical-align: super; text-decoration: none; font-weight: 600; }
.pq-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .7rem .9rem;
  margin: .6rem 0; background: var(--block-background-fill); }
.pq-num { display: inline-block; min-width: 1.6em; text-align: center; border-radius: 1em;
  background: #1f4e9c; color: #fff; font-weight: 700; font-size: .85em; padding: 0 .4em; }
.pq-file { color: var(--body-text-color-subdued); font-size: .85em; }
.pq-passage { margin: .5rem 0; padding: .3rem .8rem; border-left: 3px solid #c7d3ea;
  white-space: pre-wrap; }
mark, .pq-quote { background: #ffe066; color: #111; padding: 0 .1em; border-radius: 2px; }
.pq-span { background: #eef3fb; color: inherit; }
.pq-actions { display: flex; gap: .5rem; flex-wrap: wrap; }
.pq-actions button, .pq-matrix button { border: 1px solid #1f4e9c; color: #1f4e9c;
  background: transparent; border-radius: 6px; padding: .15rem .6rem; cursor: pointer;
  font-size: .85rem; font-weight: 600; }
.pq-actions button:hover, .pq-matrix button:hover { background: #1f4e9c; color: #fff; }
.pq-document dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem;
  margin: 0 0 .6rem; }
.pq-document dt { font-weight: 600; }
.pq-document dd { margin: 0; }
.pq-doc-body { max-height: 70vh; overflow-y: auto; border: 1px solid var(--border-color-primary);
  border-radius: 8px; padding: .5rem 1rem; }
.pq-text { white-space: pre-wrap; line-height: 1.5; }
.pq-page h4 { margin: .8rem 0 .2rem; color: var(--body-text-color-subdued); }
.pq-cited-page h4 { color: #1f4e9c; }
.pq-cited-page h4::after { content: " (cited page)"; }
.pq-table-wrap { overflow-x: auto; }
.pq-matrix table { border-collapse: collapse; width: 100%; }
.pq-matrix th, .pq-matrix td { border: 1px solid var(--border-color-primary); padding: .4rem;
  vertical-align: top; text-align: left; }
.pq-matrix th[scope=row] { font-weight: normal; min-width: 14rem; }
.pq-key { font-weight: 700; }
.pq-status { font-weight: 600; font-size: .85rem; display: inline-block; border-radius: 4px;
  padding: 0 .35em; }
.pq-status-accepted, .pq-status-already-in-place { background: #dff3e4; color: #14532d; }
.pq-status-in-progress { background: #fff3cd; color: #5c4300; }
.pq-status-addressed-to-another-body { background: #e8ecf3; color: #334155; }
.pq-status-no-clear-status, .pq-status-not-mentioned { background: #fde2e2; color: #7f1d1d; }
.pq-excerpt { font-size: .85em; margin: .2rem 0; }
#pq-documents *, #pq-ratings * { font-family: var(--font); }
.pq-failed { border-left: 4px solid #c62828; padding-left: .8rem; }
"""


def make_theme() -> Any:
    """Gradio's default look; its fonts ship with Gradio, so nothing is fetched from the web."""
    return gr.themes.Default(primary_hue="blue", neutral_hue="slate")


def create_app(app: AppState) -> gr.Blocks:
    """Build the five tabs and wire each event to a plain handler; nothing is launched."""
    forces, inspections = filter_choices(app)
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=CACHE_SWEEP) as demo:
        answer_state = gr.State(None)
        similar_state = gr.State([])
        matrices_state = gr.State([])
        gr.Markdown(
            f"## {TITLE}\nQuestion Police and Crime Commissioners' responses to HMICFRS "
            "inspections. Every statement links to a quote you can check in the original.",
            elem_classes="pq-intro",
        )
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row():
                    question = gr.Textbox(
                        label="Your question",
                        placeholder="e.g. Which forces use tuServ for demographic capture?",
                        lines=2,
                        scale=5,
                        elem_id="pq-question",
                    )
                    ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="pq-ask")
                gr.Examples([[e] for e in EXAMPLES], inputs=question, label="Example questions")
                with gr.Accordion("Narrow the search (optional)", open=False), gr.Row():
                    force_filter = gr.Dropdown(forces, multiselect=True, label="Forces", value=[])
                    inspection_filter = gr.Dropdown(
                        _inspection_choices(inspections),
                        label="Inspection",
                        value="",
                        allow_custom_value=True,
                    )
                    date_from = gr.Textbox(label="Responses dated from", placeholder="YYYY-MM-DD")
                    date_to = gr.Textbox(label="Responses dated to", placeholder="YYYY-MM-DD")
                with gr.Row():
                    with gr.Column(scale=3):
                        answer_html = gr.HTML(label="Answer", elem_id="pq-answer", js_on_load=None)
                        sources_html = gr.HTML(
                            label="Sources", elem_id="pq-sources", js_on_load=CLICK_JS
                        )
                        with gr.Row():
                            # Written when asked for, not after every answer: spreadsheets cost
                            # as much as the answer itself.
                            evidence_button = gr.Button(
                                "Evidence table", size="sm", elem_id="pq-evidence"
                            )
                            evidence_csv = gr.DownloadButton(
                                "Download evidence table (CSV)", visible=False, size="sm"
                            )
                            evidence_xlsx = gr.DownloadButton(
                                "Download evidence table (Excel)", visible=False, size="sm"
                            )
                        with gr.Group():
                            verdict = gr.Radio(
                                list(VERDICTS),
                                label="Rate this answer (for evaluators)",
                                elem_id="pq-verdict",
                            )
                            note = gr.Textbox(label="Note (optional)", lines=1)
                            rate_button = gr.Button("Save rating", size="sm", elem_id="pq-rate")
                        rate_status = gr.HTML(label="Rating", elem_id="pq-rate-status")
                    with gr.Column(scale=2):
                        viewer, viewer_original = _document_viewer(
                            "pq-viewer", "Open a source to read it here, at the quoted place."
                        )
            with gr.Tab("Documents", id="documents"):
                gr.Markdown(
                    "Every response in the corpus. Click a column heading to sort, type in the "
                    "search box to filter, and click a row to read the document."
                )
                documents = gr.Dataframe(
                    documents_table(app),
                    headers=list(render.DOCUMENT_COLUMNS),
                    datatype=["str"] * 4 + ["number"] + ["str"] * 5,
                    column_widths=list(DOCUMENT_COLUMN_WIDTHS),
                    interactive=False,
                    show_search="filter",
                    wrap=True,
                    elem_id="pq-documents",
                )
                document_viewer, document_original = _document_viewer(
                    "pq-document-viewer", "Click a row to read the document here."
                )
            with gr.Tab("Compare", id="compare"):
                gr.Markdown(
                    "How each force responded to each recommendation of an inspection, side by "
                    "side. Click **Open** in a cell to read the response at that place."
                )
                with gr.Row():
                    compare_inspection = gr.Dropdown(
                        _inspection_choices(inspections), label="Inspection", value="", scale=4
                    )
                    compare_button = gr.Button("Compare responses", variant="primary", scale=1)
                compare_html = gr.HTML(
                    label="Comparison", elem_id="pq-compare", js_on_load=CLICK_JS
                )
                compare_files = gr.File(
                    label="Download the comparison", visible=False, interactive=False
                )
                compare_viewer, compare_original = _document_viewer("pq-compare-viewer")
            with gr.Tab("Add documents", id="ingest"):
                gr.Markdown(
                    f"Add PDF, Word (DOCX), text or web-page (HTML) responses, up to "
                    f"{app.max_upload_mb:g} MB each. They can be searched as soon as this "
                    "finishes; files that cannot be read are listed with the reason."
                )
                uploads = gr.File(
                    label="Files to add",
                    file_count="multiple",
                    file_types=list(UPLOAD_TYPES),
                    elem_id="pq-upload",
                )
                ingest_button = gr.Button("Add to the corpus", variant="primary", elem_id="pq-add")
                ingest_report = gr.HTML(label="Report", elem_id="pq-ingest-report")
            with gr.Tab("Review", id="review"):
                gr.Markdown(
                    "Answers that evaluators have rated. Draw a random sample to check again, "
                    "or download every rating."
                )
                with gr.Row():
                    sample_size = gr.Number(SAMPLE_SIZE, label="How many", precision=0, minimum=1)
                    sample_button = gr.Button("Show a random sample")
                    export_button = gr.Button("Export all ratings", elem_id="pq-export")
                ratings_table = gr.Dataframe(
                    headers=list(RATING_HEADERS), interactive=False, wrap=True, elem_id="pq-ratings"
                )
                ratings_files = gr.File(
                    label="Ratings", visible=False, interactive=False, elem_id="pq-ratings-files"
                )

        def on_ask(question, forces, inspection, date_from, date_to):
            answer, sources, result = ask(app, question, forces, inspection, date_from, date_to)
            return answer, sources, result, ""

        def on_evidence(answer):
            csv_path, xlsx_path = evidence_files(app, answer)
            return (
                _download(csv_path),
                _download(xlsx_path),
            )

        def on_source_click(answer, similar, matrices, evt: gr.EventData):
            data = evt._data if isinstance(evt._data, dict) else {}
            target = resolve(str(data.get("ref", "")), answer, similar, matrices)
            if data.get("action") == "similar":
                html, hits = similar_to(app, target)
                return html, gr.DownloadButton(visible=False), hits
            html, original = open_source(app, target)
            return html, _download(original), similar

        def on_document_select(evt: gr.SelectData):
            row = evt.row_value or []
            name = str(row[render.FILE_COLUMN]) if len(row) > render.FILE_COLUMN else ""
            html, original = open_document(app, name)
            return html, _download(original)

        def on_compare(inspection):
            html, files, matrices = compare(app, inspection)
            return html, gr.File(value=[str(f) for f in files], visible=bool(files)), matrices

        def on_ingest(paths, request: gr.Request, progress=TRACK_PROGRESS):
            report = ingest_files(app, paths, request.username if request else None, progress)
            return report, *on_load()

        def on_load():
            forces, inspections = filter_choices(app)
            return (
                gr.Dropdown(choices=forces),
                gr.Dropdown(choices=_inspection_choices(inspections)),
                gr.Dropdown(choices=_inspection_choices(inspections)),
                documents_table(app),
            )

        def on_export():
            return gr.File(value=[str(p) for p in export_ratings(app)], visible=True)

        engine_event = {"concurrency_id": ENGINE, "concurrency_limit": 1}
        asked = gr.on(
            [ask_button.click, question.submit],
            on_ask,
            [question, force_filter, inspection_filter, date_from, date_to],
            [answer_html, sources_html, answer_state, rate_status],
            api_name="ask",
            concurrency_id="answer",
            concurrency_limit=ANSWER_CONCURRENCY,
        )
        evidence_button.click(
            on_evidence, answer_state, [evidence_csv, evidence_xlsx], api_name="evidence"
        )
        asked.then(  # a new answer hides the previous answer's tables
            lambda: (_download(None), _download(None)),
            None,
            [evidence_csv, evidence_xlsx],
            api_visibility="private",
        )
        for clickable, output in ((sources_html, viewer), (viewer, viewer)):
            clickable.click(
                on_source_click,
                [answer_state, similar_state, matrices_state],
                [output, viewer_original, similar_state],
                api_visibility="private",
            )
        compare_html.click(
            on_source_click,
            [answer_state, similar_state, matrices_state],
            [compare_viewer, compare_original, similar_state],
            api_visibility="private",
        )
        rate_button.click(
            lambda answer, verdict, note: rate(app, answer, verdict, note),
            [answer_state, verdict, note],
            rate_status,
            api_name="rate",
        )
        documents.select(
            on_document_select, None, [document_viewer, document_original], api_visibility="private"
        )
        compare_button.click(
            on_compare, compare_inspection, [compare_html, compare_files, matrices_state],
            api_name="compare", **engine_event,
        )  # fmt: skip
        choice_outputs = [force_filter, inspection_filter, compare_inspection, documents]
        ingest_button.click(
            on_ingest, uploads, [ingest_report, *choice_outputs], api_name="ingest", **engine_event
        )
        sample_button.click(
            lambda size: sample_ratings(app, size), sample_size, ratings_table, api_name="sample"
        )
        export_button.click(on_export, None, ratings_files, api_name="export_ratings")
        demo.load(on_load, None, choice_outputs, api_name="refresh")
    demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY, max_size=QUEUE_SIZE)
    return demo


def _download(path: Any) -> Any:
    """A download button offering the file, or hidden when there is none."""
    return gr.DownloadButton(value=str(path) if path else None, visible=path is not None)


def _inspection_choices(inspections: list[str]) -> list[tuple[str, str]]:
    return [("All inspections", ""), *((name, name) for name in inspections)]


def _document_viewer(elem_id: str, prompt: str = "") -> tuple[gr.HTML, gr.DownloadButton]:
    """A panel showing a document at its quoted place, with the original file to download."""
    viewer = gr.HTML(render.notice(prompt) if prompt else "", elem_id=elem_id, js_on_load=VIEWER_JS)
    original = gr.DownloadButton("Download the original file", visible=False, size="sm")
    return viewer, original


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
    )
    return url

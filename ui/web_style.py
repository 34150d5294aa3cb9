"""The web UI's look and small scripts: theme, CSS and the JavaScript of its HTML panels.

Colours meet WCAG 2.1 AA contrast (4.5:1 for text), checked by axe-core in the browser tests.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

TITLE = "PCC response explorer"
BLUE = "#1d4ed8"  # 6.7:1 against white
BLUE_DARK = "#1e3a8a"
SUBDUED = "#475569"  # slate-600, 7.6:1 against white

# Buttons inside rendered HTML report which passage they name; Python resolves it (never trusts
# it). "Back" needs no server: it returns the reader to the card they opened the source from.
CLICK_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const {action, ref, value} = button.dataset;
  if (action === 'back') {
    const card = document.querySelector(`.pq-card[data-ref="${CSS.escape(ref)}"]`);
    if (card) { card.scrollIntoView({block: 'center'}); card.querySelector('button')?.focus(); }
    return;
  }
  trigger('click', {action, ref, value: value || ''});
});
"""
# Scroll only the document's own box to the quote; move the page only when the viewer is out of
# sight (the phone layout, where it sits under the sources), and then a Back button returns.
VIEWER_JS = (
    CLICK_JS
    + """
watch('value', () => {
  const body = element.querySelector('.pq-doc-body');
  const cited = element.querySelector('#pq-cited');
  if (body && cited) {
    body.scrollTop += cited.getBoundingClientRect().top - body.getBoundingClientRect().top
      - body.clientHeight / 3;
  }
  const box = element.getBoundingClientRect();
  if (element.textContent.trim() && (box.top > innerHeight || box.bottom < 0)) {
    element.scrollIntoView({block: 'start'});
  }
});
"""
)
# The answer announces itself to screen readers, and the address bar becomes its permalink.
ANSWER_JS = """
element.setAttribute('role', 'region');
element.setAttribute('aria-label', 'Answer');
element.setAttribute('aria-live', 'polite');
watch('value', () => {
  const link = element.querySelector('a[data-permalink]');
  if (link) history.replaceState(null, '', link.getAttribute('href'));
});
"""
# Gradio's table search box is labelled only by its placeholder; name it for screen readers.
PAGE_JS = """
() => {
  const name = () => document.querySelectorAll('input.search-input:not([aria-label])')
    .forEach((box) => box.setAttribute('aria-label', 'Filter the table'));
  new MutationObserver(name).observe(document.body, {childList: true, subtree: true});
  name();
}
"""
APP_CSS = f"""
.pq-intro h1 {{ font-size: 1.35rem; margin: 0; }}
.pq-intro p {{ margin: 0; color: {SUBDUED}; }}
.pq-notice {{ padding: .6rem .9rem; border-radius: 6px; margin: .4rem 0; border-left: 4px solid; }}
.pq-info {{ background: #eef4ff; border-color: #3b6fd8; color: #1d2b4f; }}
.pq-warning {{ background: #fff6e0; border-color: #c98a00; color: #4a3500; }}
.pq-error {{ background: #fdecec; border-color: #c62828; color: #5a1010; }}
.pq-answer h2 {{ font-size: 1.15rem; margin: .2rem 0 .3rem; }}
.pq-sources h3 {{ margin: .2rem 0 !important; }}
.pq-card header {{ margin-bottom: .2rem; }}
blockquote.pq-passage {{ margin: .3rem 0 !important; }}
.pq-answer p, .pq-answer ul {{ margin: .3rem 0; }}
.pq-answer footer, .pq-status-line {{ margin-top: .3rem; }}
.pq-card header {{ display: flex; gap: .5rem; align-items: baseline; flex-wrap: wrap; }}
.pq-meta {{ color: {SUBDUED}; font-size: .9em; }}
.pq-corrected {{ margin: 0 0 .4rem; padding: .3rem .6rem; background: #f1f5f9;
  border-left: 4px solid {BLUE}; }}
.pq-abstained {{ border-left: 4px solid #c98a00; padding-left: .8rem; }}
.pq-cite {{ font-size: .8em; vertical-align: super; text-decoration: none; font-weight: 600;
  color: {BLUE}; }}
.pq-permalink {{ color: {BLUE}; }}
.pq-card {{ border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: .5rem .8rem; margin: .5rem 0; background: var(--block-background-fill); }}
.pq-card-related {{ border-style: dashed; border-color: #b45309; background: #fffbeb; }}
.pq-related h3 {{ color: #92400e; }}
.pq-num {{ display: inline-block; min-width: 1.6em; text-align: center; border-radius: 1em;
  background: {BLUE_DARK}; color: #fff; font-weight: 700; font-size: .85em; padding: 0 .4em; }}
.pq-card-related .pq-num {{ background: #92400e; }}
.pq-file {{ color: {SUBDUED}; font-size: .85em; }}
.pq-passage {{ margin: .4rem 0; padding: .2rem .8rem; border-left: 3px solid #c7d3ea; }}
mark, .pq-quote {{ background: #ffe066; color: #111; padding: 0 .1em; border-radius: 2px; }}
.pq-span {{ background: #eef3fb; color: inherit; }}
.pq-actions {{ display: flex; gap: .4rem; flex-wrap: wrap; align-items: center; }}
.pq-actions button, .pq-back {{ border: 1px solid {BLUE}; color: {BLUE}; background: #fff;
  border-radius: 6px; padding: .15rem .6rem; cursor: pointer; font-size: .85rem;
  font-weight: 600; }}
.pq-actions button:hover, .pq-back:hover, .pq-verdict[aria-pressed=true] {{
  background: {BLUE}; color: #fff; }}
.pq-verdicts {{ display: inline-flex; gap: .3rem; flex-wrap: wrap; margin-left: auto; }}
.pq-document dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem;
  margin: .4rem 0 .6rem; }}
.pq-document dt {{ font-weight: 600; }}
.pq-document dd {{ margin: 0; }}
.pq-doc-body {{ max-height: 70vh; overflow-y: auto; border: 1px solid var(--border-color-primary);
  border-radius: 8px; padding: .5rem 1rem; }}
.pq-text {{ white-space: pre-wrap; line-height: 1.5; overflow-wrap: anywhere; }}
.pq-page h4 {{ margin: .8rem 0 .2rem; color: {SUBDUED}; }}
.pq-cited-page h4 {{ color: {BLUE_DARK}; }}
.pq-cited-page h4::after {{ content: " (cited page)"; }}
.pq-table-wrap {{ overflow-x: auto; max-width: 100%; }}
.pq-matrix table, .pq-stats {{ border-collapse: collapse; width: 100%; }}
.pq-matrix th, .pq-matrix td, .pq-stats th, .pq-stats td {{
  border: 1px solid var(--border-color-primary); padding: .4rem; vertical-align: top;
  text-align: left; }}
.pq-matrix td {{ min-width: 11rem; }}
.pq-matrix th[scope=row] {{ font-weight: normal; min-width: 14rem; }}
.pq-stats caption {{ text-align: left; font-weight: 600; margin: .6rem 0 .2rem; }}
.pq-key {{ font-weight: 700; }}
.pq-status {{ font-weight: 600; font-size: .85rem; display: inline-block; border-radius: 4px;
  padding: 0 .35em; }}
.pq-status-accepted, .pq-status-already-in-place {{ background: #dff3e4; color: #14532d; }}
.pq-status-in-progress {{ background: #fff3cd; color: #5c4300; }}
.pq-status-addressed-to-another-body {{ background: #e8ecf3; color: #334155; }}
.pq-status-no-clear-status, .pq-status-not-mentioned {{ background: #fde2e2; color: #7f1d1d; }}
.pq-excerpt {{ font-size: .85em; margin: .2rem 0; }}
.pq-scope {{ font-size: .8em; color: {SUBDUED}; font-style: italic; }}
.pq-recent ul {{ margin: 0; padding-left: 1.2rem; }}
.pq-recent a {{ color: {BLUE}; }}
#pq-documents *, #pq-review-sample * {{ font-family: var(--font); }}
.pq-failed {{ border-left: 4px solid #c62828; padding-left: .8rem; }}
.pq-viewer-column {{ position: sticky; top: .5rem; align-self: flex-start; }}
@media (max-width: 600px) {{
  .pq-matrix th[scope=row] {{ min-width: 9rem; }}
  .pq-matrix td {{ min-width: 9rem; }}
}}
@media (max-width: 900px) {{
  .pq-viewer-column {{ position: static; }}
  .pq-doc-body {{ max-height: 60vh; }}
}}
.gradio-container {{ max-width: 100% !important; }}
#pq-ask {{ align-self: flex-end; max-height: 3rem; }}
.pq-table-wrap, #pq-compare, #pq-documents {{ min-width: 0; }}
"""


def make_theme() -> Any:
    """Gradio's default look with darker blues and greys for contrast; fonts ship with Gradio."""
    return gr.themes.Default(primary_hue="blue", neutral_hue="slate").set(
        button_primary_background_fill=BLUE,
        button_primary_background_fill_hover=BLUE_DARK,
        button_primary_text_color="#ffffff",
        body_text_color_subdued=SUBDUED,
        block_info_text_color=SUBDUED,
        input_placeholder_color="#64748b",
    )

#!/usr/bin/env python3
"""Re-make the corpus files from their text sources.

Every document in this folder is an excerpt (the beginning, as a stored
public page) of a PCC/PFCC/Mayor's response to an HMICFRS report.  The
exact excerpt text is kept in ``sources/<name>.txt``; ``manifest.json``
says which format each document is published in.  This script renders
``<name>.<ext>`` for every manifest entry:

* ``.txt``  - the source text, byte for byte (UTF-8);
* ``.html`` - a minimal web page (nav lines that were dropped from the
  text go into ``<header><nav>``; the excerpt goes into ``<main>``);
* ``.pdf``  - a letter/statement laid out with fpdf2 (DejaVu Sans, so
  no character needs replacing);
* ``.docx`` - python-docx paragraphs, Heading styles for heading lines,
  list styles for bullets, and a table for form-like parts
  (``Recommendation N`` sections, numbered ``1.1`` paragraphs, and
  ``Label: value`` lines of a response form).

Usage (from anywhere)::

    /work/main/.venv/bin/python tests/data/corpus_wide/render.py            # render all
    /work/main/.venv/bin/python tests/data/corpus_wide/render.py --check    # only verify sources vs manifest
    /work/main/.venv/bin/python tests/data/corpus_wide/render.py NAME ...   # render some (file base names)

Output is deterministic (fixed creation dates) so re-rendering gives the
same bytes for the same inputs and library versions.
"""
from __future__ import annotations

import datetime as _dt
import html
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"
FIXED_DATE = _dt.datetime(2026, 12, 2, 12, 0, 0, tzinfo=_dt.timezone.utc)

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]

# ---------------------------------------------------------------- parsing

BULLET_RE = re.compile(r"^\s*(?:•|·|-)\s+")
NUMBERED_RE = re.compile(r"^\s+\d+\.\s+")  # indented "  1. item"
SUBPARA_RE = re.compile(r"^(\d+\.\d+)\s+(.*)$", re.S)  # "1.1       text"
DATE_RE = re.compile(
    r"^\s*(\d{1,2}(st|nd|rd|th)?\s+)?(January|February|March|April|May|June|July|August|"
    r"September|October|November|December)\b.*\d{4}\s*$|^[A-Z][a-z]+ \d{1,2}, \d{4}$"
    r"|^.*\b(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}$"
)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def is_heading(line: str) -> bool:
    s = line.strip()
    if not s or len(s) > 160:
        return False
    if BULLET_RE.match(line) or NUMBERED_RE.match(line):
        return False
    if DATE_RE.match(s) or s.split(" ", 1)[0].rstrip(",") in MONTHS:
        return False
    if s[0] in "“\"‘'(" or s.startswith("http") or s[0].islower():
        return False
    if re.match(r"^(Read|Click|Download|Details of|You can|The full report|Get the report)\b", s):
        return False  # link text, not a heading
    if s[-1] in ")–-" or s.startswith(("I ", "We ")):
        return False  # sentences, not headings
    if s[0] in "*" or ("Chief Constable" in s and "," in s):
        return False  # footnote or signature line
    if s[-1] in "’”" and ("‘" in s or "“" in s):
        pass  # a title ending with a quoted report name
    elif s[-1] in ".,;“”\"’'" and not s.endswith("etc."):
        return False
    if s.endswith(":") and not re.match(r"^\d+\.\s", s):
        return False  # a lead-in sentence ("... as follows:")
    # very long single sentences are paragraphs, not headings
    return len(s.split()) <= 22


def blocks(text: str, captions: list[str] | tuple = ()) -> list[dict]:
    """Split the source text into typed blocks, keeping every line's text.

    Each non-empty line becomes one block: heading / bullet / numbered /
    para.  Blank lines only separate.  The first heading-like line becomes
    the level-1 heading.
    """
    out: list[dict] = []
    first = True
    lines = text.split("\n")
    last = max((k for k, ln in enumerate(lines) if ln.strip()), default=-1)
    for n, line in enumerate(lines):
        if not line.strip():
            continue
        if line in captions:  # an image caption or label in the page text
            out.append({"kind": "caption", "text": line})
            continue
        if BULLET_RE.match(line):
            kind = "bullet"
        elif NUMBERED_RE.match(line):
            kind = "numbered"
        elif is_heading(line) and (first or n != last):
            # the excerpt's last line is usually cut mid-sentence: never a heading
            kind = "h1" if first else "h2"
        else:
            kind = "para"
        if kind == "para" and DATE_RE.match(line.strip()) and first:
            out.append({"kind": "date", "text": line})
            continue  # a dateline before the title does not use up the h1
        first = False
        out.append({"kind": kind, "text": line})
    return out


def item_text(line: str) -> str:
    """Text of a list item without its marker (the marker is rendered by the list)."""
    return BULLET_RE.sub("", NUMBERED_RE.sub("", line), count=1)


# ------------------------------------------------------------------ html

def page_title(entry: dict, bl: list[dict]) -> str:
    if bl and bl[0]["kind"] == "h1":
        return bl[0]["text"].strip()
    # no heading line in the excerpt: use the page's own URL slug
    path = urlparse(entry["source_url"]).path.rstrip("/")
    slug = path.rsplit("/", 1)[-1] or urlparse(entry["source_url"]).netloc
    slug = re.sub(r"\.(aspx|html?)$", "", slug)
    words = re.sub(r"[-_]+", " ", slug).strip()
    return words[:1].upper() + words[1:]


def render_html(entry: dict, text: str, dest: Path) -> None:
    bl = blocks(text, entry.get("caption_lines", []))
    esc = lambda s: html.escape(s, quote=False)  # noqa: E731
    parts: list[str] = []
    open_list = None
    for b in bl:
        kind = b["kind"]
        if kind in ("bullet", "numbered"):
            tag = "ul" if kind == "bullet" else "ol"
            if open_list != tag:
                if open_list:
                    parts.append(f"</{open_list}>")
                parts.append(f"<{tag}>")
                open_list = tag
            parts.append(f"<li>{esc(item_text(b['text']))}</li>")
            continue
        if open_list:
            parts.append(f"</{open_list}>")
            open_list = None
        if kind == "h1":
            parts.append(f"<h1>{esc(b['text'].strip())}</h1>")
        elif kind == "h2":
            parts.append(f"<h2>{esc(b['text'].strip())}</h2>")
        elif kind == "caption":
            parts.append(f"<figure><figcaption>{esc(b['text'])}</figcaption></figure>")
        elif kind == "date":
            parts.append(f"<p class=\"date\">{esc(b['text'])}</p>")
        else:
            parts.append(f"<p>{esc(b['text'])}</p>")
    if open_list:
        parts.append(f"</{open_list}>")
    nav = "".join(f"<p>{esc(n)}</p>" for n in entry.get("dropped_lines", []))
    host = urlparse(entry["source_url"]).netloc
    doc = (
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{esc(page_title(entry, bl))}</title>\n"
        f"<link rel=\"canonical\" href=\"{html.escape(entry['source_url'])}\">\n"
        "</head>\n<body>\n"
        f"<header><nav>{nav}</nav></header>\n"
        "<main>\n" + "\n".join(parts) + "\n</main>\n"
        f"<footer><p>{esc(host)}</p></footer>\n"
        "</body>\n</html>\n"
    )
    dest.write_text(doc, encoding="utf-8")


# ------------------------------------------------------------------- pdf

def _font(name: str) -> str:
    for d in FONT_DIRS:
        p = d / name
        if p.exists():
            return str(p)
    raise SystemExit(f"font {name} not found in {FONT_DIRS}")


def render_pdf(entry: dict, text: str, dest: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(entry["inspection"])
    pdf.set_author(f"{entry['force']} {entry['body']}")
    pdf.set_subject("Response to an HMICFRS inspection report (excerpt)")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("DejaVu", "", _font("DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", _font("DejaVuSans-Bold.ttf"))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for b in blocks(text, entry.get("caption_lines", [])):
        kind, line = b["kind"], b["text"]
        pdf.set_x(pdf.l_margin)
        if kind == "h1":
            pdf.set_font("DejaVu", "B", 13)
            pdf.multi_cell(width, 6.5, line.strip(), align="L")
            pdf.ln(3)
        elif kind == "h2":
            pdf.set_font("DejaVu", "B", 11)
            pdf.ln(1)
            pdf.multi_cell(width, 5.5, line.strip(), align="L")
            pdf.ln(1.5)
        elif kind == "caption":
            pdf.set_font("DejaVu", "", 8.5)
            pdf.multi_cell(width, 4.5, line.strip(), align="L")
            pdf.ln(2)
        elif kind in ("bullet", "numbered"):
            pdf.set_font("DejaVu", "", 10.5)
            marker = "•" if kind == "bullet" else line.strip().split(" ", 1)[0]
            pdf.set_x(pdf.l_margin + 4)
            pdf.cell(6, 5.2, marker)
            pdf.multi_cell(width - 10, 5.2, item_text(line).strip(), align="L")
            pdf.ln(1)
        else:
            pdf.set_font("DejaVu", "", 10.5)
            pdf.multi_cell(width, 5.2, line.strip(), align="L")
            pdf.ln(2.5)
    pdf.output(str(dest))


# ------------------------------------------------------------------ docx

LABEL_RE = re.compile(r"^([^:]{3,40}:)\s+(.*)$", re.S)


def render_docx(entry: dict, text: str, dest: Path) -> None:
    import docx
    from docx.shared import Pt

    d = docx.Document()
    cp = d.core_properties
    cp.title = entry["inspection"]
    cp.author = f"{entry['force']} {entry['body']}"
    cp.subject = "Response to an HMICFRS inspection report (excerpt)"
    cp.created = FIXED_DATE.replace(tzinfo=None)
    cp.modified = FIXED_DATE.replace(tzinfo=None)
    cp.last_modified_by = cp.author
    cp.revision = 1
    d.styles["Normal"].font.name = "Arial"
    d.styles["Normal"].font.size = Pt(10.5)

    is_form = entry.get("form") == "response form"
    bl = blocks(text, entry.get("caption_lines", []))
    i = 0
    table = None  # current 2-column table for form-like rows

    def row(label: str, value: str) -> None:
        nonlocal table
        if table is None:
            table = d.add_table(rows=0, cols=2)
            table.style = "Table Grid"
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = value

    while i < len(bl):
        kind, line = bl[i]["kind"], bl[i]["text"]
        if is_form:
            m = SUBPARA_RE.match(line.strip())
            if kind == "para" and m:  # "1.1   text" -> [1.1 | text]
                row(m.group(1), m.group(2))
                i += 1
                continue
            if kind in ("h2", "h1") and re.match(r"^Recommendation \d+\s*$", line.strip()):
                # Recommendation N | following paragraphs/bullets up to the next heading
                table = None
                body: list[str] = []
                j = i + 1
                while j < len(bl) and bl[j]["kind"] not in ("h1", "h2"):
                    body.append(bl[j]["text"].strip())
                    j += 1
                row(line.strip(), "\n".join(body))
                table = None
                i = j
                continue
            lm = LABEL_RE.match(line.strip())
            if kind in ("para", "h2") and lm and i > 0:  # "Label: value" lines of a form
                row(lm.group(1), lm.group(2))
                i += 1
                continue
            if kind in ("para", "h2") and table is not None \
                    and not re.match(r"^\d+\.\s", line.strip()):
                row("", line.strip())  # continuation / option line inside a form table
                i += 1
                continue
        table = None
        if kind == "h1":
            d.add_heading(line.strip(), level=1)
        elif kind == "h2":
            d.add_heading(line.strip(), level=2)
        elif kind == "caption":
            d.add_paragraph(line.strip(), style="Caption")
        elif kind == "bullet":
            d.add_paragraph(item_text(line).strip(), style="List Bullet")
        elif kind == "numbered":
            d.add_paragraph(item_text(line).strip(), style="List Number")
        else:
            d.add_paragraph(line.strip())
        i += 1
    d.save(str(dest))
    _fix_zip_dates(dest)


def _fix_zip_dates(path: Path) -> None:
    """Rewrite a .docx (zip) with fixed member timestamps so output is reproducible."""
    import io
    import zipfile

    with zipfile.ZipFile(path) as zin:
        items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            zout.writestr(zi, data)
    path.write_bytes(buf.getvalue())


# ------------------------------------------------------------------ main

def main(argv: list[str]) -> int:
    entries = json.loads(MANIFEST.read_text(encoding="utf-8"))
    check_only = "--check" in argv
    wanted = {a for a in argv if not a.startswith("--")}
    problems = 0
    for e in entries:
        if e["source_file"] is None:
            continue  # a seed copied whole from corpus/, nothing to render
        base = e["file"].rsplit(".", 1)[0]
        if wanted and base not in wanted and e["file"] not in wanted:
            continue
        src = HERE / e["source_file"]
        text = src.read_text(encoding="utf-8")
        if len(text) != e["chars"]:
            print(f"chars mismatch {e['file']}: manifest {e['chars']} source {len(text)}")
            problems += 1
        if check_only:
            continue
        dest = HERE / "documents" / e["file"]
        fmt = e["format"]
        if fmt == "txt":
            dest.write_bytes(text.encode("utf-8"))
        elif fmt == "html":
            render_html(e, text, dest)
        elif fmt == "pdf":
            render_pdf(e, text, dest)
        elif fmt == "docx":
            render_docx(e, text, dest)
        else:
            raise SystemExit(f"unknown format {fmt}")
    print(f"{len(entries)} manifest entries; {problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

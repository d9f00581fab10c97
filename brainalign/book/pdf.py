"""The whole book as one PDF, offline and without TeX: Chromium prints the single-page build.

:func:`build_pdf`

1. renders every page of ``_toc.yml`` into one HTML page (``jupyter-book build --builder singlehtml``, from the
   notebooks the book build executed; nothing is re-executed);
2. serves it on 127.0.0.1 and opens it in headless Chromium (Debian's, ``$BRAINALIGN_CHROMIUM``, through Playwright),
   waits until MathJax has typeset every equation and every image has loaded;
3. prints it to A4 with the book's print style (``book/_static/brainalign.css``: one chapter per page, code that the
   HTML hides stays hidden, no navigation), a running header with the build stamp, page numbers and a document
   outline (PDF bookmarks, one per heading), and copies the PDF into the HTML site, where the landing page links it.

The fonts are embedded by Chromium (subsets of the fonts the page uses); ``tests/browser/test_pdf.py`` checks that,
and that every chapter title and figure is in the PDF.
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import shutil
import sys
import threading
import time
from pathlib import Path

from ..paths import chromium_executable
from . import edition
from .checkout import book_root
from .jupyter_book import run_jupyter_book

#: File name of the PDF, in ``_build/pdf/`` and at the root of the HTML site.
PDF_NAME = "brainalign-book.pdf"
_LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]

__all__ = ["PDF_NAME", "build_pdf", "print_pdf"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no request log in the build output
        pass


def _serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _header(title: str, stamp: str) -> str:
    style = "font-size:7.5px; color:#555; width:100%; margin:0 14mm; display:flex; justify-content:space-between;"
    return (f'<div style="{style}"><span>{html.escape(title)}</span><span>{html.escape(stamp)}</span></div>')


_FOOTER = ('<div style="font-size:8px; color:#555; width:100%; text-align:center;">'
           '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


def print_pdf(page_url: str, target: str | os.PathLike, *, title: str, stamp: str, timeout_ms: int = 120_000) -> Path:
    """Print one HTML page to an A4 PDF with headless Chromium, once its equations are typeset and images loaded.

    Parameters
    ----------
    page_url : str
        The page (served over HTTP).
    target : path-like
        The PDF to write.
    title, stamp : str
        Left and right of the running header.
    timeout_ms : int
        Limit for loading and typesetting.

    Raises
    ------
    FileNotFoundError
        No Chromium at :func:`brainalign.paths.chromium_executable`.
    """
    from playwright.sync_api import sync_playwright  # the book/test extra: only the PDF needs a browser

    chromium = chromium_executable()
    if not chromium.exists():
        raise FileNotFoundError(f"no Chromium at {chromium}: apt-get install chromium, or set BRAINALIGN_CHROMIUM")
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=_LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            page.set_default_timeout(timeout_ms)
            page.goto(page_url, wait_until="networkidle")
            if page.locator(".math").count():
                page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
                page.evaluate("() => MathJax.startup.promise")
            page.evaluate("() => Promise.all(Array.from(document.images).filter(i => !i.complete)"
                          ".map(i => new Promise(r => { i.onload = i.onerror = r; })))")
            page.emulate_media(media="print")
            page.pdf(path=str(target), format="A4", print_background=True, outline=True, tagged=True,
                     margin={"top": "16mm", "bottom": "14mm", "left": "14mm", "right": "14mm"},
                     display_header_footer=True, header_template=_header(title, stamp), footer_template=_FOOTER)
        finally:
            browser.close()
    return target


def build_pdf(root: str | os.PathLike | None = None, *, output: str | os.PathLike | None = None,
              quiet: bool = False) -> Path:
    """Build ``<output>/_build/pdf/brainalign-book.pdf`` and copy it to ``<output>/_build/html/``.

    Parameters
    ----------
    root : path-like, optional
        Book source, with its notebooks executed (``book/generated``).
    output : path-like, optional
        Folder holding ``_build`` (default: the book source).
    quiet : bool
        Do not print the timing line.

    Returns
    -------
    pathlib.Path
        The PDF in ``_build/pdf``.

    Raises
    ------
    RuntimeError
        The single-page build failed (its output is printed).
    """
    base = book_root(root)
    out = Path(output) if output is not None else base
    start = time.perf_counter()
    proc = run_jupyter_book(base, "--path-output", str(out), "--builder", "singlehtml")
    if proc.returncode != 0:
        print(proc.stdout[-4000:], proc.stderr[-8000:], sep="\n", file=sys.stderr)
        raise RuntimeError(f"jupyter-book singlehtml build failed with exit status {proc.returncode}")
    single = out / "_build" / "singlehtml"
    page = single / "book" / "index.html"
    if page.exists():  # the root document is book/index, but Sphinx writes its links relative to the build root
        shutil.copy2(page, single / "brainalign-book.html")
        page = single / "brainalign-book.html"
    root_page = page.relative_to(single).as_posix()
    title = "Instruction-tuning aligns LLMs to the human brain: a reproducible edition"
    server, url = _serve(single)
    try:
        pdf = print_pdf(url + root_page, out / "_build" / "pdf" / PDF_NAME, title=title,
                        stamp=edition.build_stamp(base).text())
    finally:
        server.shutdown()
        server.server_close()
    site = out / "_build" / "html"
    if site.is_dir():
        shutil.copy2(pdf, site / PDF_NAME)
    if not quiet:
        size = pdf.stat().st_size / 1e6
        print(f"[bookbuild] PDF {time.perf_counter() - start:6.1f} s -> {pdf} ({size:.1f} MB)", flush=True)
    return pdf

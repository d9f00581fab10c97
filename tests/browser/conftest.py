"""Real-browser tests of the built book: Debian's Chromium driven by Playwright, the HTML served on 127.0.0.1.

They need ``_build/html`` (``make book``) and ``/usr/bin/chromium``. When either is missing the tests are skipped
with the reason, unless ``BRAINALIGN_REQUIRE_BROWSER=1`` (set by CI), in which case they fail.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

from brainalign.book import build as bookbuild

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("BRAINALIGN_BOOK_HTML", ROOT / "_build" / "html"))
CHROMIUM = os.environ.get("BRAINALIGN_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("BRAINALIGN_REQUIRE_BROWSER", "") == "1"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def unavailable(reason: str) -> None:
    """Fail when the browser tests are required (CI), skip otherwise."""
    if REQUIRED:
        pytest.fail(f"browser tests required (BRAINALIGN_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
    pytest.skip(reason)


def toc_pages() -> list[str]:
    """Every page of ``_toc.yml`` (root first), as paths relative to the book root without suffix."""
    return bookbuild.toc_pages(ROOT)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (Playwright's own browser download does not work offline)."""
    if not Path(CHROMIUM).exists():
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    prefix = "/"

    def log_message(self, *args):  # keep test output clean
        pass

    def translate_path(self, path):
        """Serve the folder under ``prefix`` only (a static host's sub-path); anything outside it is a 404."""
        if not path.startswith(self.prefix):
            return os.path.join(self.directory, "__outside_the_sub_path__")
        return super().translate_path("/" + path[len(self.prefix):])


@contextlib.contextmanager
def serve(directory: Path, prefix: str = "/"):
    """Serve ``directory`` at ``http://127.0.0.1:<port><prefix>`` (prefix like ``"/brainalign/"``); yields the URL."""
    handler = functools.partial(type("Handler", (_QuietHandler,), {"prefix": prefix}), directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def book_url() -> str:
    """Base URL of the built book, served from ``_build/html`` on 127.0.0.1 for the session."""
    if not (HTML / "index.html").exists():
        unavailable(f"the book is not built ({HTML / 'index.html'} missing; run `make book`)")
    with serve(HTML) as url:
        yield url


#: What the publication tests read from a rendered page (one evaluation per page and window width).
_FACTS_JS = """() => {
  const article = document.querySelector('article') || document.body;
  const text = (el) => (el ? el.innerText : '');
  const images = Array.from(article.querySelectorAll('img')).map(img => {
    const fig = img.closest('figure');
    const caption = fig ? fig.querySelector('figcaption') : null;
    return {src: img.currentSrc || img.src, alt: img.getAttribute('alt'), width: img.getBoundingClientRect().width,
            natural: img.naturalWidth, complete: img.complete, in_figure: !!fig,
            collapsed: !!img.closest('details:not([open])'),
            caption: caption ? caption.textContent.trim() : null,
            number: caption && caption.querySelector('.caption-number') ? caption.querySelector('.caption-number').textContent.trim() : null};
  });
  const buttons = Array.from(document.querySelectorAll('.article-header-buttons a, .article-header-buttons button'))
    .map(b => ({label: b.getAttribute('aria-label') || b.getAttribute('title') || b.innerText, href: b.href || null,
                cls: b.className}));
  const code = Array.from(article.querySelectorAll('.cell .cell_input pre')).map(pre => pre.innerText);
  const outputs = Array.from(article.querySelectorAll('.cell .cell_output')).map(o => o.innerText);
  const footer = text(document.querySelector('.brainalign-stamp'));
  const canonical = document.querySelector('link[rel=canonical]');
  return {text: text(article), images, buttons, code, outputs, footer, title: document.title,
          canonical: canonical ? canonical.href : null, scroll_width: document.documentElement.scrollWidth};
}"""


@pytest.fixture(scope="session")
def page_facts(browser, book_url):
    """``facts(name, width=1280)``: the rendered page's text, images (with rendered and natural widths, alt text and
    caption), header buttons, code cells, outputs and footer, loaded once per page and width."""
    contexts: dict[int, object] = {}
    cache: dict[tuple[str, int], dict] = {}

    def facts(name: str, width: int = 1280) -> dict:
        key = (name, width)
        if key not in cache:
            if width not in contexts:
                contexts[width] = browser.new_context(viewport={"width": width, "height": 900})
            page = contexts[width].new_page()
            page.set_default_timeout(30000)
            page.goto(book_url + name + ".html", wait_until="networkidle")
            page.evaluate("() => Promise.all(Array.from(document.images).filter(i => !i.complete)"
                          ".map(i => new Promise(r => { i.onload = i.onerror = r; })))")
            cache[key] = page.evaluate(_FACTS_JS)
            page.close()
        return cache[key]

    yield facts
    for context in contexts.values():
        context.close()

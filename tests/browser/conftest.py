"""Real-browser tests of the built book: Debian's Chromium driven by Playwright, the HTML served on 127.0.0.1.

They need ``_build/html`` (``make book``) and ``/usr/bin/chromium``. When either is missing the tests are skipped
with the reason, unless ``BRAINALIGN_REQUIRE_BROWSER=1`` (set by CI), in which case they fail.
"""

from __future__ import annotations

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
    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture(scope="session")
def book_url() -> str:
    """Base URL of the built book, served from ``_build/html`` on 127.0.0.1 for the session."""
    if not (HTML / "index.html").exists():
        unavailable(f"the book is not built ({HTML / 'index.html'} missing; run `make book`)")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()

"""Real-browser checks of the live chapter in the built book (``_build/html``).

The generic page checks (every page of ``_toc.yml`` loads, no broken images, ...) live in the book's browser tests;
these check what is specific to the live chapter: the numbers in the prose are those of this build's scores table and
the figures rendered. The tutorial page has its own (``test_tutorial_page.py``).

Run after ``make book``: ``python -m pytest -m browser tests/browser/test_live_pages.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from .conftest import unavailable

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
LIVE_PAGE = "book/generated/05_live_chapter.html"
TUTORIAL_PAGE = "book/generated/06_tutorial.html"
LIVE_SCORES = ROOT / "book" / "generated" / "live_scores.csv"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(book_url):
    """The book served by the shared fixture (conftest); the two live pages must be in it."""
    for page in (LIVE_PAGE, TUTORIAL_PAGE):
        if not (HTML / page).exists():
            unavailable(f"the book was built without {page}; run `make book`")
    return book_url.rstrip("/")


# `browser` is pytest-playwright's fixture, launched with Debian's chromium by tests/browser/conftest.py


def _open(browser, url):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: HTTP {response.status if response else '?'}"
    return page, errors


def _images_loaded(page) -> list[int]:
    return page.eval_on_selector_all("main img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")


def test_live_chapter_numbers_match_this_builds_scores(server, browser):
    page, errors = _open(browser, f"{server}/{LIVE_PAGE}")
    text = page.inner_text("main")
    assert "Traceback" not in text and "Error" not in text.replace("Error bars", "")
    widths = _images_loaded(page)
    assert len(widths) >= 3 and all(w > 0 for w in widths), f"figures missing or broken: {widths}"
    assert not errors, errors
    # every glued number is the one in the scores table written by the same build
    if not LIVE_SCORES.exists():
        pytest.skip(f"{LIVE_SCORES} not written by this build")
    table = pd.read_csv(LIVE_SCORES)
    best = table[table["is_best_layer"]]
    beh = best[best["benchmark"] == "Futrell2018"].set_index("model")["score"]
    ppp = best[best["benchmark"] == "Futrell2018-ppp"].set_index("model")["score"]
    enc = best[best["benchmark"] == "Futrell2018-encoding"].set_index("model")
    assert len(beh) == len(ppp) == len(enc) == 4, "expected 2 models + 2 untrained controls on the three benchmarks"
    for model, raw in beh.items():
        assert f"{raw:.3f}" in text, f"behavioral |r| of {model} ({raw:.3f}) not in the page"
    for model, raw in ppp.items():
        assert f"{raw:.4f}" in text, f"ΔLL of {model} ({raw:.4f}) not in the page"
    for model, row in enc.iterrows():
        assert f"r = {row['score']:.3f}" in text, f"encoding r of {model} ({row['score']:.3f}) not in the page"
        assert row["layer"] in text, f"best layer of {model} ({row['layer']}) not in the page"
    # no unresolved glue references left in the prose
    assert not re.search(r"\{glue:\w+\}", text)
    page.close()


def test_live_chapter_is_clean(server, browser):
    """No build noise: warnings, progress bars, machine paths, reprs, undefined intervals; captioned figures."""
    page, _ = _open(browser, f"{server}/{LIVE_PAGE}")
    text = page.inner_text("main")
    for noise in ("Warning", "it/s]", "BenchmarkResult(", "nan, nan", "/root/", "/home/", ".venv", "site-packages",
                  str(ROOT)):
        assert noise not in text, f"{noise!r} on the live page"
    captions = page.eval_on_selector_all("main figure figcaption", "els => els.map(e => e.innerText)")
    assert len(captions) >= 3 and all(re.match(r"Fig(ure|\.) ?\d", c) for c in captions), captions
    alts = page.eval_on_selector_all("main img", "imgs => imgs.map(i => i.alt)")
    assert all(len(a) > 40 and not a.endswith(".png") for a in alts), alts
    page.close()


"""The tutorial page of the built book as a lab handout, in a real browser: every check passed, solutions behind
"Show solution", prediction answers and instructor notes collapsed, both editions downloadable, the Colab link from
the configuration, every data heading and figure labelled SIMULATED or REAL DATA, figures with numbered captions and
alt text, and nothing a reader should not see (warnings, progress bars, tracebacks, machine paths, reprs).

Run after ``make book``: ``python -m pytest -m browser tests/browser/test_tutorial_page.py``.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import nbformat
import pytest

from brainalign.book.glued import glued_values
from brainalign.book.lab import editions as E

from .conftest import HTML, unavailable

ROOT = Path(__file__).resolve().parents[2]
PAGE = "book/generated/06_tutorial.html"
EXECUTED = ROOT / "book" / "generated" / "06_tutorial.ipynb"
LABELS = ("SIMULATED", "REAL DATA")
NOISE = [r"Warning\b", r"it/s\]", r"Traceback", r"/work/", re.escape(str(Path.home())), r"\.venv/lib", r"site-packages",
         r"Feedback\(", r"<brainalign\.", r"Not yet:", r"Try again:", r"\{glue"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(browser, book_url):
    if not (HTML / PAGE).exists():
        unavailable(f"the book was built without {PAGE}; run `make book`")
    errors: list[str] = []
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    response = tab.goto(book_url + PAGE, wait_until="networkidle")
    assert response is not None and response.ok
    tab.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    tab.evaluate("() => MathJax.startup.promise.then(() => true)")
    tab.errors = errors
    yield tab
    tab.close()


def test_every_check_passed_and_nothing_else_shows(page):
    text = page.inner_text("main")
    n_checks = len(E.exercises(E.read_source(root=ROOT)))
    assert text.count("Passed:") == n_checks, f"expected {n_checks} passed checks"
    noise = [pattern for pattern in NOISE if re.search(pattern, text)]
    assert not noise, f"the page shows {noise}"
    assert not page.errors, page.errors


def test_glued_numbers_are_this_builds(page):
    text = page.inner_text("main")
    values = glued_values(EXECUTED)
    for key, fmt in (("tut_in_sample_r", ".2f"), ("tut_held_out_r", ".2f"), ("tut_ceiling", ".2f"),
                     ("tut_reliability", ".3f"), ("tut_r_surprisal", ".3f")):
        assert format(float(values[key]), fmt) in text, key


def test_solutions_are_behind_show_solution(page):
    hidden = page.locator("main details.hide")
    n = hidden.count()
    assert n == len(E.exercises(E.read_source(root=ROOT)))
    for k in range(n):
        item = hidden.nth(k)
        assert item.get_attribute("open") is None, "a solution is expanded"
        assert item.locator("summary").inner_text().strip().startswith("Show solution")
    first = hidden.first
    first.locator("summary").click()
    assert first.get_attribute("open") is not None and "# Solution" in first.inner_text()
    first.locator("summary").click()


def test_prediction_answers_and_instructor_notes_start_collapsed(page):
    for title in ("Answer", "Instructor notes"):
        boxes = page.locator("main div.admonition.dropdown", has_text=title)
        assert boxes.count() >= 4, title
        for k in range(boxes.count()):
            body = boxes.nth(k).locator("p:not(.admonition-title)").first
            assert not body.is_visible(), f"a {title} box is open before it is clicked"
    answer = page.locator("main div.admonition.dropdown", has_text="Answer").first
    answer.locator(".admonition-title").click()
    page.wait_for_timeout(300)
    assert answer.locator("p:not(.admonition-title)").first.is_visible()


def test_both_editions_download_and_the_colab_link_comes_from_the_config(page):
    links = page.eval_on_selector_all("main a[href]", "as => as.map(a => [a.textContent.trim(), a.href])")
    downloads = {Path(href).name: href for _, href in links if "/_downloads/" in href}
    assert set(downloads) == {f"06_tutorial_{e}.{x}" for e in E.EDITIONS for x in ("ipynb", "py")}
    for name, href in downloads.items():
        with urllib.request.urlopen(href, timeout=10) as response:
            body = response.read().decode()
        if name.endswith(".ipynb"):
            nb = nbformat.reads(body, as_version=4)
            tags = [set(c.get("metadata", {}).get("tags", [])) for c in nb.cells]
            has_solutions = any(E.TAG_SOLUTION in t for t in tags)
            assert has_solutions == (E.TEACHER in name), name
            assert json.loads(body)["metadata"]["brainalign"]["edition"] in name
    colab = [href for _, href in links if href.startswith("https://colab.research.google.com/")]
    assert colab and set(colab) == {E.colab_url(ROOT)}


def test_every_data_heading_is_labelled(page):
    headings = page.eval_on_selector_all("main h2, main h3", "hs => hs.map(h => h.textContent.replace('#', '').trim())")
    first = next(i for i, h in enumerate(headings) if h.startswith("1. "))
    last = next(i for i, h in enumerate(headings) if h.startswith("Wrap-up"))
    unlabelled = [h for h in headings[first:last] if not any(label in h for label in LABELS)]
    assert not unlabelled, unlabelled


def test_figures_have_numbered_labelled_captions_and_alt_text(page):
    figures = page.eval_on_selector_all("main figure", """fs => fs.map(f => ({
        caption: (f.querySelector('figcaption') || {}).textContent || '',
        alt: (f.querySelector('img') || {}).alt || '',
        width: (f.querySelector('img') || {}).naturalWidth || 0}))""")
    assert len(figures) == 4
    numbers = []
    for fig in figures:
        caption = " ".join(fig["caption"].split())
        found = re.match(r"Figure (\d+)\s+(SIMULATED|REAL DATA)", caption)
        assert found, caption
        numbers.append(int(found.group(1)))
    assert numbers == list(range(numbers[0], numbers[0] + 4)), numbers  # the book numbers figures across pages
    for fig in figures:
        assert len(fig["alt"]) > 40 and not fig["alt"].endswith(".png"), fig["alt"]
        assert fig["width"] > 0
    loose = page.eval_on_selector_all("main img:not(figure img)", "is => is.length")
    assert loose == 0, "a figure without caption"

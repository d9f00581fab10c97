"""Every chapter of the built book, in a real browser: loads cleanly, shows its figures, renders math, links resolve,
and the paper's key numbers appear where they are recomputed."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import pytest

from .conftest import toc_pages

pytestmark = pytest.mark.browser

PAGES = toc_pages()

#: Numbers each page must show (recomputed in the notebooks; the landing page's results table is checked against the
#: glued values in test_publication.py).
KEY_NUMBERS = {
    "book/index": ["6.2", "6.9", "8.0", "3.8", "0.95", "0.92", "0.81", "0.76", "0.31", "0.54", "0.21"],
    "book/generated/01_instruction_tuning": ["6.2", "6.9", "8.0", "3.8", "6.0"],
    "book/generated/02_model_size": ["r = 0.95", "r = 0.92"],
    "book/generated/03_world_knowledge": ["r = 0.81", "r = 0.68"],
    "book/generated/04_behavioral": ["0.76", "0.31", "0.54", "0.21"],
}
#: Pages that must contain typeset equations.
MATH_PAGES = {"book/methods"}

_VISIBLE_TEXT = """() => {
  const root = document.querySelector('article') || document.body;
  const clone = root.cloneNode(true);
  clone.querySelectorAll('pre, code, mjx-container, script, style, .highlight').forEach(e => e.remove());
  return clone.innerText;
}"""


@dataclass
class PageReport:
    url: str
    status: int | None = None
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    n_math_source: int = 0
    n_mjx: int = 0
    text: str = ""
    visible_text: str = ""
    links: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def visit(browser, book_url):
    """Load each page once per session and record what the checks need."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    cache: dict[str, PageReport] = {}

    def _visit(name: str) -> PageReport:
        if name in cache:
            return cache[name]
        report = PageReport(url=urllib.parse.urljoin(book_url, name + ".html"))
        page = context.new_page()
        page.set_default_timeout(20000)
        page.on("console", lambda m: report.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: report.console_errors.append(str(e)))
        page.on("requestfailed", lambda r: report.failed_requests.append(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: report.failed_requests.append(f"{r.url} (HTTP {r.status})")
                if r.status >= 400 else None)
        response = page.goto(report.url, wait_until="networkidle")
        report.status = response.status if response else None
        if report.status != 200:  # a missing page: the load test reports it, the other checks have nothing to see
            page.close()
            cache[name] = report
            return report
        report.n_math_source = page.locator(".math").count()
        if report.n_math_source:
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                                   timeout=15000)
            page.evaluate("() => MathJax.startup.promise.then(() => true)")
            report.n_mjx = page.locator("mjx-container").count()
        page.evaluate("() => Promise.all(Array.from(document.images).filter(i => !i.complete)"
                      ".map(i => new Promise(r => { i.onload = i.onerror = r; })))")
        report.images = page.evaluate("() => Array.from(document.querySelectorAll('article img')).map(i => "
                                      "({src: i.currentSrc || i.src, complete: i.complete, w: i.naturalWidth}))")
        report.text = page.locator("article").inner_text()
        report.visible_text = page.evaluate(_VISIBLE_TEXT)
        report.links = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        page.close()
        cache[name] = report
        return report

    yield _visit
    context.close()


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_without_errors(visit, name):
    report = visit(name)
    assert report.status == 200, f"{report.url}: HTTP {report.status}"
    assert not report.console_errors, f"console errors on {name}: {report.console_errors}"
    assert not report.failed_requests, f"failed requests on {name}: {report.failed_requests}"


#: Notebook pages whose results are tables (the reproduction page: published vs recomputed, per model).
TABLE_PAGES = {"book/generated/07_reproduction"}


@pytest.mark.parametrize("name", PAGES)
def test_figures_are_displayed(visit, name):
    report = visit(name)
    broken = [img["src"] for img in report.images if not (img["complete"] and img["w"] > 0)]
    assert not broken, f"images not displayed on {name}: {broken}"
    if name.startswith("book/generated/") and name not in TABLE_PAGES:
        assert report.images, f"notebook page {name} shows no figure"


@pytest.mark.parametrize("name", PAGES)
def test_math_is_rendered(visit, name):
    report = visit(name)
    if name in MATH_PAGES:
        assert report.n_math_source > 0, f"{name} should contain equations"
    if report.n_math_source:
        assert report.n_mjx >= report.n_math_source, f"{name}: {report.n_mjx} typeset of {report.n_math_source}"
    for raw in ("$$", "\\(", "\\[", "\\begin{"):
        assert raw not in report.visible_text, f"raw TeX {raw!r} visible on {name}"


@pytest.mark.parametrize("name", PAGES)
def test_internal_links_resolve(visit, book_url, name):
    report = visit(name)
    local = sorted({link.split("#")[0] for link in report.links if link.startswith(book_url)})
    assert local, f"{name} has no internal links (navigation missing?)"
    bad = []
    for url in local:
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                if resp.status != 200:
                    bad.append(f"{url} (HTTP {resp.status})")
        except urllib.error.URLError as exc:
            bad.append(f"{url} ({exc})")
    assert not bad, f"broken internal links on {name}: {bad}"


@pytest.mark.parametrize("name", sorted(KEY_NUMBERS))
def test_key_numbers_appear(visit, name):
    if name not in PAGES:
        pytest.fail(f"{name} is not in _toc.yml")
    report = visit(name)
    missing = [n for n in KEY_NUMBERS[name] if n not in report.text]
    assert not missing, f"{name} does not show {missing}"


def test_notebook_pages_state_their_data_source(visit):
    for name in PAGES:
        if name.startswith("book/generated/0") and name.split("/")[-1][:2] in {"01", "02", "03", "04"}:
            assert "published tables" in visit(name).text, name

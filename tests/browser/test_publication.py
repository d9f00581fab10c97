"""The book as a publication, in a real browser: repository and issues buttons and the build stamp on every page,
launch buttons on the chapters that run online, the landing page's results table equal to the chapters' glued numbers,
and the PDF, the licence and the citation where a reader looks for them."""

from __future__ import annotations

import ast
import json
import re
import urllib.parse
import urllib.request

import pytest

from brainalign import __version__
from brainalign.book import edition, results
from brainalign.book.glued import glued_values

from .conftest import ROOT, toc_pages

pytestmark = pytest.mark.browser

PAGES = toc_pages()
REPO = edition.repository(ROOT)
GENERATED = ROOT / "book" / "generated"
LAUNCH = edition.launch_pages(ROOT)


@pytest.mark.parametrize("name", PAGES)
def test_repository_and_issues_buttons(page_facts, name):
    hrefs = [b["href"] for b in page_facts(name)["buttons"] if b["href"]]
    assert REPO.url in hrefs, f"{name}: no repository button ({hrefs})"
    assert any(h.startswith(REPO.issues_url) for h in hrefs), f"{name}: no issues button ({hrefs})"


@pytest.mark.parametrize("name", PAGES)
def test_footer_stamp(page_facts, name):
    footer = page_facts(name)["footer"]
    stamp = edition.build_stamp(ROOT)
    assert f"brainalign {__version__}" in footer, footer
    assert f"commit {stamp.short_commit}" in footer, footer
    assert re.search(r"built \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", footer), footer


@pytest.mark.parametrize("name", PAGES)
def test_launch_buttons_only_where_a_chapter_runs_online(page_facts, name):
    labels = {b["label"]: b["href"] for b in page_facts(name)["buttons"] if b["href"]}
    binder = [h for h in labels.values() if h.startswith("https://mybinder.org/")]
    colab = [h for h in labels.values() if h.startswith("https://colab.research.google.com/")]
    if name not in LAUNCH:
        assert not binder and not colab, f"{name} cannot run online but has launch buttons"
        return
    notebook = name.split("/")[-1]
    assert binder and colab, f"{name}: launch buttons missing ({labels})"
    # Binder opens notebooks/<name>.ipynb, which postBuild writes from the jupytext source of the repository
    query = urllib.parse.parse_qs(urllib.parse.urlparse(binder[0]).query)
    assert query["urlpath"] == [f"lab/tree/notebooks/{notebook}.ipynb"]
    assert (ROOT / "notebooks" / f"{notebook}.py").exists() and "jupytext" in (ROOT / "postBuild").read_text()
    assert f"/v2/gh/{'/'.join(REPO.owner_name)}/{REPO.branch}" in binder[0]
    # Colab opens the executed notebook published with the site; its first code cell installs brainalign
    path = colab[0].split(f"/blob/{'gh-pages'}/", 1)[1]
    published = json.loads((ROOT / "_build" / "html" / path).read_text())
    first_code = next(c for c in published["cells"] if c["cell_type"] == "code")
    assert f"git+{REPO.url}" in "".join(first_code["source"]) and "remove-cell" in first_code["metadata"]["tags"]


def _glued(notebook: str) -> dict:
    values = {}
    for key, text in glued_values(GENERATED / f"{notebook}.ipynb").items():
        try:
            values[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            pass
    return values


def test_results_table_rows_equal_the_glued_values(browser, book_url):
    page = browser.new_page()
    page.goto(book_url + "book/index.html", wait_until="networkidle")
    rows = page.locator(".brainalign-results table tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))")
    page.close()
    assert len(rows) == len(results.CLAIMS)
    for claim, (text, paper, recomputed, match) in zip(results.CLAIMS, rows):
        glued = _glued(claim.chapter)
        assert text.startswith(claim.text), (text, claim.text)
        p, v = float(glued[claim.paper]), float(glued[claim.recomputed])
        if claim.kind == "value":
            fmt = (lambda x: f"{x:+.{claim.digits}f}") if claim.signed else (lambda x: f"{x:.{claim.digits}f}")
            assert paper == fmt(p).replace("-", "−") + claim.unit, (claim.text, paper, p)
            assert recomputed == fmt(v).replace("-", "−") + claim.unit, (claim.text, recomputed, v)
            if round(p, claim.digits) == round(v, claim.digits):
                assert match == "✓", (claim.text, match)
            elif match.startswith("≈"):
                low, high = (float(glued[k]) for k in claim.rounding)
                assert low - 0.05 <= p <= high + 0.05, (claim.text, low, p, high)
            else:
                assert match.startswith("✗") and claim.discrepancy in match, (claim.text, match)
        else:
            assert f"{v:.{claim.digits}f}" in recomputed or ("<" in recomputed and v < 10 ** -claim.digits)
            holds = (v < claim.alpha) == (claim.kind == "significant")
            assert match.startswith("✓" if holds else "✗"), (claim.text, match, v)


def test_landing_page_says_what_was_measured_and_maps_the_book(page_facts):
    facts = page_facts("book/index")
    text = facts["text"]
    assert results.measured_sentence(GENERATED) in text.replace("\n", " ")
    assert "A map of this book" in text
    for part in ("Method.", "The paper, recomputed.", "Live and hands-on.", "Score your own models.",
                 "About this edition."):
        assert part in text, part
    teaser = [img for img in facts["images"] if img["number"]]
    assert teaser and "fig-03-nwp" in teaser[0]["src"], facts["images"]


def test_landing_page_links_the_pdf(browser, book_url):
    page = browser.new_page()
    page.goto(book_url + "book/index.html", wait_until="networkidle")
    href = page.locator("a.brainalign-pdf").get_attribute("href")
    url = urllib.parse.urljoin(book_url + "book/index.html", href)
    page.close()
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200 and response.read(5) == b"%PDF-"


def test_licence_and_citation_pages(page_facts):
    licence = page_facts("book/license")["text"]
    for words in ("MIT", "CC BY 4.0", "CC BY-NC-SA 4.0", "transcribed", "Natural Stories"):
        assert words in licence, words
    cite = page_facts("book/cite")["text"]
    assert "@software{brainalign_edition" in cite and REPO.url in cite
    assert re.search(rf"version\s*=\s*\{{{re.escape(__version__)}\}}", cite), cite
    assert edition.build_stamp(ROOT).short_commit in cite
    assert "@inproceedings{aw2024instruction" in cite


def test_one_citation_style(page_facts):
    """Author-year in the text and the same labels in every page's bibliography, which lists the page's citations."""
    for name in ("book/index", "book/methods", "book/generated/03_world_knowledge"):
        text = page_facts(name)["text"]
        refs = text.split("References")[-1]
        labels = re.findall(r"\[([A-Z][^\]]+?, \d{4})\]", refs)
        assert labels, f"{name}: no author-year labels in its bibliography"
        assert not re.search(r"\[[A-Z]{2,}\+?\d{2}\]", refs), f"{name}: alpha labels ([AMA+24]) in the bibliography"
        for label in labels:
            author, year = label.rsplit(", ", 1)
            assert author.split()[0] in text.split("References")[0] and year in text.split("References")[0], label


def test_no_empty_index_page_and_one_search_field(browser, book_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(book_url + "book/methods.html", wait_until="networkidle")
    links = page.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    visible_search = page.locator(".search-button-field").evaluate_all(
        "els => els.filter(e => e.offsetParent !== null && e.getBoundingClientRect().height > 0).length")
    page.close()
    assert not [link for link in links if "genindex" in link], "a link to the (empty) general index"
    assert visible_search == 1, f"{visible_search} search fields on the page"

"""Figures as readers get them: numbered captions, meaningful alt text, legible text at 1280 px and on a phone, and
a click that enlarges them.

**The legibility rule.** The smallest text of every figure, as displayed, is at least 9 CSS px high, both in a
1280-px-wide window and in a 390-px one (a phone). Why 9 px: a CSS pixel is defined as a visual angle (1/96 inch at
arm's length), so the rule holds at any screen's viewing distance; 9 px is about 7 pt at that distance, the smallest
type that journals accept in a printed figure. How it is measured: every book figure carries in its PNG the size of
its smallest text as a fraction of the image width (:mod:`brainalign.figures.output`, from the font sizes matplotlib
drew), so the displayed size is that fraction times the width the browser gives the ``<img>``. An SVG figure is
measured from its ``font-size`` declarations and ``viewBox``. An image without such a record fails: the rule cannot
be checked on it.
"""

from __future__ import annotations

import re
import urllib.request

import pytest

from brainalign.figures.output import read_png_record

from .conftest import toc_pages

pytestmark = pytest.mark.browser

PAGES = toc_pages()
WIDTHS = (1280, 390)
MIN_TEXT_PX = 9.0
_GENERIC_ALT = {"image", "figure", "plot", "chart", "graph", "png", "output", "img"}


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def smallest_text_fraction(url: str) -> float | None:
    """Smallest text height / image width of a book figure (PNG record or SVG font sizes); None when unknown."""
    data = _fetch(url)
    if url.split("?")[0].endswith(".svg"):
        svg = data.decode("utf-8")
        view = re.search(r'viewBox="\s*[\d.-]+\s+[\d.-]+\s+([\d.]+)\s+[\d.]+\s*"', svg)
        sizes = [float(s) for s in re.findall(r"font-size\s*[:=]\s*\"?([\d.]+)(?:px)?", svg)]
        return min(sizes) / float(view.group(1)) if view and sizes else None
    return read_png_record(data)["min_text_fraction"]


def meaningful_alt(alt: str | None, src: str) -> bool:
    """Alt text that describes the figure: at least four words, not the file name, not a generic word."""
    if not alt:
        return False
    name = src.rsplit("/", 1)[-1]
    words = re.findall(r"[A-Za-z]{2,}", alt)
    return (name not in alt and not alt.endswith((".png", ".svg", ".jpg")) and len(words) >= 4
            and alt.strip().lower() not in _GENERIC_ALT)


def test_the_alt_rule():
    assert not meaningful_alt("../../_images/66f7.png", "http://x/_images/66f7.png")
    assert not meaningful_alt("Figure", "x.png") and not meaningful_alt(None, "x.png") and not meaningful_alt("", "a")
    assert meaningful_alt("Scatter plot of brain alignment against model size", "x.png")


@pytest.mark.parametrize("name", PAGES)
def test_every_image_has_meaningful_alt_text(page_facts, name):
    bad = [(img["src"].rsplit("/", 1)[-1], img["alt"]) for img in page_facts(name)["images"]
           if not meaningful_alt(img["alt"], img["src"])]
    assert not bad, f"images on {name} without meaningful alt text: {bad}"


@pytest.mark.parametrize("name", PAGES)
def test_every_figure_has_a_numbered_caption(page_facts, name):
    bad = [img["src"].rsplit("/", 1)[-1] for img in page_facts(name)["images"]
           if not (img["in_figure"] and img["number"] and re.match(r"Figure [\d.]+", img["number"])
                   and len(img["caption"]) > len(img["number"]) + 20)]
    assert not bad, f"images on {name} without a numbered caption: {bad}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_figure_text_is_legible(page_facts, name, width):
    facts = page_facts(name, width)
    problems = []
    for img in facts["images"]:
        fraction = smallest_text_fraction(img["src"])
        label = img["src"].rsplit("/", 1)[-1]
        if fraction is None:
            problems.append(f"{label}: no legibility record (draw it with brainalign.figures.set_style in effect)")
        elif fraction * img["width"] < MIN_TEXT_PX:
            problems.append(f"{label}: smallest text {fraction * img['width']:.1f} px at {img['width']:.0f} px wide")
    assert not problems, f"{name} at {width} px: figure text below {MIN_TEXT_PX} px: {problems}"


def test_the_pages_do_not_scroll_sideways_on_a_phone(page_facts):
    wide = [name for name in PAGES if page_facts(name, 390)["scroll_width"] > 390 + 1]
    assert not wide, f"pages wider than a 390-px phone: {wide}"


def test_a_click_enlarges_a_figure_and_escape_closes_it(browser, book_url):
    page = browser.new_page(viewport={"width": 390, "height": 800})
    page.goto(book_url + "book/generated/02_model_size.html", wait_until="networkidle")
    figure = page.locator("article figure img").first
    shown = figure.evaluate("i => i.getBoundingClientRect().width")
    figure.click()
    enlarged = page.locator(".ba-lightbox img")
    assert enlarged.is_visible()
    big = enlarged.evaluate("i => i.getBoundingClientRect().width")
    assert big >= 1.5 * shown, (big, shown)
    assert enlarged.get_attribute("alt") == figure.get_attribute("alt")
    page.keyboard.press("Escape")
    assert page.locator(".ba-lightbox").count() == 0
    figure.focus()
    page.keyboard.press("Enter")  # keyboard users too
    assert page.locator(".ba-lightbox img").is_visible()
    page.close()

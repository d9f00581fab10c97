"""The whole-book PDF (``_build/html/brainalign-book.pdf``, built by ``make book`` / ``make pdf``): every page of
``_toc.yml`` is in it by its title (text and bookmarks), its figures are in it, every font is embedded, and its text
passes the clean-page rules."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import urllib.request

import pytest

from brainalign.book.pdf import PDF_NAME

from .conftest import HTML, toc_pages, unavailable
from .test_clean_pages import noise_in

pytestmark = pytest.mark.browser

pypdf = pytest.importorskip("pypdf")


@pytest.fixture(scope="module")
def pdf():
    path = HTML / PDF_NAME
    if not path.exists():
        unavailable(f"no PDF at {path} (run `make book` or `make pdf`)")
    reader = pypdf.PdfReader(str(path))
    text = [page.extract_text() or "" for page in reader.pages]
    return reader, text


def _outline_titles(outline) -> list[str]:
    titles = []
    for item in outline:
        if isinstance(item, list):
            titles += _outline_titles(item)
        else:
            titles.append(item.title)
    return titles


def _squash(text: str) -> str:
    """Letters and digits only, lower case: line breaks, hyphenation and typographic quotes do not matter."""
    return re.sub(r"[^0-9a-z]+", "", unicodedata.normalize("NFKC", text).lower())  # NFKC: the "ﬁ" ligature


def test_every_page_of_the_book_is_in_the_pdf(pdf, page_facts):
    reader, text = pdf
    assert len(reader.pages) > len(toc_pages())
    whole = _squash(" ".join(text))
    bookmarks = [_squash(t) for t in _outline_titles(reader.outline)]
    missing = []
    for name in toc_pages():
        title = re.sub(r"^\d+\.\s*", "", page_facts(name)["title"].split(" — ")[0])
        if _squash(title) not in whole or not any(_squash(title) in b for b in bookmarks):
            missing.append(title)
    assert not missing, f"page titles missing from the PDF text or bookmarks: {missing}"


def test_the_figures_are_in_the_pdf(pdf, page_facts):
    reader, _ = pdf
    in_pdf = set()
    for page in reader.pages:
        for image in page.images:
            in_pdf.add(image.indirect_reference.idnum if image.indirect_reference else image.name)
    in_site = set()  # distinct images (the landing page's teaser is a chapter's figure: one image in the PDF)
    for name in toc_pages():  # shown ones: a figure in a collapsed solution is not printed (the PDF has no spoilers)
        for img in (i for i in page_facts(name)["images"] if not i["collapsed"]):
            with urllib.request.urlopen(img["src"], timeout=10) as response:
                in_site.add(hashlib.sha256(response.read()).hexdigest())
    assert len(in_pdf) >= len(in_site), f"{len(in_pdf)} images in the PDF, {len(in_site)} figures in the site"


def test_every_font_is_embedded(pdf):
    reader, _ = pdf
    fonts = {}
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for key, ref in (resources.get("/Font") or {}).items():
            font = ref.get_object()
            fonts[font.get("/BaseFont", key)] = font
    assert fonts
    missing = []
    for name, font in fonts.items():
        if font.get("/Subtype") == "/Type3":
            continue  # glyphs drawn by the PDF itself
        descendants = font.get("/DescendantFonts")
        target = descendants[0].get_object() if descendants else font
        descriptor = target.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor else {}
        if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            missing.append(name)
    assert not missing, f"fonts not embedded: {missing}"


def test_the_pdf_text_is_clean(pdf):
    _, text = pdf
    problems = [f"page {i + 1}: {p}" for i, page in enumerate(text) for p in noise_in(page)]
    assert not problems, "\n".join(problems[:20])

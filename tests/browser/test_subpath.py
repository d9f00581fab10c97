"""The site works under a sub-path, as a static host (GitHub Pages: ``https://<owner>.github.io/<name>/``) serves it.

The book is built again, into a temporary folder, with the published address as base URL (what
``.github/workflows/publish.yml`` runs), served under ``/brainalign/`` only (requests outside the prefix are 404),
and every page of ``_toc.yml`` is browsed: every request must succeed and stay inside the prefix, the canonical link
must name the published address, and the search page must find a chapter.
"""

from __future__ import annotations

import shutil
import urllib.parse

import pytest

from brainalign.book import build, edition

from .conftest import ROOT, serve, toc_pages, unavailable

pytestmark = pytest.mark.browser

PREFIX = "/brainalign/"


@pytest.fixture(scope="module")
def subpath_site(tmp_path_factory):
    if not (ROOT / "book" / "generated").is_dir():
        unavailable("the notebooks are not executed (book/generated missing; run `make book`)")
    out = tmp_path_factory.mktemp("subpath")
    base_url = edition.pages_url(edition.repository(ROOT))
    build.build_html(ROOT, base_url=base_url, output=out)
    with serve(out / "_build" / "html", PREFIX) as url:
        yield url, base_url
    shutil.rmtree(out, ignore_errors=True)


def test_every_page_works_under_a_sub_path(browser, subpath_site):
    url, base_url = subpath_site
    host = url[: -len(PREFIX)]
    context = browser.new_context()
    problems = []
    for name in toc_pages():
        page = context.new_page()
        failed, outside = [], []
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.on("response", lambda r: failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
        page.on("request", lambda r: outside.append(r.url) if r.url.startswith(host) and
                not r.url.startswith(url) else None)
        response = page.goto(url + name + ".html", wait_until="networkidle")
        canonical = page.locator("link[rel=canonical]").get_attribute("href")
        if response is None or response.status != 200:
            problems.append(f"{name}: HTTP {response.status if response else '?'}")
        if failed or outside:
            problems.append(f"{name}: failed {failed[:3]}, outside the sub-path {outside[:3]}")
        if canonical != urllib.parse.urljoin(base_url, name + ".html"):
            problems.append(f"{name}: canonical link {canonical!r}")
        page.close()
    context.close()
    assert not problems, "\n".join(problems)


def test_search_works_under_a_sub_path(browser, subpath_site):
    url, _ = subpath_site
    page = browser.new_page()
    page.goto(url + "search.html?q=surprisal", wait_until="networkidle")
    page.wait_for_selector("#search-results ul li", timeout=20000)
    hits = page.locator("#search-results ul li a").evaluate_all("links => links.map(a => a.href)")
    page.close()
    assert hits and all(h.startswith(url) for h in hits), hits

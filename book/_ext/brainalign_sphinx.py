"""Sphinx extension of the brainalign book (registered in ``_config.yml`` under ``sphinx.local_extensions``).

It connects the book to :mod:`brainalign.book.edition` and :mod:`brainalign.book.results`; the logic lives there,
so that it is tested like the rest of the package. What it adds:

- a **footer stamp** on every page: brainalign version, git commit (linked) and build date;
- **launch buttons** (Binder, Colab) on the pages listed in ``brainalign_launch_pages``;
- ``{{ repository_url }}`` and ``{{ issues_url }}`` in any page (code blocks included) become the addresses of
  ``_config.yml``'s ``repository.url``, written nowhere else;
- ``html_baseurl`` from ``$BRAINALIGN_BOOK_BASE_URL`` (canonical links of a published build);
- directives: ``{results-table}`` (the landing page's claim | paper | recomputed | match table),
  ``{measured-sentence}`` (what this build re-measured), ``{chapter-figure} <notebook> <figure name>`` (a chapter's
  figure, with its caption and alt text, on another page) and ``{edition-bibtex}`` (the edition's BibTeX entry);
- the citation style ``brainalign_author_year``: bibliography labels "Aw et al., 2024", as the author-year citations
  in the text;
- sphinx-thebe 0.3 registers its inline configuration script twice with Jupyter Book 1.0.4, so every page logged
  ``Identifier 'THEBE_JS_URL' has already been declared`` in the browser console; identical script entries are
  dropped from each page's context before rendering.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:  # the book source is a brainalign checkout; brainalign need not be installed
    sys.path.insert(0, str(_ROOT))

from brainalign.book import edition, results  # noqa: E402
from brainalign.paths import book_base_url  # noqa: E402

GENERATED = "book/generated"


# --- footer, base URL, repository placeholders ------------------------------------------------------------------

def _configure(app: Any, config: Any) -> None:
    root = Path(app.srcdir)
    repo = edition.repository(root)
    stamp = edition.build_stamp(root)
    app.brainalign_repo, app.brainalign_stamp = repo, stamp
    commit = html.escape(stamp.short_commit)
    if stamp.commit:
        commit = f'<a href="{html.escape(repo.commit_url(stamp.commit))}">{commit}</a>'
    modified = " + uncommitted changes" if stamp.modified else ""
    footer = (f'<p class="brainalign-stamp">brainalign {html.escape(stamp.version)} · commit {commit}{modified} · '
              f'built {stamp.date:%Y-%m-%d %H:%M} UTC · <a href="{html.escape(repo.url)}">source</a></p>')
    config.html_theme_options = {**(config.html_theme_options or {}), "extra_footer": footer}
    base = book_base_url()
    if base:
        config.html_baseurl = base


def _substitute(app: Any, docname: str, source: list[str]) -> None:
    repo = app.brainalign_repo
    for key, value in {"repository_url": repo.url, "issues_url": repo.issues_url,
                       "repository_branch": repo.branch}.items():
        source[0] = source[0].replace("{{ " + key + " }}", value)


# --- launch buttons --------------------------------------------------------------------------------------------

def _launch_buttons(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if pagename not in app.config.brainalign_launch_pages or "header_buttons" not in context:
        return
    links = edition.launch_links(pagename.split("/")[-1], app.brainalign_repo,
                                 pages_branch=app.config.brainalign_pages_branch)
    icons = {"Binder": "_static/images/logo_binder.svg", "Colab": "_static/images/logo_colab.png"}
    buttons = [{"type": "link", "text": name, "tooltip": f"Run this chapter on {name}", "icon": icons[name],
                "url": url, "label": f"launch-{name.lower()}"} for name, url in links.items()]
    context["header_buttons"].append({"type": "group", "tooltip": "Run this chapter online", "icon": "fas fa-rocket",
                                      "buttons": buttons, "label": "launch-buttons"})


def _dedupe_scripts(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set = set()
    unique = []
    for js in scripts:
        key = (str(getattr(js, "filename", js) or ""), tuple(sorted((k, str(v)) for k, v in
                                                               getattr(js, "attributes", {}).items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(js)
    scripts[:] = unique


# --- directives -------------------------------------------------------------------------------------------------

class _MystDirective(SphinxDirective):
    """A directive that writes MyST markdown and parses it in place."""

    def parse_markdown(self, text: str) -> list[nodes.Node]:
        container = nodes.container()
        self.state.nested_parse(StringList(text.splitlines(), source=self.env.docname), self.content_offset,
                                container)
        return list(container.children)

    def generated(self) -> Path:
        return Path(self.env.srcdir) / GENERATED


class ResultsTable(_MystDirective):
    """``{results-table}``: the paper's claims, the printed and recomputed values and whether they match."""

    def run(self) -> list[nodes.Node]:
        rows = results.results_rows(self.generated())
        for chapter in {row.claim.chapter for row in rows}:
            self.env.note_dependency(str(self.generated() / f"{chapter}.ipynb"))
        lines = ["| claim | paper | recomputed | match |", "|---|---|---|---|"]
        for row in rows:
            claim = f"{row.claim.text} ({{doc}}`ch. {int(row.claim.chapter[:2])} </{GENERATED}/{row.claim.chapter}>`)"
            match = row.match + (f" ({{doc}}`{row.discrepancy} </book/discrepancies>`)" if row.discrepancy else "")
            lines.append(f"| {claim} | {row.paper} | {row.recomputed} | {match} |")
        missing = [row.claim.chapter for row in rows if row.match == results.MISSING]
        if missing:
            self.state.document.reporter.warning(f"results-table: chapters not built: {sorted(set(missing))}",
                                                 line=self.lineno)
        table = nodes.container(classes=["brainalign-results"])
        table.extend(self.parse_markdown("\n".join(lines)))
        return [table]


class MeasuredSentence(_MystDirective):
    """``{measured-sentence}``: one sentence on what this build re-measured and what it recomputed."""

    def run(self) -> list[nodes.Node]:
        for path in self.generated().glob("*.ipynb"):
            self.env.note_dependency(str(path))
        return self.parse_markdown(results.measured_sentence(self.generated()))


class ChapterFigureDirective(_MystDirective):
    """``{chapter-figure} <notebook> <figure name>``: a chapter's figure with its caption and alt text.

    Options: ``:name:`` (label of the figure on this page).
    """

    required_arguments = 2
    option_spec = {"name": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        notebook, name = self.arguments
        path = self.generated() / f"{notebook}.ipynb"
        self.env.note_dependency(str(path))
        try:
            figure = results.chapter_figure(path, name)
        except (FileNotFoundError, KeyError) as exc:
            return [self.state.document.reporter.warning(f"chapter-figure: {exc}", line=self.lineno)]
        out = self.generated() / "figures" / f"{name}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        if not out.exists() or out.read_bytes() != figure.png:
            out.write_bytes(figure.png)
        width = results.png_display_width(figure.png)
        label = self.options.get("name", f"{name}-here")
        text = "\n".join([f":::{{figure}} /{GENERATED}/figures/{name}.png", f":name: {label}",
                          f":alt: {figure.alt}", f":width: {width}px", "",
                          figure.caption + f" (From {{doc}}`/{GENERATED}/{notebook}`.)", ":::"])
        return self.parse_markdown(text)


class EditionBibtex(SphinxDirective):
    """``{edition-bibtex}``: the BibTeX entry of this edition (``CITATION.cff`` and the build stamp)."""

    def run(self) -> list[nodes.Node]:
        root = Path(self.env.srcdir)
        self.env.note_dependency(str(root / "CITATION.cff"))
        if not hasattr(self.env, "brainalign_stamped_docs"):
            self.env.brainalign_stamped_docs = set()
        self.env.brainalign_stamped_docs.add(self.env.docname)  # re-read on every build: the stamp changes
        text = edition.edition_bibtex(root, self.env.app.brainalign_stamp)
        block = nodes.literal_block(text, text, language="bibtex")
        return [block]


# --- citation style ---------------------------------------------------------------------------------------------

def _register_citation_style() -> None:
    from pybtex.plugin import register_plugin  # only when Sphinx loads the extension
    from pybtex.style.formatting.unsrt import Style as UnsrtStyle  # as above
    from pybtex.style.labels import BaseLabelStyle  # as above

    class AuthorYearLabels(BaseLabelStyle):
        """"Aw et al., 2024", "Benjamini and Hochberg, 1995": the label an author-year citation shows."""

        def format_labels(self, sorted_entries):
            for entry in sorted_entries:
                persons = entry.persons.get("author") or entry.persons.get("editor") or []
                names = [" ".join(p.rich_last_names[i].render_as("text") for i in range(len(p.rich_last_names)))
                         for p in persons]
                if not names:
                    who = entry.fields.get("title", entry.key)
                elif len(names) == 1:
                    who = names[0]
                elif len(names) == 2:
                    who = f"{names[0]} and {names[1]}"
                else:
                    who = f"{names[0]} et al."
                yield f"{who}, {entry.fields.get('year', 'n.d.')}"

    class AuthorYearStyle(UnsrtStyle):
        default_label_style = "brainalign_author_year"
        default_sorting_style = "author_year_title"

    register_plugin("pybtex.style.labels", "brainalign_author_year", AuthorYearLabels, force=True)
    register_plugin("pybtex.style.formatting", "brainalign_author_year", AuthorYearStyle, force=True)


def _stamped_docs(app: Any, env: Any, added: set, changed: set, removed: set) -> list[str]:
    """Pages that show the build stamp in their body (the edition BibTeX) are re-read by every build."""
    return sorted(getattr(env, "brainalign_stamped_docs", set()) - set(removed))


def setup(app: Any) -> dict:
    _register_citation_style()
    app.add_config_value("brainalign_launch_pages", [], "html")
    app.add_config_value("brainalign_pages_branch", "gh-pages", "html")
    app.connect("config-inited", _configure)
    app.connect("source-read", _substitute)
    app.connect("env-get-outdated", _stamped_docs)
    app.connect("html-page-context", _dedupe_scripts, priority=100)
    app.connect("html-page-context", _launch_buttons, priority=510)
    app.add_directive("results-table", ResultsTable)
    app.add_directive("measured-sentence", MeasuredSentence)
    app.add_directive("chapter-figure", ChapterFigureDirective)
    app.add_directive("edition-bibtex", EditionBibtex)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""brainalign.book.edition and the files of the edition as a publication: one repository address, a citation file that
matches the package, a build stamp that tells the commit, launch links, a publishing workflow and the licences."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml

from brainalign import __version__
from brainalign.book import build, edition

ROOT = Path(__file__).resolve().parents[2]
REPO = edition.repository(ROOT)


def test_the_repository_address_is_configured_once_and_repeated_consistently():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"]["url"] == REPO.url and config["html"]["use_repository_button"]
    assert config["html"]["use_issues_button"]
    assert REPO.url in (ROOT / "README.md").read_text()
    assert edition.citation(ROOT)["repository-code"] == REPO.url
    # the book's pages take the address from the configuration (placeholders), never typed
    for page in (ROOT / "book").glob("*.md"):
        assert REPO.url not in page.read_text(), f"{page.name} types the repository address; use {{{{ repository_url }}}}"
    assert REPO.owner_name == tuple(REPO.url.removeprefix("https://github.com/").split("/"))
    assert edition.pages_url(REPO) == f"https://{REPO.owner_name[0]}.github.io/{REPO.owner_name[1]}/"


def test_a_repository_that_is_not_on_github_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="github.com/<owner>/<name>"):
        edition.Repository("https://example.org/x").owner_name
    (tmp_path / "_toc.yml").write_text("root: index\n")
    (tmp_path / "_config.yml").write_text("title: x\n")
    with pytest.raises(KeyError, match="repository.url"):
        edition.repository(tmp_path)


def test_citation_file_describes_this_edition():
    cff = edition.citation(ROOT)
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["version"] == __version__ and cff["license"] == "MIT"
    assert cff["message"] and cff["title"] and cff["authors"]
    paper = cff["references"][0]
    assert paper["year"] == 2024 and "2312.00575" in paper["identifiers"][0]["value"]


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_build_stamp_names_the_commit_and_marks_uncommitted_changes(tmp_path):
    (tmp_path / "_toc.yml").write_text("root: index\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "_toc.yml")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x")
    when = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc)
    clean = edition.build_stamp(tmp_path, now=when)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    assert clean.commit == head and not clean.modified
    assert clean.text() == f"brainalign {__version__} · commit {head[:10]} · built 2026-01-02 03:04 UTC"
    (tmp_path / "_toc.yml").write_text("root: other\n")
    assert edition.build_stamp(tmp_path, now=when).modified
    assert "uncommitted changes" in edition.build_stamp(tmp_path, now=when).text()


def test_build_stamp_outside_git_and_with_source_date_epoch(tmp_path, monkeypatch):
    (tmp_path / "_toc.yml").write_text("root: index\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    stamp = edition.build_stamp(tmp_path)
    assert stamp.commit is None and stamp.short_commit == "unknown"
    assert stamp.date == dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def test_edition_bibtex_comes_from_the_citation_file_and_the_stamp():
    stamp = edition.BuildStamp("9.9.9", "abcdef0123456789", False, dt.datetime(2027, 5, 6, tzinfo=dt.timezone.utc))
    entry = edition.edition_bibtex(ROOT, stamp)
    cff = edition.citation(ROOT)
    assert entry.startswith("@software{brainalign_edition,") and entry.endswith("}")
    assert f"{{{cff['repository-code']}}}" in entry and "year    = {2027}" in entry
    assert "commit abcdef0123" in entry and f"version = {{{cff['version']}}}" in entry
    assert entry.count("{") == entry.count("}")


def test_launch_links():
    links = edition.launch_links("02_model_size", REPO)
    owner, name = REPO.owner_name
    assert links["Binder"] == (f"https://mybinder.org/v2/gh/{owner}/{name}/{REPO.branch}"
                               "?urlpath=lab%2Ftree%2Fnotebooks%2F02_model_size.ipynb")
    assert links["Colab"].endswith(f"/{owner}/{name}/blob/gh-pages/_sources/book/generated/02_model_size.ipynb")
    assert edition.launch_pages(ROOT)[:4] == [f"book/generated/0{i}_{n}" for i, n in
                                               enumerate(["instruction_tuning", "model_size", "world_knowledge",
                                                          "behavioral"], start=1)]


def test_launchable_chapters_get_a_hidden_install_cell():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell("1")])
    assert build.add_install_cell(nb, "02_model_size", ROOT)
    cell = nb.cells[1]
    assert cell.cell_type == "code" and cell.metadata["tags"] == ["remove-cell"]
    assert f"git+{REPO.url}@{REPO.branch}" in cell.source
    compile(cell.source, "<install cell>", "exec")
    other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    assert not build.add_install_cell(other, "05_live_chapter", ROOT) and len(other.cells) == 1


def test_binder_builds_the_chapters_as_notebooks():
    post = (ROOT / "postBuild").read_text()
    assert "jupytext --to ipynb" in post and "notebooks/0*.py" in post
    assert (ROOT / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
    assert "-e ." in (ROOT / "environment.yml").read_text()


def test_the_publishing_workflow_builds_tests_and_pushes_the_site():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text())
    on = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads the key `on` as True
    assert on["push"]["branches"] == ["main"]
    job = workflow["jobs"]["publish"]
    assert "bookworm" in job["container"]  # Debian: its chromium prints the PDF
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "python -m brainalign.book --base-url" in runs and "python -m pytest" in runs
    assert ".nojekyll" in runs and "gh-pages" in runs
    assert runs.index("brainalign.book") < runs.index("pytest") < runs.index("git push")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["sphinx"]["config"]["brainalign_pages_branch"] == "gh-pages"
    assert job["timeout-minutes"] <= 90


def test_the_licences_are_there():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "CC BY 4.0" in (ROOT / "LICENSE-text.md").read_text()
    licence = (ROOT / "book" / "license.md").read_text()
    assert "CC BY-NC-SA 4.0" in licence and "transcribed" in licence
    assert "book/license" in build.toc_pages(ROOT) and "book/install" in build.toc_pages(ROOT)


def test_methods_come_before_the_results_chapters():
    pages = build.toc_pages(ROOT)
    assert pages.index("book/methods") < pages.index("book/generated/01_instruction_tuning")

"""This edition of the book as a publication: where its repository is, which build a page comes from, how to cite it.

- :func:`repository` reads the repository's address from ``_config.yml`` (``repository.url``), the one place it is
  written; the book's buttons, launch links, install page and edition citation all come from it, and the tests check
  that ``README.md`` and ``CITATION.cff`` repeat the same address.
- :func:`build_stamp` says which build a page belongs to: the brainalign version, the git commit of the book source
  (with a mark when the working tree has uncommitted changes) and the build date (UTC; ``SOURCE_DATE_EPOCH`` is
  honoured for reproducible builds). The footer of every page shows it.
- :func:`edition_bibtex` is the BibTeX entry of this edition, from ``CITATION.cff`` and the stamp.
- :func:`launch_links` are the Binder and Colab addresses of a chapter.
"""

from __future__ import annotations

import datetime as _dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import yaml

from .._version import __version__
from .checkout import book_root

__all__ = ["Repository", "BuildStamp", "repository", "build_stamp", "citation", "edition_bibtex", "launch_links",
           "launch_pages", "pages_url"]


@dataclass(frozen=True)
class Repository:
    """The book's source repository, as configured in ``_config.yml``."""

    url: str
    branch: str = "main"

    @property
    def owner_name(self) -> tuple[str, str]:
        """``("brainalign", "brainalign")`` for a GitHub URL.

        Raises
        ------
        ValueError
            The URL is not ``https://github.com/<owner>/<name>``.
        """
        prefix = "https://github.com/"
        parts = self.url.removeprefix(prefix).strip("/").split("/")
        if not self.url.startswith(prefix) or len(parts) != 2 or not all(parts):
            raise ValueError(f"repository.url must be https://github.com/<owner>/<name>, got {self.url!r}")
        return parts[0], parts[1]

    @property
    def issues_url(self) -> str:
        return f"{self.url}/issues"

    def commit_url(self, commit: str) -> str:
        return f"{self.url}/commit/{commit}"


def _config(root: str | os.PathLike | None = None) -> dict:
    return yaml.safe_load((book_root(root) / "_config.yml").read_text()) or {}


def repository(root: str | os.PathLike | None = None) -> Repository:
    """The repository of ``_config.yml`` (``repository.url``, ``repository.branch``).

    Raises
    ------
    KeyError
        ``_config.yml`` names no repository URL.
    """
    repo = _config(root).get("repository") or {}
    if not repo.get("url"):
        raise KeyError("_config.yml has no repository.url")
    return Repository(url=str(repo["url"]).rstrip("/"), branch=str(repo.get("branch") or "main"))


def launch_pages(root: str | os.PathLike | None = None) -> list[str]:
    """The pages with Binder and Colab buttons (``sphinx.config.brainalign_launch_pages`` of ``_config.yml``)."""
    return list(((_config(root).get("sphinx") or {}).get("config") or {}).get("brainalign_launch_pages") or [])


def pages_url(repo: Repository) -> str:
    """Where GitHub Pages publishes a project repository: ``https://<owner>.github.io/<name>/``."""
    owner, name = repo.owner_name
    return f"https://{owner.lower()}.github.io/{name}/"


@dataclass(frozen=True)
class BuildStamp:
    """Which build a page comes from."""

    version: str
    commit: str | None
    modified: bool
    date: _dt.datetime

    @property
    def short_commit(self) -> str:
        return self.commit[:10] if self.commit else "unknown"

    def text(self) -> str:
        """``"brainalign 0.1.0 · commit 1c36703b2e · built 2026-12-01 10:30 UTC"``."""
        commit = self.short_commit + (" + uncommitted changes" if self.modified else "")
        return f"brainalign {self.version} · commit {commit} · built {self.date:%Y-%m-%d %H:%M} UTC"


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def build_stamp(root: str | os.PathLike | None = None, *, now: _dt.datetime | None = None) -> BuildStamp:
    """The stamp of a build of the book source at ``root``.

    Parameters
    ----------
    root : path-like, optional
        Book source (default: :func:`brainalign.book.checkout.book_root`).
    now : datetime, optional
        Build time (default: ``SOURCE_DATE_EPOCH`` when set, else the current time), in UTC.
    """
    base = book_root(root)
    commit = _git(base, "rev-parse", "HEAD")
    modified = bool(_git(base, "status", "--porcelain", "--untracked-files=no")) if commit else False
    if now is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        now = (_dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc) if epoch
               else _dt.datetime.now(_dt.timezone.utc))
    return BuildStamp(version=__version__, commit=commit, modified=modified, date=now.astimezone(_dt.timezone.utc))


def citation(root: str | os.PathLike | None = None) -> dict:
    """``CITATION.cff`` of the book source, as a dict."""
    return yaml.safe_load((book_root(root) / "CITATION.cff").read_text())


def edition_bibtex(root: str | os.PathLike | None = None, stamp: BuildStamp | None = None) -> str:
    """The BibTeX entry of this edition (``@software``), from ``CITATION.cff`` and the build stamp.

    Parameters
    ----------
    root : path-like, optional
        Book source.
    stamp : BuildStamp, optional
        Default: :func:`build_stamp`.
    """
    cff = citation(root)
    stamp = stamp or build_stamp(root)
    authors = " and ".join(a.get("name") or f"{a['family-names']}, {a['given-names']}" for a in cff["authors"])
    if any("name" in a for a in cff["authors"]):  # an entity: braces keep BibTeX from splitting the name
        authors = "{" + authors + "}"
    commit = f", commit {stamp.short_commit}" if stamp.commit else ""
    fields = {
        "title": "{" + cff["title"] + "}",
        "author": authors,
        "year": str(stamp.date.year),
        "version": str(cff["version"]),
        "url": cff["repository-code"],
        "note": f"Version {cff['version']}{commit}, built {stamp.date:%Y-%m-%d}",
    }
    body = ",\n".join(f"  {key:<8}= {{{value}}}" for key, value in fields.items())
    return "@software{brainalign_edition,\n" + body + "\n}"


def launch_links(notebook: str, repo: Repository, *, pages_branch: str = "gh-pages") -> dict[str, str]:
    """Binder and Colab addresses of a chapter.

    Parameters
    ----------
    notebook : str
        Notebook name (``"02_model_size"``).
    repo : Repository
    pages_branch : str
        Branch holding the published site, whose ``_sources/book/generated/<name>.ipynb`` is the executed notebook.

    Returns
    -------
    dict
        ``{"Binder": ..., "Colab": ...}``. Binder builds the repository's ``environment.yml`` and runs ``postBuild``,
        which writes ``notebooks/<name>.ipynb`` from the jupytext source; Colab opens the executed notebook of the
        published site, whose first cell installs brainalign when it is missing.
    """
    owner, name = repo.owner_name
    binder_path = quote(f"lab/tree/notebooks/{notebook}.ipynb", safe="")
    return {
        "Binder": f"https://mybinder.org/v2/gh/{owner}/{name}/{repo.branch}?urlpath={binder_path}",
        "Colab": (f"https://colab.research.google.com/github/{owner}/{name}/blob/{pages_branch}/"
                  f"_sources/book/generated/{notebook}.ipynb"),
    }

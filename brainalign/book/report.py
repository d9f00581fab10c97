"""``brainalign report``: the book, recomputed on fresh scores.

:func:`build_report` merges the scores of a results directory with the paper's table (fresh rows keep
``source == "brainalign"``, which every figure and table of the section notebooks marks), writes the merged table,
reruns the section notebooks with papermill with ``scores=<merged file>`` (through :mod:`brainalign.book.build`),
and builds the HTML book into ``BOOKDIR/_build/html``.

The book source (``_config.yml``, ``_toc.yml``, ``book/``) is copied into ``BOOKDIR`` so that the project's own
``book/generated`` pages are never overwritten. Section notebooks are the notebooks of the table of contents whose
``parameters`` cell defines ``scores``; the other generated pages are copied from the project when they were built
there already, and executed with their defaults otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import pandas as pd

from .. import load_scores
from ..atomic import atomic_write_text
from ..scores.store import read_results
from ..scores.table import merge_scores
from . import build
from .checkout import book_root

#: The file the merged table is written to, inside BOOKDIR.
MERGED_SCORES = "scores/merged_scores.csv"
GENERATED = "book/generated"
_SCORES_PARAM = re.compile(r"^\s*scores\s*(?::[^=]*)?=", re.MULTILINE)


class ReportError(ValueError):
    """The report cannot be built from what was given (no scores, no book source, unknown notebook)."""


@dataclass
class Report:
    """What :func:`build_report` produced.

    Attributes
    ----------
    root : pathlib.Path
        BOOKDIR (a copy of the book source with the regenerated pages).
    scores_file : pathlib.Path
        The merged scores table (scores format; fresh rows have ``source == "brainalign"``).
    notebooks : list of pathlib.Path
        Executed notebooks (``BOOKDIR/book/generated/<name>.ipynb``).
    html_dir : pathlib.Path or None
        ``BOOKDIR/_build/html`` (None with ``html=False``).
    n_fresh : int
        Number of fresh rows in the merged table.
    """

    root: Path
    scores_file: Path
    notebooks: list[Path] = field(default_factory=list)
    html_dir: Path | None = None
    n_fresh: int = 0


def generated_notebooks(root: str | os.PathLike) -> list[str]:
    """Names of the notebooks the book executes (``_toc.yml`` entries under ``book/generated/``), in order."""
    if not (Path(root) / "_toc.yml").is_file():
        raise ReportError(f"no _toc.yml in {root}: `brainalign report` needs the book source (a brainalign checkout)")
    return build.toc_notebooks(root)


def takes_scores(root: str | os.PathLike, name: str) -> bool:
    """True when ``notebooks/<name>.py`` has a ``parameters`` cell that defines ``scores``."""
    src = Path(root) / "notebooks" / f"{name}.py"
    if not src.is_file():
        return False
    nb = jupytext.read(src)
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []) and _SCORES_PARAM.search(cell.source):
            return True
    return False


def merged_scores(results_dir: str | os.PathLike, base: str | os.PathLike | pd.DataFrame = "paper") -> pd.DataFrame:
    """The paper's table (or ``base``) with the fresh scores of ``results_dir`` added or overriding.

    Raises
    ------
    ReportError
        The directory holds no scores.
    """
    if not Path(results_dir).is_dir():
        raise ReportError(f"results directory {str(results_dir)!r} does not exist")
    fresh = read_results(results_dir)
    if fresh.empty:
        raise ReportError(f"no scores in {results_dir}: run `brainalign score ... --out {results_dir}` first")
    return merge_scores(load_scores(base), fresh)


def build_report(results_dir: str | os.PathLike, out: str | os.PathLike = "brainalign-report", *,
                 notebooks: Sequence[str] | None = None, html: bool = True, source: str | os.PathLike | None = None,
                 base: str | os.PathLike | pd.DataFrame = "paper") -> Report:
    """Merge fresh scores with the paper's, rerun the section notebooks on them, rebuild the book.

    Parameters
    ----------
    results_dir : path-like
        Results directory of ``brainalign score`` / ``sweep``.
    out : path-like
        BOOKDIR: receives a copy of the book source, ``scores/merged_scores.csv``, the executed notebooks and
        ``_build/html``.
    notebooks : sequence of str, optional
        Section notebooks to rerun (default: every notebook of the table of contents that takes ``scores``).
    html : bool
        Build the HTML book (needs every page of the table of contents; missing pages are executed with defaults).
    source : path-like, optional
        Book source (default: :func:`brainalign.book.checkout.book_root`).
    base : "paper" or path-like or DataFrame
        Table the fresh scores are merged into.

    Returns
    -------
    Report
    """
    try:
        src = book_root(source)
    except FileNotFoundError as exc:
        raise ReportError(str(exc)) from None
    merged = merged_scores(results_dir, base)
    root = Path(out).resolve()
    all_names = generated_notebooks(src)
    section = [n for n in all_names if takes_scores(src, n)]
    if notebooks is not None:
        unknown = [n for n in notebooks if n not in all_names]
        if unknown:
            raise ReportError(f"unknown notebook(s) {unknown}; the book's notebooks are {all_names}")
        section = list(notebooks)
    if not section:
        raise ReportError(f"no notebook of {src / '_toc.yml'} takes a `scores` parameter")

    _copy_book_source(src, root)
    scores_file = root / MERGED_SCORES
    atomic_write_text(scores_file, merged.to_csv(index=False))

    out_dir = root / GENERATED
    executed = [Path(build.execute_notebook(name, out_dir=out_dir, parameters={"scores": str(scores_file)},
                                                    root=src))
                for name in section]
    html_dir = None
    if html:
        for name in all_names:
            if name in section:
                continue
            built = src / GENERATED / f"{name}.ipynb"
            if built.is_file():
                shutil.copy2(built, out_dir / built.name)
            else:
                build.execute_notebook(name, out_dir=out_dir, root=src)
        build.build_html(root)
        html_dir = root / "_build" / "html"
    return Report(root=root, scores_file=scores_file, notebooks=executed, html_dir=html_dir,
                  n_fresh=int((merged["source"] != "paper").sum()))


def _copy_book_source(src: Path, root: Path) -> None:
    """Copy the book's configuration, the files its pages read (``CITATION.cff``, the licences) and ``book/`` (without
    generated pages or builds) into ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    if src.resolve() == root.resolve():
        raise ReportError("--out must differ from the project folder (the report never overwrites the book)")
    for name in ("_config.yml", "_toc.yml", "CITATION.cff", "LICENSE", "LICENSE-text.md"):
        if (src / name).is_file():
            shutil.copy2(src / name, root / name)
    if (src / "book").is_dir():
        shutil.copytree(src / "book", root / "book", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("generated", "_build", ".ipynb_checkpoints"))
    (root / GENERATED).mkdir(parents=True, exist_ok=True)

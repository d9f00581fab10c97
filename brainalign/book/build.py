"""Build the book: execute the notebooks with papermill, then render them with Jupyter Book without re-execution.

``python -m brainalign.book`` (what ``make book`` runs):

1. reads ``_toc.yml`` and collects every entry ``book/generated/<name>``;
2. converts ``notebooks/<name>.py`` (jupytext percent format) to a notebook and executes it with papermill (kernel
   ``python3``, working directory = repository root, papermill parameters from ``-p key value``), writing
   ``book/generated/<name>.ipynb``; a notebook that raises stops the build with a non-zero exit status;
3. runs ``jupyter-book build .`` (``_config.yml`` sets ``execute_notebooks: "off"``, so the executed notebooks are
   rendered as they are) into ``_build/html``;
4. prints the whole book to ``_build/html/brainalign-book.pdf`` (:func:`brainalign.book.pdf.build_pdf`; skipped with
   ``--no-pdf`` or ``--only``; ``--pdf-only`` builds only the PDF, ``make pdf``).

Timings of every step are printed. The same steps are available from Python: :func:`execute_notebook`,
:func:`execute_notebooks`, :func:`build_html`, :func:`brainalign.book.pdf.build_pdf`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jupytext
import nbformat
import papermill as pm
import yaml
from sphinx_external_toc.parsing import parse_toc_yaml

from . import edition
from .checkout import book_root, use_shared_data
from .jupyter_book import run_jupyter_book
from .pdf import PDF_NAME, build_pdf

GENERATED = "book/generated"


class NotebookExecutionError(RuntimeError):
    """A notebook raised while papermill executed it."""


def toc_pages(root: str | os.PathLike | None = None) -> list[str]:
    """Every page of ``_toc.yml`` (the root first), as paths relative to the book root without suffix, in order.

    Read with ``sphinx_external_toc`` (the parser Jupyter Book uses).
    """
    site_map = parse_toc_yaml(book_root(root) / "_toc.yml")
    pages: list[str] = []

    def walk(docname: str) -> None:
        pages.append(docname)
        for tree in site_map[docname].subtrees:
            for item in tree.items:
                if isinstance(item, str):
                    walk(item)

    walk(site_map.root.docname)
    return list(dict.fromkeys(pages))


def toc_notebooks(root: str | os.PathLike | None = None) -> list[str]:
    """Names of the notebooks the table of contents lists as ``book/generated/<name>``, in order."""
    return [page.split("/")[-1] for page in toc_pages(root) if page.startswith(GENERATED + "/")]


def _absolute_parameters(parameters: Mapping[str, Any] | None, base: Path) -> dict[str, Any]:
    """Turn relative paths among the parameter values into absolute ones (the kernel runs in the repo root)."""
    out: dict[str, Any] = {}
    for key, value in (parameters or {}).items():
        if isinstance(value, (str, os.PathLike)) and str(value) not in ("", "paper"):
            candidate = Path(value)
            if not candidate.is_absolute() and (base / candidate).exists():
                value = str((base / candidate).resolve())
        out[key] = value
    return out


def _parse_value(text: str) -> Any:
    """Parse a ``-p`` value as YAML (numbers, booleans, lists), falling back to the raw string."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return text if value is None else value


def execute_notebook(name: str, out_dir: str | os.PathLike | None = None,
                     parameters: Mapping[str, Any] | None = None, *, root: str | os.PathLike | None = None,
                     kernel_name: str = "python3", timeout: int = 1800, quiet: bool = False) -> Path:
    """Execute ``notebooks/<name>.py`` with papermill and write ``<out_dir>/<name>.ipynb``.

    Parameters
    ----------
    name : str
        Notebook name (``"01_instruction_tuning"``), a path to a ``.py``/``.ipynb`` source also works.
    out_dir : path-like, optional
        Output directory (default: ``<root>/book/generated``); created if needed.
    parameters : mapping, optional
        papermill parameters; relative paths (to the current directory) are made absolute.
    root : path-like, optional
        Book source (default: :func:`brainalign.book.checkout.book_root`).
    kernel_name : str
        Jupyter kernel.
    timeout : int
        Per-cell timeout in seconds.
    quiet : bool
        Do not print the timing line.

    Returns
    -------
    pathlib.Path
        The executed notebook. It carries ``mystnb.execution_mode = "off"`` so Jupyter Book never re-executes it.

    Raises
    ------
    FileNotFoundError
        No such notebook source.
    NotebookExecutionError
        A cell raised (the partially executed notebook is still written, for inspection).
    """
    base = book_root(root)
    src = Path(name)
    if src.suffix not in (".py", ".ipynb"):
        src = base / "notebooks" / f"{name}.py"
    if not src.exists():
        available = sorted(p.stem for p in (base / "notebooks").glob("*.py"))
        raise FileNotFoundError(f"no notebook source {src}; available: {available}")
    out = Path(out_dir) if out_dir is not None else base / GENERATED
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{src.stem}.ipynb"
    nb = jupytext.read(src)
    nb.metadata.setdefault("kernelspec", {"name": kernel_name, "display_name": "Python 3", "language": "python"})
    nb.metadata["mystnb"] = {"execution_mode": "off"}
    add_install_cell(nb, src.stem, base)
    params = _absolute_parameters(parameters, Path.cwd())
    use_shared_data(base)
    start = time.perf_counter()
    env_backup = os.environ.get("MPLBACKEND")
    # The kernel inherits the environment: an Agg backend (set by the Makefile for scripts) would swallow every
    # figure; the inline backend stores them as PNG outputs.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    try:
        pm.execute_notebook(nb, str(target), parameters=params, kernel_name=kernel_name, cwd=str(base),
                            progress_bar=False, log_output=False, execution_timeout=timeout,
                            report_mode=False)
    except pm.PapermillExecutionError as exc:
        raise NotebookExecutionError(f"notebook {src.name} failed in cell {exc.exec_count}: {exc.ename}: "
                                     f"{exc.evalue} (partial output: {target})") from exc
    finally:
        if env_backup is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = env_backup
    if not quiet:
        print(f"[bookbuild] executed {src.name:<28} {time.perf_counter() - start:6.1f} s -> {target}", flush=True)
    return target


def execute_notebooks(names: Iterable[str] | None = None, parameters: Mapping[str, Any] | None = None,
                      out_dir: str | os.PathLike | None = None, *, root: str | os.PathLike | None = None
                      ) -> dict[str, float]:
    """Execute several notebooks (default: every ``book/generated/*`` entry of ``_toc.yml``).

    Parameters
    ----------
    names : iterable of str, optional
        Notebook names.
    parameters : mapping, optional
        papermill parameters for every notebook (papermill only warns about parameters a notebook does not
        declare).
    out_dir, root
        See :func:`execute_notebook`.

    Returns
    -------
    dict
        Seconds per notebook.
    """
    names = list(names) if names is not None else toc_notebooks(root)
    timings: dict[str, float] = {}
    for name in names:
        start = time.perf_counter()
        execute_notebook(name, out_dir=out_dir, parameters=parameters, root=root)
        timings[name] = time.perf_counter() - start
    return timings


def add_install_cell(nb: Any, name: str, root: str | os.PathLike | None = None) -> bool:
    """Give a launchable chapter (``_config.yml``'s ``brainalign_launch_pages``) a first code cell that installs
    brainalign from the repository where it is missing (Colab); hidden in the book (tag ``remove-cell``).

    Returns
    -------
    bool
        Whether a cell was added.
    """
    if f"{GENERATED}/{name}" not in edition.launch_pages(root):
        return False
    repo = edition.repository(root)
    source = "\n".join([
        "# Colab and other hosted notebooks: install brainalign (with its pinned dependencies) where it is missing.",
        "import importlib.util, subprocess, sys",
        'if importlib.util.find_spec("brainalign") is None:',
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--ignore-requires-python",',
        f'                    "brainalign[book] @ git+{repo.url}@{repo.branch}"], check=True)',
    ])
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell"]})
    position = 1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0  # after the title
    nb.cells.insert(position, cell)
    return True


def build_html(root: str | os.PathLike | None = None, *, extra_args: Iterable[str] = (), base_url: str | None = None,
               output: str | os.PathLike | None = None) -> Path:
    """Run ``jupyter-book build`` on the repository root and return ``<output>/_build/html/index.html``.

    Parameters
    ----------
    root : path-like, optional
        Book source.
    extra_args : iterable of str
        More ``jupyter-book build`` arguments.
    base_url : str, optional
        The address the site will be published at (``https://<owner>.github.io/<name>/``): canonical links point there
        (``$BRAINALIGN_BOOK_BASE_URL`` for the Sphinx build). Links inside the site are relative, so the same HTML
        works under any sub-path.
    output : path-like, optional
        Folder that receives ``_build`` (default: the book source).

    Raises
    ------
    RuntimeError
        The build failed (its output is printed).
    """
    base = book_root(root)
    out = Path(output) if output is not None else base
    start = time.perf_counter()
    proc = run_jupyter_book(base, "--path-output", str(out), *extra_args, base_url=base_url)
    print(proc.stdout[-4000:], end="")
    if proc.returncode != 0:
        print(proc.stderr[-8000:], file=sys.stderr)
        raise RuntimeError(f"jupyter-book build failed with exit status {proc.returncode}")
    index = out / "_build" / "html" / "index.html"
    if not index.exists():
        raise RuntimeError(f"jupyter-book finished but {index} is missing")
    print(f"[bookbuild] jupyter-book build {time.perf_counter() - start:6.1f} s -> {index}", flush=True)
    return index


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m brainalign.book [--only NAME] [-p KEY VALUE] [--no-html] [--no-pdf] [--pdf-only]
    [--base-url URL]``."""
    parser = argparse.ArgumentParser(prog="python -m brainalign.book", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="execute only this notebook (repeatable; no PDF then); default: every notebook in "
                             "_toc.yml")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("KEY", "VALUE"), default=[],
                        help="papermill parameter for the notebooks, e.g. -p scores results/my_scores.csv")
    parser.add_argument("--no-html", action="store_true", help="execute the notebooks but skip jupyter-book")
    parser.add_argument("--no-execute", action="store_true", help="only run jupyter-book on existing outputs")
    parser.add_argument("--no-pdf", action="store_true", help=f"skip the whole-book PDF (_build/html/{PDF_NAME})")
    parser.add_argument("--pdf-only", action="store_true",
                        help="only build the PDF, from the notebooks and HTML of the last build (`make pdf`)")
    parser.add_argument("--base-url", default=None, metavar="URL",
                        help="address the site will be published at (canonical links), e.g. "
                             "https://brainalign.github.io/brainalign/")
    parser.add_argument("--root", default=None, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    parameters = {k: _parse_value(v) for k, v in args.parameter}
    total = time.perf_counter()
    try:
        if not (args.no_execute or args.pdf_only):
            names = args.only or toc_notebooks(args.root)
            print(f"[bookbuild] executing {len(names)} notebook(s): {', '.join(names)}", flush=True)
            timings = execute_notebooks(names, parameters=parameters, root=args.root)
            print(f"[bookbuild] notebooks: {sum(timings.values()):.1f} s in total", flush=True)
        if not (args.no_html or args.pdf_only):
            build_html(args.root, base_url=args.base_url)
        if args.pdf_only or not (args.no_html or args.no_pdf or args.only):
            build_pdf(args.root)
    except (NotebookExecutionError, FileNotFoundError, RuntimeError) as exc:  # BookSourceError is a FileNotFoundError
        print(f"[bookbuild] ERROR: {exc}", file=sys.stderr)
        return 1
    print(f"[bookbuild] done in {time.perf_counter() - total:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build the book: execute the notebooks with papermill, then render them with Jupyter Book without re-execution.

``python -m brainalign.book`` (what ``make book`` runs):

1. reads ``_toc.yml`` and collects every entry ``book/generated/<name>``;
2. converts ``notebooks/<name>.py`` (jupytext percent format) to a notebook and executes it with papermill (kernel
   ``python3``, working directory = repository root, papermill parameters from ``-p key value``), writing
   ``book/generated/<name>.ipynb``; a notebook that raises stops the build with a non-zero exit status;
3. runs ``jupyter-book build .`` (``_config.yml`` sets ``execute_notebooks: "off"``, so the executed notebooks are
   rendered as they are) into ``_build/html``.

Timings of every step are printed. The same steps are available from Python: :func:`execute_notebook`,
:func:`execute_notebooks`, :func:`build_html`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jupytext
import papermill as pm
import yaml
from sphinx_external_toc.parsing import parse_toc_yaml

from .checkout import book_root, use_shared_data
from .lab import editions

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


def build_html(root: str | os.PathLike | None = None, *, extra_args: Iterable[str] = ()) -> Path:
    """Run ``jupyter-book build`` on the repository root and return ``_build/html/index.html``.

    Raises
    ------
    RuntimeError
        The build failed (its output is printed).
    """
    base = book_root(root)
    exe = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "jupyter_book.cli.main"]
    cmd += ["build", str(base), "--path-output", str(base), *extra_args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=base, text=True, capture_output=True)
    print(proc.stdout[-4000:], end="")
    if proc.returncode != 0:
        print(proc.stderr[-8000:], file=sys.stderr)
        raise RuntimeError(f"jupyter-book build failed with exit status {proc.returncode}")
    index = base / "_build" / "html" / "index.html"
    if not index.exists():
        raise RuntimeError(f"jupyter-book finished but {index} is missing")
    print(f"[bookbuild] jupyter-book build {time.perf_counter() - start:6.1f} s -> {index}", flush=True)
    return index


def write_lab_editions(root: str | os.PathLike | None = None) -> list[Path]:
    """Write the student and teacher editions of every notebook with exercises into ``book/generated/lab`` (the
    tutorial page links them as downloads; see :mod:`brainalign.book.lab.editions`).

    Raises
    ------
    RuntimeError
        A notebook's exercises cannot make a runnable edition.
    """
    start = time.perf_counter()
    try:
        written = editions.write_editions(root)
    except editions.EditionError as exc:
        raise RuntimeError(f"lab editions: {exc}") from exc
    print(f"[bookbuild] lab editions {time.perf_counter() - start:6.1f} s -> {len(written)} files in "
          f"{editions.OUT_DIR.as_posix()}", flush=True)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m brainalign.book [--only NAME] [-p KEY VALUE] [--no-html]``."""
    parser = argparse.ArgumentParser(prog="python -m brainalign.book", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="execute only this notebook (repeatable); default: every notebook in _toc.yml")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("KEY", "VALUE"), default=[],
                        help="papermill parameter for the notebooks, e.g. -p scores results/my_scores.csv")
    parser.add_argument("--no-html", action="store_true", help="execute the notebooks but skip jupyter-book")
    parser.add_argument("--no-execute", action="store_true", help="only run jupyter-book on existing outputs")
    parser.add_argument("--root", default=None, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    parameters = {k: _parse_value(v) for k, v in args.parameter}
    total = time.perf_counter()
    try:
        if not args.no_execute:
            names = args.only or toc_notebooks(args.root)
            print(f"[bookbuild] executing {len(names)} notebook(s): {', '.join(names)}", flush=True)
            timings = execute_notebooks(names, parameters=parameters, root=args.root)
            print(f"[bookbuild] notebooks: {sum(timings.values()):.1f} s in total", flush=True)
        if not args.no_html:
            write_lab_editions(args.root)
            build_html(args.root)
    except (NotebookExecutionError, FileNotFoundError, RuntimeError) as exc:  # BookSourceError is a FileNotFoundError
        print(f"[bookbuild] ERROR: {exc}", file=sys.stderr)
        return 1
    print(f"[bookbuild] done in {time.perf_counter() - total:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

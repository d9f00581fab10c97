"""The student and teacher editions of a notebook with exercises, made from its jupytext source.

The source (``notebooks/06_tutorial.py``) is the book page: it holds every exercise twice, as a starting cell with
``...`` placeholders (tag ``exercise``, removed from the page) and as its solution (tag ``solution``, collapsed on the
page), followed by a check cell (tag ``check``). Markdown cells tagged ``instructor`` hold instructor notes; cells
tagged ``book-only`` (glue, download links) exist for the page alone. The editions are plain notebooks for Jupyter,
VS Code or Colab:

========================  ==========================================================================================
edition                   cells
========================  ==========================================================================================
student                   everything but the solutions, the instructor notes and the book-only cells
teacher                   everything but the starting cells and the book-only cells (solutions in their place)
========================  ==========================================================================================

Both start with a setup cell that, in Colab only, clones the repository (``repository.url`` of ``_config.yml``) and
runs :mod:`brainalign.book.lab.install`. MyST markup that Jupyter does not render is rewritten: admonitions become
block quotes, dropdown admonitions (prediction answers, instructor notes) become ``<details>`` elements, ``{doc}``
roles their text, and the glue keys of :func:`lab_links` their markdown. Anything else MyST-specific is an
:class:`EditionError`, so an edition never shows raw markup.

:func:`exercises` checks the pairing that keeps the student edition runnable: every solution directly follows its
starting cell, every name the solution defines is also defined by the starting cell, and a check cell follows. So no
later cell can hit a ``NameError`` in the student edition, and every check reports "Not yet" until it is solved.

``python -m brainalign.book.lab.editions`` writes the editions of every notebook (``notebooks/*.py``) with exercises
into ``book/generated/lab/`` (the book build does this before rendering, for the page's download links) and, with
``--colab``, refreshes the committed copy the Colab link opens (``notebooks/lab/<name>_student.ipynb``).
"""

from __future__ import annotations

import argparse
import copy
import re
import symtable
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import jupytext
import nbformat
import yaml

from ..checkout import book_root

STUDENT, TEACHER = "student", "teacher"
EDITIONS = (STUDENT, TEACHER)
TAG_EXERCISE, TAG_SOLUTION, TAG_CHECK = "exercise", "solution", "check"
TAG_INSTRUCTOR, TAG_BOOK_ONLY = "instructor", "book-only"
#: Tags that only steer the book page (myst-nb); dropped from the editions.
PAGE_TAGS = frozenset({"remove-cell", "remove-input", "remove-output", "hide-cell", "hide-input", "hide-output"})
#: Where the book build writes the editions (relative to the book root): the page links them from there.
OUT_DIR = Path("book") / "generated" / "lab"
#: Where the committed copies of the student editions live (what the Colab link opens).
COLAB_DIR = Path("notebooks") / "lab"
#: The notebook the Colab link of :func:`lab_links` opens.
LAB_NOTEBOOK = "06_tutorial"
#: The clone's folder in the Colab runtime, and the install script in it.
COLAB_CLONE = "brainalign-lab"
INSTALL_SCRIPT = "brainalign/book/lab/install.py"

SETUP_CELL = '''# Setup: in Google Colab only, fetch brainalign and install the lab's pins (a few minutes, once).
import os, subprocess, sys
REPOSITORY, BRANCH, CLONE = {url!r}, {branch!r}, os.path.abspath({clone!r})
if "google.colab" in sys.modules and not os.path.isdir(CLONE):
    subprocess.run(["git", "clone", "-q", "--depth", "1", "-b", BRANCH, REPOSITORY, CLONE], check=True)
    subprocess.run([sys.executable, os.path.join(CLONE, {install!r})], check=True)
    if "numpy" in sys.modules:  # loaded before the install: a restart picks up the pinned versions
        print("Packages were replaced: choose Runtime > Restart session, then run all cells again.")
if os.path.isdir(CLONE):
    sys.path.insert(0, CLONE)'''

__all__ = ["EDITIONS", "STUDENT", "TEACHER", "EditionError", "Exercise", "build_edition", "colab_url", "exercises",
           "inject_solutions", "lab_links", "read_source", "repository", "write_editions"]


class EditionError(ValueError):
    """The source notebook cannot make a clean, runnable edition (see the message)."""


@dataclass(frozen=True)
class Exercise:
    """One exercise of a source notebook: the positions of its cells and the names its solution defines."""

    number: int
    starter: int
    solution: int
    check: int
    names: tuple[str, ...]


# ----------------------------------------------------------------------------------------------------------------------
# Configuration: the repository and the links built from it
# ----------------------------------------------------------------------------------------------------------------------
def repository(root: str | Path | None = None) -> tuple[str, str]:
    """``(url, branch)`` of the book's repository: ``repository.url`` and ``repository.branch`` (default ``main``)
    of ``_config.yml``.

    Raises
    ------
    EditionError
        ``_config.yml`` has no ``repository.url``.
    """
    config = yaml.safe_load((book_root(root) / "_config.yml").read_text()) or {}
    repo = config.get("repository") or {}
    if not repo.get("url"):
        raise EditionError("_config.yml has no repository.url: the editions and the Colab link need it")
    return str(repo["url"]).rstrip("/"), str(repo.get("branch") or "main")


def colab_url(root: str | Path | None = None, name: str = LAB_NOTEBOOK) -> str:
    """The Colab address of the committed student edition of ``name`` (``COLAB_DIR``) on the repository's branch.

    Raises
    ------
    EditionError
        The repository is not on GitHub (Colab opens notebooks from GitHub).
    """
    url, branch = repository(root)
    parsed = urlparse(url)
    if parsed.netloc != "github.com" or len(parsed.path.strip("/").split("/")) != 2:
        raise EditionError(f"repository.url {url!r} is not a github.com/<owner>/<name> address; Colab cannot open it")
    path = (COLAB_DIR / f"{name}_{STUDENT}.ipynb").as_posix()
    return f"https://colab.research.google.com/github{parsed.path.rstrip('/')}/blob/{branch}/{path}"


def lab_links(root: str | Path | None = None) -> dict[str, str]:
    """Markdown of the links the lab's text uses, by glue key (the page glues them, the editions substitute them)."""
    url, _ = repository(root)
    return {"tut_repository_link": f"[{url}]({url})",
            "tut_colab_link": f"[open the student edition in Google Colab]({colab_url(root)})"}


# ----------------------------------------------------------------------------------------------------------------------
# The source and its exercises
# ----------------------------------------------------------------------------------------------------------------------
def read_source(name: str = LAB_NOTEBOOK, root: str | Path | None = None) -> nbformat.NotebookNode:
    """The jupytext source ``notebooks/<name>.py`` as a notebook (no outputs)."""
    return jupytext.read(book_root(root) / "notebooks" / f"{name}.py")


def _tags(cell: Mapping) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _bound_names(source: str) -> set[str]:
    """Names a cell binds at its top level (assignments, definitions, imports, loop targets)."""
    table = symtable.symtable(source, "<cell>", "exec")
    return {sym.get_name() for sym in table.get_symbols() if sym.is_assigned() or sym.is_imported()
            or sym.is_namespace()}


def _used_globals(source: str) -> set[str]:
    """Global names a cell reads, at its top level or inside the functions it defines (scope-aware)."""
    used: set[str] = set()

    def walk(table: symtable.SymbolTable, top: bool) -> None:
        for sym in table.get_symbols():
            if sym.is_referenced() and (top or sym.is_global()):
                used.add(sym.get_name())
        for child in table.get_children():
            walk(child, False)

    walk(symtable.symtable(source, "<cell>", "exec"), True)
    return used


def _code(cell: Mapping) -> str:
    """A code cell's source as Python (IPython magics and shell escapes blanked)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines())


def exercises(nb: nbformat.NotebookNode) -> list[Exercise]:
    """The exercises of a source notebook, checked for the pairing that keeps the student edition runnable.

    Raises
    ------
    EditionError
        A solution that does not directly follow a starting cell, a starting cell without placeholder or without
        solution, no check cell after a solution, or a name that only a solution defines and a later cell of the
        student edition reads (that cell would raise NameError there).
    """
    cells = nb.cells
    found: list[Exercise] = []
    for i, cell in enumerate(cells):
        tags = _tags(cell)
        if TAG_EXERCISE in tags:
            if i + 1 >= len(cells) or TAG_SOLUTION not in _tags(cells[i + 1]):
                raise EditionError(f"cell {i} (exercise) is not directly followed by a solution cell")
            if "..." not in cell.source:
                raise EditionError(f"cell {i} (exercise) has no `...` placeholder for the student to replace")
        if TAG_SOLUTION not in tags:
            continue
        if i == 0 or TAG_EXERCISE not in _tags(cells[i - 1]):
            raise EditionError(f"cell {i} (solution) does not directly follow its exercise cell")
        check = next((k for k in range(i + 1, len(cells)) if cells[k].cell_type == "code"), None)
        if check is None or TAG_CHECK not in _tags(cells[check]):
            raise EditionError(f"the solution in cell {i} is not followed by a check cell (tag {TAG_CHECK!r})")
        only_here = _bound_names(_code(cell)) - _bound_names(_code(cells[i - 1]))
        for k in range(i + 1, len(cells)):
            later = cells[k]
            if later.cell_type != "code" or {TAG_SOLUTION, TAG_BOOK_ONLY} & set(_tags(later)):
                continue
            needed = only_here & (_used_globals(_code(later)) - _bound_names(_code(later)))
            if needed:
                raise EditionError(f"cell {k} reads {sorted(needed)}, which only the solution in cell {i} defines: "
                                   "in the student edition it would raise NameError")
            only_here -= _bound_names(_code(later))
        found.append(Exercise(len(found) + 1, i - 1, i, check, tuple(sorted(_bound_names(_code(cell))))))
    return found


# ----------------------------------------------------------------------------------------------------------------------
# MyST -> Jupyter markdown
# ----------------------------------------------------------------------------------------------------------------------
_DIRECTIVE = re.compile(r"^(`{3,}|:{3,})\{([\w-]+)\}\s*(.*)$")
_ROLE = re.compile(r"\{([a-z][\w:-]*)\}`([^`]*)`")
_ADMONITIONS = {"admonition", "note", "warning", "tip", "important", "caution", "attention", "hint", "seealso"}


def _role(match: re.Match, links: Mapping[str, str]) -> str:
    role, text = match[1], match[2]
    if role == "doc":
        return re.sub(r"\s*<[^>]*>$", "", text)
    if role in ("glue", "glue:md", "glue:text") and text.split(":")[0] in links:
        return links[text.split(":")[0]]
    raise EditionError(f"the MyST role {{{role}}}`{text}` has no plain-markdown form: keep it in a book-only cell")


def myst_to_markdown(text: str, links: Mapping[str, str]) -> str:
    """Markdown for Jupyter from the MyST of a book page: admonitions, dropdowns, ``{doc}`` and the link glue keys.

    Raises
    ------
    EditionError
        Markup without a plain-markdown form (another directive or role).
    """
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _DIRECTIVE.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        fence, name, title = match.groups()
        if name not in _ADMONITIONS:
            raise EditionError(f"the MyST directive {{{name}}} has no plain-markdown form")
        i += 1
        classes: list[str] = []
        while i < len(lines) and lines[i].startswith(":") and not lines[i].startswith(fence):
            key, _, value = lines[i][1:].partition(":")
            classes += value.split() if key.strip() == "class" else []
            i += 1
        body: list[str] = []
        while i < len(lines) and lines[i].strip() != fence:
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        title = title.strip() or name.capitalize()
        if "dropdown" in classes:
            out += [f"<details><summary><b>{title}</b></summary>", "", *body, "", "</details>"]
        else:
            out += [f"> **{title}**", ">", *[f"> {line}".rstrip() for line in body]]
    return _ROLE.sub(lambda m: _role(m, links), "\n".join(out))


# ----------------------------------------------------------------------------------------------------------------------
# Editions
# ----------------------------------------------------------------------------------------------------------------------
def _clean(cell: nbformat.NotebookNode, exercise: int | None) -> nbformat.NotebookNode:
    cell = copy.deepcopy(cell)
    meta = {k: v for k, v in cell.metadata.items() if k not in ("mystnb", "tags")}
    tags = [t for t in _tags(cell) if t not in PAGE_TAGS]
    if tags:
        meta["tags"] = tags
    if exercise is not None:
        meta["brainalign"] = {"exercise": exercise}
    cell.metadata = meta
    return cell


def build_edition(nb: nbformat.NotebookNode, edition: str, root: str | Path | None = None) -> nbformat.NotebookNode:
    """The ``"student"`` or ``"teacher"`` edition of a source notebook (see the module docstring).

    Parameters
    ----------
    nb : NotebookNode
        The source, from :func:`read_source`.
    edition : {"student", "teacher"}
    root : path-like, optional
        Book root (for ``_config.yml``).

    Returns
    -------
    NotebookNode
        nbformat 4.5, no outputs, cell ids ``cell-1``, ``cell-2``, ...; exercise and solution cells carry
        ``metadata.brainalign.exercise`` (their number), which :func:`inject_solutions` matches on.
    """
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}, got {edition!r}")
    links = lab_links(root)
    url, branch = repository(root)
    number = {}
    for ex in exercises(nb):
        number[ex.starter] = number[ex.solution] = ex.number
    drop = {TAG_BOOK_ONLY} | ({TAG_SOLUTION, TAG_INSTRUCTOR} if edition == STUDENT else {TAG_EXERCISE})
    cells = []
    for i, cell in enumerate(nb.cells):
        if drop & set(_tags(cell)):
            continue
        cell = _clean(cell, number.get(i))
        if cell.cell_type == "markdown":
            cell.source = myst_to_markdown(cell.source, links)
        if cell.cell_type == "code" and "parameters" in _tags(cell):
            setup = SETUP_CELL.format(url=url, branch=branch, clone=COLAB_CLONE, install=INSTALL_SCRIPT)
            cells.append(nbformat.v4.new_code_cell(setup, metadata={"tags": ["colab-setup"]}))
        cells.append(cell)
    out = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "brainalign": {"edition": edition}})
    for k, cell in enumerate(out.cells, start=1):
        cell.id = f"cell-{k}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.validate(out)
    return out


def inject_solutions(student: nbformat.NotebookNode, source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student edition with every exercise cell replaced by its solution from the source (as a student who
    solved everything would have it)."""
    solutions = {ex.number: source.cells[ex.solution].source for ex in exercises(source)}
    out = copy.deepcopy(student)
    seen = set()
    for cell in out.cells:
        number = cell.get("metadata", {}).get("brainalign", {}).get("exercise")
        if number is not None and TAG_EXERCISE in _tags(cell):
            cell.source = solutions[number]
            seen.add(number)
    if seen != set(solutions):
        raise EditionError(f"the student edition lacks exercises {sorted(set(solutions) - seen)}")
    return out


def edition_names(root: str | Path | None = None) -> list[str]:
    """The notebooks (``notebooks/*.py``) that have exercises, in name order."""
    return [path.stem for path in sorted((book_root(root) / "notebooks").glob("*.py"))
            if exercises(read_source(path.stem, root))]


def write_editions(root: str | Path | None = None, out_dir: str | Path | None = None) -> list[Path]:
    """Write ``<name>_student`` and ``<name>_teacher`` as ``.ipynb`` and jupytext ``.py`` for every notebook with
    exercises (default folder: ``<root>/book/generated/lab``).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    base = book_root(root)
    folder = Path(out_dir) if out_dir is not None else base / OUT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in edition_names(base):
        source = read_source(name, base)
        for edition in EDITIONS:
            nb = build_edition(source, edition, base)
            stem = folder / f"{name}_{edition}"
            stem.with_suffix(".ipynb").write_text(nbformat.writes(nb) + "\n")
            stem.with_suffix(".py").write_text(jupytext.writes(nb, fmt="py:percent"))
            written += [stem.with_suffix(".ipynb"), stem.with_suffix(".py")]
    return written


def colab_copy(name: str = LAB_NOTEBOOK, root: str | Path | None = None) -> tuple[Path, str]:
    """Path and expected text of the committed student edition that the Colab link opens."""
    base = book_root(root)
    text = nbformat.writes(build_edition(read_source(name, base), STUDENT, base)) + "\n"
    return base / COLAB_DIR / f"{name}_{STUDENT}.ipynb", text


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m brainalign.book.lab.editions [--out DIR] [--colab]``."""
    parser = argparse.ArgumentParser(prog="python -m brainalign.book.lab.editions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=None, help=f"folder for the editions (default: <book>/{OUT_DIR.as_posix()})")
    parser.add_argument("--colab", action="store_true",
                        help=f"also refresh the committed student editions in {COLAB_DIR.as_posix()}/ (Colab opens "
                             "them from the repository)")
    parser.add_argument("--root", default=None, help="book root (default: this checkout)")
    args = parser.parse_args(argv)
    try:
        for path in write_editions(args.root, args.out):
            print(f"wrote {path}")
        if args.colab:
            for name in edition_names(args.root):
                path, text = colab_copy(name, args.root)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                print(f"wrote {path} (commit it: the Colab link opens it from the repository)")
    except (EditionError, FileNotFoundError) as exc:
        print(f"editions: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

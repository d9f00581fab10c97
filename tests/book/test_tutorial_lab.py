"""The lab as students run it, executed by papermill: the student edition runs from top to bottom with every check
reporting "Not yet" (no cell raises, none needs a solution), and with the solutions injected every check passes.

Each run executes the whole lab (the simulation, the real model on one story) in a fresh kernel with one CPU
thread; the outputs are checked cell by cell, and a clean page is one without a warning, progress bar or traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from brainalign.book.build import execute_notebook
from brainalign.book.lab import editions as E

pytest.importorskip("papermill")

ROOT = Path(__file__).resolve().parents[2]
NOISE = re.compile(r"Warning|warn\(|it/s\]|Traceback|" + re.escape(str(Path.home())))


def _execute(nb: nbformat.NotebookNode, folder: Path, name: str) -> nbformat.NotebookNode:
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    out = execute_notebook(path, out_dir=folder / "out", parameters={"threads": 1}, root=ROOT, quiet=True)
    return nbformat.read(out, as_version=4)


def _feedback(nb: nbformat.NotebookNode) -> list[str]:
    """The text of each check cell's result, in order."""
    found = []
    for cell in nb.cells:
        if E.TAG_CHECK in cell.get("metadata", {}).get("tags", []):
            texts = [o["data"]["text/plain"] for o in cell.outputs if o.get("output_type") == "execute_result"]
            found.append(texts[0] if texts else "<no result>")
    return found


def _noise(nb: nbformat.NotebookNode) -> list[str]:
    lines = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" or out.get("name") == "stderr":
                lines.append(str(out.get("text") or out.get("ename")))
            elif out.get("output_type") == "stream" and NOISE.search(out["text"]):
                lines.append(out["text"])
    return lines


def test_student_edition_runs_through_and_every_check_says_not_yet(student, tmp_path):
    ran = _execute(student, tmp_path, "student")
    feedback = _feedback(ran)
    assert len(feedback) == 14
    assert all(text.startswith("Not yet:") for text in feedback), feedback
    assert not _noise(ran), _noise(ran)
    figures = sum("image/png" in o.get("data", {}) for c in ran.cells for o in c.get("outputs", []))
    assert figures == 3          # the three figures outside the solutions are drawn without any exercise solved


def test_student_edition_with_the_solutions_injected_passes_every_check(student, source, tmp_path):
    ran = _execute(E.inject_solutions(student, source), tmp_path, "solved")
    feedback = _feedback(ran)
    assert len(feedback) == 14
    assert all(text.startswith("Passed:") for text in feedback), feedback
    assert not _noise(ran), _noise(ran)

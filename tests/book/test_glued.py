"""Glued values of executed notebooks, and comparing two builds."""

from __future__ import annotations

import nbformat

from brainalign.book.glued import compare_builds, glued_values, main


def _notebook(path, values):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    for name, value in values.items():
        cell.outputs.append(nbformat.v4.new_output(
            "display_data", data={"application/papermill.record/text/plain": repr(value)},
            metadata={"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}}))
    cell.outputs.append(nbformat.v4.new_output("stream", text="not glued"))
    nb.cells.append(cell)
    nbformat.write(nb, path)


def test_glued_values_and_comparison(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _notebook(tmp_path / "a" / "x.ipynb", {"r": 0.5, "n": 17, "t": 1.0})
    _notebook(tmp_path / "b" / "x.ipynb", {"r": 0.5, "n": 18, "t": 2.0})
    assert glued_values(tmp_path / "a" / "x.ipynb") == {"r": "0.5", "n": "17", "t": "1.0"}
    assert compare_builds(tmp_path / "a", tmp_path / "b") == {"x.ipynb": {"n": ("17", "18"), "t": ("1.0", "2.0")}}
    assert compare_builds(tmp_path / "a", tmp_path / "a") == {}
    assert main([str(tmp_path / "a"), str(tmp_path / "b"), "--ignore", "t"]) == 1
    assert "DIFFERS x.ipynb: n: 17 -> 18" in capsys.readouterr().out
    assert main([str(tmp_path / "a"), str(tmp_path / "a")]) == 0

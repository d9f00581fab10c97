"""Section notebooks rerun with papermill on a different scores file change their numbers and figures."""

from __future__ import annotations

import ast
import base64
import hashlib

import nbformat
import pytest

from brainalign import stats
from brainalign.book.build import NotebookExecutionError, execute_notebook, toc_notebooks
from brainalign.book.glued import glued_values
from brainalign.paper import load_paper_scores

pytest.importorskip("papermill")


def glued(path) -> dict:
    """Values glued by a notebook, as Python values (glued sentences, shown as Markdown, are left out)."""
    out = {}
    for name, text in glued_values(path).items():
        try:
            out[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            continue
    return out


def images(path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [hashlib.sha1(base64.b64decode(out["data"]["image/png"])).hexdigest()
            for cell in nb.cells for out in cell.get("outputs", []) if "image/png" in out.get("data", {})]


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    return execute_notebook("02_model_size", out_dir=tmp_path_factory.mktemp("default"), quiet=True)


def test_toc_lists_the_section_notebooks():
    names = toc_notebooks()
    assert names[:4] == ["01_instruction_tuning", "02_model_size", "03_world_knowledge", "04_behavioral"]


def test_default_run_reproduces_the_paper(default_run):
    values = glued(default_run)
    assert f"{values['r_it']:.2f}" == "0.95"
    assert f"{values['r_all']:.2f}" == "0.92"
    assert values["n_it"] == 17 and values["n_all"] == 25
    assert len(images(default_run)) >= 1


def test_a_different_scores_file_changes_numbers_and_figure(default_run, tmp_path, monkeypatch):
    table = load_paper_scores()
    dropped = ["llama-33b", "vicuna-33b"]
    table[~table["model"].isin(dropped)].to_csv(tmp_path / "scores.csv", index=False)
    monkeypatch.chdir(tmp_path)  # a relative path must work
    out = execute_notebook("02_model_size", out_dir=tmp_path / "out", parameters={"scores": "scores.csv"},
                           quiet=True)
    before, after = glued(default_run), glued(out)
    assert after["n_it"] == 16 and after["n_all"] == 23
    expected = stats.correlate(stats.to_wide(table[~table["model"].isin(dropped)]), "log_params", ci=False)
    assert after["r_it"] == pytest.approx(expected["r"])
    assert after["r_it"] != pytest.approx(before["r_it"])
    assert images(out)[0] != images(default_run)[0]
    nb = nbformat.read(out, as_version=4)
    assert nb.metadata["papermill"]["parameters"]["scores"].endswith("scores.csv")


def test_a_failing_notebook_raises(tmp_path):
    with pytest.raises(NotebookExecutionError, match="02_model_size"):
        execute_notebook("02_model_size", out_dir=tmp_path, parameters={"scores": str(tmp_path / "missing.csv")},
                         quiet=True)


def test_a_failing_notebook_fails_the_build(tmp_path, monkeypatch, capsys):
    import brainalign.book.build as bookbuild

    def fail(*args, **kwargs):
        raise NotebookExecutionError("notebook 02_model_size.py failed in cell 3: FileNotFoundError")

    monkeypatch.setattr(bookbuild, "execute_notebook", fail)
    assert bookbuild.main(["--only", "02_model_size", "--no-html"]) == 1
    assert "failed in cell 3" in capsys.readouterr().err
    assert bookbuild._parse_value("3") == 3 and bookbuild._parse_value("results/x.csv") == "results/x.csv"


def test_unknown_notebook_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="available"):
        execute_notebook("99_nope", quiet=True)

"""The reproduction page: says plainly when nothing was recomputed; shows tiny-model and synthetic fresh scores."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from brainalign.benchmarks.futrell2018 import Futrell2018
from brainalign.book.build import execute_notebook
from brainalign.book.glued import glued_values
from brainalign.models.tiny import save_tiny_model
from brainalign.run.job import run_model_job
from brainalign.scores.store import ModelRequest

pytest.importorskip("papermill")


def _text(path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(str(out.get("data", {}).get("text/markdown", "")) + str(out.get("data", {}).get("text/plain", ""))
                     for cell in nb.cells for out in cell.get("outputs", []))


def test_default_build_says_no_fresh_scores(tmp_path):
    out = execute_notebook("07_reproduction", out_dir=tmp_path, quiet=True)
    assert "No fresh paper-protocol scores of the paper's models exist" in _text(out)


def test_synthetic_and_tiny_model_scores(tmp_path, shared_data, monkeypatch):
    # a tiny random GPT-2 saved under a paper model's name, scored in the paper protocol on one story
    folder = save_tiny_model(tmp_path / "gpt2-small", "gpt2", seed=0)
    results = tmp_path / "results"
    bench = Futrell2018(protocol="paper", stories=(1,))
    outcomes = run_model_job(ModelRequest(str(folder)), {"Futrell2018": bench}, results, device="cpu",
                             protocol="paper", progress=False)
    assert [o.status for o in outcomes] == ["done"]
    out = execute_notebook("07_reproduction", out_dir=tmp_path / "nb",
                           parameters={"scores": str(results), "synthetic": ["flan-t5-small"]}, quiet=True)
    text = _text(out)
    assert "synthetic stand-in scores** (the published values plus noise) for 1 model(s)" in text
    assert glued_values(out)["r_n_fresh"] == "1"  # gpt2-small on one story is not Table 9's quantity: left out
    full = execute_notebook("07_reproduction", out_dir=tmp_path / "nb2", parameters={"scores": str(_full(results))},
                            quiet=True)
    assert "Fresh paper-protocol scores of 1 of the paper's models" in _text(full) and "gpt2-small" in _text(full)
    shutil.rmtree(results)


def _full(results):
    """The tiny model's scores relabelled as if computed on the whole corpus by the catalog model (what a real
    reproduction writes; a local folder's scores name carries its weights' hash, ``gpt2-small@<hash>``)."""
    from brainalign import load_scores

    table = load_scores(results)
    assert table["model"].str.fullmatch(r"gpt2-small@[0-9a-f]{10}").all()
    table["model"] = "gpt2-small"
    table["data_checksum"] = table["data_checksum"].str.replace(r";stories=.*", "", regex=True)
    path = results.parent / "full.csv"
    table.to_csv(path, index=False)
    return path

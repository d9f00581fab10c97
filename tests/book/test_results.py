"""brainalign.book.results: the landing page's results table and measured sentence, from glued notebook values."""

from __future__ import annotations

import base64
import io

import matplotlib
import nbformat
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from brainalign.book import results  # noqa: E402
from brainalign.figures.output import figure_png  # noqa: E402


def _notebook(path, values: dict, parameters: dict | None = None, cells=()) -> None:
    outputs = [nbformat.v4.new_output("display_data", data={"text/plain": repr(v)},
                                      metadata={"scrapbook": {"name": k, "mime_prefix": ""}}) for k, v in values.items()]
    cell = nbformat.v4.new_code_cell("glue(...)", outputs=outputs)
    nb = nbformat.v4.new_notebook(cells=[cell, *cells])
    nb.metadata["papermill"] = {"parameters": parameters or {"scores": "paper"}}
    nbformat.write(nb, str(path))


CLAIMS = (
    results.Claim("value", "01_x", "pub", "rec", digits=2, rounding=("lo", "hi"), discrepancy="D2"),
    results.Claim("signed", "01_x", "pub_s", "rec_s", signed=True, discrepancy="D3"),
    results.Claim("significant", "02_y", "p", "p", kind="significant", digits=3),
    results.Claim("not significant", "02_y", "pub_q", "q", kind="not_significant"),
)


def rows_for(tmp_path, one: dict, two: dict):
    _notebook(tmp_path / "01_x.ipynb", one)
    _notebook(tmp_path / "02_y.ipynb", two)
    return results.results_rows(tmp_path, CLAIMS)


def test_match_equal_within_rounding_and_mismatch(tmp_path):
    rows = rows_for(tmp_path, {"pub": 0.95, "rec": 0.951, "lo": 0.9, "hi": 1.0, "pub_s": -0.54, "rec_s": 0.54},
                    {"p": 0.003, "pub_q": 0.76, "q": 0.761})
    assert [r.match for r in rows] == ["✓", "✗", "✓", "✓"]
    assert rows[0].paper == "0.95" and rows[0].recomputed == "0.95" and rows[0].discrepancy is None
    assert rows[1].paper == "−0.54" and rows[1].recomputed == "+0.54" and rows[1].discrepancy == "D3"
    assert rows[2].paper == "significant" and rows[2].recomputed == "p = 0.003, significant"
    assert rows[3].paper == "p = 0.76"


def test_rounding_decides_between_approximate_and_wrong(tmp_path):
    inside = rows_for(tmp_path, {"pub": 0.62, "rec": 0.60, "lo": 0.58, "hi": 0.63, "pub_s": 1, "rec_s": 1},
                      {"p": 0.2, "pub_q": 0.7, "q": 0.01})
    assert inside[0].match == results.ROUNDING and inside[0].discrepancy == "D2"
    assert inside[2].match == "✗" and inside[3].match == "✗"  # the verdicts flip with the p-values
    outside = rows_for(tmp_path, {"pub": 0.62, "rec": 0.50, "lo": 0.48, "hi": 0.55, "pub_s": 1, "rec_s": 1},
                       {"p": 0.2, "pub_q": 0.7, "q": 0.7})
    assert outside[0].match == "✗"


def test_a_chapter_that_was_not_built(tmp_path):
    _notebook(tmp_path / "01_x.ipynb", {"pub": 1.0, "rec": 1.0, "pub_s": 1, "rec_s": 1})
    rows = results.results_rows(tmp_path, CLAIMS)
    assert rows[0].match == "✓" and rows[2].match == results.MISSING and rows[2].paper == "–"


def test_the_claims_name_keys_the_chapters_glue():
    import json
    from pathlib import Path

    generated = Path(__file__).resolve().parents[2] / "book" / "generated"
    for claim in results.CLAIMS:
        source = (generated.parent.parent / "notebooks" / f"{claim.chapter}.py").read_text()
        for key in {claim.paper, claim.recomputed, *(claim.rounding or ())}:
            stem = key.split("_")[0]
            assert key in source or stem in source, (claim.chapter, key)
        json.dumps(claim.__dict__)  # plain data


def test_measured_sentence(tmp_path):
    for name in ("01_instruction_tuning", "02_model_size", "03_world_knowledge", "04_behavioral"):
        _notebook(tmp_path / f"{name}.ipynb", {"data_computed_models": 0, "data_computed_benchmarks": ""})
    assert results.measured_sentence(tmp_path).startswith("No fMRI score is re-measured in this build")
    assert "live chapter" not in results.measured_sentence(tmp_path)
    _notebook(tmp_path / "05_live_chapter.ipynb", {})
    assert "only the live chapter measures new scores" in results.measured_sentence(tmp_path)
    _notebook(tmp_path / "02_model_size.ipynb", {"data_computed_models": 2, "data_computed_benchmarks": "Futrell2018"})
    text = results.measured_sentence(tmp_path)
    assert text.startswith("No fMRI score is re-measured") and "chapter 02: 2 models on Futrell2018" in text
    _notebook(tmp_path / "02_model_size.ipynb", {"data_computed_models": 1,
                                                 "data_computed_benchmarks": "Futrell2018, Pereira2018"})
    assert results.measured_sentence(tmp_path).startswith("This build re-measured fMRI scores for some models")


def test_chapter_figure(tmp_path):
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.set_title("a figure")
    png, meta = figure_png(fig)
    out = nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png).decode()},
                                 metadata={"image/png": meta})
    cell = nbformat.v4.new_code_cell("plot()", outputs=[out], metadata={
        "mystnb": {"figure": {"caption": "The caption.", "name": "fig-x"}, "image": {"alt": "An alt text here."}}})
    _notebook(tmp_path / "nb.ipynb", {}, cells=[cell])
    found = results.chapter_figure(tmp_path / "nb.ipynb", "fig-x")
    assert found.png == png and found.caption == "The caption." and found.alt == "An alt text here."
    assert results.png_display_width(png) == meta["width"]
    with pytest.raises(KeyError, match="no figure named"):
        results.chapter_figure(tmp_path / "nb.ipynb", "fig-y")
    assert io.BytesIO(png).read(4) == b"\x89PNG"

"""``brainalign report``: fresh scores merged with the paper's table regenerate the book's section pages."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from brainalign.cli import main
from brainalign.book.report import ReportError, build_report, generated_notebooks, merged_scores, takes_scores
from brainalign.scores.result import BenchmarkResult
from brainalign.scores.store import ModelRequest, write_result
from brainalign.paper import BRAIN_BENCHMARKS

ROOT = Path(__file__).resolve().parents[2]
FRESH_MODEL = "flan-t5-small"  # a paper model: fresh rows must replace its published ones


@pytest.fixture()
def fresh_dir(tmp_path):
    """A results directory with layer-wise rows for one paper model on the three brain benchmarks (test input)."""
    out = tmp_path / "results"
    for i, bench in enumerate(BRAIN_BENCHMARKS):
        layers = {f"encoder.block.{k}": 0.05 * (k + 1) + 0.01 * i for k in range(4)}
        result = BenchmarkResult.from_layer_scores(bench, FRESH_MODEL, layers, 0.5,
                                                   provenance={"model_revision": "test-rev", "data_checksum": "x"})
        write_result(out, ModelRequest(FRESH_MODEL).key(bench), result.to_scores())
    return out


def _notebook_text(path: Path) -> str:
    nb = json.loads(path.read_text())
    parts = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts.append("".join(data.get("text/markdown", "")) + "".join(data.get("text/plain", "")))
            parts.append("".join(output.get("text", "")))
    return "\n".join(parts)


def test_merged_scores_flag_fresh_rows(fresh_dir):
    merged = merged_scores(fresh_dir)
    mine = merged[merged["model"] == FRESH_MODEL]
    assert set(mine.loc[mine["benchmark"].isin(BRAIN_BENCHMARKS), "source"]) == {"brainalign"}
    assert (mine.loc[mine["benchmark"].isin(BRAIN_BENCHMARKS)].groupby("benchmark").size() == 4).all()
    assert set(merged.loc[merged["model"] == "t5-small", "source"]) == {"paper"}
    assert merged["model"].nunique() >= 25
    (fresh_dir.parent / "empty").mkdir()
    with pytest.raises(ReportError, match="no scores"):
        merged_scores(fresh_dir.parent / "empty")
    with pytest.raises(ReportError, match="does not exist"):
        merged_scores(fresh_dir / "nope")


def test_section_notebooks_take_scores():
    names = generated_notebooks(ROOT)
    assert names[:1] == ["01_instruction_tuning"]
    assert takes_scores(ROOT, "01_instruction_tuning")
    assert not takes_scores(ROOT, "no_such_notebook")


def test_report_regenerates_one_section_page(fresh_dir, tmp_path, capsys):
    out = tmp_path / "book"
    project_page = ROOT / "book" / "generated" / "01_instruction_tuning.ipynb"
    before = project_page.stat().st_mtime_ns if project_page.exists() else None
    rc = main(["report", str(fresh_dir), "--out", str(out), "--notebooks", "01_instruction_tuning", "--no-html"])
    assert rc == 0, capsys.readouterr().err
    page = out / "book" / "generated" / "01_instruction_tuning.ipynb"
    assert page.is_file()
    merged = pd.read_csv(out / "scores" / "merged_scores.csv")
    assert set(merged.loc[merged["model"] == FRESH_MODEL, "source"]) >= {"brainalign"}
    text = _notebook_text(page)
    assert "Rows computed by brainalign" in text and f"`{FRESH_MODEL}`: Blank2014, Pereira2018, Wehbe2014" in text
    assert str(out / "scores" / "merged_scores.csv") in page.read_text()  # the injected papermill parameter
    after = project_page.stat().st_mtime_ns if project_page.exists() else None
    assert after == before  # the project's own book is never touched


def test_report_rejects_unknown_notebook(fresh_dir, tmp_path, capsys):
    assert main(["report", str(fresh_dir), "--out", str(tmp_path / "b"), "--notebooks", "99_nope"]) == 2
    assert "unknown notebook" in capsys.readouterr().err


@pytest.mark.slow
def test_report_rebuilds_whole_book(fresh_dir, tmp_path):
    report = build_report(fresh_dir, tmp_path / "book")
    assert report.html_dir is not None and (report.html_dir / "index.html").is_file()
    assert len(report.notebooks) >= 4 and report.n_fresh == 12
    html = (report.html_dir / "book" / "generated" / "01_instruction_tuning.html").read_text()
    assert FRESH_MODEL in html and "Rows computed by brainalign" in html


def test_report_without_book_source_is_a_usage_error(fresh_dir, tmp_path, capsys):
    rc = main(["report", str(fresh_dir), "--out", str(tmp_path / "b"), "--book-source", str(tmp_path), "--no-html"])
    assert rc == 2 and "no _toc.yml" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "no-results"), "--out", str(tmp_path / "b")]) == 2
    assert "does not exist" in capsys.readouterr().err

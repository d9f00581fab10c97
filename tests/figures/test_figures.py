"""brainalign.figures: every paper figure draws from a scores table, and fresh rows are marked."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from brainalign import figures, stats  # noqa: E402
from brainalign.paper import load_paper_scores, load_table  # noqa: E402
from brainalign.scores import merge_scores  # noqa: E402


@pytest.fixture(scope="module")
def paper():
    return load_paper_scores()


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def legend_labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_correlation_panel_reports_r_and_marks_families(paper):
    figures.set_style()
    ax = figures.plot_correlation(paper, "log_params", published=(0.95, 9.43e-9))
    text = " ".join(t.get_text() for t in ax.texts)
    r = stats.correlate(stats.to_wide(paper), "log_params", ci=False)["r"]
    assert f"r = {r:.2f}" in text and "paper: r = 0.95" in text
    assert legend_labels(ax) == ["T5", "LLaMA"]
    assert "parameters" in ax.get_xlabel() and "brain alignment" in ax.get_ylabel()
    assert len(ax.child_axes) == 1  # per-dataset inset


def test_fresh_rows_are_outlined_and_in_the_legend(paper):
    fresh = paper[paper["model"] == "flan-t5-xl"].copy()
    fresh["source"] = "brainalign"
    fresh["score"] = fresh["score"] + 0.01
    merged = merge_scores(paper, fresh)
    ax = figures.plot_correlation(merged, "mmlu", inset=False)
    assert "computed by brainalign" in legend_labels(ax)
    assert any(t.get_text() == "flan-t5-xl" for t in ax.texts)
    ax2 = figures.plot_instruction_scatter(merged, "Average")
    assert "computed by brainalign" in legend_labels(ax2)


def test_instruction_and_dataset_change_figures(paper):
    ax = figures.plot_instruction_scatter(paper, "Futrell2018")
    assert "behavioral" in ax.get_xlabel()
    ax = figures.plot_dataset_change(paper, published={"Pereira2018": 6.9, "Blank2014": 8.0, "Wehbe2014": 3.8})
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Pereira2018", "Blank2014", "Wehbe2014"]
    ax = figures.plot_category_correlations(stats.recompute_fdr(load_table("table2")))
    assert len(ax.patches) == 11


def test_clear_errors(paper):
    with pytest.raises(KeyError, match="not in the table"):
        figures.plot_correlation(paper, "no_such_column")
    vanilla_only = paper[~paper["instruction_tuned"]]
    with pytest.raises(ValueError, match="no vanilla/instruction-tuned pairs"):
        figures.plot_instruction_scatter(vanilla_only)

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
    assert not ax.xaxis_inverted()  # natural direction, whatever the paper did


def test_correlation_figure_stacks_the_per_dataset_panel(paper):
    fig = figures.correlation_figure(paper, "log_params")
    assert len(fig.axes) == 2
    bars = fig.axes[1]
    assert [t.get_text() for t in bars.get_yticklabels()] == ["Pereira2018", "Blank2014", "Wehbe2014"]
    assert fig.get_size_inches()[0] == figures.FIGURE_WIDTH
    assert len(figures.correlation_figure(paper, "mmlu", "Futrell2018").axes) == 1  # behavior: no brain datasets


def test_undefined_interval_says_so_instead_of_nan(paper):
    ax = figures.plot_correlation(paper, "nwp_loss", families=["LLaMA"])
    text = " ".join(t.get_text() for t in ax.texts)
    assert "nan" not in text and "CI undefined (n = 5)" in text


def test_correlation_column_stacks_one_panel_per_spec(paper):
    fig = figures.correlation_column(paper, [{"x": "nwp_loss", "title": "T5", "selection": {"families": ["T5"]}},
                                             {"x": "mmlu", "published": (0.8, 0.001)}])
    assert [ax.get_title() for ax in fig.axes] == ["T5", ""]
    assert "paper: r = 0.80" in " ".join(t.get_text() for t in fig.axes[1].texts)


def test_every_text_is_at_least_the_minimum_font(paper):
    from brainalign.figures.output import smallest_text_points

    figures.set_style()
    for fig in (figures.correlation_figure(paper, "log_params"),
                figures.plot_instruction_scatter(paper).figure,
                figures.plot_dataset_change(paper, published={"Pereira2018": 6.9}).figure,
                figures.plot_category_correlations(stats.recompute_fdr(load_table("table2"))).figure):
        assert smallest_text_points(fig) >= figures.MIN_FONT


def test_fresh_rows_are_outlined_and_in_the_legend(paper):
    fresh = paper[paper["model"] == "flan-t5-xl"].copy()
    fresh["source"] = "brainalign"
    fresh["score"] = fresh["score"] + 0.01
    merged = merge_scores(paper, fresh)
    ax = figures.plot_correlation(merged, "mmlu")
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
    assert "BBH: World knowledge" in [t.get_text() for t in ax.texts]


def test_clear_errors(paper):
    with pytest.raises(KeyError, match="not in the table"):
        figures.plot_correlation(paper, "no_such_column")
    vanilla_only = paper[~paper["instruction_tuned"]]
    with pytest.raises(ValueError, match="no vanilla/instruction-tuned pairs"):
        figures.plot_instruction_scatter(vanilla_only)

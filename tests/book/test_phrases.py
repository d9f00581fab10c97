"""brainalign.book.phrases: the conclusions a page prints follow its statistics, and change when they change."""

from __future__ import annotations

import pandas as pd
import pytest

from brainalign import stats
from brainalign.book import phrases
from brainalign.paper import BRAIN_BENCHMARKS, load_paper_scores, load_table


@pytest.fixture(scope="module")
def paper():
    return load_paper_scores()


def _tests(**p):
    rows = []
    for name, (pt, pw, delta) in p.items():
        rows.append({"benchmark": name, "n_pairs": 17, "mean_delta": delta, "delta_ci_low": -0.001,
                     "delta_ci_high": 0.02, "p_ttest": pt, "p_wilcoxon": pw, "n_no_increase": 5})
    return pd.DataFrame(rows)


def test_significance_by_dataset_names_the_dataset_that_fails():
    mixed = phrases.significance_by_dataset(_tests(A=(0.001, 0.001, 0.1), B=(0.10, 0.068, 0.1), C=(0.009, 0.01, 0.1)),
                                            ["A", "B", "C"])
    assert "significant on A" in mixed and "but not on B alone" in mixed and "all three datasets" in mixed
    every = phrases.significance_by_dataset(_tests(A=(0.001, 0.001, 0.1), B=(0.01, 0.01, 0.1)), ["A", "B"])
    assert every.startswith("The increase is significant on each dataset alone") and "not" not in every


def test_paper_tables_conclusions(paper):
    wide = stats.to_wide(paper)
    tests = stats.paired_tests(stats.pair_deltas(paper))
    assert "not on Blank2014 alone" in phrases.significance_by_dataset(tests, BRAIN_BENCHMARKS)
    split = phrases.correlation_split(stats.correlation_table(wide, "log_params", list(BRAIN_BENCHMARKS)))
    assert "Blank2014 (r = 0.19, p = 0.460) shows no significant correlation" in split
    top = phrases.top_models(stats.select_models(wide), "Average")
    assert top.startswith("The highest values belong to flan-t5-xxl (0.240, T5) and flan-alpaca-xxl (0.239, T5)")
    assert "LLaMA is only the highest family on average" in top
    signs = phrases.family_signs({f: stats.correlate(wide, "nwp_loss", families=[f]) for f in ("T5", "LLaMA")})
    assert signs.startswith("Within each family the correlation is negative") and "only T5 significant" in signs


def test_conclusions_flip_with_the_data(paper):
    wide = stats.to_wide(paper)
    flipped = wide.copy()
    flipped.loc[flipped["family"] == "LLaMA", "nwp_loss"] *= -1  # reverses the LLaMA correlation
    signs = phrases.family_signs({f: stats.correlate(flipped, "nwp_loss", families=[f]) for f in ("T5", "LLaMA")})
    assert signs.startswith("The sign differs between families")
    boosted = wide.copy()
    boosted.loc["llama-7b", "Average"] = 0.5
    assert phrases.top_models(stats.select_models(boosted, instruction_tuned=None), "Average").startswith(
        "The highest values belong to llama-7b")
    res = {"MMLU": {"r": 0.07, "p": 0.76}, "size": {"r": 0.8, "p": 0.001}}
    assert phrases.correlation_summary(res, "X") == (
        "X is not significantly correlated with MMLU (r = 0.07, p = 0.760); it is significantly correlated with size "
        "(r = 0.80, p = 0.001).")
    assert phrases.pvalues_agree({"a": 0.761}, {"a": 0.76}) == "The recomputed p-values equal the paper's to 2 decimals."
    assert "a (0.70 against 0.76)" in phrases.pvalues_agree({"a": 0.70}, {"a": 0.76})


def test_readings_verdict():
    both = phrases.readings_verdict(6.2, {"A": (5.57, 7.08), "B": (5.43, 6.54)}, [6.9, 8.0, 3.8])
    assert "cannot decide" in both and "suggestive, not decisive" in both
    only_a = phrases.readings_verdict(6.2, {"A": (5.9, 6.5), "B": (5.0, 5.9)}, [6.9, 8.0, 3.8])
    assert only_a.startswith("Only reading A is consistent")
    assert phrases.readings_verdict(9.9, {"A": (5, 6), "B": (5, 6)}, [6.9, 8.0, 3.8]).startswith("Neither")


def test_behavior_change_and_overall_test():
    row = {"p_ttest": 0.084, "p_wilcoxon": 0.39, "mean_delta": 0.01, "n_no_increase": 8, "n_pairs": 17}
    assert phrases.behavior_change(row).startswith("Instruction-tuning does not change behavioral alignment")
    row.update(p_ttest=0.001, p_wilcoxon=0.002)
    assert phrases.behavior_change(row).startswith("Instruction-tuning raises behavioral alignment significantly")
    assert phrases.overall_test(row).startswith("The increase is significant under a paired t-test (p = 0.001)")
    row.update(p_wilcoxon=0.2)
    assert "only one of" in phrases.overall_test(row)


def test_fdr_exceptions():
    table = stats.recompute_fdr(load_table("table2"))
    reproduced = phrases.fdr_reproduced(table)
    assert int(reproduced.sum()) == 10
    text = phrases.fdr_exceptions(table, reproduced)
    assert text.startswith("The exception is BBH Multilingual reasoning") and "rounding" in text
    assert phrases.fdr_exceptions(table, reproduced | True) == "Every printed adjusted p-value is reproduced."

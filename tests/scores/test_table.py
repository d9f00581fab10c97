"""The scores format: validation, normalization, result rows, merging and the wide form."""

import numpy as np
import pandas as pd
import pytest

from brainalign.scores import (SCORE_COLUMNS, BenchmarkResult, ScoresFormatError, merge_scores, normalize,
                               validate_scores, wide_scores)


def test_validate_adds_defaults_and_rejects_duplicates():
    df = validate_scores(pd.DataFrame({"model": ["a"], "benchmark": ["X"], "score": [0.5]}))
    assert list(df.columns[: len(SCORE_COLUMNS)]) == SCORE_COLUMNS
    assert df.loc[0, "pair"] == "a" and bool(df.loc[0, "is_best_layer"])
    with pytest.raises(ScoresFormatError, match="duplicate"):
        validate_scores(pd.DataFrame({"model": ["a", "a"], "benchmark": ["X", "X"], "score": [0.5, 0.4]}))
    with pytest.raises(ScoresFormatError, match="required"):
        validate_scores(pd.DataFrame({"model": ["a"]}))


def test_normalize_clips_and_keeps_unclipped():
    c, u = normalize(0.5, 0.25)
    assert c == 1.0 and u == 2.0
    c, u = normalize(np.array([-0.1, 0.1]), 0.2)
    assert np.allclose(c, [0, 0.5]) and np.allclose(u, [-0.5, 0.5])


def test_result_rows_and_merge():
    res = BenchmarkResult.from_layer_scores("Pereira2018", "t5-small", {"l0": 0.1, "l1": 0.3, "l2": 0.2}, 0.36)
    assert res.best_layer == "l1" and res.raw == pytest.approx(0.3)
    assert (res.to_scores()["family"] == "").all()  # no identity is guessed from the name
    res.model_info = {"family": "T5", "pair": "t5-small", "instruction_tuned": False, "params": 7.7e7}
    rows = res.to_scores()
    assert len(rows) == 3 and rows["is_best_layer"].sum() == 1
    assert rows.loc[rows.is_best_layer, "family"].item() == "T5"
    base = validate_scores(pd.DataFrame({"model": ["t5-small", "t5-small"], "benchmark": ["Pereira2018", "Blank2014"],
                                         "score": [0.166, 0.168], "source": "paper", "mmlu": [np.nan, np.nan]}))
    merged = merge_scores(base, rows)
    wide = wide_scores(merged, benchmarks=["Pereira2018", "Blank2014"])
    assert wide.loc["t5-small", "Pereira2018"] == pytest.approx(0.3)
    assert wide.loc["t5-small", "Blank2014"] == pytest.approx(0.168)

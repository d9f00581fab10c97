"""Futrell2018: target definition, score_predictions, ceiling, a tiny model (the Brain-Score-style triple: the human
data itself scores 1, random predictions ~0, the ceiling pinned)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr

import brainalign
from brainalign.benchmarks import benchmark_class
from brainalign.benchmarks._futrell import PUBLISHED, split_half_ceiling
from brainalign.data import naturalstories as ns
from brainalign.data.fetch import DataNotFoundError
from brainalign.models import tiny_model
from brainalign.paper import load_table


@pytest.fixture(scope="module")
def bench(shared_data):
    return brainalign.load_benchmark("Futrell2018", data_home=shared_data)


@pytest.fixture(scope="module")
def raw_table(shared_data):
    return pd.read_csv(shared_data / "naturalstories" / ns.TARGETS_FILE, sep="\t", quoting=3)


def test_score_predictions_definition(bench, raw_table):
    rt = raw_table["mean_rt_2016"].to_numpy()
    scored = raw_table["word_within_sentence_id"].to_numpy() != 1
    assert bench.score_predictions(rt).raw == pytest.approx(1.0)
    assert bench.score_predictions(-rt).raw == pytest.approx(1.0)  # Brain-Score takes |r|
    rng = np.random.default_rng(0)
    pred = rng.standard_normal(len(rt)) + 0.01 * rt
    want = abs(pearsonr(pred[scored], rt[scored])[0])
    res = bench.score_predictions(pred, model_name="noise")
    assert res.raw == pytest.approx(want, abs=1e-12)
    assert res.ceiling == PUBLISHED.value and res.normalized == pytest.approx(want / PUBLISHED.value)
    assert res.details["n_words"] == 9775
    # sentence-initial words are ignored: changing them changes nothing
    pred2 = pred.copy()
    pred2[~scored] = np.nan
    assert bench.score_predictions(pred2).raw == pytest.approx(want, abs=1e-12)
    rows = res.to_scores()
    assert rows["benchmark"].iloc[0] == "Futrell2018" and rows["data_checksum"].iloc[0] == f"sha1:{ns.TARGETS_SHA1}"


def test_score_predictions_bad_input(bench):
    with pytest.raises(ValueError, match="10256 values in story order"):
        bench.score_predictions(np.zeros(100))
    v = np.ones(10256)
    v[5] = np.nan  # word 6 is inside the first sentence
    with pytest.raises(ValueError, match="NaN"):
        bench.score_predictions(v)


def test_split_half_ceiling():
    rng = np.random.default_rng(1)
    signal = rng.standard_normal(500)
    same = np.repeat(signal[:, None], 20, 1)
    assert split_half_ceiling(same)[0] == pytest.approx(1.0)
    noise = rng.standard_normal((500, 20))
    assert split_half_ceiling(noise)[0] < 0.3
    data = signal[:, None] + 2 * rng.standard_normal((500, 20))
    data[rng.random(data.shape) < 0.2] = np.nan  # missing readings
    ceiling, per_split = split_half_ceiling(data)
    # recompute split 0 by hand with the same generator
    half = np.random.RandomState(0).choice(20, 10, replace=False)
    a = np.nanmean(data[:, half], 1)
    b = np.nanmean(data[:, np.setdiff1d(np.arange(20), half)], 1)
    r = abs(np.corrcoef(a, b)[0, 1])
    assert per_split[0] == pytest.approx(2 * r / (1 + r))
    assert ceiling == pytest.approx(np.median(per_split)) and len(per_split) == 10


def test_recompute_ceiling_needs_subject_data(bench):
    with pytest.raises(DataNotFoundError, match="assy_Futrell2018.nc"):
        bench.recompute_ceiling()


def test_score_tiny_model(bench):
    model = tiny_model("gpt2")
    res = bench.score(model, progress=False)
    assert 0 <= res.raw <= 1 and np.isfinite(res.raw)
    s = res.details["surprisal"]
    assert s.shape == (10256,) and np.isnan(s[0]) and np.isfinite(s[1:]).all()
    assert res.provenance["model_revision"] == model.revision
    assert res.to_scores()["family"].iloc[0] == "tiny-gpt2"  # the model's identity travels with the result


def test_ceiling_pinned_and_equal_to_table10():
    cls = benchmark_class("Futrell2018")
    assert cls.published_ceiling.value == 0.858 == PUBLISHED.value
    assert load_table("table10").set_index("benchmark")["ceiling"]["Futrell2018"] == cls.published_ceiling.value

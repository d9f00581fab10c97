"""Futrell2018: loader, target definition, score_predictions, ceiling, and the layer-wise encoding variant."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy.stats import pearsonr

import brainalign
from brainalign.benchmarks.futrell2018 import PUBLISHED_CEILING, split_half_ceiling
from brainalign.data import naturalstories as ns
from brainalign.datahome import DataNotFoundError
from brainalign.fetch import ChecksumError


@pytest.fixture(scope="module")
def bench(shared_data):
    return brainalign.load_benchmark("Futrell2018", data_home=shared_data)


@pytest.fixture(scope="module")
def raw_table(shared_data):
    return pd.read_csv(shared_data / "naturalstories" / ns.TARGETS_FILE, sep="\t", quoting=3)


def test_targets_table(shared_data):
    t = ns.load_targets(shared_data)
    assert len(t) == 10256 and t["sentence_id"].nunique() == 481
    assert int(t["scored"].sum()) == 9775
    assert t.groupby("story_id").size().tolist() == [1073, 990, 1040, 1085, 1013, 1099, 999, 980, 1038, 939]
    assert t.attrs["sha1"] == ns.TARGETS_SHA1


def test_github_files_rebuild_the_targets(shared_data):
    """Building from all_stories.tok + the 2016 wordinfo (sentence segmentation included) gives the same table."""
    local = ns.load_targets(shared_data, source="targets")
    built = ns.load_targets(shared_data, source="github")
    for col in ns.TARGET_COLUMNS:
        if col in ("word", "word_core"):
            assert (local[col].astype(str).values == built[col].astype(str).values).all(), col
        else:
            np.testing.assert_allclose(local[col].to_numpy(float), built[col].to_numpy(float), err_msg=col)


def test_corrupt_file_raises_checksum_error(tmp_path, shared_data):
    (tmp_path / "naturalstories").mkdir()
    dst = tmp_path / "naturalstories" / ns.TARGETS_FILE
    shutil.copy(shared_data / "naturalstories" / ns.TARGETS_FILE, dst)
    dst.chmod(0o644)
    with open(dst, "ab") as f:
        f.write(b"x")
    with pytest.raises(ChecksumError, match="sha1"):
        ns.load_targets(tmp_path, source="targets")


def test_missing_data_offline(tmp_path):
    with pytest.raises(DataNotFoundError, match="futrell2018_brainscore_targets.tsv"):
        ns.load_targets(tmp_path)


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
    assert res.ceiling == PUBLISHED_CEILING and res.normalized == pytest.approx(want / PUBLISHED_CEILING)
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
    from brainalign.models import tiny_model

    model = tiny_model("gpt2")
    res = bench.score(model, progress=False)
    assert 0 <= res.raw <= 1 and np.isfinite(res.raw)
    s = res.details["surprisal"]
    assert s.shape == (10256,) and np.isnan(s[0]) and np.isfinite(s[1:]).all()
    assert res.provenance["model_revision"] == model.revision


def _fake_acts(bench, layers):
    t = bench.table
    return xr.DataArray(np.stack(layers).astype(np.float32), dims=("layer", "item", "unit"),
                        coords={"layer": [f"layer.{k}" for k in range(len(layers))],
                                "item": t["stimulus_id"].to_numpy(), "unit": np.arange(layers[0].shape[1])})


def test_encoding_score_activations(shared_data):
    enc = brainalign.load_benchmark("Futrell2018-encoding", data_home=shared_data)
    rng = np.random.default_rng(0)
    rt = enc.targets
    informative = np.column_stack([rt + 40 * rng.standard_normal(len(rt)), rng.standard_normal((len(rt), 7))])
    useless = rng.standard_normal((len(rt), 8))
    res = enc.score_activations(_fake_acts(enc, [useless, informative]), "fake")
    assert res.best_layer == "layer.1"
    assert res.layers["score"].iloc[1] > 0.5 and abs(res.layers["score"].iloc[0]) < 0.05
    # item order does not matter: the benchmark aligns by stimulus_id
    acts = _fake_acts(enc, [useless, informative])
    perm = rng.permutation(acts.sizes["item"])
    res2 = enc.score_activations(acts.isel(item=perm), "fake")
    np.testing.assert_allclose(res2.layers["score"], res.layers["score"], atol=1e-10)
    with pytest.raises(ValueError, match="lack scored words"):
        enc.score_activations(acts.isel(item=slice(0, 100)), "fake")


def test_encoding_stimuli(shared_data):
    enc = brainalign.load_benchmark("Futrell2018-encoding", data_home=shared_data)
    passages, ids = enc.stimuli
    assert len(passages) == 10 and sum(map(len, passages)) == 10256 == len(ids)
    assert passages[0][:3] == ["If", "you", "were"] and ids[:3] == [1, 2, 3]

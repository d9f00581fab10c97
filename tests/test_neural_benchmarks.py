"""Pereira2018 and Blank2014 end to end on format-faithful NetCDF fixtures in a temporary data home."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import brainalign
from brainalign.benchmarks import load_benchmark
from brainalign.data.assemblies import load_assembly, open_assembly
from brainalign.data.pereira2018 import experiment_data, passage_stimuli
from fixtures_neural import activations_from, blank_assembly, install_assembly, pereira_assembly


@pytest.fixture
def pereira_home(tmp_path, monkeypatch):
    da = pereira_assembly()
    install_assembly(monkeypatch, tmp_path, "Pereira2018.language", da)
    return tmp_path, da


@pytest.fixture
def blank_home(tmp_path, monkeypatch):
    da = blank_assembly()
    install_assembly(monkeypatch, tmp_path, "Blank2014.fROI", da)
    return tmp_path, da


def test_netcdf_roundtrip_keeps_brainscore_coords(pereira_home):
    home, da = pereira_home
    loaded = load_assembly("Pereira2018.language", data_home=home)
    assert loaded.dims == ("presentation", "neuroid")
    for name in ["experiment", "stimulus_id", "passage_label", "story", "subject", "neuroid_id", "voxel_num"]:
        assert (loaded[name].values == da[name].values).all()
    np.testing.assert_array_equal(np.isnan(loaded.values), np.isnan(da.values))
    assert loaded.attrs["sha1"]
    multi = open_assembly(home / "pereira2018" / "assy_Pereira2018_language.nc", multi_index=True)
    assert "stimulus_id" in multi.indexes["presentation"].names


def test_pereira_experiment_dropna_and_passages(pereira_home):
    _, da = pereira_home
    d243 = experiment_data(da, "243sentences")
    assert d243.sizes["presentation"] == 15 and not np.isnan(d243.values).any()
    assert set(d243["subject"].values) == {"018", "288"}
    passages, ids, order = passage_stimuli(d243)
    assert [len(p) for p in passages] == [3] * 5
    labels = d243["passage_label"].values[order]
    assert list(labels) == sorted(labels)  # passages in sorted label order
    assert ids == list(d243["stimulus_id"].values[order])


def test_pereira_data_as_features_scores_one_random_zero(pereira_home):
    home, da = pereira_home
    bench = load_benchmark("Pereira2018", data_home=home, device="cpu")
    ids = bench.stimuli["item_ids"]
    data = np.nan_to_num(da.set_index(presentation="stimulus_id").sel(presentation=ids).values)
    rng = np.random.default_rng(0)
    acts = activations_from(np.stack([data, rng.normal(size=data.shape)]), ids, layers=["data", "random"])
    res = bench.score_activations(acts, "dummy")
    assert res.best_layer == "data"
    assert res.layers["score"].iloc[0] > 0.95
    assert abs(res.layers["score"].iloc[1]) < 0.3
    exps = res.details["experiments"]
    assert set(exps) == {"243sentences", "384sentences"}
    assert res.raw == pytest.approx(np.mean([exps[e]["scores"]["data"] for e in exps]))
    assert res.ceiling == pytest.approx((0.35378928 + 0.36343748) / 2)
    assert res.normalized == 1.0 and res.normalized_unclipped > 1.0
    rows = res.to_scores({"family": "x", "pair": "", "instruction_tuned": False, "params": 1.0})
    assert list(rows["layer"]) == ["data", "random"] and rows["is_best_layer"].sum() == 1


def test_pereira_score_model_feeds_passages_in_context(pereira_home, monkeypatch):
    home, da = pereira_home
    bench = brainalign.load_benchmark("Pereira2018", data_home=home, device="cpu")
    seen = {}

    def fake_extract(model, passages, *, item_ids=None, **kw):
        seen["passages"], seen["ids"] = passages, item_ids
        rng = np.random.default_rng(1)
        return activations_from(rng.normal(size=(2, len(item_ids), 32)), item_ids, layers=["l0", "l1"])

    import brainalign.extraction as extraction

    monkeypatch.setattr(extraction, "extract_activations", fake_extract)
    res = bench.score(type("M", (), {"name": "fake-model"})())
    assert res.model == "fake-model" and list(res.layers["layer"]) == ["l0", "l1"]
    assert sum(len(p) for p in seen["passages"]) == da.sizes["presentation"] == len(seen["ids"])
    assert len(seen["passages"]) == 11  # 6 + 5 passages


def test_blank_end_to_end(blank_home):
    home, da = blank_home
    bench = load_benchmark("Blank2014", data_home=home, device="cpu")
    stim = bench.stimuli
    assert [len(p) for p in stim["passages"]] == [25, 25, 25]
    ids = stim["item_ids"]
    data = da.set_index(presentation="stimulus_id").sel(presentation=ids).values
    rng = np.random.default_rng(0)
    acts = activations_from(np.stack([data, rng.normal(size=data.shape)]), ids, layers=["data", "random"])
    res = bench.score_activations(acts, "dummy")
    assert res.layers["score"].iloc[0] > 0.95 and abs(res.layers["score"].iloc[1]) < 0.3
    assert res.ceiling == pytest.approx(0.21026591)
    assert len(res.details["split_scores"]["data"]) == 10


def test_missing_items_and_offline_errors(blank_home, tmp_path):
    home, _ = blank_home
    bench = load_benchmark("Blank2014", data_home=home, device="cpu")
    acts = activations_from(np.zeros((3, 4)), ["a", "b", "c"])
    with pytest.raises(ValueError, match="no activations"):
        bench.score_activations(acts, "m")
    with pytest.raises(FileNotFoundError, match="assy_Blank2014_fROI.nc"):
        load_benchmark("Blank2014", data_home=tmp_path / "empty")


@pytest.mark.skipif(not hasattr(brainalign, "load_model"), reason="no model API")
def test_blank_with_tiny_model(blank_home):
    pytest.importorskip("brainalign.models")
    from brainalign.models import tiny_model

    home, _ = blank_home
    bench = load_benchmark("Blank2014", data_home=home, device="cpu")
    res = bench.score(tiny_model("gpt2"), cache=False, progress=False)
    assert len(res.layers) >= 2 and np.isfinite(res.layers["score"]).all()


def test_blank_ridge_metric_groups_by_story(tmp_path, monkeypatch):
    from fixtures_neural import BLANK_STORIES  # noqa: F401

    da = blank_assembly(trs_per_story=20)
    install_assembly(monkeypatch, tmp_path, "Blank2014.fROI", da)
    bench = load_benchmark("Blank2014", data_home=tmp_path, device="cpu", metric="ridge", ridge_splits=3)
    ids = bench.stimuli["item_ids"]
    data = da.set_index(presentation="stimulus_id").sel(presentation=ids).values
    res = bench.score_activations(activations_from(data, ids, layers=["data"]), "dummy")
    assert res.raw > 0.9 and np.isnan(res.ceiling) and np.isnan(res.normalized)
    assert res.details["metric"]["metric"] == "ridge"
    with pytest.raises(ValueError, match="metric"):
        load_benchmark("Blank2014", data_home=tmp_path, metric="lasso")

"""Blank2014 end to end on a format-faithful NetCDF fixture in a temporary data home (the Brain-Score-style triple:
the data itself scores ~1, random features ~0, the ceiling pinned)."""

from __future__ import annotations

import numpy as np
import pytest

from brainalign.benchmarks import benchmark_class, load_benchmark
from brainalign.models import tiny_model
from brainalign.paper import load_table
from fixtures_neural import activations_from, blank_assembly, home_with, install_assembly


@pytest.fixture
def blank_home(tmp_path, monkeypatch):
    return home_with(monkeypatch, tmp_path, "Blank2014.fROI", blank_assembly())


def test_blank_end_to_end(blank_home):
    home, da = blank_home
    bench = load_benchmark("Blank2014", data_home=home, device="cpu")
    stim = bench.stimuli
    assert [len(p) for p in stim.passages] == [25, 25, 25]
    ids = stim.item_ids
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


def test_blank_with_tiny_model(blank_home):
    home, _ = blank_home
    bench = load_benchmark("Blank2014", data_home=home, device="cpu", extraction_kwargs={"cache": False})
    res = bench.score(tiny_model("gpt2"), progress=False)
    assert len(res.layers) >= 2 and np.isfinite(res.layers["score"]).all()


def test_blank_ridge_metric_groups_by_story(tmp_path, monkeypatch):
    da = blank_assembly(trs_per_story=20)
    install_assembly(monkeypatch, tmp_path, "Blank2014.fROI", da)
    bench = load_benchmark("Blank2014", data_home=tmp_path, device="cpu", metric="ridge", ridge_splits=3)
    ids = bench.stimuli.item_ids
    data = da.set_index(presentation="stimulus_id").sel(presentation=ids).values
    res = bench.score_activations(activations_from(data, ids, layers=["data"]), "dummy")
    assert res.raw > 0.9 and np.isnan(res.ceiling) and np.isnan(res.normalized)
    assert res.details["metric"]["metric"] == "ridge"
    with pytest.raises(ValueError, match="metric"):
        load_benchmark("Blank2014", data_home=tmp_path, metric="lasso")


def test_blank_ceiling_pinned_and_rounds_to_table6():
    cls = benchmark_class("Blank2014")
    assert cls.published_ceiling.value == 0.21026591
    printed = load_table("table6").set_index("benchmark")["ceiling"]["Blank2014"]
    assert round(cls.published_ceiling.value, 3) == printed


def test_blank_ceiling_recomputed_on_fixture(blank_home):
    home, _ = blank_home
    res = load_benchmark("Blank2014", data_home=home, device="cpu").recompute_ceiling(n_bootstraps=10, progress=False)
    assert sorted(res.scores) == [2, 3] and 0 < res.ceiling <= 1

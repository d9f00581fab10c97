"""Pereira2018 end to end on a format-faithful NetCDF fixture in a temporary data home (the Brain-Score-style
triple: the data itself scores ~1, random features ~0, the ceiling pinned)."""

from __future__ import annotations

import numpy as np
import pytest

import brainalign
from brainalign.benchmarks import benchmark_class, load_benchmark
from brainalign.models import tiny_model
from brainalign.paper import load_table
from brainalign.data.assemblies import load_assembly, open_assembly
from brainalign.data.pereira2018 import experiment_data, passage_stimuli
from fixtures_neural import activations_from, home_with, pereira_assembly


@pytest.fixture
def pereira_home(tmp_path, monkeypatch):
    return home_with(monkeypatch, tmp_path, "Pereira2018.language", pereira_assembly())


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
    ids = bench.stimuli.item_ids
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

    monkeypatch.setattr("brainalign.benchmarks.base.extract_activations", fake_extract)
    res = bench.score(type("M", (), {"name": "fake-model"})())
    assert res.model == "fake-model" and list(res.layers["layer"]) == ["l0", "l1"]
    assert sum(len(p) for p in seen["passages"]) == da.sizes["presentation"] == len(seen["ids"])
    assert len(seen["passages"]) == 11  # 6 + 5 passages


def test_pereira_ceiling_pinned_and_rounds_to_table6():
    cls = benchmark_class("pereira2018")
    assert cls.published_ceiling.value == pytest.approx((0.35378928 + 0.36343748) / 2, abs=0)
    printed = load_table("table6").set_index("benchmark")["ceiling"]["Pereira2018"]
    assert round(cls.published_ceiling.value, 3) == printed
    assert "Brain-Score" in cls.published_ceiling.source


def test_pereira_ceiling_recomputed_on_fixture(pereira_home):
    home, _ = pereira_home
    bench = load_benchmark("Pereira2018", data_home=home, device="cpu")
    res = bench.recompute_ceiling("384sentences", n_bootstraps=10, progress=False)
    assert res.neuroid_ceilings.shape == (36,) and np.isfinite(res.ceiling)


def test_pereira_with_tiny_model(pereira_home):
    home, _ = pereira_home
    bench = load_benchmark("Pereira2018", data_home=home, device="cpu", extraction_kwargs={"cache": False})
    res = bench.score(tiny_model("llama"), progress=False)
    assert res.layers["layer"].tolist() == ["embedding", "layer.0", "layer.1"]
    assert res.model_info["family"] == "tiny-llama" and res.provenance["brainalign_version"] == brainalign.__version__

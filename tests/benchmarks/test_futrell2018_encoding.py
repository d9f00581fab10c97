"""Futrell2018-encoding: the layer-wise variant (the human data itself as a feature scores high, random features ~0, the
ceiling is Futrell2018's)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import brainalign
from brainalign.benchmarks import benchmark_class
from brainalign.models import tiny_model


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
    """The corpus is one text (Brain-Score's presentation of Futrell2018), as for the surprisal benchmarks."""
    enc = brainalign.load_benchmark("Futrell2018-encoding", data_home=shared_data)
    passages, ids = enc.stimuli.passages, enc.stimuli.item_ids
    assert len(passages) == 1 and len(passages[0]) == 10256 == len(ids)
    assert passages[0][:3] == ["If", "you", "were"] and ids[:3] == [1, 2, 3]
    (req,) = enc.readout_requests()
    assert req.words == tuple(passages[0]) and not req.surprisal and req.storage == "int8"
    assert len(req.state_items) == 9775 and req.item_ids[:3] == (1, 2, 3)
    with pytest.raises(ValueError, match="corpus_readout"):
        brainalign.load_benchmark("Futrell2018-encoding", data_home=shared_data, extraction_kwargs={"per_item": True})


def test_encoding_ceiling_is_futrell2018s():
    assert benchmark_class("futrell2018-encoding").published_ceiling == benchmark_class("futrell2018").published_ceiling


def test_encoding_tiny_model(shared_data):
    enc = brainalign.load_benchmark("Futrell2018-encoding", data_home=shared_data, extraction_kwargs={"cache": False})
    res = enc.score(tiny_model("llama"), progress=False, batch_size=4)
    assert res.layers["layer"].tolist() == ["embedding", "layer.0", "layer.1"]
    assert np.isfinite(res.layers["score"]).all() and res.details["extraction_seconds"] > 0
    assert res.details["storage"] == "int8"


def test_layer_scores_are_memoized_beside_the_activations(shared_data, tmp_path, monkeypatch):
    from brainalign.benchmarks import futrell2018_encoding as enc_mod

    fits = []
    real = enc_mod.cross_validated_ridge
    monkeypatch.setattr(enc_mod, "cross_validated_ridge", lambda *a, **k: fits.append(1) or real(*a, **k))
    enc = brainalign.load_benchmark("Futrell2018-encoding", data_home=shared_data, extraction_kwargs={"cache": tmp_path})
    model = tiny_model("gpt2")
    cold = enc.score(model, progress=False)
    n = len(fits)
    warm = enc.score(model, progress=False)
    assert n == 3 and len(fits) == n and not cold.details["memo"] and warm.details["memo"]
    np.testing.assert_array_equal(warm.layers["score"], cold.layers["score"])
    assert warm.best_layer == cold.best_layer and warm.provenance["model_revision"] == model.revision
    np.testing.assert_array_equal(warm.details["fold_r"]["layer.1"], cold.details["fold_r"]["layer.1"])
    other = brainalign.load_benchmark("Futrell2018-encoding", data_home=shared_data, target="mean_rt_2021",
                                      extraction_kwargs={"cache": tmp_path})
    assert not other.score(model, progress=False).details["memo"] and len(fits) == 2 * n  # other target: refit

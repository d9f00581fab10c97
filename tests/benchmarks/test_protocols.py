"""Scoring protocols: selectable per benchmark, recorded in provenance and scores, and what the paper protocol changes."""

from __future__ import annotations

import numpy as np
import pytest

from brainalign.benchmarks import load_benchmark
from brainalign.benchmarks.blank2014 import Blank2014
from brainalign.benchmarks.pereira2018 import Pereira2018
from brainalign.benchmarks.protocols import PROTOCOLS, get_protocol
from brainalign.models import tiny_model
from fixtures_neural import activations_from, pereira_assembly


def test_protocols_by_name():
    assert set(PROTOCOLS) == {"brainalign", "paper"}
    assert get_protocol(None).name == "brainalign"
    with pytest.raises(ValueError, match="unknown protocol 'papers'"):
        get_protocol("papers")


def test_paper_protocol_draws_folds_over_the_stored_order():
    data = pereira_assembly(passages=(15, 12), per_passage=(4, 4))
    bench = {p: Pereira2018(assembly=data, protocol=p, device="cpu") for p in PROTOCOLS}
    stim = bench["paper"].stimuli
    rng = np.random.default_rng(0)
    acts = activations_from(rng.normal(size=(len(stim.item_ids), 80)), stim.item_ids)
    paper = bench["paper"].score_activations(acts, "x")
    ours = bench["brainalign"].score_activations(acts, "x")
    assert paper.provenance["protocol"] == "paper" and ours.provenance["protocol"] == "brainalign"
    assert paper.details["metric"]["split_order"] == "stored" and paper.details["metric"]["precision"] == "float32"
    assert ours.details["metric"]["split_order"] == "sorted"
    assert paper.raw != pytest.approx(ours.raw, abs=1e-6)  # other folds: another number
    rows = paper.to_scores()
    assert set(rows["protocol"]) == {"paper"}
    # the stored order, not the passage order of the stimuli, is what the folds are drawn over
    exp = bench["paper"].data["243sentences"]
    from brainalign.benchmarks._neural import score_layers

    res = score_layers(acts, exp, [i for i in stim.item_ids if i in set(exp["stimulus_id"].values)],
                       split_order="stored", device="cpu")
    assert res.info["split_order"] == "stored"


def test_committed_layer_represents_a_paper_model(monkeypatch):
    model = tiny_model("llama", seed=0)
    model.info["paper_layer"] = "layer.0.post_attention_layernorm"
    data = pereira_assembly()
    paper = Pereira2018(assembly=data, protocol="paper", device="cpu",
                        extraction_kwargs={"cache": False}).score(model, progress=False)
    assert paper.best_layer == "layer.0.post_attention_layernorm"
    assert paper.details["layer_selection"] == "committed"
    assert paper.details["best_of_layers"]["raw"] == pytest.approx(float(np.nanmax(paper.layers["score"])))
    rows = paper.to_scores()
    assert rows.loc[rows["is_best_layer"], "layer"].tolist() == ["layer.0.post_attention_layernorm"]
    ours = Pereira2018(assembly=data, device="cpu", extraction_kwargs={"cache": False}).score(model, progress=False)
    assert "layer.0.post_attention_layernorm" not in set(ours.layers["layer"])
    assert ours.details["layer_selection"] == "best"


def test_protocols_a_benchmark_does_not_implement_are_refused(shared_data):
    with pytest.raises(ValueError, match="implements the protocol.s. brainalign, not 'paper'"):
        load_benchmark("Futrell2018-encoding", protocol="paper")
    from brainalign.benchmarks.futrell2018_encoding import Futrell2018Encoding

    with pytest.raises(ValueError, match="not one of the paper's benchmarks"):
        Futrell2018Encoding(protocol="paper")
    with pytest.raises(ValueError, match="the paper protocol is the linear metric"):
        Blank2014(assembly=pereira_assembly(), protocol="paper", metric="ridge")
    assert load_benchmark("Futrell2018", protocol="paper").protocol.surprisal["context"] == "literal"

"""Activation extraction: one forward per passage equals per-item cumulative feeding (Brain-Score's semantics)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from brainalign.activations.extract import StimulusError, extract_activations
from brainalign.models import tiny_model

PASSAGES = [
    ["The old boar lived at the edge of the forest.",
     "Every morning he walked down to the water, drank, and looked at the hills."],
    ["\"Nobody remembers me,\" he said to the heron.", "It's 1,234 miles (about 1,986 km) away -- isn't it?", "Yes!"],
    ["Children from the village sometimes came to watch him;", "they threw apples, laughed, and ran away."],
]


def _reference(model, passages, last_norm):
    """Per-item cumulative feeding with plain Hugging Face calls: hidden_states of each prefix, last token."""
    rows = []
    tok = model.tokenizer
    for items in passages:
        for j in range(len(items)):
            ids = tok(" ".join(items[:j + 1]), return_tensors="pt", truncation=True, max_length=model.max_length)
            with torch.no_grad():
                out = model.hf_model(**ids, output_hidden_states=True)
            rows.append(torch.stack([h[0, -1] for h in out.hidden_states]).numpy())
    return np.stack(rows, axis=1), last_norm  # [n_layers, n_items, hidden]


@pytest.mark.parametrize("arch, norm", [("llama", "norm"), ("gpt2", "ln_f")])
def test_one_pass_equals_per_item_feeding(arch, norm):
    model = tiny_model(arch, seed=1)
    acts = extract_activations(model, PASSAGES, cache=False, progress=False, batch_size=2)
    assert acts.dims == ("layer", "item", "unit") and acts.dtype == np.float32
    assert acts.shape == (3, 7, 32)
    assert list(acts["passage"].values) == [0, 0, 1, 1, 1, 2, 2]
    ref, _ = _reference(model, PASSAGES, norm)
    got = acts.values
    # all layers but the last are hidden_states[:-1]; HF normalises the last hidden state, our readout does not
    np.testing.assert_allclose(got[:-1], ref[:-1], atol=1e-4)
    final_norm = getattr(model.hf_model.base_model, norm)
    with torch.no_grad():
        normed = final_norm(torch.from_numpy(got[-1])).numpy()
    np.testing.assert_allclose(normed, ref[-1], atol=1e-4)
    assert np.abs(got[-1] - ref[-1]).max() > 1e-3  # it really is the un-normalised block output


@pytest.mark.parametrize("arch", ["llama", "gpt2"])
def test_left_truncation_matches_per_item(arch):
    model = tiny_model(arch, seed=2)
    model.max_length = 16  # forces overflow: passages have 20-60 tokens
    one = extract_activations(model, PASSAGES, cache=False, progress=False)
    per = extract_activations(model, PASSAGES, cache=False, progress=False, per_item=True)
    np.testing.assert_allclose(one.values, per.values, atol=1e-4)
    strided = extract_activations(model, PASSAGES, cache=False, progress=False, window_stride=4)
    assert strided.shape == one.shape and np.isfinite(strided.values).all()


def test_t5_per_item_with_decoder_input_ids():
    model = tiny_model("t5", seed=0)
    acts = extract_activations(model, PASSAGES, cache=False, progress=False, batch_size=3)
    assert list(acts["layer"].values) == ["encoder.block.0", "encoder.block.1", "decoder.block.0", "decoder.block.1"]
    tok = model.tokenizer
    items = PASSAGES[1]
    enc = tok(" ".join(items[:2]), return_tensors="pt")
    assert enc.input_ids[0, -1].item() == tok.eos_token_id
    with torch.no_grad():  # the authors' code: decoder_input_ids = input_ids
        out = model.hf_model(**enc, decoder_input_ids=enc.input_ids, output_hidden_states=True)
    # encoder hidden_states[1] = block 0 output; decoder_hidden_states[1] = decoder block 0 output
    np.testing.assert_allclose(acts.values[0, 3], out.encoder_hidden_states[1][0, -1].numpy(), atol=1e-5)
    np.testing.assert_allclose(acts.values[2, 3], out.decoder_hidden_states[1][0, -1].numpy(), atol=1e-5)


def test_batching_does_not_change_results():
    model = tiny_model("llama", seed=0)
    a = extract_activations(model, PASSAGES, cache=False, progress=False, batch_size=1)
    b = extract_activations(model, PASSAGES, cache=False, progress=False, batch_size=8)
    np.testing.assert_allclose(a.values, b.values, atol=1e-5)


def test_item_ids_and_attrs():
    model = tiny_model("gpt2")
    ids = [f"s{i}" for i in range(7)]
    acts = extract_activations(model, PASSAGES, item_ids=ids, cache=False, progress=False)
    assert list(acts["item"].values) == ids
    assert acts.attrs["model_revision"] == model.revision and acts.attrs["readout"].startswith("last-token")


@pytest.mark.parametrize("bad, pattern", [
    ([], "no stimuli"),
    ("just a string", "single string"),
    ([[]], "passage 0 is empty"),
    ([["ok"], ["fine", "  "]], "item 1 of passage 1 is empty"),
    ([["ok", 3]], "not a string"),
    (["a passage as a string"], "is a string"),
])
def test_bad_stimuli(bad, pattern):
    with pytest.raises(StimulusError, match=pattern):
        extract_activations(tiny_model("gpt2"), bad, cache=False, progress=False)


def test_wrong_item_ids():
    with pytest.raises(StimulusError, match="2 item_ids for 3 items"):
        extract_activations(tiny_model("gpt2"), [["a", "b", "c"]], item_ids=[1, 2], cache=False, progress=False)
    with pytest.raises(StimulusError, match="not unique"):
        extract_activations(tiny_model("gpt2"), [["a", "b"]], item_ids=[1, 1], cache=False, progress=False)

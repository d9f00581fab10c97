"""The paper protocol's contexts (brainalign.activations.literal and extract_activations(context="literal"))."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from brainalign.activations import extract_activations, prepare_context, readout_layer_names
from brainalign.activations.literal import growing_contexts, literal_encode, reading_time_jobs, tokenizer_limit
from brainalign.models import tiny_model

FRAGMENTS = [["If you were ", "to journey to ", "the North of ", "England , you "], ["The old boar ", "lived . "]]


def test_prepare_context_is_brainscores():
    assert prepare_context(["a", " ", "b ,", "c"]) == "a b, c"
    assert prepare_context(["If you were ", "to journey "]) == "If you were  to journey "  # trailing spaces kept
    parts = ["Hello ", ", world", "  ", "! ok", "x ;", ". y"]
    assert growing_contexts(parts) == [prepare_context(parts[:j + 1]) for j in range(len(parts))]


@pytest.mark.parametrize("arch", ["gpt2", "llama", "t5"])
def test_literal_readout_is_the_last_token_of_the_context(arch):
    model = tiny_model(arch, seed=0)
    acts = extract_activations(model, FRAGMENTS, cache=False, progress=False, context="literal")
    joined = extract_activations(model, FRAGMENTS, cache=False, progress=False)
    tok = model.tokenizer
    ctx = prepare_context(FRAGMENTS[0][:2])
    ids = torch.tensor([tok(ctx)["input_ids"]])
    with torch.no_grad():
        if arch == "t5":
            out = model.hf_model(input_ids=ids, decoder_input_ids=ids, output_hidden_states=True)
            want = out.encoder_hidden_states[1][0, -1].numpy()  # encoder block 0 at the context's last token
        else:
            want = model.hf_model(input_ids=ids, output_hidden_states=True).hidden_states[1][0, -1].numpy()
    np.testing.assert_allclose(acts.values[1 if arch != "t5" else 0, 1], want, atol=1e-5)
    if arch != "t5":  # the trailing space is its own token for byte-level BPE: joined contexts read another token
        assert np.abs(acts.values[1:] - joined.values[1:]).max() > 1e-3
    assert acts.attrs["readout"].endswith("/literal-context")


def test_literal_equals_joined_where_the_contexts_are_the_joined_prefixes():
    model = tiny_model("llama", seed=1)
    passages = [["The boar ran.", "It stopped."], ["A heron waited by the river."]]
    a = extract_activations(model, passages, cache=False, progress=False, context="literal")
    b = extract_activations(model, passages, cache=False, progress=False, per_item=True)
    np.testing.assert_allclose(a.values, b.values, atol=1e-5)


def test_post_attention_layernorm_sublayers():
    model = tiny_model("llama", seed=0)
    names = readout_layer_names(model, ("post_attention_layernorm",))
    assert names == ["embedding", "layer.0.post_attention_layernorm", "layer.0", "layer.1.post_attention_layernorm",
                     "layer.1"]
    passages = [["The boar ran.", "It stopped."], ["A heron waited by the river."]]
    acts = extract_activations(model, passages, cache=False, progress=False, sublayers=("post_attention_layernorm",))
    plain = extract_activations(model, passages, cache=False, progress=False)
    assert list(acts["layer"].values) == names
    np.testing.assert_array_equal(acts.sel(layer=list(plain["layer"].values)).values, plain.values)
    ids = torch.tensor([model.tokenizer(passages[1][0])["input_ids"]])
    seen = {}
    h = model.hf_model.model.layers[1].post_attention_layernorm.register_forward_hook(
        lambda m, a, o: seen.setdefault("x", o))
    with torch.no_grad():
        model.hf_model(ids)
    h.remove()
    np.testing.assert_allclose(acts.sel(layer="layer.1.post_attention_layernorm").values[-1],
                               seen["x"][0, -1].numpy(), atol=1e-5)
    assert readout_layer_names(tiny_model("gpt2"), ("post_attention_layernorm",)) == ["embedding", "layer.0", "layer.1"]


def test_truncation_and_overflow_accounting():
    tok = tiny_model("llama").tokenizer
    tok.model_max_length = 8
    assert tokenizer_limit(tok) == 8
    ids, over = literal_encode(tok, "The old boar lived at the edge of the forest, where the river turned", 8)
    assert len(ids) == 8 and ids[0] == tok.bos_token_id and over > 0
    full = tok("The old boar lived at the edge of the forest, where the river turned")["input_ids"]
    assert list(ids[1:]) == full[-7:]  # left truncation keeps BOS and the most recent tokens
    tok.model_max_length = int(1e30)
    assert tokenizer_limit(tok) is None
    jobs, _ = reading_time_jobs(tok, ["The", "old", "boar"], None)
    assert jobs[0].targets.tolist() == tok("The")["input_ids"][1:]  # BOS-prefixed first word: scored from BOS


def test_overflowing_activations_name_the_dtype():
    model = tiny_model("gpt2", seed=0)
    def overflow(module, args, out):
        return out * float("inf") if isinstance(out, torch.Tensor) else (out[0] * float("inf"), *out[1:])

    h = model.hf_model.transformer.h[0].register_forward_hook(overflow)
    try:
        with pytest.raises(FloatingPointError, match="overflowed in torch.float32.*float16"):
            extract_activations(model, FRAGMENTS, cache=False, progress=False)
    finally:
        h.remove()

"""Delta checkpoints are applied by the published recipe or refused; exports keep the model for transformers 4."""

from __future__ import annotations

import json

import pytest
import torch

from brainalign.models import load_model
from brainalign.models.delta import apply_delta
from brainalign.models.errors import ModelLoadError
from brainalign.models.export import export_for_transformers4
from brainalign.models.tiny import _random_network, save_tiny_model, tiny_config, tiny_tokenizer


def test_stable_vicuna_delta_is_refused_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("BRAINALIGN_MODEL_CACHE", str(tmp_path))
    with pytest.raises(ModelLoadError, match=r"delta weights.*apply_delta\('huggyllama/llama-13b'"):
        load_model("stable-vicuna-13b")


def test_apply_delta_follows_the_published_recipe(tmp_path, monkeypatch):
    monkeypatch.setenv("BRAINALIGN_MODEL_CACHE", str(tmp_path / "cache"))
    base = save_tiny_model(tmp_path / "base", "llama", seed=0)
    tok = tiny_tokenizer("llama")
    tok.add_special_tokens({"pad_token": "[PAD]"})  # the delta's vocabulary: the base's + [PAD]
    net = _random_network(tiny_config("llama", tok), seed=5)
    net.save_pretrained(tmp_path / "delta")
    tok.save_pretrained(tmp_path / "delta")
    out = apply_delta(base, tmp_path / "delta", name="stable-vicuna-13b", dtype="float32")
    target = load_model("stable-vicuna-13b", device="cpu")  # now it loads: the applied model
    assert target.model_id == "CarperAI/stable-vicuna-13b-delta" and target.info["delta_applied_to"]
    b, d = load_model(str(base), device="cpu").hf_model.state_dict(), net.state_dict()
    t = target.hf_model.state_dict()
    w = "model.layers.0.mlp.down_proj.weight"
    torch.testing.assert_close(t[w], b[w] + d[w])
    emb = "model.embed_tokens.weight"
    torch.testing.assert_close(t[emb][-1], d[emb][-1])  # the new [PAD] row: 0 + delta
    assert (out / "brainalign-delta.json").is_file()


@pytest.mark.parametrize("arch", ["llama", "t5"])
def test_export_for_transformers4(arch, tmp_path):
    src = save_tiny_model(tmp_path / "src", arch, seed=0)
    dst = export_for_transformers4(src, tmp_path / "dst", model_max_length=64)
    tok_cfg = json.loads((dst / "tokenizer_config.json").read_text())
    assert tok_cfg["tokenizer_class"] != "TokenizersBackend" and tok_cfg["model_max_length"] == 64
    cfg = json.loads((dst / "config.json").read_text())
    if arch == "llama":
        assert cfg["rope_theta"] == 10000.0
    a, b = load_model(str(src), device="cpu"), load_model(str(dst), device="cpu")  # still the same model here
    ids = torch.tensor([a.tokenizer("The old boar lived.")["input_ids"]])
    kw = {"decoder_input_ids": ids} if arch == "t5" else {}
    with torch.no_grad():
        torch.testing.assert_close(a.hf_model(ids, **kw).logits, b.hf_model(ids, **kw).logits)

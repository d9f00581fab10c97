"""Activation cache: hit, miss, key changes, corrupt and partial entries."""

from __future__ import annotations

import json

import numpy as np
import pytest

from brainalign.activations import extract as extraction
from brainalign.activations.cache import ActivationCache
from brainalign.activations.extract import extract_activations
from brainalign.models import tiny_model

PASSAGES = [["The boar ran.", "It stopped, and looked back."], ["A heron waited by the river."]]


@pytest.fixture
def counted(monkeypatch):
    """Counts the forward runs of extract_activations."""
    calls = {"n": 0}
    real = extraction._run

    def run(*args, **kwargs):
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(extraction, "_run", run)
    return calls


def test_hit_and_miss(tmp_path, counted):
    model = tiny_model("llama")
    a = extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    assert counted["n"] == 1 and len(list(tmp_path.glob("*.json"))) == 1
    b = extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    assert counted["n"] == 1  # hit
    np.testing.assert_array_equal(a.values, b.values)
    assert list(b["layer"].values) == list(a["layer"].values)
    assert list(b["passage"].values) == [0, 0, 1]
    extract_activations(model, PASSAGES[:1], cache=tmp_path, progress=False)  # other stimuli: miss
    assert counted["n"] == 2
    extract_activations(tiny_model("llama", seed=1), PASSAGES, cache=tmp_path, progress=False)  # other weights: miss
    assert counted["n"] == 3
    extract_activations(model, PASSAGES, item_ids=["a", "b", "c"], cache=tmp_path, progress=False)  # other ids
    assert counted["n"] == 4


def test_cache_false_writes_nothing(tmp_path, monkeypatch, counted):
    monkeypatch.setenv("BRAINALIGN_ACTIVATION_CACHE", str(tmp_path))
    extract_activations(tiny_model("gpt2"), PASSAGES, cache=False, progress=False)
    assert not list(tmp_path.iterdir())
    extract_activations(tiny_model("gpt2"), PASSAGES, cache=True, progress=False)  # default folder from the env
    assert len(list(tmp_path.glob("*.npz"))) == 1


@pytest.mark.parametrize("damage", ["truncate", "flip", "no_manifest", "bad_manifest"])
def test_corrupt_entry_is_recomputed(tmp_path, counted, damage):
    model = tiny_model("gpt2")
    a = extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    (npz,) = tmp_path.glob("*.npz")
    (manifest,) = tmp_path.glob("*.json")
    data = npz.read_bytes()
    if damage == "truncate":
        npz.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        pos = len(data) // 2
        npz.write_bytes(data[:pos] + bytes([data[pos] ^ 0xFF]) + data[pos + 1:])
    elif damage == "no_manifest":  # an interrupted write: data without manifest
        manifest.unlink()
    else:
        manifest.write_text("{not json")
    if damage == "no_manifest":
        b = extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    else:
        with pytest.warns(RuntimeWarning, match="corrupt or incomplete"):
            b = extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    assert counted["n"] == 2  # recomputed, not read
    np.testing.assert_array_equal(a.values, b.values)
    entry = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert entry["shape"] == list(a.shape)
    assert extract_activations(model, PASSAGES, cache=tmp_path, progress=False) is not None
    assert counted["n"] == 2  # the repaired entry is a hit again


def test_no_temporary_files_left(tmp_path):
    extract_activations(tiny_model("gpt2"), PASSAGES, cache=tmp_path, progress=False)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".npz"]
    assert ActivationCache(tmp_path).root == tmp_path.resolve()

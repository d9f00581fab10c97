"""Activation cache: hit, miss, key changes, corrupt and partial entries, cheap verification, storage formats."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from brainalign.activations import extract as extraction
from brainalign.activations.cache import (MANIFEST, STORAGES, ActivationCache, decode_layer, encode_values,
                                          round_trip)
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


def entries(root):
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def test_hit_and_miss(tmp_path, counted):
    model = tiny_model("llama")
    a = extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    assert counted["n"] == 1 and len(entries(tmp_path)) == 1
    b = extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    assert counted["n"] == 1  # hit
    np.testing.assert_array_equal(a.values, b.values)
    assert list(b["layer"].values) == list(a["layer"].values)
    assert list(b["passage"].values) == [0, 0, 1]
    assert b.attrs["model_revision"] == model.revision
    extract_activations(model, PASSAGES[:1], cache=tmp_path, progress=False)  # other stimuli: miss
    assert counted["n"] == 2
    extract_activations(tiny_model("llama", seed=1), PASSAGES, cache=tmp_path, progress=False)  # other weights: miss
    assert counted["n"] == 3
    extract_activations(model, PASSAGES, item_ids=["a", "b", "c"], cache=tmp_path, progress=False)  # other ids
    assert counted["n"] == 4
    extract_activations(model, PASSAGES, cache=tmp_path, progress=False, storage="int8")  # other storage: miss
    assert counted["n"] == 5


def test_cache_false_writes_nothing(tmp_path, monkeypatch, counted):
    monkeypatch.setenv("BRAINALIGN_ACTIVATION_CACHE", str(tmp_path))
    extract_activations(tiny_model("gpt2"), PASSAGES, cache=False, progress=False)
    assert not list(tmp_path.iterdir())
    extract_activations(tiny_model("gpt2"), PASSAGES, cache=True, progress=False)  # default folder from the env
    assert len(entries(tmp_path)) == 1


def _damage(entry, damage):
    values = entry / "values.npy"
    data = values.read_bytes()
    if damage == "truncate":
        values.write_bytes(data[: len(data) // 2])
    elif damage == "flip":  # same size, same header: only the chunk checksum can see it
        pos = len(data) - 7
        values.write_bytes(data[:pos] + bytes([data[pos] ^ 0xFF]) + data[pos + 1:])
    elif damage == "header":  # same size, another dtype in the header
        values.write_bytes(data.replace(b"'<f4'", b"'<i4'", 1))
    elif damage == "missing_file":
        (entry / "unit.npy").unlink()
    elif damage == "no_manifest":  # an interrupted write: data without manifest
        (entry / MANIFEST).unlink()
    else:
        (entry / MANIFEST).write_text("{not json")


@pytest.mark.parametrize("damage", ["truncate", "flip", "header", "missing_file", "no_manifest", "bad_manifest"])
def test_corrupt_entry_is_recomputed(tmp_path, counted, damage):
    model = tiny_model("gpt2")
    a = extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    (entry,) = entries(tmp_path)
    _damage(entry, damage)
    if damage == "no_manifest":
        b = extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    else:
        with pytest.warns(RuntimeWarning, match="corrupt or incomplete"):
            b = extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    assert counted["n"] == 2  # recomputed, not read
    np.testing.assert_array_equal(a.values, b.values)
    manifest = json.loads((entries(tmp_path)[0] / MANIFEST).read_text())
    assert manifest["files"]["values"]["shape"] == list(a.shape)
    assert extract_activations(model, PASSAGES, cache=tmp_path, progress=False) is not None
    assert counted["n"] == 2  # the repaired entry is a hit again


def test_header_level_does_not_read_the_data(tmp_path):
    """verify="header" checks sizes and headers only (a flipped byte passes); "chunks" and "full" catch it."""
    model = tiny_model("gpt2")
    extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    (entry,) = entries(tmp_path)
    _damage(entry, "flip")
    key = entry.name
    assert ActivationCache(tmp_path, verify="header").load(key) is not None
    for level in ("chunks", "full"):
        with pytest.warns(RuntimeWarning, match="checksum|sha256"):
            assert ActivationCache(tmp_path, verify=level).load(key) is None
        extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
        _damage(entries(tmp_path)[0], "flip")
    with pytest.raises(ValueError, match="verify"):
        ActivationCache(tmp_path, verify="never")


def test_values_are_memory_mapped_npy(tmp_path):
    extract_activations(tiny_model("gpt2"), PASSAGES, cache=tmp_path, progress=False)
    (entry,) = entries(tmp_path)
    assert isinstance(np.load(entry / "values.npy", mmap_mode="r"), np.memmap)
    arrays, manifest = ActivationCache(tmp_path).load_arrays(entry.name)
    assert isinstance(arrays["values"], np.memmap) and manifest["meta"]["storage"] == "float32"


def test_no_temporary_files_left(tmp_path):
    extract_activations(tiny_model("gpt2"), PASSAGES, cache=tmp_path, progress=False)
    assert len(entries(tmp_path)) == 1 and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert sorted(p.name for p in entries(tmp_path)[0].iterdir())[:2] == ["item.npy", "item__passage.npy"]
    assert ActivationCache(tmp_path).root == tmp_path.resolve()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_cache_warns_once_and_goes_on(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.warns(RuntimeWarning, match="cannot be written"):
            a = extract_activations(tiny_model("gpt2"), PASSAGES, cache=ro, progress=False)
        assert a.shape[1] == 3
    finally:
        ro.chmod(0o700)


def test_failed_write_warns_once_and_goes_on(tmp_path, monkeypatch):
    from brainalign.activations import cache as cache_mod

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_mod.np, "save", full)
    monkeypatch.setattr(cache_mod, "_WARNED", set())
    with pytest.warns(RuntimeWarning, match="No space left"):
        a = extract_activations(tiny_model("gpt2"), PASSAGES, cache=tmp_path, progress=False)
    assert a.shape[1] == 3 and not entries(tmp_path)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second failure in the same folder is silent
        extract_activations(tiny_model("gpt2"), PASSAGES[:1], cache=tmp_path, progress=False)


@pytest.mark.parametrize("storage", STORAGES)
def test_storage_round_trip_and_bounds(storage):
    rng = np.random.default_rng(0)
    values = rng.standard_normal((3, 50, 8)).astype(np.float32)
    values[1] *= 1e5  # beyond the float16 range: scaled by a power of two
    values[2, :, 3] = 7.0  # a constant unit
    arrays = encode_values(values, storage)
    decoded = np.stack([decode_layer(arrays, storage, k) for k in range(3)])
    np.testing.assert_array_equal(decoded, round_trip(values, storage))
    assert np.isfinite(decoded).all() and decoded.dtype == np.float32
    if storage == "float32":
        np.testing.assert_array_equal(decoded, values)
    elif storage == "float16":
        assert np.abs(decoded - values).max() <= np.abs(values).max() * 2.0 ** -10
        np.testing.assert_allclose(decoded, values, rtol=2.0 ** -10)
    else:
        step = (values.max(1) - values.min(1)) / 255
        assert (np.abs(decoded - values) <= step[:, None, :] / 2 + 1e-6 * np.abs(values)).all()
        assert arrays["values"].dtype == np.uint8 and arrays["values"].nbytes == values.nbytes // 4
    np.testing.assert_array_equal(decoded[2, :, 3], 7.0)


def test_compact_storage_returns_what_a_read_returns(tmp_path, counted):
    model = tiny_model("llama")
    cold = extract_activations(model, PASSAGES, cache=tmp_path, progress=False, storage="int8")
    warm = extract_activations(model, PASSAGES, cache=tmp_path, progress=False, storage="int8")
    assert counted["n"] == 1
    np.testing.assert_array_equal(cold.values, warm.values)
    exact = extract_activations(model, PASSAGES, cache=False, progress=False)
    assert 0 < np.abs(cold.values - exact.values).max() < 0.05 * np.abs(exact.values).max()
    (entry,) = entries(tmp_path)
    extract_activations(model, PASSAGES, cache=tmp_path, progress=False)  # float32 beside it
    other = next(e for e in entries(tmp_path) if e != entry)
    assert (entry / "values.npy").stat().st_size - 128 == ((other / "values.npy").stat().st_size - 128) // 4
    with pytest.raises(ValueError, match="storage"):
        extract_activations(model, PASSAGES, cache=False, progress=False, storage="int4")

"""The activation cache used best-effort (issue 13, D4, D9, D15): a cache that cannot be written or read costs a
warning, never a result; stray temporary files are removed; the batch size is part of the key and the provenance.

Real permission cases run as an unprivileged user in tests/test_cli.py; here the OS errors are injected."""

from __future__ import annotations

import errno
import os
import warnings

import numpy as np
import pytest

from brainalign.activations import cache as cache_module
from brainalign.activations.extract import extract_activations
from brainalign.models import tiny_model

PASSAGES = [["The boar ran.", "It stopped, and looked back."], ["A heron waited by the river."]]


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "No space left"), (errno.EACCES, "Permission denied")])
def test_a_cache_that_cannot_be_written_warns_once_and_goes_on(tmp_path, monkeypatch, code, words):
    def refuse(self, *args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(cache_module.ActivationCache, "save", refuse)
    model = tiny_model("llama")
    with pytest.warns(RuntimeWarning) as caught:
        a = extract_activations(model, PASSAGES, cache=tmp_path / f"c{code}", progress=False)
        b = extract_activations(model, PASSAGES[:1], cache=tmp_path / f"c{code}", progress=False)
    messages = [str(w.message) for w in caught if "activation cache" in str(w.message)]
    assert len(messages) == 1, messages  # once per cache folder
    assert str(tmp_path / f"c{code}") in messages[0] and words in messages[0]
    assert "BRAINALIGN_ACTIVATION_CACHE" in messages[0]
    np.testing.assert_array_equal(a.values[:, :2], b.values)


def test_an_entry_that_cannot_be_deleted_is_not_fatal(tmp_path, monkeypatch):
    # a corrupt entry in a read-only cache: "deleted and recomputed" must not raise from inside its except
    model = tiny_model("gpt2")
    extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    values = sorted(tmp_path.glob("*/*.npy"), key=lambda p: p.stat().st_size)[-1]  # the largest array of the entry
    values.write_bytes(values.read_bytes()[:100])

    def refuse(self, key):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(cache_module.ActivationCache, "delete", refuse)
    monkeypatch.setattr(cache_module.ActivationCache, "save", lambda self, *a, **k: refuse(self, None))
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        out = extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    assert out.shape[1] == 3


def test_stray_temporaries_of_dead_writers_are_removed(tmp_path):
    # D9: a writer killed inside a multi-GB cache write leaves .tmp-*.part (a file, or an entry's folder); the next
    # write removes it
    from brainalign.atomic import host_tag

    import subprocess
    import sys

    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout)
    tmp_path.mkdir(exist_ok=True)
    stray = tmp_path / f".tmp-abc.npz.{dead}@{host_tag()}.x1y2.part"
    stray.write_bytes(b"\0" * 1000)
    stray_entry = tmp_path / f".tmp-0123abcd.{dead}@{host_tag()}.d.part"
    stray_entry.mkdir()
    (stray_entry / "values.npy").write_bytes(b"\0" * 1000)
    live = tmp_path / f".tmp-def.npz.{os.getpid()}@{host_tag()}.x3y4.part"  # a writer still running: kept
    live.write_bytes(b"\0")
    extract_activations(tiny_model("gpt2"), PASSAGES, cache=tmp_path, progress=False)
    assert not stray.exists() and not stray_entry.exists() and live.exists()


def test_batch_size_is_in_the_key_and_the_provenance(tmp_path):
    # D15: activations differ (slightly) with the batch size, so one batch size never serves another's cache hit
    model = tiny_model("gpt2")
    a = extract_activations(model, PASSAGES, cache=tmp_path, progress=False, batch_size=1)
    b = extract_activations(model, PASSAGES, cache=tmp_path, progress=False, batch_size=2)
    assert len(list(tmp_path.glob("*/manifest.json"))) == 2
    assert a.attrs["batch_size"] == 1 and b.attrs["batch_size"] == 2
    hit = extract_activations(model, PASSAGES, cache=tmp_path, progress=False, batch_size=2)
    assert hit.attrs["batch_size"] == 2 and len(list(tmp_path.glob("*/manifest.json"))) == 2


def test_an_entry_with_a_damaged_identity_is_recomputed(tmp_path):
    # found by the fault injection: one flipped character in a manifest's model_id (still valid JSON) reached the
    # provenance of the scores; an entry must carry the identity it was asked for
    import json

    model = tiny_model("gpt2")
    a = extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    (manifest,) = tmp_path.glob("*/manifest.json")
    entry = json.loads(manifest.read_text())
    entry["meta"]["attrs"]["model_id"] = entry["meta"]["attrs"]["model_id"] + "x"
    manifest.write_text(json.dumps(entry))
    with pytest.warns(RuntimeWarning, match="its model_id is"):
        b = extract_activations(model, PASSAGES, cache=tmp_path, progress=False)
    assert b.attrs["model_id"] == a.attrs["model_id"] == model.model_id
    np.testing.assert_array_equal(a.values, b.values)

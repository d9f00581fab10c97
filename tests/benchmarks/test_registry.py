"""The benchmark registry: a new benchmark is one file, found without touching any other file.

The worked example of the book page *Extending brainalign* (``book/examples/wordlength_probe.py``) is copied into a
temporary folder named by ``BRAINALIGN_BENCHMARK_PATH``; the registry finds it, the CLI lists it and scores a tiny
model on it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from brainalign import benchmarks as registry
from brainalign.benchmarks import UnknownBenchmarkError, benchmark_class, list_benchmarks, load_benchmark
from brainalign.benchmarks.base import Benchmark
from brainalign.models import save_tiny_model, tiny_model

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "book" / "examples" / "wordlength_probe.py"
BUILT_IN = {"Futrell2018", "Futrell2018-encoding", "Pereira2018", "Blank2014", "Wehbe2014"}


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    folder = tmp_path / "my-benchmarks"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / EXAMPLE.name)
    monkeypatch.setenv("BRAINALIGN_BENCHMARK_PATH", str(folder))
    yield folder
    registry._REGISTRY.pop("wordlength-probe", None)


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "brainalign.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=600)


def test_built_in_benchmarks_are_found_and_declare_their_facts():
    names = set(list_benchmarks())
    assert BUILT_IN <= names
    for name in BUILT_IN:
        cls = benchmark_class(name.lower())
        assert issubclass(cls, Benchmark) and cls.name == name
        assert cls.description and cls.label and cls.datasets and cls.published_ceiling.source
    with pytest.raises(UnknownBenchmarkError, match="Did you mean Futrell2018"):
        benchmark_class("Futrel2018")


def test_a_new_file_is_a_new_benchmark(plugin_dir, shared_data):
    assert "WordLength-probe" in list_benchmarks()
    bench = load_benchmark("wordlength-probe", extraction_kwargs={"cache": False})
    result = bench.score(tiny_model("llama"), progress=False)
    assert result.layers["layer"].tolist() == ["embedding", "layer.0", "layer.1"]
    assert np.isfinite(result.layers["score"]).all() and result.ceiling == 1.0


def test_the_cli_lists_and_scores_the_new_benchmark(plugin_dir, shared_data, tmp_path):
    env = {**os.environ, "BRAINALIGN_BENCHMARK_PATH": str(plugin_dir), "BRAINALIGN_DATA": str(shared_data)}
    listed = _cli("benchmarks", "--json", env=env)
    rows = {r["name"]: r for r in map(json.loads, listed.stdout.splitlines())}
    assert rows["WordLength-probe"]["data"].startswith("found"), listed.stderr
    model = save_tiny_model(tmp_path / "tiny", "gpt2")
    scored = _cli("score", str(model), "-b", "WordLength-probe", "--device", "cpu", "--json",
                  "--out", str(tmp_path / "results"), env=env)
    assert scored.returncode == 0, scored.stderr
    line = json.loads(scored.stdout.splitlines()[0])
    assert line["benchmark"] == "WordLength-probe" and line["status"] == "done" and 0 <= line["raw"] <= 1


def test_a_broken_plugin_is_skipped_with_a_warning(tmp_path, monkeypatch):
    (tmp_path / "broken.py").write_text("raise ImportError('no such thing')\n")
    monkeypatch.setenv("BRAINALIGN_BENCHMARK_PATH", str(tmp_path))
    with pytest.warns(RuntimeWarning, match="broken.py .* failed to import"):
        names = list_benchmarks()
    assert BUILT_IN <= set(names)


def test_names_are_unique():
    class Again(Benchmark):
        name = "futrell2018"

    with pytest.raises(ValueError, match="taken by brainalign.benchmarks.futrell2018.Futrell2018"):
        registry.register_benchmark(Again)
    with pytest.raises(TypeError, match="no `name`"):
        registry.register_benchmark(type("Nameless", (Benchmark,), {}))

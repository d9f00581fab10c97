"""Sweep machinery on the local executor: models files, resume, failure isolation (fast; tiny random models).

The benchmarks here are small test doubles computed from the real model weights (registered for the test only);
the end-to-end tests on the real Futrell2018 benchmark and a Dask LocalCluster are in tests/test_cli.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from brainalign import benchmarks as registry
from brainalign.benchmarks import UnknownBenchmarkError
from brainalign.benchmarks.base import Benchmark, Ceiling
from brainalign.data.fetch import DataNotFoundError
from brainalign.models import save_tiny_model
from brainalign.run import (ModelsFileError, parse_model_line, read_models_file, resolve_benchmarks, run_model_job,
                            run_sweep)
from brainalign.run.identity import identify
from brainalign.scores.store import MemoryStore, ModelRequest, iter_errors, read_results


class WeightNormBenchmark(Benchmark):
    """Layer-wise 'score' = RMS of each block's parameters (deterministic in the weights)."""

    name = "WeightNorm"
    published_ceiling = Ceiling(2.0, "test double")
    seen: dict = {}

    def score(self, model, *, batch_size=None, progress=True):
        WeightNormBenchmark.seen = {"batch_size": batch_size, "progress": progress}
        blocks = [b for stack in model.blocks().values() for b in stack]
        values = {}
        for layer, block in zip(model.layer_names, blocks):
            params = np.concatenate([p.detach().cpu().numpy().ravel() for p in block.parameters()])
            values[layer] = float(np.sqrt(np.mean(params.astype(np.float64) ** 2)))
        return self.finish(self.result(model.name, values), model)


class FailsOnSeedOneBenchmark(WeightNormBenchmark):
    """Raises for one particular model (to check that one failure does not stop the others)."""

    name = "FailsOnB"

    def score(self, model, **kw):
        if model.name.endswith("-b"):
            raise RuntimeError("simulated failure on model b")
        return super().score(model, **kw)


class MissingDataBenchmark(WeightNormBenchmark):
    """Its data are missing: the constructor raises, as the real benchmarks do."""

    name = "MissingData"

    def __init__(self, **kwargs):
        raise DataNotFoundError("fixture.nc is not in the data home")


@pytest.fixture()
def fake_benchmarks():
    """Register the test doubles for one test only (the registry is process-wide)."""
    doubles = [WeightNormBenchmark, FailsOnSeedOneBenchmark, MissingDataBenchmark]
    for cls in doubles:
        registry.register_benchmark(cls)
    yield ["WeightNorm", "FailsOnB"]
    for cls in doubles:
        registry._REGISTRY.pop(cls.name.lower(), None)


@pytest.fixture(scope="module")
def tiny_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return [save_tiny_model(root / "tiny-a", "llama", seed=0), save_tiny_model(root / "tiny-b", "gpt2", seed=1)]


def test_models_file_format(tmp_path):
    path = tmp_path / "models.txt"
    path.write_text("# my sweep\n\nflan-t5-base\nopenai-community/gpt2 revision=607a30d  # pinned\n"
                    "gpt2-small untrained\n'./dir with space'\nflan-t5-base\n")
    reqs = read_models_file(path)
    assert reqs == [ModelRequest("flan-t5-base"), ModelRequest("openai-community/gpt2", revision="607a30d"),
                    ModelRequest("gpt2-small", untrained=True), ModelRequest("./dir with space")]
    assert parse_model_line("   # only a comment") is None
    bad = tmp_path / "bad.txt"
    bad.write_text("gpt2-small\ngpt2-small dtype=fp16\n")
    with pytest.raises(ModelsFileError, match=r"bad.txt:2: .*unknown option 'dtype=fp16'"):
        read_models_file(bad)
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    with pytest.raises(ModelsFileError, match="lists no model"):
        read_models_file(empty)


def test_resolve_benchmarks():
    assert resolve_benchmarks(None) == ["Pereira2018", "Blank2014", "Wehbe2014", "Futrell2018"]
    assert resolve_benchmarks(["futrell2018", "ALL"])[0] == "Futrell2018"
    assert len(resolve_benchmarks(["futrell2018", "ALL"])) == 4
    with pytest.raises(UnknownBenchmarkError, match="Did you mean Pereira2018"):
        resolve_benchmarks(["Pereira2019"])


def test_local_sweep_resumes_and_isolates_failures(tmp_path, tiny_dirs, fake_benchmarks):
    out = tmp_path / "results"
    reqs = [ModelRequest(str(d)) for d in tiny_dirs]
    report = run_sweep(reqs, fake_benchmarks, out, device="cpu", progress=False)
    status = {(o.model, o.benchmark): o.status for o in report.outcomes}
    a, b = map(str, tiny_dirs)
    assert status == {(a, "WeightNorm"): "done", (a, "FailsOnB"): "done",
                      (b, "WeightNorm"): "done", (b, "FailsOnB"): "error"}
    assert "simulated failure on model b" in report.failed[0].error
    assert "FAILED" in report.describe()
    errors = list(iter_errors(out))
    assert len(errors) == 1 and "simulated failure" in errors[0]["traceback"]
    first = read_results(out)
    na, nb = (identify(r).name for r in reqs)
    assert na.startswith("tiny-a@") and nb.startswith("tiny-b@")
    assert set(zip(first["model"], first["benchmark"])) == {(na, "WeightNorm"), (na, "FailsOnB"), (nb, "WeightNorm")}
    assert first.groupby(["model", "benchmark"])["is_best_layer"].sum().eq(1).all()
    assert (first["n_layers"] > 0).all() and (first["model_revision"] != "").all()

    # second run: done tasks are skipped (files untouched), the failed one is retried (and fails again)
    mtimes = {p: p.stat().st_mtime_ns for p in out.glob("*.csv")}
    again = run_sweep(reqs, fake_benchmarks, out, device="cpu", progress=False)
    assert again.counts() == {"done": 0, "skipped": 3, "error": 1}
    assert {p: p.stat().st_mtime_ns for p in out.glob("*.csv")} == mtimes
    skipped = [o for o in again.outcomes if o.status == "skipped"]
    assert all(o.summary["best_layer"] for o in skipped)
    pd.testing.assert_frame_equal(read_results(out), first)


def test_missing_model_fails_alone(tmp_path, tiny_dirs, fake_benchmarks):
    reqs = [ModelRequest(str(tmp_path / "no-such-model")), ModelRequest(str(tiny_dirs[0]))]
    report = run_sweep(reqs, ["WeightNorm"], tmp_path / "r", device="cpu", progress=False)
    assert [o.status for o in report.outcomes] == ["error", "done"]
    assert report.outcomes[0].error


def test_bad_executor_options(tmp_path):
    with pytest.raises(ValueError, match="unknown executor"):
        run_sweep([ModelRequest("x")], ["Futrell2018"], tmp_path, executor="ray")
    with pytest.raises(ValueError, match="needs --executor dask"):
        run_sweep([ModelRequest("x")], ["Futrell2018"], tmp_path, scheduler="tcp://127.0.0.1:1")


def test_batch_size_and_progress_reach_the_benchmark(tiny_dirs, fake_benchmarks):
    store = MemoryStore()
    outcomes = run_model_job(ModelRequest(str(tiny_dirs[0])), ["WeightNorm"], store, device="cpu", batch_size=3,
                             progress=False)
    assert WeightNormBenchmark.seen == {"batch_size": 3, "progress": False}
    assert outcomes[0].status == "done" and outcomes[0].load_seconds > 0
    assert store.results[outcomes[0].key].best_layer in store.scores[outcomes[0].key]["layer"].tolist()
    assert store.records[outcomes[0].key]["model"]["n_layers"] == 3


def test_missing_data_fails_before_the_model_is_loaded(tmp_path, tiny_dirs, fake_benchmarks):
    # the model does not exist either: the reported error must be the data's, i.e. no load was attempted
    report = run_sweep([ModelRequest(str(tmp_path / "absent-model"))], ["MissingData"], tmp_path / "r",
                       progress=False)
    assert report.outcomes[0].status == "error"
    assert report.outcomes[0].error.startswith("DataNotFoundError: fixture.nc")
    # with a real model, the other benchmark is still scored
    report = run_sweep([ModelRequest(str(tiny_dirs[0]))], ["MissingData", "WeightNorm"], tmp_path / "r2",
                       device="cpu", progress=False)
    assert [o.status for o in report.outcomes] == ["error", "done"]

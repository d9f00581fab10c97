"""Fault injection (issue 13): sweeps killed at random points, results and cache files damaged between runs, two
sweeps at once; every round must end with a results directory that reads back equal, row for row, to an undisturbed
run.

Each round works on its own results directory (the activation cache is shared by all rounds, so cache damage carries
over) and is a random sequence of 1-3 *disturbed cycles* followed by a *final* run:

- a disturbed cycle starts one sweep, or two sweeps a random 0-2 s apart on the same directory, and kills each at a
  random moment (SIGKILL mostly, also SIGTERM and SIGINT), or lets it finish; then it damages 0-3 random files of the
  results directory (scores files and records: truncated, bit-flipped, garbage, emptied, deleted) and 0-2 of the
  activation cache, and sometimes drops a backup copy or a stray CSV into the directory;
- the final run is one sweep, or two at once, left to finish: each must exit 0.

The models are three tiny random-init models, two of them in folders named ``final`` (exp1/final, exp2/final); the
benchmarks are the fast plugin probes of ``tests/fault_doubles.py``. Rounds: ``BRAINALIGN_FAULT_ROUNDS`` (default 20),
seed ``BRAINALIGN_FAULT_SEED`` (default 13). The counts are printed and written to ``BRAINALIGN_FAULT_REPORT`` if set.
"""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

from brainalign.scores.store import read_results
from fault_doubles import BENCHMARKS, ROOT, cli_command, cli_env, comparable, write_plugin

pytestmark = pytest.mark.slow

ROUNDS = int(os.environ.get("BRAINALIGN_FAULT_ROUNDS", "20"))
SEED = int(os.environ.get("BRAINALIGN_FAULT_SEED", "13"))
SIGNALS = [signal.SIGKILL] * 4 + [signal.SIGTERM, signal.SIGINT]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from brainalign.models import save_tiny_model

    root = tmp_path_factory.mktemp("fault-injection")
    models = [save_tiny_model(root / "exp1" / "final", "llama", seed=0),
              save_tiny_model(root / "exp2" / "final", "gpt2", seed=1),
              save_tiny_model(root / "tiny-c", "llama", seed=2)]
    models_file = root / "models.txt"
    models_file.write_text("".join(f"{m}\n" for m in models))
    plugin = write_plugin(root / "plugin")
    reference = root / "reference"
    done = subprocess.run(cli_command("sweep", str(models_file), "-b", *BENCHMARKS, "--device", "cpu", "--out",
                                      str(reference)), cwd=ROOT, env=cli_env(plugin, root / "reference-cache"),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    ref = read_results(reference)
    assert len(ref) > 0 and ref.groupby(["model", "benchmark"]).ngroups == 6
    return root, models_file, plugin, ref


def _start(models_file: Path, out: Path, env: dict[str, str]) -> subprocess.Popen:
    """A sweep writing to temporary files (a pipe that nobody reads would block a sweep that writes more than the
    pipe holds, and look like a hang)."""
    args = cli_command("sweep", str(models_file), "-b", *BENCHMARKS, "--device", "cpu", "--json", "--out", str(out))
    files = tempfile.TemporaryFile(mode="w+"), tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=files[0], stderr=files[1], text=True)
    proc.files = files  # type: ignore[attr-defined]
    return proc


def _output(proc: subprocess.Popen, timeout: float | None = None) -> tuple[str, str]:
    """stdout and stderr of a sweep, once it has ended."""
    proc.wait(timeout=timeout)
    texts = []
    for f in proc.files:  # type: ignore[attr-defined]
        f.seek(0)
        texts.append(f.read())
        f.close()
    return texts[0], texts[1]


def _stderr_so_far(proc: subprocess.Popen) -> str:
    f = proc.files[1]  # type: ignore[attr-defined]
    f.flush()
    f.seek(0)
    return f.read()[-3000:]


def _damage(path: Path, rng: random.Random) -> str:
    data = path.read_bytes()
    kind = rng.choice(["truncate", "flip", "garbage", "empty", "delete"])
    if kind == "truncate" and len(data) > 1:
        path.write_bytes(data[:rng.randrange(1, len(data))])
    elif kind == "flip" and data:
        pos = rng.randrange(len(data))
        path.write_bytes(data[:pos] + bytes([data[pos] ^ (1 << rng.randrange(8))]) + data[pos + 1:])
    elif kind == "garbage":
        path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))))
    elif kind == "empty":
        path.write_bytes(b"")
    else:
        kind = "delete"
        path.unlink()
    return kind


def _damage_some(folder: Path, patterns: tuple[str, ...], n: int, rng: random.Random, counts: collections.Counter,
                 label: str) -> None:
    files = sorted(p for pat in patterns for p in folder.glob(pat) if p.is_file())
    for path in rng.sample(files, min(n, len(files))):
        counts[f"{label} damaged ({_damage(path, rng)})"] += 1


def test_random_faults_always_end_in_the_undisturbed_table(setup):
    root, models_file, plugin, reference = setup
    rng = random.Random(SEED)
    cache = root / "shared-cache"
    env = cli_env(plugin, cache, BRAINALIGN_TEST_SLEEP="0.3")
    counts: collections.Counter = collections.Counter()
    for round_no in range(ROUNDS):
        out = root / f"round-{round_no:02d}"
        for _ in range(rng.randint(1, 3)):
            counts["disturbed cycles"] += 1
            n_procs = rng.choice([1, 2])
            procs = []
            for i in range(n_procs):
                if i:
                    time.sleep(rng.uniform(0, 2))
                procs.append(_start(models_file, out, env))
            counts[f"cycles with {n_procs} sweep(s) at once"] += 1
            started = time.monotonic()
            killed: set[int] = set()
            plans = [(rng.uniform(0.5, 14.0), rng.choice(SIGNALS)) if rng.random() < 0.85 else (None, None)
                     for _ in procs]
            while any(p.poll() is None for p in procs):
                now = time.monotonic() - started
                for p, (when, sig) in zip(procs, plans):
                    if when is not None and p.poll() is None and now >= when:
                        p.send_signal(sig)
                        killed.add(p.pid)
                        counts[f"killed ({signal.Signals(sig).name})"] += 1
                        plans[procs.index(p)] = (None, None)
                assert now < 600, f"round {round_no}: a sweep hung:\n" + "\n".join(map(_stderr_so_far, procs))
                time.sleep(0.02)
            for p, (_, sig) in zip(procs, plans):
                _, stderr = _output(p)
                if p.returncode == 0:
                    counts["disturbed sweeps that finished"] += 1
                else:  # only a signal may stop a sweep: no task may fail
                    assert p.pid in killed and p.returncode in (-signal.SIGKILL, -signal.SIGTERM, -signal.SIGINT,
                                                                 130), f"round {round_no}: {stderr[-3000:]}"
            if out.exists():
                _damage_some(out, ("*.csv", "*.json"), rng.randint(0, 3), rng, counts, "result file")
                if rng.random() < 0.2 and list(out.glob("*.csv")):
                    (out / "backup").mkdir(exist_ok=True)
                    src = rng.choice(sorted(out.glob("*.csv")))
                    (out / "backup" / src.name).write_bytes(src.read_bytes())
                    (out / "notes.csv").write_text("model,benchmark,score,is_best_layer\nx,y,1,maybe\n")
                    counts["strays planted (backup/ copy, notes.csv)"] += 1
            if cache.exists():
                _damage_some(cache, ("*/*.npy", "*/manifest.json"), rng.randint(0, 2), rng, counts, "cache file")
        # the final run(s): undisturbed, must succeed, and the directory must read back as the reference
        n_final = rng.choice([1, 2])
        procs = [_start(models_file, out, env)]
        if n_final == 2:
            time.sleep(rng.uniform(0, 1))
            procs.append(_start(models_file, out, env))
        for p in procs:
            stdout, stderr = _output(p, timeout=600)
            assert p.returncode == 0, f"round {round_no}: final sweep failed:\n{stderr[-3000:]}"
            for line in map(json.loads, stdout.splitlines()):
                counts[f"final tasks {line['status']}"] += 1
                note = line.get("note", "")
                if "damaged" in note:
                    counts["final tasks recomputed after their result was found damaged"] += 1
                elif "another run" in note:
                    counts["final tasks left to, and finished by, the other sweep"] += 1
        table = read_results(out)
        pd.testing.assert_frame_equal(comparable(table), comparable(reference), check_exact=True,
                                      obj=f"round {round_no}")
        assert not list((out / "_claims").glob("*.json")) if (out / "_claims").exists() else True
        assert not [p for p in out.glob(".tmp-*") if p.is_file()], f"round {round_no}: temporary files left"
        counts["damaged results set aside in _damaged/ (all runs)"] += len(list((out / "_damaged").glob("*"))) \
            if (out / "_damaged").exists() else 0
        counts["rounds equal to the undisturbed run"] += 1
    summary = {"rounds": ROUNDS, "seed": SEED, **dict(sorted(counts.items()))}
    print("\nfault injection:", json.dumps(summary, indent=1))
    if os.environ.get("BRAINALIGN_FAULT_REPORT"):
        Path(os.environ["BRAINALIGN_FAULT_REPORT"]).write_text(json.dumps(summary, indent=1) + "\n")
    assert counts["rounds equal to the undisturbed run"] == ROUNDS >= 1

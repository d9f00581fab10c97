"""Helpers for the fault tests: fast plugin benchmarks, CLI subprocesses (as an unprivileged user), a small tmpfs.

The plugin benchmarks (``TinyProbe-A``, ``TinyProbe-B``) are real layer-wise benchmarks in a plugin folder
(``BRAINALIGN_BENCHMARK_PATH``): they extract activations of a few sentences through the activation cache and score
each layer by a deterministic statistic, so a CLI run on a tiny model takes a few seconds and exercises the results
store and the activation cache like the paper's benchmarks do. ``BRAINALIGN_TEST_SLEEP`` (seconds) makes each of them
pause before scoring, which widens the window in which a kill lands inside a task.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]

PLUGIN = '''
import os
import time

import numpy as np

from brainalign.benchmarks import register_benchmark
from brainalign.benchmarks.base import Benchmark, Ceiling, Stimuli, layer_provenance


class _TinyProbe(Benchmark):
    description = "test double: mean absolute activation per layer on a few sentences"
    label = "probe"
    datasets = ()
    published_ceiling = Ceiling(2.0, "test double")
    sentences = ()

    @property
    def stimuli(self):
        items = [s.split("|") for s in self.sentences]
        return Stimuli(items, [f"s{i}" for i in range(sum(map(len, items)))])

    def score_activations(self, acts, model_name):
        time.sleep(float(os.environ.get("BRAINALIGN_TEST_SLEEP", "0") or 0))
        values = {str(layer): float(np.abs(acts.sel(layer=layer).values).mean()) for layer in acts["layer"].values}
        return self.result(model_name, values, provenance=layer_provenance(acts))


@register_benchmark
class TinyProbeA(_TinyProbe):
    name = "TinyProbe-A"
    sentences = ("The boar ran.|It stopped, and looked back.", "A heron waited by the river.")


@register_benchmark
class TinyProbeB(_TinyProbe):
    name = "TinyProbe-B"
    sentences = ("Rain fell on the old roof.|Nobody came.", "The lamp flickered twice.|Then it went out.")
'''
BENCHMARKS = ["TinyProbe-A", "TinyProbe-B"]


def write_plugin(folder: Path) -> Path:
    """The plugin folder (for ``BRAINALIGN_BENCHMARK_PATH``)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny_probes.py").write_text(PLUGIN)
    folder.chmod(0o755)
    (folder / "tiny_probes.py").chmod(0o644)
    return folder


def cli_env(plugin: Path, cache: Path, **extra: str) -> dict[str, str]:
    """Environment of a CLI subprocess: the checkout first on the path, the plugin, a private activation cache."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BRAINALIGN_BENCHMARK_PATH": str(plugin),
           "BRAINALIGN_ACTIVATION_CACHE": str(cache), "BRAINALIGN_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", **extra}
    return env


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "brainalign.cli", *args]


def as_nobody() -> list[str]:
    """A command prefix that runs as an unprivileged user (file modes apply); skips when that is impossible.

    Not root: no prefix (modes already apply). Root: ``setpriv --reuid 65534`` (nobody), when it works here.
    """
    if os.geteuid() != 0:
        return []
    prefix = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]
    if shutil.which("setpriv") is None:
        pytest.skip("running as root and setpriv is missing: cannot drop privileges, and root ignores file modes")
    probe = subprocess.run(prefix + [sys.executable, "-c", "import os; print(os.geteuid())"], capture_output=True,
                           text=True)
    if probe.returncode != 0 or probe.stdout.strip() != "65534":
        pytest.skip(f"running as root and cannot drop privileges with setpriv ({probe.stderr.strip()[:200]}); root "
                    f"ignores file modes")
    return prefix


def world_writable(*paths: Path) -> None:
    """Let the unprivileged user of :func:`as_nobody` write these folders (created if needed)."""
    for p in paths:
        p.mkdir(parents=True, exist_ok=True)
        p.chmod(0o777)


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str = "64k") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` (ENOSPC on demand); skips when mounting is not allowed."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root: no way to fill a disk here")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", f"brainalign-{uuid.uuid4().hex[:6]}",
                           str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()[:200]})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(folder: Path) -> None:
    """Fill the file system of ``folder`` up to the last byte."""
    for name, block in (("filler", 1 << 16), ("filler-tail", 1)):
        with contextlib.suppress(OSError), open(folder / name, "wb", buffering=0) as f:
            while True:
                f.write(b"\0" * block)


def comparable(df: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by key, without the timestamp (the only column allowed to differ between runs)."""
    return df.drop(columns=["created"]).sort_values(["model", "benchmark", "layer_index"]).reset_index(drop=True)

"""A results directory: one scores file per (model, benchmark) task, written atomically, never rewritten.

``brainalign score`` and ``brainalign sweep`` write here; :func:`read_results` (or
:func:`brainalign.scores.load_scores` on the directory, which reads the same files) gives back one scores table.

Layout of a results directory ``DIR``::

    DIR/
      <model>--<benchmark>-<hash8>.csv     scores of one task (scores format, one row per layer); its presence
                                          means the task is done
      <model>--<benchmark>-<hash8>.json    the task's record: key, rows, best layer, elapsed seconds, host, time
      _errors/<same stem>.json             last failure of a task that is not done (message and traceback)

* **Atomic.** A result file is written to a hidden temporary file (``.tmp-...``) in the same directory, flushed and
  fsync'ed, then renamed over its final name with :func:`os.replace`. A process killed at any moment leaves either no
  result file or a complete one; a stray temporary file is ignored by every reader (hidden files are skipped).
* **Append-only per task.** A done task is skipped by later runs; rerunning it needs an explicit ``overwrite=True``
  (``brainalign score --force``). The record (``.json``) is written after the scores file; a task whose record is
  missing (killed between the two writes) is still done, and its record is rewritten on the next run.
* **Task key.** A task is named by what the user asked for: the model as written (short name, Hugging Face id or
  local path), its revision, the ``untrained`` flag, and the benchmark's registered name. The file stem is a
  readable slug of that key plus 8 hex digits of its SHA-1, so distinct keys never share a file
  (``a/b`` and ``a_b`` differ), whatever characters model names contain.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .atomic import atomic_write_text
from .scores import SCORE_COLUMNS, load_scores, merge_scores, validate_scores

ERRORS_DIR = "_errors"
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


@dataclass(frozen=True)
class TaskKey:
    """What identifies one task of a results directory.

    Attributes
    ----------
    model : str
        The model as the user named it (catalog short name, Hugging Face id or local path).
    benchmark : str
        Registered benchmark name (``"Futrell2018"``, ...).
    revision : str
        Requested revision ("" for the default).
    untrained : bool
        Random-init control of the same architecture.
    """

    model: str
    benchmark: str
    revision: str = ""
    untrained: bool = False

    @property
    def model_label(self) -> str:
        """The model part of the key as one string: ``name[@revision][+untrained]``."""
        label = self.model
        if self.revision:
            label += f"@{self.revision}"
        if self.untrained:
            label += "+untrained"
        return label

    @property
    def stem(self) -> str:
        """File stem: readable slug of the key plus a hash of the exact key."""
        exact = json.dumps([self.model, self.revision, self.untrained, self.benchmark])
        digest = hashlib.sha1(exact.encode()).hexdigest()[:8]
        model = self.model.replace("\\", "/").rstrip("/")
        if model.startswith(("/", ".", "~")):  # a local path: its last component is the informative part
            model = model.rsplit("/", 1)[-1]
        label = model + (f"@{self.revision}" if self.revision else "") + ("+untrained" if self.untrained else "")
        slug = _UNSAFE.sub("_", label).strip("._") or "model"
        bench = _UNSAFE.sub("_", self.benchmark).strip("._") or "benchmark"
        return f"{slug[:80]}--{bench[:40]}-{digest}"


def _key(model: str | TaskKey, benchmark: str | None, revision: str | None, untrained: bool) -> TaskKey:
    if isinstance(model, TaskKey):
        return model
    if benchmark is None:
        raise TypeError("benchmark is required when model is not a TaskKey")
    return TaskKey(model=os.fspath(model), benchmark=benchmark, revision=revision or "", untrained=bool(untrained))


def result_path(results_dir: str | os.PathLike, model: str | TaskKey, benchmark: str | None = None, *,
                revision: str | None = None, untrained: bool = False) -> Path:
    """Path of a task's scores file (whether or not it exists)."""
    return Path(results_dir) / f"{_key(model, benchmark, revision, untrained).stem}.csv"


def is_done(results_dir: str | os.PathLike, model: str | TaskKey, benchmark: str | None = None, *,
            revision: str | None = None, untrained: bool = False) -> bool:
    """True when the task's scores file exists (it is only ever created complete).

    Parameters
    ----------
    results_dir : path-like
        Results directory.
    model : str or TaskKey
        Model as named in the sweep (or a full :class:`TaskKey`, then the other arguments are ignored).
    benchmark : str
        Benchmark name (as registered).
    revision : str, optional
        Requested revision.
    untrained : bool
        Random-init control.
    """
    return result_path(results_dir, model, benchmark, revision=revision, untrained=untrained).is_file()




def write_result(results_dir: str | os.PathLike, key: TaskKey, scores: pd.DataFrame, *, overwrite: bool = False,
                 record: dict[str, Any] | None = None) -> Path:
    """Write one task's scores atomically, then its record.

    Parameters
    ----------
    results_dir : path-like
        Results directory (created if needed).
    key : TaskKey
        The task.
    scores : pandas.DataFrame
        Its rows in the scores format (usually ``BenchmarkResult.to_scores()``), one per layer.
    overwrite : bool
        Replace an existing result (otherwise :class:`FileExistsError`: results are append-only).
    record : dict, optional
        Extra fields for the task record (elapsed seconds, ...).

    Returns
    -------
    pathlib.Path
        The scores file.
    """
    scores = validate_scores(scores)
    if scores.empty:
        raise ValueError(f"task {key.model_label} x {key.benchmark}: no score rows to write")
    path = result_path(results_dir, key)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists: task {key.model_label} x {key.benchmark} is already done "
                              f"(results are append-only; pass overwrite=True / --force to recompute)")
    atomic_write_text(path, scores.to_csv(index=False))
    best = scores[scores["is_best_layer"]].head(1)
    rec = {
        "status": "done",
        "task": asdict(key),
        "file": path.name,
        "rows": int(len(scores)),
        "model": str(best["model"].iloc[0]) if len(best) else str(scores["model"].iloc[0]),
        "best_layer": str(best["layer"].iloc[0]) if len(best) else "",
        "score": float(best["score"].iloc[0]) if len(best) else float("nan"),
        "normalized": float(best["normalized"].iloc[0]) if len(best) else float("nan"),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        **(record or {}),
    }
    atomic_write_text(path.with_suffix(".json"), json.dumps(rec, indent=1, default=str) + "\n")
    err = Path(results_dir) / ERRORS_DIR / f"{key.stem}.json"
    if err.exists():
        err.unlink(missing_ok=True)
    return path


def write_error(results_dir: str | os.PathLike, key: TaskKey, message: str, traceback_text: str = "",
                **extra: Any) -> Path:
    """Record a task's failure in ``DIR/_errors/<stem>.json`` (replaced by the next failure, removed on success)."""
    path = Path(results_dir) / ERRORS_DIR / f"{key.stem}.json"
    rec = {"status": "error", "task": asdict(key), "error": message, "traceback": traceback_text,
           "host": socket.gethostname(), "pid": os.getpid(),
           "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), **extra}
    atomic_write_text(path, json.dumps(rec, indent=1, default=str) + "\n")
    return path


def read_record(results_dir: str | os.PathLike, key: TaskKey) -> dict[str, Any] | None:
    """The task's record (done), its error record (failed and not done), or None."""
    path = result_path(results_dir, key)
    for candidate in (path.with_suffix(".json"), Path(results_dir) / ERRORS_DIR / f"{key.stem}.json"):
        if candidate.is_file():
            try:
                return json.loads(candidate.read_text())
            except json.JSONDecodeError:
                return None
    return None


def read_task(results_dir: str | os.PathLike, key: TaskKey) -> pd.DataFrame:
    """The scores rows of one done task."""
    path = result_path(results_dir, key)
    if not path.is_file():
        raise FileNotFoundError(f"task {key.model_label} x {key.benchmark} has no result in {results_dir}")
    return load_scores(path)


def iter_errors(results_dir: str | os.PathLike) -> Iterator[dict[str, Any]]:
    """Error records of tasks that failed and are not done, oldest file name first."""
    folder = Path(results_dir) / ERRORS_DIR
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.json")):
        try:
            yield json.loads(path.read_text())
        except json.JSONDecodeError:
            continue


def read_results(results_dir: str | os.PathLike) -> pd.DataFrame:
    """All scores of a results directory as one validated table.

    The same files :func:`brainalign.scores.load_scores` reads for a directory (every non-hidden ``*.csv``); an empty
    or missing directory gives an empty table with the scores columns.

    Parameters
    ----------
    results_dir : path-like
        Results directory.

    Returns
    -------
    pandas.DataFrame
        One row per model x benchmark x layer (:data:`brainalign.scores.SCORE_COLUMNS`).
    """
    folder = Path(results_dir)
    if not folder.is_dir() or not any(p for p in folder.rglob("*.csv") if not p.name.startswith(".")):
        return validate_scores(pd.DataFrame({c: pd.Series(dtype=object) for c in SCORE_COLUMNS}))
    return load_scores(folder)


def merge_with_paper(results_dir: str | os.PathLike, base: str | os.PathLike | pd.DataFrame = "paper") -> pd.DataFrame:
    """The paper's table with the fresh scores of ``results_dir`` added (or overriding the same model x benchmark).

    Fresh rows keep ``source == "brainalign"``; the published rows have ``source == "paper"``
    (:func:`brainalign.scores.merge_scores`).
    """
    fresh = read_results(results_dir)
    if fresh.empty:
        raise ValueError(f"no scores in {results_dir}: run `brainalign score` or `brainalign sweep` with --out there")
    return merge_scores(load_scores(base), fresh)

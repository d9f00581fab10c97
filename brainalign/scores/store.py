"""A results directory: one scores file per (model, benchmark) task, written atomically, never rewritten.

``brainalign score`` and ``brainalign sweep`` write here (through :class:`DirectoryStore`); :func:`read_results` (or
:func:`brainalign.load_scores` on the directory, which reads the same files) gives back one scores table. The live
chapter runs the same job loop with a :class:`MemoryStore`, which keeps the results in memory instead.

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
* **Task key.** A task (:class:`TaskKey`) is named by what the user asked for, a :class:`ModelRequest` (the model as
  written: short name, Hugging Face id or local path; its revision; the ``untrained`` flag), and the benchmark's
  registered name. The file stem is a
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from ..atomic import atomic_write_text
from .result import BenchmarkResult
from .table import SCORE_COLUMNS, read_scores_file, validate_scores

ERRORS_DIR = "_errors"
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


@dataclass(frozen=True)
class ModelRequest:
    """One model as the user asked for it: the identity of a model in a sweep, a results directory and the live run.

    Attributes
    ----------
    model : str
        Catalog short name, Hugging Face id or local directory.
    revision : str
        Hub revision ("" for the default branch).
    untrained : bool
        Score the random-init control of the same architecture.
    seed : int
        Seed of the random weights of an untrained control (part of the identity only when not 0).
    """

    model: str
    revision: str = ""
    untrained: bool = False
    seed: int = 0

    @property
    def label(self) -> str:
        """``model[@revision][+untrained[-seedK]]``."""
        label = self.model
        if self.revision:
            label += f"@{self.revision}"
        if self.untrained:
            label += "+untrained" + (f"-seed{self.seed}" if self.seed else "")
        return label

    def key(self, benchmark: str) -> TaskKey:
        """The task of this model on ``benchmark``."""
        return TaskKey(self, benchmark)


@dataclass(frozen=True)
class TaskKey:
    """What identifies one task: a model request and a registered benchmark name."""

    request: ModelRequest
    benchmark: str

    @property
    def model_label(self) -> str:
        """The model part of the key as one string (:attr:`ModelRequest.label`)."""
        return self.request.label

    def as_dict(self) -> dict[str, Any]:
        """Flat form for records: ``model``, ``benchmark``, ``revision``, ``untrained`` (and ``seed`` when set)."""
        r = self.request
        out: dict[str, Any] = {"model": r.model, "benchmark": self.benchmark, "revision": r.revision,
                               "untrained": r.untrained}
        if r.seed:
            out["seed"] = r.seed
        return out

    @property
    def stem(self) -> str:
        """File stem: readable slug of the key plus a hash of the exact key."""
        r = self.request
        exact = [r.model, r.revision, r.untrained, self.benchmark] + ([r.seed] if r.seed else [])
        digest = hashlib.sha1(json.dumps(exact).encode()).hexdigest()[:8]
        model = r.model.replace("\\", "/").rstrip("/")
        if model.startswith(("/", ".", "~")):  # a local path: its last component is the informative part
            model = model.rsplit("/", 1)[-1]
        label = model + r.label[len(r.model):]
        slug = _UNSAFE.sub("_", label).strip("._") or "model"
        bench = _UNSAFE.sub("_", self.benchmark).strip("._") or "benchmark"
        return f"{slug[:80]}--{bench[:40]}-{digest}"


def result_path(results_dir: str | os.PathLike, key: TaskKey) -> Path:
    """Path of a task's scores file (whether or not it exists)."""
    return Path(results_dir) / f"{key.stem}.csv"


def is_done(results_dir: str | os.PathLike, key: TaskKey) -> bool:
    """True when the task's scores file exists (it is only ever created complete)."""
    return result_path(results_dir, key).is_file()


def summarize(scores: pd.DataFrame) -> dict[str, Any]:
    """The one-line summary of one task's rows: model, benchmark, best layer, raw and normalized score."""
    best = scores[scores["is_best_layer"]]
    row = (best if len(best) else scores).iloc[0]
    return {"model": str(row["model"]), "benchmark": str(row["benchmark"]), "best_layer": str(row["layer"]),
            "raw": float(row["score"]), "normalized": float(row["normalized"])}


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
    summary = summarize(scores)
    rec = {
        "status": "done",
        "task": key.as_dict(),
        "file": path.name,
        "rows": int(len(scores)),
        "model": summary["model"],
        "best_layer": summary["best_layer"],
        "score": summary["raw"],
        "normalized": summary["normalized"],
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
    rec = {"status": "error", "task": key.as_dict(), "error": message, "traceback": traceback_text,
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
    return validate_scores(read_scores_file(path))


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

    Every non-hidden ``*.csv`` under the directory (what :func:`brainalign.load_scores` reads for a directory); an
    empty or missing directory gives an empty table with the scores columns.

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
    files = sorted(p for p in folder.rglob("*.csv") if not p.name.startswith(".")) if folder.is_dir() else []
    if not files:
        return validate_scores(pd.DataFrame({c: pd.Series(dtype=object) for c in SCORE_COLUMNS}))
    return validate_scores(pd.concat([read_scores_file(p) for p in files], ignore_index=True))


# ---------------------------------------------------------------------------------------------------------- stores
class ResultStore(Protocol):
    """Where the job loop (:func:`brainalign.run.run_model_job`) puts what it computes."""

    def is_done(self, key: TaskKey) -> bool:
        """True when the task need not run again."""

    def location(self, key: TaskKey) -> str:
        """Where the task's result is (or would be) kept."""

    def summary(self, key: TaskKey) -> dict[str, Any]:
        """The :func:`summarize` dict of a done task ({} when it cannot be read)."""

    def put(self, key: TaskKey, result: BenchmarkResult, scores: pd.DataFrame, *, overwrite: bool,
            record: dict[str, Any]) -> str:
        """Keep a task's result; returns where it went (a file path, or a label)."""

    def put_error(self, key: TaskKey, message: str, traceback_text: str, **extra: Any) -> None:
        """Record a task's failure."""


@dataclass
class DirectoryStore:
    """A results directory (the functions of this module), as a :class:`ResultStore`."""

    root: Path

    def __post_init__(self) -> None:
        self.root = Path(self.root)

    def is_done(self, key: TaskKey) -> bool:
        return is_done(self.root, key)

    def location(self, key: TaskKey) -> str:
        return str(result_path(self.root, key))

    def summary(self, key: TaskKey) -> dict[str, Any]:
        try:
            return summarize(read_task(self.root, key))
        except Exception:  # noqa: BLE001 - an unreadable file is reported by readers, not here
            return {}

    def put(self, key: TaskKey, result: BenchmarkResult, scores: pd.DataFrame, *, overwrite: bool,
            record: dict[str, Any]) -> str:
        return str(write_result(self.root, key, scores, overwrite=overwrite, record=record))

    def put_error(self, key: TaskKey, message: str, traceback_text: str, **extra: Any) -> None:
        write_error(self.root, key, message, traceback_text, **extra)


@dataclass
class MemoryStore:
    """Results kept in memory (the live chapter): the full :class:`BenchmarkResult` objects, their score rows and
    records, by task."""

    results: dict[TaskKey, BenchmarkResult] = field(default_factory=dict)
    scores: dict[TaskKey, pd.DataFrame] = field(default_factory=dict)
    records: dict[TaskKey, dict[str, Any]] = field(default_factory=dict)
    errors: dict[TaskKey, dict[str, Any]] = field(default_factory=dict)

    def is_done(self, key: TaskKey) -> bool:
        return key in self.scores

    def location(self, key: TaskKey) -> str:
        return f"memory:{key.stem}"

    def summary(self, key: TaskKey) -> dict[str, Any]:
        return summarize(self.scores[key]) if key in self.scores else {}

    def put(self, key: TaskKey, result: BenchmarkResult, scores: pd.DataFrame, *, overwrite: bool,
            record: dict[str, Any]) -> str:
        if key in self.scores and not overwrite:
            raise FileExistsError(f"task {key.model_label} x {key.benchmark} is already in memory")
        self.results[key], self.scores[key], self.records[key] = result, scores, dict(record)
        self.errors.pop(key, None)
        return self.location(key)

    def put_error(self, key: TaskKey, message: str, traceback_text: str, **extra: Any) -> None:
        self.errors[key] = {"error": message, "traceback": traceback_text, **extra}

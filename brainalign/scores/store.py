"""A results directory: one scores file per (model, benchmark) task, written atomically, verified before it is trusted.

``brainalign score`` and ``brainalign sweep`` write here (through :class:`DirectoryStore`); :func:`read_results` (or
:func:`brainalign.load_scores` on the directory, which reads the same files) gives back one scores table. The live
chapter runs the same job loop with a :class:`MemoryStore`, which keeps the results in memory instead.

Layout of a results directory ``DIR``::

    DIR/
      <name>--<benchmark>-<hash8>.csv      scores of one task (scores format, one row per layer), sealed by its sha256
      <name>--<benchmark>-<hash8>.json     the task's record: key, row count, sha256 of the .csv, best layer, time...
      _errors/<same stem>.json             last failure of a task that is not done (full message and traceback)
      _claims/<same stem>.json             a task being computed right now, and by whom (brainalign.scores.claims)
      _damaged/<time>-<same stem>/         result files that failed verification, moved aside, with reason.txt

* **Atomic.** A result file is written to a hidden temporary file (``.tmp-...``) in the same directory, flushed and
  fsync'ed, then linked to its final name, which fails if another run wrote the task meanwhile. A process killed at any
  moment leaves either no result file or a complete one; stray temporary files are ignored by every reader and
  removed by the next run (:func:`brainalign.atomic.remove_stale_temporaries`).
* **Verified.** A scores file carries its own checksum: a first comment line, the CSV, and a last comment line with
  the sha256 of everything above it (:func:`seal`; comment lines are part of the scores format). The record, written
  right after it, repeats its row count and sha256. A task is done only when its file verifies
  (:func:`verify_result`): against its seal (a file of an earlier version, without one: against its record, or by
  its content: one model, the task's benchmark and name, one best layer, every layer present), and a missing or
  stale record is then rewritten (a run killed between the two writes). A file that fails is reported, moved to
  ``_damaged/`` (never deleted) and computed again. Readers raise :class:`ResultFileError`, naming the file and the
  fix, instead of reading a damaged file.
* **Append-only per task.** A done task is skipped by later runs; rerunning it needs an explicit ``overwrite=True``
  (``brainalign score --force``).
* **Shared.** Several runs may write one directory at once (two sweeps, a Dask cluster, a resumed run beside a
  running one): a run claims a task before computing it (:mod:`brainalign.scores.claims`) and leaves tasks claimed by
  live runs to them; a result that appears meanwhile counts as done, never as an error.
* **Task key and name.** A task (:class:`TaskKey`) is what the user asked for, a :class:`ModelRequest` (the model as
  written: short name, Hugging Face id or local folder; its revision; the ``untrained`` flag and seed), and the
  benchmark's registered name; a local folder is identified by the hash of its weights, not its path, so a moved or
  copied folder is the same task. The ``model`` column of the scores is :attr:`ModelRequest.name`, which carries what
  distinguishes tasks (``owner/name@<revision>``, ``<folder>@<weights hash>``, ``-untrained``). The file stem is a
  readable slug of that name plus 8 hex digits of the SHA-1 of the exact key, so distinct keys never share a file.
"""

from __future__ import annotations

import datetime as _dt
import errno
import hashlib
import io
import json
import os
import re
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from ..atomic import atomic_write_text, remove_stale_temporaries
from . import claims as _claims
from .result import BenchmarkResult
from .table import SCORE_COLUMNS, ScoresFormatError, validate_scores

ERRORS_DIR = "_errors"
CLAIMS_DIR = "_claims"
DAMAGED_DIR = "_damaged"
RECORD_FORMAT = 2
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")
#: File names of the store's scores files (what the readers read; anything else in the directory is ignored).
RESULT_FILE = re.compile(r"^(?!\.).+--.+-[0-9a-f]{8}\.csv$")
#: First line of a scores file written by the store (files of earlier versions have none).
SEAL_HEADER = "# brainalign scores of one task; the last line is the sha256 of all lines before it\n"
_SEAL_LINE = re.compile(rb"^# sha256 ([0-9a-f]{64})$")
_LONG_HEX = re.compile(r"^[0-9a-f]{11,}$")
SHORT_HASH = 10
_FIX = ("rerun the brainalign score/sweep command that wrote it (a damaged result is moved to {damaged} and "
        "computed again), or move the file out of the results directory")


class ResultFileError(ScoresFormatError):
    """A file of a results directory cannot be used; the message names the file and what to do."""


def _short(value: str) -> str:
    """The first :data:`SHORT_HASH` hex digits of a hash (``sha256:...``) or a long hex revision; others unchanged."""
    digest = value.rsplit(":", 1)[-1]
    return digest[:SHORT_HASH] if _LONG_HEX.match(digest) else value


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
    weights : str
        Hash of a local folder's files (``"sha256:<hex>"``), set by :func:`brainalign.run.identity.identify`: a local
        folder's task key is its weights, not its path.
    """

    model: str
    revision: str = ""
    untrained: bool = False
    seed: int = 0
    weights: str = ""

    @property
    def label(self) -> str:
        """The model as requested, for messages: ``model[@revision][+untrained[-seedK]]``."""
        return self.model + (f"@{self.revision}" if self.revision else "") + self._control("+")

    @property
    def name(self) -> str:
        """The ``model`` column of this request's scores, unique per task key.

        ``<short name>`` (catalog), ``owner/name`` or ``owner/name@<revision>`` (hub; a commit hash shortened to 10 hex
        digits), ``<folder name>@<first 10 hex digits of the weights hash>`` (local folder); ``-untrained`` (and
        ``-seedK``) for the random-init control, as :func:`brainalign.models.load_model` names it.
        """
        if self.weights:
            base = self.model.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or "model"
            return f"{base}@{_short(self.weights)}{self._control('-')}"
        return self.model + (f"@{_short(self.revision)}" if self.revision else "") + self._control("-")

    def _control(self, sep: str) -> str:
        return f"{sep}untrained" + (f"-seed{self.seed}" if self.seed else "") if self.untrained else ""

    def key(self, benchmark: str) -> TaskKey:
        """The task of this model on ``benchmark``."""
        return TaskKey(self, benchmark)


@dataclass(frozen=True, eq=False)
class TaskKey:
    """What identifies one task: a model request and a registered benchmark name.

    Two keys are equal when they name the same task: same benchmark and same model identity (for a local folder with
    :attr:`ModelRequest.weights`, the weights, wherever the folder is).
    """

    request: ModelRequest
    benchmark: str

    @property
    def identity(self) -> tuple[Any, ...]:
        """The exact key (hashed into the file stem)."""
        r = self.request
        model: Any = {"weights": r.weights} if r.weights else r.model
        revision = [] if r.weights else [r.revision]
        return tuple([model, *revision, r.untrained, self.benchmark] + ([r.seed] if r.seed else []))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TaskKey) and self.identity_json == other.identity_json

    def __hash__(self) -> int:
        return hash(self.identity_json)

    @property
    def identity_json(self) -> str:
        return json.dumps(list(self.identity))

    @property
    def model_label(self) -> str:
        """The model part of the key as one string (:attr:`ModelRequest.label`)."""
        return self.request.label

    def as_dict(self) -> dict[str, Any]:
        """Flat form for records: ``model``, ``benchmark``, ``revision``, ``untrained`` (``seed``, ``weights`` when
        set)."""
        r = self.request
        out: dict[str, Any] = {"model": r.model, "benchmark": self.benchmark, "revision": r.revision,
                               "untrained": r.untrained}
        if r.seed:
            out["seed"] = r.seed
        if r.weights:
            out["weights"] = r.weights
        return out

    @property
    def stem(self) -> str:
        """File stem: readable slug of the scores name plus a hash of the exact key."""
        digest = hashlib.sha1(self.identity_json.encode()).hexdigest()[:8]
        r = self.request
        if r.weights:
            name = r.name
        else:  # the label (as in results directories of earlier versions); of a path, its last component
            name = r.label
            if r.model.startswith(("/", ".", "~")):
                name = r.model.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] + name[len(r.model):]
        slug = _UNSAFE.sub("_", name).strip("._") or "model"
        bench = _UNSAFE.sub("_", self.benchmark).strip("._") or "benchmark"
        return f"{slug[:80]}--{bench[:40]}-{digest}"


# ------------------------------------------------------------------------------------------------------ file names
def result_path(results_dir: str | os.PathLike, key: TaskKey) -> Path:
    """Path of a task's scores file (whether or not it exists)."""
    return Path(results_dir) / f"{key.stem}.csv"


def record_path(results_dir: str | os.PathLike, key: TaskKey) -> Path:
    """Path of a task's record (written after its scores file)."""
    return Path(results_dir) / f"{key.stem}.json"


def error_path(results_dir: str | os.PathLike, key: TaskKey) -> Path:
    """Path of a task's error record."""
    return Path(results_dir) / ERRORS_DIR / f"{key.stem}.json"


def claim_path(results_dir: str | os.PathLike, key: TaskKey) -> Path:
    """Path of a task's claim file."""
    return Path(results_dir) / CLAIMS_DIR / f"{key.stem}.json"


# ---------------------------------------------------------------------------------------------------- verification
@dataclass(frozen=True)
class Verdict:
    """What :func:`verify_result` found for one task.

    Attributes
    ----------
    state : {"absent", "done", "damaged"}
        No scores file; a file that verifies; a file that does not.
    detail : str
        Why a file is damaged (or ``"no record"`` for a done file whose record is missing or unreadable).
    record : dict, optional
        The task's record when it could be read.
    """

    state: str
    detail: str = ""
    record: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        return self.state == "done"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _parse_scores(data: bytes) -> pd.DataFrame:
    """Parse and validate the bytes of a scores file (raises ScoresFormatError with a short reason)."""
    try:
        frame = pd.read_csv(io.BytesIO(data), comment="#", keep_default_na=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise ScoresFormatError(f"not a readable CSV file ({type(exc).__name__}: {str(exc).strip()[:200]})") from None
    return validate_scores(frame)


def content_problem(scores: pd.DataFrame, *, benchmark: str | None = None, name: str | None = None) -> str:
    """Why the rows of one task's scores file are not a complete result ("" when they are).

    A complete result has rows, one model, one benchmark (``benchmark`` when given), model ``name`` when given, exactly
    one best-layer row, and, for a layer-wise benchmark, every layer ``0 .. n_layers-1`` once.
    """
    if scores.empty:
        return "it has no rows"
    models, benches = scores["model"].unique(), scores["benchmark"].unique()
    if len(models) != 1 or len(benches) != 1:
        return f"it mixes {len(models)} model(s) and {len(benches)} benchmark(s)"
    if benchmark is not None and benches[0] != benchmark:
        return f"it holds benchmark {benches[0]!r}, not {benchmark!r}"
    if name is not None and models[0] != name:
        return f"its model column is {models[0]!r}, not the task's name {name!r} (written by an older version?)"
    n_best = int(scores["is_best_layer"].sum())
    if n_best != 1:
        return f"it has {n_best} best-layer rows instead of 1"
    if (scores["layer"] != "").any():
        n_layers = int(scores["n_layers"].iloc[0])
        if sorted(scores["layer_index"].tolist()) != list(range(n_layers)):
            return f"it has {len(scores)} rows for a model of {n_layers} layers (truncated?)"
    return ""


def seal(csv_text: str) -> str:
    """A scores file that carries its own checksum: :data:`SEAL_HEADER`, the CSV, then ``# sha256 <hex>`` of all the
    lines before it (comment lines, which :func:`brainalign.scores.read_scores_file` skips)."""
    body = SEAL_HEADER + csv_text
    return body + f"# sha256 {_sha256(body.encode('utf-8'))}\n"


def seal_problem(data: bytes) -> str | None:
    """None for a file without a seal (written by an earlier version); "" when the seal verifies; else why not."""
    head = data.startswith(SEAL_HEADER[:14].encode())
    body, _, last = data.rstrip(b"\n").rpartition(b"\n")
    m = _SEAL_LINE.match(last)
    if m is None:
        return ("its last line, the sha256 of the lines above, is missing (the file was cut short)" if head else None)
    if _sha256(body + b"\n") != m.group(1).decode():
        return "its content does not match the sha256 on its last line (the file was changed or damaged)"
    return ""


def check_bytes(data: bytes, record: dict[str, Any] | None, *, benchmark: str | None = None,
                name: str | None = None) -> str:
    """Why the bytes of a scores file fail verification ("" when they pass); see :func:`verify_result`."""
    sealed = seal_problem(data)
    if sealed:
        return sealed
    if sealed is None and record is not None and record.get("sha256") and _sha256(data) != record["sha256"]:
        return ("its sha256 differs from the one in its record (the file was changed, truncated or damaged after it "
                "was written)")
    try:
        scores = _parse_scores(data)
    except ScoresFormatError as exc:
        return str(exc)
    return content_problem(scores, benchmark=benchmark, name=name)


def verify_result(results_dir: str | os.PathLike, key: TaskKey) -> Verdict:
    """Check a task's scores file against its record (or, without one, its content); reads only, moves nothing.

    Raises
    ------
    ResultFileError
        The file exists but cannot be read (permissions): the message names it.
    """
    path = result_path(results_dir, key)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Verdict("absent")
    except IsADirectoryError:
        return Verdict("damaged", f"{path.name} is a directory")
    except OSError as exc:
        raise ResultFileError(f"cannot read the result file {path} ({exc.strerror or exc}): make it readable by "
                              f"this user, or move it out of the results directory") from exc
    record = _read_json(record_path(results_dir, key))
    task = record.get("task") if record is not None else None
    if record is not None and (not isinstance(task, dict) or task.get("benchmark", key.benchmark) != key.benchmark):
        record = None  # not this task's record: check the file by its content
    problem = check_bytes(data, record, benchmark=key.benchmark, name=key.request.name)
    if problem:
        return Verdict("damaged", f"{path.name}: {problem}", record)
    consistent = record is not None and record.get("sha256") == _sha256(data)
    return Verdict("done", "" if consistent else "no record", record)


def is_done(results_dir: str | os.PathLike, key: TaskKey) -> bool:
    """True when the task's scores file exists and verifies (:func:`verify_result`)."""
    return verify_result(results_dir, key).done


def quarantine(results_dir: str | os.PathLike, key: TaskKey, reason: str) -> Path:
    """Move a task's scores file and record into ``DIR/_damaged/<time>-<stem>/`` with ``reason.txt``; returns that
    folder."""
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    dest = Path(results_dir) / DAMAGED_DIR / f"{stamp}-{key.stem}"
    dest.mkdir(parents=True, exist_ok=False)
    atomic_write_text(dest / "reason.txt", reason + "\n")
    for src in (result_path(results_dir, key), record_path(results_dir, key)):
        try:
            os.replace(src, dest / src.name)
        except FileNotFoundError:
            continue
    return dest


# ---------------------------------------------------------------------------------------------------- reading/writing
def summarize(scores: pd.DataFrame) -> dict[str, Any]:
    """The one-line summary of one task's rows: model, benchmark, best layer, raw and normalized score."""
    best = scores[scores["is_best_layer"]]
    row = (best if len(best) else scores).iloc[0]
    return {"model": str(row["model"]), "benchmark": str(row["benchmark"]), "best_layer": str(row["layer"]),
            "raw": float(row["score"]), "normalized": float(row["normalized"])}


def _record(key: TaskKey, path: Path, scores: pd.DataFrame, text: str, extra: dict[str, Any]) -> dict[str, Any]:
    summary = summarize(scores)
    return {
        "status": "done",
        "format": RECORD_FORMAT,
        "task": key.as_dict(),
        "name": key.request.name,
        "file": path.name,
        "rows": int(len(scores)),
        "sha256": _sha256(text.encode("utf-8")),
        "model": summary["model"],
        "best_layer": summary["best_layer"],
        "score": summary["raw"],
        "normalized": summary["normalized"],
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        **extra,
    }


def _write_record(results_dir: str | os.PathLike, key: TaskKey, rec: dict[str, Any]) -> None:
    atomic_write_text(record_path(results_dir, key), json.dumps(rec, indent=1, default=str) + "\n")


def _fix_for(exc: OSError) -> str:
    """What to do about a failed write: free space, or permissions."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free space on that disk"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "make it writable by this user"
    return "check the folder"


class ResultWriteError(OSError):
    """A result could not be written; the message names the file and the fix."""

    def __str__(self) -> str:
        return str(self.args[1]) if len(self.args) > 1 else super().__str__()


def write_failed(path: Path, exc: OSError) -> ResultWriteError:
    """An error that names the file a write failed on and the fix (space, permissions, another folder)."""
    return ResultWriteError(exc.errno, f"could not write {path} ({exc.strerror or exc}): {_fix_for(exc)}, or choose "
                                f"another results directory (--out); finished tasks are kept and the next run "
                                f"resumes")


def write_result(results_dir: str | os.PathLike, key: TaskKey, scores: pd.DataFrame, *, overwrite: bool = False,
                 record: dict[str, Any] | None = None) -> Path:
    """Write one task's scores atomically, then its record (row count, sha256).

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

    Raises
    ------
    FileExistsError
        The task is done already (or another run wrote it meanwhile) and ``overwrite`` is False.
    OSError
        The file could not be written; the message names it and the fix.
    """
    scores = validate_scores(scores)
    if scores.empty:
        raise ValueError(f"task {key.model_label} x {key.benchmark}: no score rows to write")
    path = result_path(results_dir, key)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists: task {key.model_label} x {key.benchmark} is already done "
                              f"(results are append-only; pass overwrite=True / --force to recompute)")
    text = seal(scores.to_csv(index=False, lineterminator="\n"))
    try:
        atomic_write_text(path, text, exclusive=not overwrite)
        _write_record(results_dir, key, _record(key, path, scores, text, dict(record or {})))
    except FileExistsError:
        raise
    except OSError as exc:
        raise write_failed(path, exc) from exc
    clear_error(results_dir, key)
    return path


def clear_error(results_dir: str | os.PathLike, key: TaskKey) -> None:
    """Remove a task's error record, if any (best effort: a read-only directory keeps it)."""
    try:
        error_path(results_dir, key).unlink(missing_ok=True)
    except OSError:
        pass


def repair_record(results_dir: str | os.PathLike, key: TaskKey) -> bool:
    """Rewrite the record of a done task from its scores file (after a run was killed between the two writes);
    returns whether it was written."""
    path = result_path(results_dir, key)
    try:
        text = path.read_bytes().decode("utf-8")
        scores = _parse_scores(text.encode("utf-8"))
        _write_record(results_dir, key, _record(key, path, scores, text, {"repaired": True}))
    except (OSError, ValueError):
        return False
    return True


def write_error(results_dir: str | os.PathLike, key: TaskKey, message: str, traceback_text: str = "",
                **extra: Any) -> Path:
    """Record a task's failure in ``DIR/_errors/<stem>.json`` (replaced by the next failure, removed on success)."""
    path = error_path(results_dir, key)
    rec = {"status": "error", "task": key.as_dict(), "name": key.request.name, "error": message,
           "traceback": traceback_text, "host": socket.gethostname(), "pid": os.getpid(),
           "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), **extra}
    atomic_write_text(path, json.dumps(rec, indent=1, default=str) + "\n")
    return path


def read_record(results_dir: str | os.PathLike, key: TaskKey) -> dict[str, Any] | None:
    """The task's record (done), its error record (failed and not done), or None."""
    for candidate in (record_path(results_dir, key), error_path(results_dir, key)):
        if candidate.is_file():
            return _read_json(candidate)
    return None


def read_task(results_dir: str | os.PathLike, key: TaskKey) -> pd.DataFrame:
    """The scores rows of one done task.

    Raises
    ------
    FileNotFoundError
        The task has no result.
    ResultFileError
        Its file does not verify (the message names it and the fix).
    """
    verdict = verify_result(results_dir, key)
    path = result_path(results_dir, key)
    if verdict.state == "absent":
        raise FileNotFoundError(f"task {key.model_label} x {key.benchmark} has no result in {results_dir}")
    if verdict.state == "damaged":
        raise ResultFileError(f"damaged result {path}: {verdict.detail.split(': ', 1)[-1]}; "
                              + _FIX.format(damaged=Path(results_dir) / DAMAGED_DIR))
    return _parse_scores(path.read_bytes())


def iter_errors(results_dir: str | os.PathLike) -> Iterator[dict[str, Any]]:
    """Error records of tasks that failed and are not done, oldest file name first."""
    folder = Path(results_dir) / ERRORS_DIR
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.json")):
        if (Path(results_dir) / f"{path.stem}.csv").is_file():
            continue  # done since (its record is removed by the run that finished it, when it can)
        rec = _read_json(path)
        if rec is not None:
            yield rec


def result_files(results_dir: str | os.PathLike) -> list[Path]:
    """The scores files of a results directory: top level, named as the store names them (others are ignored)."""
    folder = Path(results_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if RESULT_FILE.match(p.name) and p.is_file())


def read_result_file(path: str | os.PathLike) -> pd.DataFrame:
    """The validated rows of one scores file of a results directory, verified against its record.

    Raises
    ------
    ResultFileError
        It cannot be read, or it fails verification; the message names the file and the fix.
    """
    path = Path(path)
    fix = _FIX.format(damaged=path.parent / DAMAGED_DIR)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ResultFileError(f"cannot read {path} ({exc.strerror or exc}): make it readable, or {fix}") from exc
    record = _read_json(path.with_suffix(".json"))
    problem = check_bytes(data, record)
    if problem:
        raise ResultFileError(f"damaged result {path}: {problem}; {fix}")
    return _parse_scores(data)


def read_results(results_dir: str | os.PathLike) -> pd.DataFrame:
    """All scores of a results directory as one validated table.

    The store's own files only (:func:`result_files`: top level, the store's naming; copies in sub-folders, hidden
    temporary files and other CSV files are ignored), each verified (:func:`read_result_file`); an empty or missing
    directory gives an empty table with the scores columns. This is what :func:`brainalign.load_scores` reads for a
    directory.

    Parameters
    ----------
    results_dir : path-like
        Results directory.

    Returns
    -------
    pandas.DataFrame
        One row per model x benchmark x layer (:data:`brainalign.scores.SCORE_COLUMNS`).

    Raises
    ------
    ResultFileError
        A file is damaged or unreadable, or two files hold the same (model, benchmark) rows; the message names the
        file(s) and the fix.
    """
    files = result_files(results_dir)
    if not files:
        return validate_scores(pd.DataFrame({c: pd.Series(dtype=object) for c in SCORE_COLUMNS}))
    frames = [read_result_file(p) for p in files]
    owner: dict[tuple[str, str], Path] = {}
    for path, frame in zip(files, frames):
        for pair in dict.fromkeys(zip(frame["model"], frame["benchmark"])):
            if pair in owner:
                raise ResultFileError(
                    f"{owner[pair]} and {path} both hold the scores of model {pair[0]!r} on {pair[1]} (two tasks "
                    f"with one name, e.g. from an older brainalign version): rerun the command that wrote them "
                    f"(files with ambiguous names are moved to {DAMAGED_DIR}/ and recomputed under unique names), or "
                    f"move one of the files out of the results directory")
            owner[pair] = path
    return validate_scores(pd.concat(frames, ignore_index=True))


def probe_writable(folder: str | os.PathLike, size: int = 1 << 16) -> str:
    """"" when ``size`` bytes can be written (and removed again) in ``folder``, else why not, naming the folder."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-probe.", suffix=".part", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(b"\0" * size)
                f.flush()
                os.fsync(f.fileno())
        finally:
            os.unlink(tmp)
    except OSError as exc:
        return (f"cannot write to the results directory {folder} ({exc.strerror or exc}): {_fix_for(exc)}, or "
                f"choose another one (--out)")
    return ""


# ---------------------------------------------------------------------------------------------------------- stores
class ResultStore(Protocol):
    """Where the job loop (:func:`brainalign.run.run_model_job`) puts what it computes."""

    def is_done(self, key: TaskKey) -> bool:
        """True when the task need not run again (its result verifies)."""

    def claim(self, key: TaskKey) -> Any:
        """Reserve the task for this run (None when another live run holds it)."""

    def release(self, claim: Any) -> None:
        """Give a claim back."""

    def refresh(self, claim: Any) -> None:
        """Heartbeat of a claim while its task runs."""

    def claimed_by(self, key: TaskKey) -> str:
        """Who holds the task's claim, for messages ("" when nobody)."""

    def prepare(self, key: TaskKey, *, overwrite: bool) -> tuple[bool, str]:
        """Under the task's claim: ``(done, note)``; repairs what can be repaired, sets damaged results aside."""

    def writable_problem(self) -> str:
        """Why results cannot be written now ("" when they can)."""

    def location(self, key: TaskKey) -> str:
        """Where the task's result is (or would be) kept."""

    def summary(self, key: TaskKey) -> dict[str, Any]:
        """The :func:`summarize` dict of a done task ({} when it cannot be read)."""

    def put(self, key: TaskKey, result: BenchmarkResult, scores: pd.DataFrame, *, overwrite: bool,
            record: dict[str, Any]) -> str:
        """Keep a task's result; returns where it went (a file path, or a label). FileExistsError: done meanwhile."""

    def put_error(self, key: TaskKey, message: str, traceback_text: str, **extra: Any) -> None:
        """Record a task's failure."""


@dataclass
class DirectoryStore:
    """A results directory (the functions of this module), as a :class:`ResultStore`.

    Attributes
    ----------
    root : Path
        The directory.
    claim_timeout : float
        Seconds without a heartbeat after which another host's claim is stale (:mod:`brainalign.scores.claims`).
    """

    root: Path
    claim_timeout: float = _claims.CLAIM_TIMEOUT_S

    def __post_init__(self) -> None:
        self.root = Path(self.root)

    def is_done(self, key: TaskKey) -> bool:
        return is_done(self.root, key)

    def claim(self, key: TaskKey) -> _claims.Claim | None:
        return _claims.try_claim(claim_path(self.root, key), timeout=self.claim_timeout)

    def release(self, claim: _claims.Claim | None) -> None:
        if claim is not None:
            _claims.release_claim(claim)

    def refresh(self, claim: _claims.Claim | None) -> None:
        if claim is not None:
            _claims.refresh_claim(claim)

    def claimed_by(self, key: TaskKey) -> str:
        info = _claims.read_claim(claim_path(self.root, key))
        return "" if info is None else _claims.describe_owner(info)

    def claim_is_stale(self, key: TaskKey) -> bool:
        """True when the task's claim is gone or stale (its owner died)."""
        path = claim_path(self.root, key)
        info = _claims.read_claim(path)
        if info is None:
            return True
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return True
        return _claims.is_stale(info, age, self.claim_timeout)

    def prepare(self, key: TaskKey, *, overwrite: bool) -> tuple[bool, str]:
        verdict = verify_result(self.root, key)
        if verdict.done and not overwrite:
            if verdict.detail == "no record":
                repair_record(self.root, key)
            clear_error(self.root, key)
            return True, ""
        if verdict.state == "damaged":
            dest = quarantine(self.root, key, verdict.detail)
            return False, f"damaged result {verdict.detail}; moved to {dest} and computed again"
        return False, ""

    def writable_problem(self) -> str:
        return probe_writable(self.root)

    def clean(self) -> list[Path]:
        """Remove temporary files of dead writers (:func:`brainalign.atomic.remove_stale_temporaries`)."""
        return remove_stale_temporaries(self.root)

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

    def claim(self, key: TaskKey) -> TaskKey:
        return key

    def release(self, claim: Any) -> None:
        pass

    def refresh(self, claim: Any) -> None:
        pass

    def claimed_by(self, key: TaskKey) -> str:
        return ""

    def prepare(self, key: TaskKey, *, overwrite: bool) -> tuple[bool, str]:
        return (key in self.scores and not overwrite), ""

    def writable_problem(self) -> str:
        return ""

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

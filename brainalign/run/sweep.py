"""Score many models on many benchmarks, resumably, in-process or on a Dask cluster.

A sweep is the product *models x benchmarks*. Each (model, benchmark) pair is one **task** whose scores are written to
the results directory atomically the moment they are computed (:mod:`brainalign.scores.store`); a task whose file
exists is skipped, so a sweep killed at any point resumes where it stopped and ends with the same files as an
uninterrupted run. Tasks of the same model are scheduled together as one **job** so that its weights are loaded once;
a failing task (unknown model, missing data, out of memory, ...) is recorded in ``DIR/_errors/`` and reported at the
end, and the other tasks go on. Every job runs :func:`brainalign.run.job.run_model_job`.

Executors
---------
``local``
    Jobs run one after the other in this process.
``dask``
    Jobs are submitted to a :mod:`dask.distributed` cluster: a :class:`distributed.LocalCluster` on the loopback
    interface (worker processes with one thread each) when no scheduler address is given, or any running scheduler
    (``tcp://host:8786``; for example one started by ``dask-jobqueue`` on SLURM) when one is.

Models come from a models file (:mod:`brainalign.run.models_file`) or a list of
:class:`~brainalign.scores.store.ModelRequest`.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from ..atomic import atomic_write_text
from ..benchmarks import UnknownBenchmarkError, benchmark_class
from ..benchmarks.protocols import get_protocol
from ..paper.conventions import PAPER_BENCHMARKS
from ..scores.store import DirectoryStore, ModelRequest, TaskKey, write_error
from .job import TaskOutcome, one_line, run_model_job


@dataclass
class SweepReport:
    """Outcomes of a sweep, in task order."""

    outcomes: list[TaskOutcome]
    results_dir: Path

    @property
    def failed(self) -> list[TaskOutcome]:
        return [o for o in self.outcomes if o.status == "error"]

    def counts(self) -> dict[str, int]:
        """Number of tasks per status."""
        out = {"done": 0, "skipped": 0, "error": 0}
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return out

    def describe(self) -> str:
        """A short human-readable account (counts, then one line per failure)."""
        c = self.counts()
        lines = [f"{len(self.outcomes)} task(s): {c['done']} scored, {c['skipped']} already done, "
                 f"{c['error']} failed; results in {self.results_dir}"]
        for o in self.failed:
            lines.append(f"  FAILED {o.key.model_label} x {o.benchmark}: {o.error}")
        if self.failed:
            lines.append(f"  (tracebacks in {self.results_dir / '_errors'}; rerun the same command to retry them)")
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------- inputs
def resolve_benchmarks(names: Iterable[str] | None) -> list[str]:
    """Canonical registered names for what the user typed.

    Parameters
    ----------
    names : iterable of str or None
        Benchmark names (case-insensitive) or ``"all"`` (the paper's four:
        :data:`brainalign.paper.conventions.PAPER_BENCHMARKS`); None or empty means ``"all"``.

    Raises
    ------
    UnknownBenchmarkError
        A name is not registered.
    """
    out: list[str] = []
    for name in list(names or ["all"]):
        if name.lower() == "all":
            picks = list(PAPER_BENCHMARKS)
        else:
            try:
                picks = [benchmark_class(name).name]
            except UnknownBenchmarkError as exc:
                raise UnknownBenchmarkError(f"{exc} (or 'all' = {', '.join(PAPER_BENCHMARKS)})") from None
        out.extend(p for p in picks if p not in out)
    return out


# ------------------------------------------------------------------------------------------------------ sweeps
def plan(requests: Sequence[ModelRequest], benchmarks: Sequence[str], results_dir: str | os.PathLike,
         overwrite: bool = False) -> tuple[list[tuple[ModelRequest, list[str]]], list[TaskOutcome]]:
    """Split a sweep into jobs still to run (model, pending benchmarks) and the tasks already done."""
    store = DirectoryStore(Path(results_dir))
    jobs: list[tuple[ModelRequest, list[str]]] = []
    skipped: list[TaskOutcome] = []
    for req in requests:
        pending = []
        for bench in benchmarks:
            key = req.key(bench)
            if not overwrite and store.is_done(key):
                skipped.append(TaskOutcome(req, bench, status="skipped", file=store.location(key),
                                           summary=store.summary(key)))
            else:
                pending.append(bench)
        if pending:
            jobs.append((req, pending))
    return jobs, skipped


def run_sweep(requests: Sequence[ModelRequest], benchmarks: Sequence[str], results_dir: str | os.PathLike, *,
              executor: str = "local", scheduler: str | None = None, n_workers: int | None = None,
              device: str = "auto", dtype: str = "auto", batch_size: int | None = None, overwrite: bool = False,
              progress: bool = True, protocol: str | None = None) -> SweepReport:
    """Run every (model, benchmark) task that is not done yet.

    Parameters
    ----------
    requests : sequence of ModelRequest
        Models (see :func:`brainalign.run.models_file.read_models_file`).
    benchmarks : sequence of str
        Registered benchmark names (see :func:`resolve_benchmarks`).
    results_dir : path-like
        Results directory (created).
    executor : {"local", "dask"}
        Where jobs run (module docstring).
    scheduler : str, optional
        Address of a running Dask scheduler (``executor="dask"`` only); without it a loopback
        :class:`distributed.LocalCluster` is started and closed again.
    n_workers : int, optional
        Worker processes of the LocalCluster (default: the number of CUDA devices, at least 1).
    device, dtype, batch_size, overwrite
        See :func:`run_model_job`.
    progress : bool
        Show a progress bar over tasks (on stderr).
    protocol : {"brainalign", "paper"}, optional
        Scoring protocol (:mod:`brainalign.benchmarks.protocols`). A results directory holds one protocol: its
        ``_protocol`` file records it, and a sweep in another protocol into the same directory is refused.

    Returns
    -------
    SweepReport
        Outcomes of all tasks (``skipped`` for those done before).
    """
    if executor not in {"local", "dask"}:
        raise ValueError(f"unknown executor {executor!r}; use 'local' or 'dask'")
    if scheduler and executor != "dask":
        raise ValueError("--scheduler needs --executor dask")
    results_dir = Path(results_dir).resolve()  # absolute: Dask workers may run in another folder
    results_dir.mkdir(parents=True, exist_ok=True)
    protocol = claim_protocol(results_dir, protocol)
    jobs, skipped = plan(requests, benchmarks, results_dir, overwrite)
    outcomes: dict[TaskKey, TaskOutcome] = {o.key: o for o in skipped}
    n_pending = sum(len(b) for _, b in jobs)
    bar = tqdm(total=n_pending, desc="sweep", unit="task", disable=not progress or n_pending == 0, file=sys.stderr)

    def record(outcome: TaskOutcome) -> None:
        outcomes[outcome.key] = outcome
        bar.update(1)
        if outcome.status == "error":
            bar.write(f"FAILED {outcome.key.model_label} x {outcome.benchmark}: {outcome.error}", file=sys.stderr)
        bar.set_postfix_str(f"{outcome.key.model_label} x {outcome.benchmark}: {outcome.status}", refresh=False)

    options = dict(device=device, dtype=dtype, batch_size=batch_size, overwrite=overwrite, protocol=protocol)
    try:
        if executor == "local":
            for req, pending in jobs:
                run_model_job(req, pending, results_dir, on_outcome=record, progress=progress, **options)
        elif jobs:
            _run_dask(jobs, results_dir, scheduler, n_workers, options, record)
    finally:
        bar.close()
    ordered = [outcomes[r.key(b)] for r in requests for b in benchmarks if r.key(b) in outcomes]
    return SweepReport(outcomes=ordered, results_dir=results_dir)


PROTOCOL_FILE = "_protocol"


class ProtocolMismatchError(ValueError):
    """A results directory already holds results of another scoring protocol."""


def claim_protocol(results_dir: Path, protocol: str | None) -> str:
    """Record the protocol of a results directory (``_protocol``) or check that it is the recorded one.

    Raises
    ------
    ProtocolMismatchError
        The directory holds results of another protocol.
    """
    name = get_protocol(protocol).name
    marker = Path(results_dir) / PROTOCOL_FILE
    if marker.is_file():
        recorded = marker.read_text().strip()
        if recorded != name:
            raise ProtocolMismatchError(
                f"{results_dir} holds results of the {recorded!r} protocol; scores of the {name!r} protocol would "
                f"mix with them (the scores table has one row per model, benchmark and layer). Use another --out "
                f"directory, or --protocol {recorded}.")
        return name
    atomic_write_text(marker, name + "\n")
    return name


def _default_workers() -> int:
    try:
        import torch  # only to count GPUs: not needed by a sweep that runs locally

        return max(1, torch.cuda.device_count())
    except Exception:  # noqa: BLE001
        return 1


def _run_dask(jobs: list[tuple[ModelRequest, list[str]]], results_dir: Path, scheduler: str | None,
              n_workers: int | None, options: dict[str, Any], record: Callable[[TaskOutcome], None]) -> None:
    from distributed import Client, LocalCluster, as_completed  # only the Dask executor needs distributed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=n_workers or _default_workers(), threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None, protocol="tcp")
        client = Client(cluster)
    try:
        futures = {}
        for req, pending in jobs:
            fut = client.submit(run_model_job, req, pending, str(results_dir), pure=False, progress=False,
                                key=f"brainalign-{req.key('').stem}-{os.getpid()}-{time.time_ns()}", **options)
            futures[fut] = (req, pending)
        for fut in as_completed(list(futures)):
            req, pending = futures[fut]
            try:
                results = fut.result()
            except Exception as exc:  # noqa: BLE001 - the worker died (KilledWorker) or the job could not run
                message = f"job lost: {one_line(exc)}"
                store = DirectoryStore(results_dir)
                for bench in pending:
                    key = req.key(bench)
                    if store.is_done(key):  # finished before the worker died
                        record(TaskOutcome(req, bench, status="done", file=store.location(key),
                                           summary=store.summary(key)))
                        continue
                    write_error(results_dir, key, message, traceback.format_exc())
                    record(TaskOutcome(req, bench, status="error", error=message))
                continue
            for outcome in results:
                record(outcome)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def outcomes_table(report: SweepReport) -> pd.DataFrame:
    """The outcomes as a DataFrame (one row per task; summary fields spread into columns)."""
    rows = []
    for o in report.outcomes:
        row = asdict(o)
        row.update(row.pop("request"))
        summary = row.pop("summary") or {}
        row.update({f"summary_{k}": v for k, v in summary.items()})
        rows.append(row)
    return pd.DataFrame(rows)

"""Score many models on many benchmarks, resumably, in-process or on a Dask cluster.

A sweep is the product *models x benchmarks*. Each (model, benchmark) pair is one **task** whose scores are written to
the results directory atomically the moment they are computed (:mod:`brainalign.scores.store`); a task whose file
verifies is skipped, so a sweep killed at any point resumes where it stopped and ends with the same files as an
uninterrupted run (a damaged file is set aside and computed again). Several sweeps may run on one directory at once:
each claims a task before computing it, leaves tasks claimed by live runs to them and waits for those at the end. Tasks of the same model are scheduled together as one **job** so that its weights are loaded once;
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

import contextlib
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from ..atomic import atomic_write_text
from ..benchmarks import UnknownBenchmarkError, benchmark_class
from ..benchmarks.protocols import get_protocol
from ..paper.conventions import PAPER_BENCHMARKS
from ..scores.store import DirectoryStore, ModelRequest, ResultWriteError, TaskKey, write_error
from .identity import check_names, identify, unique_requests
from .job import TaskOutcome, error_message, run_model_job


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
        """A short human-readable account: counts, notes (damaged results set aside...), then every failure with
        its whole message."""
        c = self.counts()
        lines = [f"{len(self.outcomes)} task(s): {c['done']} scored, {c['skipped']} already done, "
                 f"{c['error']} failed; results in {self.results_dir}"]
        for o in self.outcomes:
            if o.note and o.status != "error":
                lines.append(f"  NOTE {o.key.model_label} x {o.benchmark}: {_indent(o.note)}")
        for o in self.failed:
            lines.append(f"  FAILED {o.key.model_label} x {o.benchmark}: {_indent(o.error)}")
            if o.note:
                lines.append(f"    ({_indent(o.note)})")
        if self.failed:
            lines.append(f"  (tracebacks in {self.results_dir / '_errors'} and with --debug; rerun the same command "
                         f"to retry them)")
        return "\n".join(lines)


def _indent(text: str) -> str:
    return text.replace("\n", "\n      ")


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
def prepare_requests(requests: Sequence[ModelRequest]) -> list[ModelRequest]:
    """Identified requests (:func:`brainalign.run.identity.identify`), one per identity, with unique scores names.

    A request that cannot be identified is kept as given (its tasks fail when the job runs, with the reason).

    Raises
    ------
    RequestError
        Two distinct requests would share a scores name (both are named).
    """
    out = []
    for req in requests:
        try:
            out.append(identify(req))
        except Exception:  # noqa: BLE001 - reported by the job, as the failure of the model's tasks
            out.append(req)
    unique, _ = unique_requests(out)
    check_names(unique)
    return unique


def _done(store: DirectoryStore, key: TaskKey) -> bool:
    """Whether a task is done; a result that cannot even be read is not (the job reports why)."""
    try:
        return store.is_done(key)
    except Exception:  # noqa: BLE001
        return False


def plan(requests: Sequence[ModelRequest], benchmarks: Sequence[str], results_dir: str | os.PathLike,
         overwrite: bool = False) -> tuple[list[tuple[ModelRequest, list[str]]], list[TaskOutcome]]:
    """Split a sweep into jobs still to run (model, pending benchmarks) and the tasks already done (verified)."""
    store = DirectoryStore(Path(results_dir))
    jobs: list[tuple[ModelRequest, list[str]]] = []
    skipped: list[TaskOutcome] = []
    for req in requests:
        pending = []
        for bench in benchmarks:
            key = req.key(bench)
            if not overwrite and _done(store, key):
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
              progress: bool = True, protocol: str | None = None, poll_s: float = 1.0,
              claim_timeout: float | None = None) -> SweepReport:
    """Run every (model, benchmark) task that is not done yet, sharing the work with other runs on the directory.

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
    poll_s : float
        Seconds between checks of tasks that another live run is computing: the sweep waits for them (they end
        "skipped") or, when their claim goes stale (the other run died), computes them itself.
    claim_timeout : float, optional
        Seconds after which another host's claim without heartbeat is stale (default
        :data:`brainalign.scores.claims.CLAIM_TIMEOUT_S`).

    Returns
    -------
    SweepReport
        Outcomes of all tasks (``skipped`` for those done before or by another run).

    Raises
    ------
    RequestError
        Two requests would share a scores name.
    brainalign.scores.store.ResultWriteError
        The results directory cannot be written (nothing was loaded).
    """
    if executor not in {"local", "dask"}:
        raise ValueError(f"unknown executor {executor!r}; use 'local' or 'dask'")
    if scheduler and executor != "dask":
        raise ValueError("--scheduler needs --executor dask")
    results_dir = Path(results_dir).resolve()  # absolute: Dask workers may run in another folder
    store = DirectoryStore(results_dir) if claim_timeout is None else DirectoryStore(results_dir, claim_timeout)
    problem = store.writable_problem()
    if problem:
        raise ResultWriteError(None, problem)
    store.clean()
    requests = prepare_requests(requests)
    protocol = claim_protocol(results_dir, protocol)
    jobs, skipped = plan(requests, benchmarks, results_dir, overwrite)
    outcomes: dict[TaskKey, TaskOutcome] = {o.key: o for o in skipped}
    waiting: dict[TaskKey, TaskOutcome] = {}
    n_pending = sum(len(b) for _, b in jobs)
    bar = tqdm(total=n_pending, desc="sweep", unit="task", disable=not progress or n_pending == 0, file=sys.stderr)

    def record(outcome: TaskOutcome) -> None:
        if outcome.status == "claimed":
            waiting[outcome.key] = outcome
            bar.set_postfix_str(f"{len(waiting)} task(s) being computed by other runs", refresh=True)
            return
        waiting.pop(outcome.key, None)
        outcomes[outcome.key] = outcome
        bar.update(1)
        bar.set_postfix_str(f"{outcome.key.model_label} x {outcome.benchmark}: {outcome.status}", refresh=False)

    options = dict(device=device, dtype=dtype, batch_size=batch_size, overwrite=overwrite, protocol=protocol)
    try:
        with _executor(executor, scheduler, n_workers, bool(jobs)) as execute:
            execute(jobs, results_dir, options, record, progress)
            while waiting:
                time.sleep(poll_s)
                rerun: dict[ModelRequest, list[str]] = {}
                for key, o in list(waiting.items()):
                    if _done(store, key):
                        record(TaskOutcome(o.request, o.benchmark, status="skipped", file=store.location(key),
                                           summary=store.summary(key), note="computed by another run"))
                    elif store.claim_is_stale(key):
                        rerun.setdefault(o.request, []).append(o.benchmark)
                if rerun:
                    execute(list(rerun.items()), results_dir, options, record, progress)
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


Execute = Callable[[list[tuple[ModelRequest, list[str]]], Path, dict[str, Any], Callable[[TaskOutcome], None], bool],
                   None]


@contextlib.contextmanager
def _executor(kind: str, scheduler: str | None, n_workers: int | None, needed: bool) -> Iterator[Execute]:
    """A function that runs jobs (locally, or on a Dask cluster opened for the sweep and closed after it)."""
    if kind == "local" or not needed:
        yield _run_local
        return
    from distributed import Client, LocalCluster  # only the Dask executor needs distributed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=n_workers or _default_workers(), threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None, protocol="tcp")
        client = Client(cluster)
    try:
        yield lambda jobs, results_dir, options, record, progress: _run_dask(client, jobs, results_dir, options,
                                                                             record)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _run_local(jobs: list[tuple[ModelRequest, list[str]]], results_dir: Path, options: dict[str, Any],
               record: Callable[[TaskOutcome], None], progress: bool) -> None:
    for req, pending in jobs:
        run_model_job(req, pending, results_dir, on_outcome=record, progress=progress, **options)


def _default_workers() -> int:
    try:
        import torch  # only to count GPUs: not needed by a sweep that runs locally

        return max(1, torch.cuda.device_count())
    except Exception:  # noqa: BLE001
        return 1


def _run_dask(client: Any, jobs: list[tuple[ModelRequest, list[str]]], results_dir: Path, options: dict[str, Any],
              record: Callable[[TaskOutcome], None]) -> None:
    from distributed import as_completed  # only the Dask executor needs distributed

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
            message = f"job lost: {error_message(exc)}"
            store = DirectoryStore(results_dir)
            for bench in pending:
                key = req.key(bench)
                if _done(store, key):  # finished before the worker died
                    record(TaskOutcome(req, bench, status="done", file=store.location(key),
                                       summary=store.summary(key)))
                    continue
                tb = traceback.format_exc()
                try:
                    write_error(results_dir, key, message, tb)
                except OSError:
                    pass  # the message reaches the user through the outcome
                record(TaskOutcome(req, bench, status="error", error=message, traceback=tb))
            continue
        for outcome in results:
            record(outcome)


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

"""Running models over benchmarks: one job loop, used by the CLI, the sweeps (local or Dask) and the live chapter.

- :func:`run_model_job` (:mod:`brainalign.run.job`): one model on several benchmarks, into a store;
- :func:`run_sweep` (:mod:`brainalign.run.sweep`): many models, resumably, in this process or on a Dask cluster;
- :func:`read_models_file` (:mod:`brainalign.run.models_file`): the models of a sweep;
- :func:`score_models` (:mod:`brainalign.run.live`): a few models and their untrained controls, in memory, with the
  tables of the live chapter.
"""

from .job import TaskOutcome, run_model_job
from .live import ModelRun, score_models
from .models_file import ModelsFileError, parse_model_line, read_models_file
from .sweep import SweepReport, resolve_benchmarks, run_sweep

__all__ = ["ModelRun", "ModelsFileError", "SweepReport", "TaskOutcome", "parse_model_line", "read_models_file",
           "resolve_benchmarks", "run_model_job", "run_sweep", "score_models"]

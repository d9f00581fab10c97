"""The scores table: the contract between the package and the book (format, result rows, results store, sources).

This stage imports nothing else from brainalign but the leaf module :mod:`brainalign.atomic` (atomic file writes):
every other stage writes or reads this format.

- :mod:`brainalign.scores.table`: the format (:data:`SCORE_COLUMNS`), :func:`validate_scores`, :func:`normalize`,
  :func:`merge_scores`, :func:`wide_scores`;
- :mod:`brainalign.scores.result`: :class:`BenchmarkResult`, what every benchmark returns, and its score rows;
- :mod:`brainalign.scores.store`: results directories (one file per task) and the in-memory store;
- :mod:`brainalign.scores.sources`: :func:`load_scores` and the registry of named sources (``"paper"``).
"""

from .result import BenchmarkResult
from .sources import load_scores, register_source, registered_sources
from .store import DirectoryStore, MemoryStore, ModelRequest, ResultStore, TaskKey, read_results
from .table import (IDENTITY_COLUMNS, PROPERTY_COLUMNS, SCORE_COLUMNS, ScoresFormatError, best_layer_scores,
                    merge_scores, normalize, read_scores_file, validate_scores, wide_scores)

__all__ = ["IDENTITY_COLUMNS", "PROPERTY_COLUMNS", "SCORE_COLUMNS", "BenchmarkResult", "DirectoryStore", "MemoryStore",
           "ModelRequest", "ResultStore", "ScoresFormatError", "TaskKey", "best_layer_scores", "load_scores",
           "merge_scores", "normalize", "read_results", "read_scores_file", "register_source",
           "registered_sources", "validate_scores", "wide_scores"]

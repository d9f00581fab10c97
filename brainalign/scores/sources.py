"""Named sources of scores tables, and :func:`load_scores`, which reads any of them.

A source is a name (``"paper"``) bound to a function returning a scores table. This stage knows no source itself:
other stages register theirs (:mod:`brainalign.paper` registers ``"paper"`` when imported; the facade
:func:`brainalign.load_scores` imports it first).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .store import read_results
from .table import ScoresFormatError, read_scores_file, validate_scores

_SOURCES: dict[str, Callable[[], pd.DataFrame]] = {}


def register_source(name: str, loader: Callable[[], pd.DataFrame]) -> None:
    """Make ``load_scores(name)`` return ``loader()`` (validated)."""
    _SOURCES[name] = loader


def registered_sources() -> list[str]:
    """Names of the registered sources."""
    return sorted(_SOURCES)


def load_scores(source: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """Load a scores table.

    Parameters
    ----------
    source : str, path-like or pandas.DataFrame
        A registered source name (``"paper"``: the published tables of Aw et al. 2024), a scores file
        (csv/tsv/parquet), a results directory written by ``brainalign score``/``sweep``
        (:func:`brainalign.scores.store.read_results`), or a DataFrame (validated as is).

    Returns
    -------
    pandas.DataFrame
        A validated scores table (:func:`brainalign.scores.table.validate_scores`).

    Raises
    ------
    FileNotFoundError
        Neither a registered name nor an existing file or directory.
    ScoresFormatError
        The table does not follow the scores format, or a directory holds no scores.
    """
    if isinstance(source, pd.DataFrame):
        return validate_scores(source)
    if isinstance(source, str) and source in _SOURCES:
        return validate_scores(_SOURCES[source]())
    path = Path(source)
    if not path.exists():
        names = ", ".join(repr(n) for n in registered_sources()) or "none registered"
        raise FileNotFoundError(f"scores source {str(source)!r} is neither a registered source ({names}) nor an "
                                f"existing file or directory")
    if path.is_dir():
        table = read_results(path)
        if table.empty:
            raise ScoresFormatError(f"no scores files (*.csv) under {path}")
        return table
    return validate_scores(read_scores_file(path))

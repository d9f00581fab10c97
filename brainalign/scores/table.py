"""The scores table: the one format in which every result of brainalign travels (schema, validation, reshaping).

A scores table is a tidy :class:`pandas.DataFrame` with one row per model x benchmark x layer. Published tables
(``load_scores("paper")``), fresh CPU runs (``benchmark.score(model).to_scores()``) and GPU sweeps (``brainalign
sweep``) all arrive in this form, and every notebook of the book reads only this form.

Columns (:data:`SCORE_COLUMNS`):

============================  ==========================================================================================
``model``                     model name: a catalog short name (``"flan-t5-xl"``), a HF id (``"owner/name"``, with
                              ``@<revision>`` when pinned), ``<folder>@<weights hash>`` for a local folder,
                              ``-untrained`` for a random-init control (:attr:`brainalign.scores.ModelRequest.name`)
``family``                    model family (``"T5"``, ``"LLaMA"``, ``"GPT-2"``, ...)
``pair``                      name of the vanilla partner (a vanilla model is its own pair)
``instruction_tuned``         bool
``params``                    number of parameters (float)
``benchmark``                 ``"Pereira2018"``, ``"Blank2014"``, ``"Wehbe2014"``, ``"Futrell2018"``, ... (a variant of
                              a benchmark, such as ``"Futrell2018-encoding"``, is its own benchmark)
``layer``                     layer name (``"decoder.block.3"``, ``"layer.12"``); empty string when not layer-wise or
                              when only the best layer is known (published tables)
``layer_index``               0-based index of the layer in the model's order (-1 when unknown)
``n_layers``                  number of layers scored for this model (0 when unknown)
``score``                     raw score (Pearson r for the paper's benchmarks)
``ceiling``                   noise ceiling used for normalization (NaN when none)
``normalized``                score / ceiling, clipped to [0, 1] (Brain-Score's convention)
``normalized_unclipped``      score / ceiling, not clipped
``is_best_layer``             True on the row that represents the model on this benchmark
``source``                    ``"paper"`` (published tables) or ``"brainalign"`` (computed here)
``model_id``                  HF id, local path or file hash of the weights
``model_revision``            resolved revision (commit) or file hash; empty when unknown
``brainalign_version``        version that computed the row (empty for published rows)
``data_checksum``             checksum of the human data used (empty for published rows)
``created``                   ISO timestamp of the computation (empty for published rows)
``protocol``                  scoring protocol of a computed row: ``"paper"`` (the authors' code, literally) or
                              ``"brainalign"`` (the corrected default); empty for published rows and older files
``mmlu``, ``bbh``, ``nwp_loss``  model properties (paper Table 7; NaN when unpublished)
============================  ==========================================================================================
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

IDENTITY_COLUMNS = ["model", "family", "pair", "instruction_tuned", "params"]
PROPERTY_COLUMNS = ["mmlu", "bbh", "nwp_loss"]
SCORE_COLUMNS = [
    *IDENTITY_COLUMNS,
    "benchmark",
    "layer",
    "layer_index",
    "n_layers",
    "score",
    "ceiling",
    "normalized",
    "normalized_unclipped",
    "is_best_layer",
    "source",
    "model_id",
    "model_revision",
    "brainalign_version",
    "data_checksum",
    "created",
    "protocol",
    *PROPERTY_COLUMNS,
]

_DEFAULTS: dict[str, object] = {
    "family": "",
    "pair": "",
    "instruction_tuned": False,
    "params": np.nan,
    "layer": "",
    "layer_index": -1,
    "n_layers": 0,
    "ceiling": np.nan,
    "normalized": np.nan,
    "normalized_unclipped": np.nan,
    "is_best_layer": True,
    "source": "brainalign",
    "model_id": "",
    "model_revision": "",
    "brainalign_version": "",
    "data_checksum": "",
    "created": "",
    "protocol": "",
    "mmlu": np.nan,
    "bbh": np.nan,
    "nwp_loss": np.nan,
}
_REQUIRED = ["model", "benchmark", "score"]
_DTYPES = {
    "model": str,
    "family": str,
    "pair": str,
    "instruction_tuned": bool,
    "params": float,
    "benchmark": str,
    "layer": str,
    "layer_index": int,
    "n_layers": int,
    "score": float,
    "ceiling": float,
    "normalized": float,
    "normalized_unclipped": float,
    "is_best_layer": bool,
    "source": str,
    "model_id": str,
    "model_revision": str,
    "brainalign_version": str,
    "data_checksum": str,
    "created": str,
    "protocol": str,
    "mmlu": float,
    "bbh": float,
    "nwp_loss": float,
}


def normalize(raw: float | np.ndarray, ceiling: float | None) -> tuple[Any, Any]:
    """Ceiling-normalize a raw score the way Brain-Score does.

    Parameters
    ----------
    raw : float or ndarray
        Raw score(s).
    ceiling : float or None
        Noise ceiling; ``None`` or NaN gives NaN.

    Returns
    -------
    clipped, unclipped
        ``raw / ceiling`` clipped to [0, 1] (Brain-Score's ``ceiling_normalize``), and the same ratio unclipped.
    """
    if ceiling is None or (isinstance(ceiling, float) and math.isnan(ceiling)):
        nan = np.full_like(np.asarray(raw, dtype=float), np.nan)
        return (float(nan) if nan.ndim == 0 else nan), (float(nan) if nan.ndim == 0 else nan)
    unclipped = np.asarray(raw, dtype=float) / float(ceiling)
    clipped = np.clip(unclipped, 0.0, 1.0)
    if unclipped.ndim == 0:
        return float(clipped), float(unclipped)
    return clipped, unclipped


class ScoresFormatError(ValueError):
    """A table does not follow the scores format."""


def _as_bool(values: pd.Series) -> pd.Series:
    if values.dtype == bool:
        return values
    mapping = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False, "": False, "nan": False}
    out = values.astype(str).str.strip().str.lower().map(mapping)
    if out.isna().any():
        bad = values[out.isna()].unique()[:5]
        raise ScoresFormatError(f"cannot read {list(bad)} as booleans")
    return out.astype(bool)


def validate_scores(df: pd.DataFrame) -> pd.DataFrame:
    """Check a table against the scores format and return a normalized copy.

    Missing optional columns are added with their defaults, columns are put in :data:`SCORE_COLUMNS` order (extra
    columns are kept at the end), and dtypes are coerced.

    Parameters
    ----------
    df : pandas.DataFrame
        Candidate scores table.

    Returns
    -------
    pandas.DataFrame
        The validated table.

    Raises
    ------
    ScoresFormatError
        A required column is missing, a value cannot be coerced, or a (model, benchmark, layer) key is duplicated.
    """
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise ScoresFormatError(f"scores table lacks required column(s) {missing}; it has {list(df.columns)}")
    out = df.copy()
    for col, default in _DEFAULTS.items():
        if col not in out.columns:
            out[col] = default
    if "normalized" in df.columns and "normalized_unclipped" not in df.columns:
        out["normalized_unclipped"] = out["normalized"]
    for col, typ in _DTYPES.items():
        try:
            if typ is bool:
                out[col] = _as_bool(out[col])
            elif typ is str:
                values = out[col].astype(object)
                out[col] = values.where(values.notna(), "").astype(str).replace("nan", "")
            elif typ is int:
                out[col] = pd.to_numeric(out[col]).fillna(_DEFAULTS.get(col, 0)).astype(int)
            else:
                out[col] = pd.to_numeric(out[col]).astype(float)
        except (TypeError, ValueError) as exc:
            raise ScoresFormatError(f"column {col!r}: {exc}") from exc
    out.loc[out["pair"] == "", "pair"] = out.loc[out["pair"] == "", "model"]
    key = ["model", "benchmark", "layer"]
    dup = out.duplicated(key, keep=False)
    if dup.any():
        raise ScoresFormatError(
            "duplicate (model, benchmark, layer) rows: " + ", ".join(map(str, out.loc[dup, key].drop_duplicates()
                                                                          .itertuples(index=False)))[:500]
        )
    extra = [c for c in out.columns if c not in SCORE_COLUMNS]
    return out[SCORE_COLUMNS + extra].reset_index(drop=True)


def read_scores_file(path: str | os.PathLike) -> pd.DataFrame:
    """Read one scores file (``.csv``, ``.tsv`` or ``.parquet``) without validating it."""
    path = Path(path)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    sep = "\t" if path.suffix == ".tsv" else ","
    return pd.read_csv(path, sep=sep, comment="#", keep_default_na=True)


def merge_scores(base: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """Combine a base table (usually the paper's) with freshly computed rows.

    Fresh rows are added; where a (model, benchmark) pair exists in both, the base rows of that pair are dropped and
    the fresh ones kept. Model properties (``mmlu``, ``bbh``, ``nwp_loss``, identity columns) missing in the fresh rows
    are filled from the base table. The ``source`` column tells which rows are fresh.

    Parameters
    ----------
    base, fresh : pandas.DataFrame
        Scores tables.

    Returns
    -------
    pandas.DataFrame
        The merged, validated table.
    """
    base = validate_scores(base)
    fresh = validate_scores(fresh)
    props = base.drop_duplicates("model").set_index("model")
    for col in ["family", "pair", *PROPERTY_COLUMNS]:
        known = fresh["model"].map(props[col]) if col in props else None
        if known is None:
            continue
        empty = fresh[col].isna() | (fresh[col] == "") if fresh[col].dtype == object else fresh[col].isna()
        fresh.loc[empty & known.notna(), col] = known[empty & known.notna()]
    overridden = pd.MultiIndex.from_frame(fresh[["model", "benchmark"]].drop_duplicates())
    keep = ~pd.MultiIndex.from_frame(base[["model", "benchmark"]]).isin(overridden)
    return validate_scores(pd.concat([base[keep], fresh], ignore_index=True))


def best_layer_scores(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (model, benchmark): the best-layer row of each."""
    df = validate_scores(df)
    return df[df["is_best_layer"]].drop_duplicates(["model", "benchmark"]).reset_index(drop=True)


def wide_scores(df: pd.DataFrame, benchmarks: Iterable[str], value: str = "score",
                average: bool = True) -> pd.DataFrame:
    """Model x benchmark table of best-layer values, with the identity and property columns.

    Parameters
    ----------
    df : pandas.DataFrame
        Scores table.
    benchmarks : iterable of str
        Benchmarks to put in columns (rows lacking any of them get NaN there).
    value : str
        Column to spread (``"score"`` or ``"normalized"``).
    average : bool
        Add an ``"Average"`` column, the mean over ``benchmarks`` (NaN if one is missing), as in the paper's Table 5.

    Returns
    -------
    pandas.DataFrame
        Indexed by model, in the order the models first appear in ``df``.
    """
    best = best_layer_scores(df)
    benchmarks = list(benchmarks)
    order = list(dict.fromkeys(best["model"]))
    table = best[best["benchmark"].isin(benchmarks)].pivot(index="model", columns="benchmark", values=value)
    table = table.reindex(index=[m for m in order if m in table.index], columns=benchmarks)
    if average:
        table["Average"] = table[benchmarks].mean(axis=1, skipna=False)
    info = best.drop_duplicates("model").set_index("model")[[*IDENTITY_COLUMNS[1:], "source", *PROPERTY_COLUMNS]]
    return table.join(info)

"""What a benchmark returns: :class:`BenchmarkResult`, convertible to rows of the scores table."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .table import normalize, validate_scores

#: Identity columns a result carries into its score rows (:data:`brainalign.scores.table.IDENTITY_COLUMNS` minus
#: ``model``).
MODEL_INFO_KEYS = ("family", "pair", "instruction_tuned", "params")


@dataclass
class BenchmarkResult:
    """Score of one model on one benchmark.

    Attributes
    ----------
    benchmark : str
        Benchmark name.
    model : str
        Model name (short name, HF id or path).
    raw : float
        Raw score of the best layer (or the single score of a benchmark without layers).
    ceiling : float
        Noise ceiling (NaN when the benchmark has none).
    normalized : float
        ``raw / ceiling`` clipped to [0, 1].
    normalized_unclipped : float
        ``raw / ceiling``, not clipped.
    best_layer : str
        Name of the layer that represents the model: the best one, or the one its protocol picks
        (:meth:`select_layer`; "" when not layer-wise).
    layers : pandas.DataFrame or None
        Layer profile, one row per layer: ``layer``, ``layer_index``, ``score``, ``normalized``,
        ``normalized_unclipped`` (None when not layer-wise).
    details : dict
        Benchmark-specific extras (per-split scores, per-experiment scores, predictions, ...).
    provenance : dict
        ``model_id``, ``model_revision``, ``data_checksum``, ``brainalign_version`` and anything else worth
        recording.
    model_info : dict
        Identity of the model for the scores table (``family``, ``pair``, ``instruction_tuned``, ``params``), set
        by the benchmark from the scored model (:meth:`brainalign.models.LanguageModel.score_info`); empty when the
        result was computed from arrays.
    """

    benchmark: str
    model: str
    raw: float
    ceiling: float = float("nan")
    normalized: float = float("nan")
    normalized_unclipped: float = float("nan")
    best_layer: str = ""
    layers: pd.DataFrame | None = None
    details: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    model_info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_layer_scores(cls, benchmark: str, model: str, layer_scores: dict[str, float] | pd.Series,
                          ceiling: float | None, **kwargs: Any) -> "BenchmarkResult":
        """Build a result from per-layer raw scores (best layer = highest raw score, as in the paper).

        Parameters
        ----------
        benchmark, model : str
            Names.
        layer_scores : mapping layer name -> raw score
            In the model's layer order.
        ceiling : float or None
            Noise ceiling.
        **kwargs
            Passed on (``details``, ``provenance``).
        """
        series = pd.Series(layer_scores, dtype=float)
        if series.empty:
            raise ValueError(f"{benchmark}: no layer scores for model {model!r}")
        clipped, unclipped = normalize(series.to_numpy(), ceiling)
        layers = pd.DataFrame({
            "layer": series.index.astype(str),
            "layer_index": np.arange(len(series)),
            "score": series.to_numpy(),
            "normalized": clipped,
            "normalized_unclipped": unclipped,
        })
        best = int(np.nanargmax(series.to_numpy()))
        return cls(benchmark=benchmark, model=model, raw=float(series.iloc[best]),
                   ceiling=float("nan") if ceiling is None else float(ceiling),
                   normalized=float(layers["normalized"].iloc[best]),
                   normalized_unclipped=float(layers["normalized_unclipped"].iloc[best]),
                   best_layer=str(series.index[best]), layers=layers, **kwargs)

    @classmethod
    def from_score(cls, benchmark: str, model: str, raw: float, ceiling: float | None,
                   **kwargs: Any) -> "BenchmarkResult":
        """Build a result for a benchmark without layers (e.g. surprisal vs reading times)."""
        clipped, unclipped = normalize(raw, ceiling)
        return cls(benchmark=benchmark, model=model, raw=float(raw),
                   ceiling=float("nan") if ceiling is None else float(ceiling),
                   normalized=clipped, normalized_unclipped=unclipped, **kwargs)

    def select_layer(self, layer: str) -> "BenchmarkResult":
        """Make ``layer`` the row that represents the model (``raw``, ``normalized``, ``best_layer``), in place.

        Raises
        ------
        KeyError
            The layer was not scored.
        """
        if self.layers is None or layer not in set(self.layers["layer"]):
            raise KeyError(f"{self.benchmark}: layer {layer!r} was not scored for {self.model!r}")
        row = self.layers[self.layers["layer"] == layer].iloc[0]
        self.best_layer = layer
        self.raw = float(row["score"])
        self.normalized = float(row["normalized"])
        self.normalized_unclipped = float(row["normalized_unclipped"])
        return self

    def to_scores(self, model_info: dict[str, Any] | None = None) -> pd.DataFrame:
        """Rows of the scores table (:mod:`brainalign.scores`) for this result.

        Parameters
        ----------
        model_info : dict, optional
            Identity columns for the model (``family``, ``pair``, ``instruction_tuned``, ``params``); default
            :attr:`model_info`.
        """
        info = dict(self.model_info if model_info is None else model_info)
        common = {
            "model": self.model,
            "benchmark": self.benchmark,
            "ceiling": self.ceiling,
            "source": "brainalign",
            "brainalign_version": str(self.provenance.get("brainalign_version", "")),
            "created": self.provenance.get("created") or _dt.datetime.now(_dt.timezone.utc).isoformat(
                timespec="seconds"),
            "model_id": str(self.provenance.get("model_id", "")),
            "model_revision": str(self.provenance.get("model_revision", "")),
            "data_checksum": str(self.provenance.get("data_checksum", "")),
            "protocol": str(self.provenance.get("protocol", "")),
            **{k: info[k] for k in MODEL_INFO_KEYS if k in info},
        }
        if self.layers is None:
            rows = pd.DataFrame([{**common, "layer": "", "layer_index": -1, "n_layers": 0, "score": self.raw,
                                  "normalized": self.normalized, "normalized_unclipped": self.normalized_unclipped,
                                  "is_best_layer": True}])
        else:
            rows = self.layers.copy()
            for k, v in common.items():
                rows[k] = v
            rows["n_layers"] = len(rows)
            rows["is_best_layer"] = rows["layer"] == self.best_layer
        return validate_scores(rows)

    def __repr__(self) -> str:
        layer = f", best_layer={self.best_layer!r}" if self.best_layer else ""
        return (f"BenchmarkResult({self.benchmark!r}, model={self.model!r}, raw={self.raw:.4f}, "
                f"normalized={self.normalized:.4f}, ceiling={self.ceiling:.4f}{layer})")

"""What every benchmark is: :class:`Benchmark`, with its :class:`Ceiling` and its :class:`Stimuli`.

A benchmark class declares, as class attributes, its ``name`` (registered, matched case-insensitively), a
one-line ``description`` (``brainalign benchmarks``), an axis ``label`` (figures), the data-home folders it reads
(``datasets``) and the ``published_ceiling`` it normalizes by by default. An instance holds its data, its ``ceiling``
(the published one, a recomputed one, or none for a variant without a published ceiling) and its options, and scores
a model with the same keywords everywhere::

    result = benchmark.score(model, batch_size=None, progress=True)    # -> BenchmarkResult

Layer-wise benchmarks implement :meth:`Benchmark.score_activations` and expose :attr:`Benchmark.stimuli`: the
default :meth:`Benchmark.score` extracts every layer's activations for those stimuli
(:func:`brainalign.activations.extract_activations`) and scores them. Benchmarks of per-word predictions (Futrell2018)
override :meth:`Benchmark.score` and offer ``score_predictions``.

Every benchmark takes ``protocol=`` (:mod:`brainalign.benchmarks.protocols`: ``"brainalign"``, the corrected
default, or ``"paper"``, the authors' code literally); the protocol is recorded in every result's provenance and in
the ``protocol`` column of its scores. A benchmark lists the protocols it implements in ``protocols``.

Register a class with the :func:`brainalign.benchmarks.register_benchmark` decorator in its own module; nothing else
needs to know about it (book page *Extending brainalign*).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import xarray as xr

from .._docs import fill_doc
from .._version import __version__
from ..activations.extract import extract_activations
from ..scores.result import BenchmarkResult
from .protocols import DEFAULT_PROTOCOL, Protocol, get_protocol


@dataclass(frozen=True)
class Ceiling:
    """A noise ceiling and where its value comes from.

    Attributes
    ----------
    value : float
        The ceiling (NaN when there is none).
    source : str
        Where the number comes from (a publication, a test of the reference implementation, a recomputation).
    note : str
        Anything a reader needs to know, e.g. how it relates to a rounded value printed in the paper.
    """

    value: float
    source: str
    note: str = ""

    @classmethod
    def none(cls, why: str) -> Ceiling:
        """No ceiling (normalized scores are NaN); ``why`` says why."""
        return cls(float("nan"), "none", why)

    @property
    def known(self) -> bool:
        """True when :attr:`value` is a number."""
        return not math.isnan(self.value)


@dataclass(frozen=True)
class Stimuli:
    """What a layer-wise benchmark presents to a model.

    Attributes
    ----------
    passages : list of list of str
        ``passages[p][j]`` is item ``j`` of passage ``p`` (a sentence, a word, a TR fragment); the context grows within
        a passage.
    item_ids : list
        One id per item, in passage order (flattened); the ``item`` coordinate of the activations.
    """

    passages: list[list[str]]
    item_ids: list[Any]

    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.item_ids)


class Benchmark:
    """Base class of every benchmark (see the module docstring).

    Attributes
    ----------
    name : str
        Registered name (class attribute).
    description : str
        One line for listings (class attribute).
    label : str
        Axis label of the benchmark's raw score in figures (class attribute).
    datasets : tuple of str
        Data-home folders the benchmark reads (class attribute).
    published_ceiling : Ceiling
        The ceiling used by default (class attribute).
    protocols : tuple of str
        The scoring protocols the benchmark implements (class attribute; default: only ``"brainalign"``).
    brainscore_pipeline : bool
        True for the benchmarks the paper ran through Brain-Score (class attribute): the paper protocol then presents
        their stimuli as Brain-Score's ``HuggingfaceSubject`` does and lets each model's committed layer represent it.
    protocol : Protocol
        The protocol of this instance.
    ceiling : Ceiling
        The ceiling of this instance.
    extraction_kwargs : dict
        Options of :func:`brainalign.activations.extract_activations` (layer-wise benchmarks).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    label: ClassVar[str] = ""
    datasets: ClassVar[tuple[str, ...]] = ()
    published_ceiling: ClassVar[Ceiling] = Ceiling.none("no ceiling declared")
    protocols: ClassVar[tuple[str, ...]] = (DEFAULT_PROTOCOL,)
    brainscore_pipeline: ClassVar[bool] = False

    ceiling: Ceiling
    extraction_kwargs: dict[str, Any]
    protocol: Protocol

    def __init__(self, *, ceiling: Ceiling | None = None, extraction_kwargs: dict[str, Any] | None = None,
                 protocol: str | Protocol | None = None) -> None:
        self.ceiling = self.published_ceiling if ceiling is None else ceiling
        self.extraction_kwargs = dict(extraction_kwargs or {})
        self.protocol = get_protocol(protocol)
        if self.protocol.name not in self.protocols:
            raise ValueError(f"{self.name} implements the protocol(s) {', '.join(self.protocols)}, not "
                             f"{self.protocol.name!r}" + (" (it is not one of the paper's benchmarks)"
                                                          if self.protocol.name == "paper" else ""))

    # ------------------------------------------------------------------------------------------------ interface
    @property
    def stimuli(self) -> Stimuli:
        """The stimuli of a layer-wise benchmark."""
        raise NotImplementedError(f"{type(self).__name__} has no stimuli to extract activations for")

    @fill_doc
    def score(self, model: Any, *, batch_size: int | None = None, progress: bool = True) -> BenchmarkResult:
        """Score a model: extract every layer's activations for :attr:`stimuli`, then :meth:`score_activations`.

        Parameters
        ----------
        %(model)s
        %(batch_size)s
        %(progress)s

        Returns
        -------
        BenchmarkResult
            With ``details["extraction_seconds"]``, the time spent on the activations (a cache hit is fast).
        """
        stim = self.stimuli
        protocol_kwargs = self.protocol.extraction_kwargs(model) if self.brainscore_pipeline else {}
        kwargs = {**protocol_kwargs, **self.extraction_kwargs, "progress": progress}
        if batch_size is not None:
            kwargs["batch_size"] = batch_size
        t0 = time.perf_counter()
        acts = extract_activations(model, stim.passages, item_ids=stim.item_ids, **kwargs)
        seconds = time.perf_counter() - t0
        result = self.finish(self.score_activations(acts, model.name), model)
        result.details["extraction_seconds"] = seconds
        self.select_layer(result, model)
        return result

    def score_activations(self, acts: xr.DataArray, model_name: str) -> BenchmarkResult:
        """Score precomputed activations, dims ``("layer", "item", "unit")``, items = :attr:`Stimuli.item_ids`."""
        raise NotImplementedError(f"{type(self).__name__} does not score activations")

    def readout_requests(self) -> list[Any]:
        """What :meth:`score` will read with :func:`brainalign.activations.corpus_readout`
        (:class:`~brainalign.activations.ReadoutRequest`); the job loop gives them to a
        :func:`~brainalign.activations.readout_session`, so that benchmarks reading the same corpus share one
        forward. Default: nothing declared."""
        return []

    # ------------------------------------------------------------------------------------------------- helpers
    def result(self, model_name: str, scores: float | dict[str, float], *, details: dict[str, Any] | None = None,
               provenance: dict[str, Any] | None = None) -> BenchmarkResult:
        """A :class:`BenchmarkResult` of this benchmark: one score, or scores per layer (a dict).

        The provenance gets ``brainalign_version``, ``ceiling_source`` and ``protocol``.
        """
        prov = {"brainalign_version": __version__, "ceiling_source": self.ceiling.source,
                "protocol": self.protocol.name, **(provenance or {})}
        kwargs = {"details": dict(details or {}), "provenance": prov}
        if isinstance(scores, dict):
            return BenchmarkResult.from_layer_scores(self.name, model_name, scores, self.ceiling.value, **kwargs)
        return BenchmarkResult.from_score(self.name, model_name, scores, self.ceiling.value, **kwargs)

    def select_layer(self, result: BenchmarkResult, model: Any) -> BenchmarkResult:
        """Let the protocol's layer represent the model: the committed layer in the paper protocol (when the model
        has one and it was scored), else the best layer. ``details`` records ``layer_selection``, the committed layer
        and the best layer with its score."""
        if result.layers is None:
            return result
        result.details["best_of_layers"] = {"layer": result.best_layer, "raw": result.raw}
        layer = self.protocol.representative_layer(model) if self.brainscore_pipeline else ""
        result.details["committed_layer"] = layer
        if layer and layer in set(result.layers["layer"]):
            result.select_layer(layer)
            result.details["layer_selection"] = "committed"
        else:
            result.details["layer_selection"] = "best"
        return result

    @staticmethod
    def finish(result: BenchmarkResult, model: Any) -> BenchmarkResult:
        """Attach the scored model's identity (catalog properties, id, revision) to a result."""
        info = getattr(model, "score_info", None)
        if callable(info):
            result.model_info = info()
        result.provenance.setdefault("model_id", str(getattr(model, "model_id", "")))
        result.provenance.setdefault("model_revision", str(getattr(model, "revision", "")))
        return result

    def __repr__(self) -> str:
        ceiling = f"{self.ceiling.value:.4g}" if self.ceiling.known else "none"
        return f"{type(self).__name__}(name={self.name!r}, ceiling={ceiling})"


def layer_provenance(acts: xr.DataArray, data_checksum: str | Sequence[str] = "") -> dict[str, Any]:
    """Model and data identity recorded with a layer-wise result."""
    checksum = data_checksum if isinstance(data_checksum, str) else ",".join(c for c in data_checksum if c)
    out = {"model_id": acts.attrs.get("model_id", ""), "model_revision": acts.attrs.get("model_revision", ""),
           "data_checksum": checksum}
    if "batch_size" in acts.attrs:  # it changes the activations slightly (extract_activations)
        out["batch_size"] = acts.attrs["batch_size"]
    return out

"""Scoring protocols: what a benchmark's numbers mean, chosen per run and recorded in every result.

``"brainalign"`` (the default)
    brainalign's corrected methods: ShuffleSplits over the sorted stimulus ids (folds independent of how a file is
    stored), float64 least squares (the exact value of the formula), each item's context = the items joined by spaces
    read at the item's last *word* token, block outputs only, surprisal from windows of at most 2048 tokens, T5
    surprisal from its decoder alone (``t5_method="causal-decoder"``: no leakage), the best layer of each benchmark.
``"paper"``
    the authors' code (brain-score/language PR #194 at commit 91c88b1, scoring code identical to brainscore-language
    2.2.1), literally: ShuffleSplits over the target assembly's stored order after ``sel``/``dropna``, float32
    features and targets with the paper-era least-squares cutoff (whatever the weights' dtype: the reference fits in
    its activations' dtype, float32 under this protocol's float32 weights; a benchmark's ``precision="float64"`` fits
    in float64 as the reference does for float64 weights), ``HuggingfaceSubject``'s context strings (a Blank2014
    fragment's trailing space kept, read at the context's last token), truncation at the tokenizer's
    ``model_max_length`` per item (none when the tokenizer declares none), its reading-time token accounting (T5: the
    word's tokens minus its first, plus ``</s>``), LLaMA-architecture models read at ``post_attention_layernorm`` as
    well as at the block outputs, float32 weights, and each paper model represented by the layer its plugin commits.

Every difference and its measured effect is in the book's *Discrepancies* page; ``make test-oracle`` proves the paper
protocol against brainscore-language itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..models.paper import committed_layer, paper_sublayers

DEFAULT_PROTOCOL = "brainalign"


@dataclass(frozen=True)
class Protocol:
    """One scoring protocol (module docstring).

    Attributes
    ----------
    name : str
    description : str
    split_order : {"sorted", "stored"}
        :func:`brainalign.encoding.linear_predictivity` ``split_order``.
    precision : {"float64", "float32"}
        Least-squares precision of the linear metric.
    extraction : dict
        Options of :func:`brainalign.activations.extract_activations` (``sublayers`` is added per model).
    surprisal : dict
        Options of :func:`brainalign.activations.word_surprisal`.
    weights_dtype : str
        Model weights dtype when the user asks for ``"auto"``.
    layer_selection : {"best", "committed"}
        Which layer represents a model on a layer-wise benchmark: the best-scoring one, or the one its plugin
        commits (the best one where none is known).
    """

    name: str
    description: str
    split_order: str
    precision: str
    extraction: dict[str, Any] = field(default_factory=dict)
    surprisal: dict[str, Any] = field(default_factory=dict)
    weights_dtype: str = "auto"
    layer_selection: str = "best"

    def extraction_kwargs(self, model: Any) -> dict[str, Any]:
        """Extraction options for ``model`` (the paper protocol adds LLaMA's ``post_attention_layernorm``)."""
        out = dict(self.extraction)
        if self.name == "paper":
            out["sublayers"] = paper_sublayers(model)
        return out

    def representative_layer(self, model: Any) -> str:
        """The layer that represents ``model`` under this protocol ("" = the best layer)."""
        return committed_layer(model) if self.layer_selection == "committed" else ""


PROTOCOLS: dict[str, Protocol] = {
    "brainalign": Protocol(
        name="brainalign", description="brainalign's corrected methods (sorted-id splits, float64, joined contexts, "
                                       "causal T5 surprisal, best layer)",
        split_order="sorted", precision="float64", surprisal={"t5_method": "causal-decoder"}),
    "paper": Protocol(
        name="paper", description="the authors' code literally (Brain-Score PR #194 at 91c88b1 = brainscore-language "
                                  "2.2.1's scoring code)",
        split_order="stored", precision="float32", extraction={"context": "literal"},
        surprisal={"context": "literal", "t5_method": "paper"}, weights_dtype="float32",
        layer_selection="committed"),
}


def get_protocol(protocol: str | Protocol | None) -> Protocol:
    """A protocol by name (None = :data:`DEFAULT_PROTOCOL`).

    Raises
    ------
    ValueError
        Unknown name; the message lists the protocols.
    """
    if isinstance(protocol, Protocol):
        return protocol
    name = DEFAULT_PROTOCOL if protocol is None else str(protocol)
    if name not in PROTOCOLS:
        raise ValueError(f"unknown protocol {name!r}; choose one of {', '.join(PROTOCOLS)} ('paper' reproduces the "
                         f"authors' code, 'brainalign' is the corrected default)")
    return PROTOCOLS[name]

"""Parameter descriptions shared by many docstrings, written once (the idea of nilearn's ``fill_doc``).

A docstring line that holds only ``%(name)s`` is replaced by the entry ``name`` of :data:`DOCS`, indented like the
placeholder::

    @fill_doc
    def load_thing(*, data_home=None):
        '''Load a thing.

        Parameters
        ----------
        %(data_home)s
        '''

Only whole-line placeholders are replaced, so a ``%`` elsewhere in a docstring needs no escaping.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T", bound=Callable)

DOCS: dict[str, str] = {
    "data_home": """\
data_home : path-like, optional
    Data home holding the dataset's folder (default: ``$BRAINALIGN_DATA``, else the user cache; see
    :mod:`brainalign.paths`).""",
    "progress": """\
progress : bool
    Show progress bars.""",
    "data_source": """\
data_home : path-like, optional
    Data home holding the dataset's folder (default: ``$BRAINALIGN_DATA``, else the user cache; see
    :mod:`brainalign.paths`); a missing file is downloaded there with its checksum unless downloads are disabled.
progress : bool
    Show a download progress bar.""",
    "batch_size": """\
batch_size : int, optional
    Sequences per forward pass (None: the default of the extraction or surprisal step).""",
    "device": """\
device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device
    Where the arithmetic runs; ``"auto"`` is CUDA when available (:func:`brainalign.backend.resolve_device`).""",
    "correlation": """\
correlation : {"pearsonr", "batched"}
    Paper-era ``scipy.stats.pearsonr`` (default) or Brain-Score's newer ``+1e-8`` batched version
    (:mod:`brainalign.encoding.correlation`).""",
    "precision": """\
precision : {"float64", "mixed", "float32"}, optional
    ``"float64"``: everything in float64 (agrees with scikit-learn to ~1e-12). ``"mixed"``: gram, eigh and hat
    matrices in float64, the product with the targets and the correlation in float32 (~2x faster on a CPU, r within
    ~1e-6). ``"float32"``: the paper's float32 least squares. Default: the protocol's (``"brainalign"``: float64,
    ``"paper"``: float32).""",
    "protocol": """\
protocol : {"brainalign", "paper"}
    Scoring protocol (:mod:`brainalign.benchmarks.protocols`): brainalign's corrected methods (default) or the
    authors' code literally; recorded in the result's provenance and scores.""",
    "metric": """\
metric : {"linear", "ridge"}
    The paper's ``linear_pearsonr`` (default) or Brain-Score's newer ``ridge_pearsonr`` (one alpha from
    ``logspace(-3, 3, 7)`` by efficient leave-one-out, GroupKFold over stories). The published ceilings are the
    linear metric's; Brain-Score's ridge ceilings are not published as numbers, so with ``metric="ridge"`` the
    ceiling is NaN (normalized scores NaN).""",
    "extraction_kwargs": """\
extraction_kwargs : dict, optional
    Passed to :func:`brainalign.activations.extract_activations` (``window_stride``, ``cache``, ``per_item``).""",
    "model": """\
model : LanguageModel
    From :func:`brainalign.load_model` (or :func:`brainalign.models.tiny_model`).""",
    "model_name": """\
model_name : str
    Name recorded in the result.""",
}

_PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)%\((?P<name>\w+)\)s[ \t]*$", re.MULTILINE)


def fill_doc(obj: T) -> T:
    """Replace whole-line ``%(name)s`` placeholders of ``obj.__doc__`` by the shared descriptions.

    Raises
    ------
    KeyError
        A placeholder names no entry of :data:`DOCS` (a typo is caught at import time).
    """
    doc = obj.__doc__
    if doc:
        def sub(match: re.Match) -> str:
            indent = match.group("indent")
            return "\n".join(indent + line if line else line for line in DOCS[match.group("name")].splitlines())

        obj.__doc__ = _PLACEHOLDER.sub(sub, doc)
    return obj

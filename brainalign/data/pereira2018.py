"""Pereira et al. 2018 (experiments 2 and 3) as packaged by Brain-Score (``Pereira2018.language``).

The assembly holds 627 sentences (``presentation``) × 13,553 language-network voxels of 10 subjects (``neuroid``),
NaN where a subject did not take part in an experiment. Brain-Score scores each experiment separately on the voxels
that have no NaN in it (``dropna('neuroid')``), presenting the sentences passage by passage (passages in sorted order
of ``passage_label``, sentences in assembly order, context growing within the passage).
"""

from __future__ import annotations

import os

import numpy as np
import xarray as xr

from .._docs import fill_doc
from .assemblies import load_assembly

EXPERIMENTS = ("243sentences", "384sentences")


@fill_doc
def load_pereira2018(*, data_home: str | os.PathLike | None = None, atlas: str = "language") -> xr.DataArray:
    """The Brain-Score ``Pereira2018.<atlas>`` assembly, dims ``("presentation", "neuroid")``.

    Parameters
    ----------
    %(data_home)s
    atlas : {"language", "auditory"}
    """
    if atlas not in ("language", "auditory"):
        raise ValueError(f"atlas must be 'language' or 'auditory', got {atlas!r}")
    return load_assembly(f"Pereira2018.{atlas}", data_home=data_home)


def experiment_data(assembly: xr.DataArray, experiment: str) -> xr.DataArray:
    """One experiment's presentations, with the voxels that have any NaN in it dropped (Brain-Score's dropna).

    Parameters
    ----------
    assembly : xarray.DataArray, dims ("presentation", "neuroid")
    experiment : {"243sentences", "384sentences"}

    Returns
    -------
    xarray.DataArray, shape [n_sentences, n_voxels]
    """
    if experiment not in EXPERIMENTS:
        raise ValueError(f"experiment must be one of {EXPERIMENTS}, got {experiment!r}")
    sel = assembly.isel(presentation=np.flatnonzero(assembly["experiment"].values == experiment))
    if sel.sizes["presentation"] == 0:
        raise ValueError(f"the assembly has no presentations of experiment {experiment!r}")
    return sel.dropna("neuroid")


def passage_stimuli(data: xr.DataArray) -> tuple[list[list[str]], list[str], np.ndarray]:
    """Sentences grouped by passage, as Brain-Score feeds them (sorted ``passage_label``, assembly order within).

    Parameters
    ----------
    data : xarray.DataArray
        One experiment (:func:`experiment_data`).

    Returns
    -------
    passages : list of list of str
        Sentence strings per passage.
    item_ids : list of str
        ``stimulus_id`` of every sentence, in passage order (flattened).
    order : ndarray of int
        Presentation positions in the same flattened order.
    """
    labels = data["passage_label"].values
    stimuli = data["stimulus"].values if "stimulus" in data.coords else data["sentence"].values
    ids = data["stimulus_id"].values
    passages, item_ids, order = [], [], []
    for label in sorted(set(labels.tolist())):
        idx = np.flatnonzero(labels == label)
        passages.append([str(s) for s in stimuli[idx]])
        item_ids.extend(str(i) for i in ids[idx])
        order.extend(idx.tolist())
    return passages, item_ids, np.asarray(order)

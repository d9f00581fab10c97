"""Blank et al. 2014 fROI time courses as packaged by Brain-Score (``Blank2014.fROI``).

1,317 two-second TRs (``presentation``) of 8 Natural Stories × 60 neuroids (5 subjects × 12 language fROIs). Each
TR's stimulus is the text fragment heard during it; Brain-Score feeds the fragments story by story with the context
growing within a story.
"""

from __future__ import annotations

import os

import numpy as np
import xarray as xr

from .._docs import fill_doc
from .assemblies import load_assembly


@fill_doc
def load_blank2014(*, data_home: str | os.PathLike | None = None) -> xr.DataArray:
    """The Brain-Score ``Blank2014.fROI`` assembly, dims ``("presentation", "neuroid")``.

    Parameters
    ----------
    %(data_home)s
    """
    return load_assembly("Blank2014.fROI", data_home=data_home)


def story_stimuli(data: xr.DataArray) -> tuple[list[list[str]], list[str], np.ndarray]:
    """TR fragments grouped by story (stories in order of first appearance, assembly order within).

    Parameters
    ----------
    data : xarray.DataArray, dims ("presentation", "neuroid")

    Returns
    -------
    passages : list of list of str
    item_ids : list of str
        ``stimulus_id`` per fragment, flattened in passage order.
    order : ndarray of int
        Presentation positions in the same order.
    """
    stories = data["story"].values
    stimuli = data["stimulus"].values
    ids = data["stimulus_id"].values
    seen = list(dict.fromkeys(stories.tolist()))
    passages, item_ids, order = [], [], []
    for story in seen:
        idx = np.flatnonzero(stories == story)
        passages.append([str(s) for s in stimuli[idx]])
        item_ids.extend(str(i) for i in ids[idx])
        order.extend(idx.tolist())
    return passages, item_ids, np.asarray(order)

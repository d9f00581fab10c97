"""What the book's notebooks share, so that no page repeats another's boilerplate: page set-up, a page's scores,
and :func:`glue` (numbers into the page's text)."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from myst_nb import glue as _glue

# The package's progress bars come from tqdm.auto, which warns "IProgress not found" when imported in a kernel without
# ipywidgets: noise on every page, since the pages draw no progress bars (``progress=False``). Filtered before the
# imports below load tqdm.auto; pages import this module first.
warnings.filterwarnings("ignore", message="IProgress not found")

from .. import load_scores, stats  # noqa: E402 - after the filter above
from ..figures import set_style  # noqa: E402
from ..figures.numbers import p_phrase  # noqa: E402
from ..paper.provenance import provenance_note  # noqa: E402


def glue(name: str, value: Any, display: bool = False) -> None:
    """:func:`myst_nb.glue` for notebook numbers: numpy scalars become Python ``int``/``float`` first.

    myst-nb formats ``{glue:text}`name:.2f``` from the stored ``text/plain`` repr, which for numpy scalars is
    ``np.float64(...)`` and cannot be formatted; this wrapper stores plain Python numbers.

    Parameters
    ----------
    name : str
        Glue key, referenced in markdown as ``{glue:text}`name:format```.
    value : Any
        The value (numpy scalars are converted).
    display : bool
        Also display the value in the cell output.
    """
    if isinstance(value, (np.integer, np.bool_)):
        value = int(value)
    elif isinstance(value, np.floating):
        value = float(value)
    _glue(name, value, display=display)


def glue_many(values: dict[str, Any]) -> None:
    """:func:`glue` every ``name: value`` of a mapping (the numbers a section's text refers to)."""
    for name, value in values.items():
        glue(name, value)


def glue_text(name: str, markdown: str) -> None:
    """Glue a sentence (Markdown) for ``{glue:md}`name```: conclusions chosen by the statistics
    (:mod:`brainalign.book.phrases`) and numbers written for readers (:mod:`brainalign.figures.numbers`)."""
    _glue(name, Markdown(markdown), display=False)


def glue_correlation(suffix: str, res: pd.Series) -> None:
    """Glue a :func:`brainalign.stats.correlate` result as ``r_<suffix>``, ``p_<suffix>``, ``n_<suffix>``,
    ``lo_<suffix>``, ``hi_<suffix>`` (numbers) and ``p_<suffix>_text`` (the p-value written for a sentence)."""
    for key, column in [("r", "r"), ("p", "p"), ("n", "n"), ("lo", "ci_low"), ("hi", "ci_high")]:
        value = res[column]
        glue(f"{key}_{suffix}", int(value) if key == "n" else float(value))
    glue_text(f"p_{suffix}_text", p_phrase(float(res["p"])))


def setup_page(torch_threads: int = 0, progress: bool = False) -> None:
    """Prepare a page that runs models: figure style, progress bars, torch threads, offline hub.

    Parameters
    ----------
    torch_threads : int
        CPU threads for torch; 0 means all cores (right when the page runs alone, as in the book build). Use 1 on a
        machine busy with other work, where threads oversubscribe the cores.
    progress : bool
        Show progress bars (useful interactively; noise in a rendered page).
    """
    import torch  # the pages that run models need it; the others never call this

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not progress:
        os.environ["TQDM_DISABLE"] = "1"
        import transformers  # as torch

        transformers.utils.logging.disable_progress_bar()
    warnings.filterwarnings("ignore", message="IProgress not found")
    torch.set_num_threads(torch_threads or os.cpu_count() or 1)
    set_style()


def open_scores(scores: str | os.PathLike | pd.DataFrame = "paper") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load the scores of a section page and show where they come from.

    Parameters
    ----------
    scores : "paper", path-like or pandas.DataFrame
        As :func:`brainalign.load_scores`.

    Returns
    -------
    table : pandas.DataFrame
        The scores table (one row per model x benchmark x layer).
    wide : pandas.DataFrame
        One row per model with the best-layer scores per benchmark and the model properties
        (:func:`brainalign.stats.to_wide`).
    """
    set_style()
    table = load_scores(scores)
    display(Markdown(provenance_note(table, str(scores) if not isinstance(scores, pd.DataFrame) else "a DataFrame")))
    fresh = table[table["source"] != "paper"]
    # what this page's scores measured (read back by the landing page, brainalign.book.results)
    glue("data_computed_models", int(fresh["model"].nunique()))
    glue("data_computed_benchmarks", ", ".join(sorted(set(fresh["benchmark"]))))
    return table, stats.to_wide(table)

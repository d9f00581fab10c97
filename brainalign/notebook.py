"""Set-up shared by the book's notebooks, so that no page repeats another's boilerplate."""

from __future__ import annotations

import os
import warnings

import pandas as pd


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
    import torch

    from .figures import set_style

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not progress:
        os.environ["TQDM_DISABLE"] = "1"
        import transformers

        transformers.utils.logging.disable_progress_bar()
    warnings.filterwarnings("ignore", message="IProgress not found")
    torch.set_num_threads(torch_threads or os.cpu_count() or 1)
    set_style()


def open_scores(scores: str | os.PathLike | pd.DataFrame = "paper") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load the scores of a section page and show where they come from.

    Parameters
    ----------
    scores : "paper", path-like or pandas.DataFrame
        As :func:`brainalign.scores.load_scores`.

    Returns
    -------
    table : pandas.DataFrame
        The scores table (one row per model x benchmark x layer).
    wide : pandas.DataFrame
        One row per model with the best-layer scores per benchmark and the model properties
        (:func:`brainalign.stats.to_wide`).
    """
    from IPython.display import Markdown, display

    from . import figures, stats
    from .paper import provenance_note
    from .scores import load_scores

    figures.set_style()
    table = load_scores(scores)
    display(Markdown(provenance_note(table, str(scores) if not isinstance(scores, pd.DataFrame) else "a DataFrame")))
    return table, stats.to_wide(table)

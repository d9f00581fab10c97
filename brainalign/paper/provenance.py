"""Where the numbers of a scores table come from, in words for a book page."""

from __future__ import annotations

import pandas as pd


def provenance_note(scores: pd.DataFrame, source_label: str = "paper") -> str:
    """A short Markdown note saying which rows are published and which were computed by brainalign.

    Parameters
    ----------
    scores : pandas.DataFrame
        A scores table (:mod:`brainalign.scores`).
    source_label : str
        How the table was requested (the notebook's ``scores`` parameter), shown in the note.

    Returns
    -------
    str
        Markdown text (one paragraph, plus a list of fresh models when there are any).
    """
    fresh = scores[scores["source"] != "paper"]
    n_models = scores["model"].nunique()
    if fresh.empty:
        return (f"**Data source:** all numbers on this page are recomputed from the paper's published tables "
                f"(Aw et al. 2024, Tables 5-10; {n_models} models; `scores = {source_label!r}`). "
                f"No score on this page was computed by brainalign itself.")
    per_model = fresh.groupby("model")["benchmark"].apply(lambda b: ", ".join(sorted(set(b))))
    items = "\n".join(f"- `{m}`: {b}" for m, b in per_model.items())
    n_paper = scores.loc[scores["source"] == "paper", "model"].nunique()
    return (f"**Data source:** `scores = {source_label!r}`: {n_models} models. Rows from the paper's published "
            f"tables: {n_paper} models. Rows computed by brainalign (marked with a black outline in the figures):\n\n"
            f"{items}")

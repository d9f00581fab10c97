"""Tables for readers: what a book page shows instead of a raw DataFrame.

:func:`reader_table` formats a :class:`pandas.DataFrame` the way the book prints numbers (:mod:`brainalign.figures.numbers`):
p-values as ``0.034`` or ``< 0.001``, counts as integers, other numbers with three decimals, missing values as a dash,
and no index column. Columns are recognised by name (a p-value column is ``p`` or has ``p`` as a word of its name, a
count column is ``n`` or starts with ``n_``/``n ``), or named explicitly.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from ..figures.numbers import format_p

_P_COLUMN = re.compile(r"(^|[\s_(])p($|[\s_)])", re.IGNORECASE)
_COUNT_COLUMN = re.compile(r"^(n|n[\s_].*|count.*|#.*)$", re.IGNORECASE)

__all__ = ["is_p_column", "is_count_column", "reader_table"]


def is_p_column(name: str) -> bool:
    """True for ``p``, ``p_ttest``, ``p BH (recomputed)``, ``paper p``, ... (``p`` as a word of the name)."""
    return bool(_P_COLUMN.search(str(name)))


def is_count_column(name: str, values: pd.Series | None = None) -> bool:
    """True for ``n``, ``n_pairs``, ``n tasks``, ... or an integer column."""
    if values is not None and pd.api.types.is_integer_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return True
    return bool(_COUNT_COLUMN.match(str(name)))


def _number(decimals: int):
    def fmt(x) -> str:
        if x is None or (isinstance(x, float) and np.isnan(x)):
            return "–"
        if isinstance(x, (bool, np.bool_)):
            return "yes" if x else "no"
        if isinstance(x, (int, float, np.integer, np.floating)):
            return f"{x:.{decimals}f}"
        return str(x)
    return fmt


def _count(x) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "–"
    if isinstance(x, (int, float, np.integer, np.floating)):
        if float(x) != round(float(x)):
            raise ValueError(f"count column holds a non-integer value {x!r}")
        return f"{int(round(float(x))):d}"
    return str(x)


def _p(x) -> str:
    if isinstance(x, str):  # already escaped by the Styler
        return x
    return html.escape(format_p(None if x is None else float(x)))  # formatters run after the Styler's escaping


def reader_table(df: pd.DataFrame, *, decimals: int | Mapping[str, int] = 3, p_columns: Iterable[str] | None = None,
                 count_columns: Iterable[str] | None = None, columns: Mapping[str, str] | None = None) -> Styler:
    """A DataFrame formatted for a book page (HTML through the Styler; the index is hidden).

    Parameters
    ----------
    df : pandas.DataFrame
        Any table; its index is not shown (make it a column with ``reset_index()`` if it carries information).
    decimals : int or mapping
        Decimals of the other numeric columns (3 by default), or per column (``{"pct": 1}``; others get 3).
    p_columns, count_columns : iterable of str, optional
        Columns holding p-values and counts; default: recognised by name (:func:`is_p_column`,
        :func:`is_count_column`).
    columns : mapping, optional
        New column names for display (``{"ci_low": "CI low"}``), applied after the formatting is chosen.

    Returns
    -------
    pandas.io.formats.style.Styler

    Raises
    ------
    ValueError
        A count column holds a non-integer value.
    """
    p_cols = set(p_columns) if p_columns is not None else {c for c in df.columns if is_p_column(c)}
    count_cols = set(count_columns) if count_columns is not None else {
        c for c in df.columns if c not in p_cols and is_count_column(c, df[c])}
    formats = {}
    for col in df.columns:
        if col in p_cols:
            formats[col] = _p
        elif col in count_cols:
            formats[col] = _count
        elif pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_object_dtype(df[col]):
            digits = decimals.get(col, 3) if isinstance(decimals, Mapping) else decimals
            formats[col] = _number(digits)
    shown = df.reset_index(drop=True)
    styler = shown.style.format(formats, escape="html").hide(axis="index").set_table_attributes('class="dataframe reader-table"')
    if columns:
        styler = styler.relabel_index([columns.get(c, c) for c in shown.columns], axis="columns")
    return styler

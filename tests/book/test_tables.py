"""brainalign.book.tables: tables formatted for readers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from brainalign.book.tables import is_count_column, is_p_column, reader_table


def test_columns_are_recognised_by_name():
    assert all(is_p_column(c) for c in ["p", "p_ttest", "p BH (recomputed)", "p (all)", "paper p"])
    assert not any(is_p_column(c) for c in ["pct_change", "params_billion", "pair", "pereira"])
    assert all(is_count_column(c) for c in ["n", "n_pairs", "n tasks"]) and not is_count_column("name")
    assert is_count_column("tasks", pd.Series([1, 2]))


def test_reader_table_formats_p_counts_and_decimals():
    df = pd.DataFrame({"dataset": ["A", "B<"], "r": [0.91234, -0.1], "p": [1e-9, 0.46012], "n": [17.0, 17.0],
                       "ci_low": [np.nan, 0.2], "pct": [6.234, 1.0]}, index=[5, 9])
    html = reader_table(df, decimals={"pct": 1}, columns={"ci_low": "CI low"}).to_html()
    header = [h.strip() for h in re.findall(r"<th [^>]*>([^<]*)</th>", html)]
    body = [c.strip() for c in re.findall(r"<td [^>]*>([^<]*)</td>", html)]
    assert header == ["dataset", "r", "p", "n", "CI low", "pct"]  # no index column
    assert body == ["A", "0.912", "&lt; 0.001", "17", "–", "6.2", "B&lt;", "-0.100", "0.460", "17", "0.200", "1.0"]
    assert "reader-table" in html and "0.0000" not in html and "17.0" not in html


def test_a_count_column_with_fractions_is_an_error():
    with pytest.raises(ValueError, match="non-integer"):
        reader_table(pd.DataFrame({"n": [1.5]})).to_html()

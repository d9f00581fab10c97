import os

import pandas as pd
import torch

from brainalign.book.notebook import open_scores, setup_page


def test_setup_page_sets_threads_and_silences_progress(monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    before = torch.get_num_threads()
    try:
        setup_page(torch_threads=1, progress=False)
        assert torch.get_num_threads() == 1
        assert os.environ["TQDM_DISABLE"] == "1"
    finally:
        torch.set_num_threads(before)


def test_open_scores_returns_table_and_wide(capsys):
    table, wide = open_scores("paper")
    assert len(table) == 132 and (table["source"] == "paper").all()
    assert "Average" in wide.columns and wide.loc["flan-t5-xl", "Pereira2018"] == 0.314
    fresh = table[table["model"] != "t5-small"].copy()
    table2, wide2 = open_scores(fresh)
    assert "t5-small" not in wide2.index and isinstance(table2, pd.DataFrame)

"""The shipped transcriptions of the paper's tables: consistency checks that a typo would break."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from brainalign.models.catalog import model_catalog
from brainalign.paper import TABLES, load_paper_scores, load_table, published_value
from brainalign import load_scores
from brainalign.paper import BRAIN_BENCHMARKS
from brainalign.scores import SCORE_COLUMNS, validate_scores


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_table_has_a_citation_header(name):
    from importlib import resources

    text = resources.files("brainalign.paper").joinpath("data", TABLES[name]).read_text()
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any("arXiv:2312.00575" in line for line in header)
    assert any("Instruction-tuning Aligns LLMs to the Human Brain" in line for line in header)
    assert not load_table(name).empty


def test_table5_average_is_the_mean_of_the_three_datasets():
    t5 = load_table("table5")
    assert len(t5) == 33
    mean = t5[list(BRAIN_BENCHMARKS)].mean(axis=1)
    # the paper printed averages of unrounded values: rounding each of the 3 columns moves the mean by <= 0.0005
    assert np.abs(mean - t5["Average"]).max() <= 0.001 + 1e-12


def test_table5_models_are_the_catalog_models():
    cat = model_catalog()
    t5 = load_table("table5")
    assert set(t5["model"]) == set(cat[cat["group"].isin(["main", "gpt2"])].index)
    assert set(load_table("table9")["model"]) == set(t5["model"])


def test_table7_covers_the_instruction_tuned_models():
    cat = model_catalog()
    t7 = load_table("table7")
    tuned = cat[cat["instruction_tuned"] & cat["group"].isin(["main", "gpt2"])]
    assert set(t7["model"]) == set(tuned.index)
    assert len(t7) == 21
    assert t7[["mmlu", "bbh"]].stack().between(0.2, 0.6).all()


def test_paper_scores_are_in_the_scores_format():
    scores = load_paper_scores()
    assert list(scores.columns[: len(SCORE_COLUMNS)]) == SCORE_COLUMNS
    pd.testing.assert_frame_equal(validate_scores(scores), scores)
    assert len(scores) == 33 * 4
    assert set(scores["benchmark"]) == {*BRAIN_BENCHMARKS, "Futrell2018"}
    assert (scores["source"] == "paper").all()
    main = scores[scores["family"].isin(["T5", "LLaMA"])]
    assert main["model"].nunique() == 25
    tuned = main[main["instruction_tuned"]]
    assert tuned["model"].nunique() == 17
    assert tuned["pair"].nunique() == 8  # 17 instruction-tuned models paired with 8 vanilla models
    assert set(tuned["pair"]) <= set(main.loc[~main["instruction_tuned"], "model"])
    pd.testing.assert_frame_equal(load_scores("paper"), scores)


def test_ceilings_and_normalization():
    scores = load_paper_scores().set_index(["model", "benchmark"])
    assert scores.loc[("llama-7b", "Pereira2018"), "ceiling"] == pytest.approx(0.359)
    assert scores.loc[("llama-7b", "Futrell2018"), "ceiling"] == pytest.approx(0.858)
    # LLaMA-7B exceeds the Pereira ceiling (0.405 > 0.359): clipped to 1, unclipped 1.128
    assert scores.loc[("llama-7b", "Pereira2018"), "normalized"] == 1.0
    assert scores.loc[("llama-7b", "Pereira2018"), "normalized_unclipped"] == pytest.approx(0.405 / 0.359)
    t6 = load_table("table6").set_index("benchmark")["ceiling"]
    assert t6["Average"] == pytest.approx(t6[list(BRAIN_BENCHMARKS)].mean(), abs=0.001)


def test_properties_only_for_instruction_tuned_models():
    scores = load_paper_scores()
    vanilla = scores[~scores["instruction_tuned"]]
    assert vanilla[["mmlu", "bbh", "nwp_loss"]].isna().all().all()
    row = scores[(scores["model"] == "vicuna-33b")].iloc[0]
    assert (row["mmlu"], row["bbh"], row["nwp_loss"]) == (0.590, 0.426, 3.940)


def test_published_values_lookup():
    assert published_value("brain_vs_size") == 0.95
    assert published_value("behavior_vs_nwp_llama", "p") == 0.21
    with pytest.raises(KeyError, match="no published"):
        published_value("brain_vs_size", "pct")
    with pytest.raises(KeyError, match="unknown paper table"):
        load_table("table99")


def test_table2_rows():
    t2 = load_table("table2")
    assert len(t2) == 11
    assert list(t2["benchmark"].value_counts().sort_index()) == [6, 5]  # BBH 6 rows, MMLU 5 rows
    assert t2.groupby("benchmark")["n_tasks"].first().to_dict() == {"BBH": 23, "MMLU": 57}

"""The model catalog (models.csv): the paper's models, pairs and groups."""

import pytest

from brainalign.models.catalog import model_catalog


def test_catalog_has_paper_models():
    cat = model_catalog()
    assert len(model_catalog("main")) == 25
    assert len(model_catalog("gpt2")) == 8
    assert (model_catalog("main")["instruction_tuned"]).sum() == 17
    assert cat.loc["flan-alpaca-xl", "pair"] == "t5-xl"
    with pytest.raises(ValueError):
        model_catalog("nope")

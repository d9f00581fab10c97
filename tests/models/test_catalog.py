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


def test_a_new_model_is_one_row(tmp_path, monkeypatch):
    """The rows of the book page *Extending brainalign* make their models known by short name."""
    import re
    from pathlib import Path

    from brainalign.models import catalog
    from brainalign.models.registry import resolve

    page = (Path(__file__).resolve().parents[2] / "book" / "extending.md").read_text()
    block = re.search(r"```text\n(name,hf_id,.*?)```", page, re.S).group(1).splitlines()
    csv = tmp_path / "models.csv"
    original = Path(catalog.__file__).with_name("models.csv").read_text()
    csv.write_text(original.rstrip("\n") + "\n" + "\n".join(block[1:]) + "\n")
    assert block[0] == [line for line in original.splitlines() if line.startswith("name,")][0]  # same columns

    monkeypatch.setattr(catalog, "_read", lambda: catalog.read_catalog(csv))
    spec = resolve("smollm2-135m-instruct-hf")
    assert spec.source == "catalog" and spec.model_id == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert spec.info["pair"] == "smollm2-135m" and spec.info["instruction_tuned"] is True

"""The live chapter's source: short code cells, fixed glue keys the package provides, captioned figures with alt
text, and none of the noise a rendered page must not show."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jupytext
import pytest

from brainalign.run.live import PAGE_KEYS

SOURCE = Path(__file__).resolve().parents[2] / "notebooks" / "05_live_chapter.py"


@pytest.fixture(scope="module")
def notebook():
    return jupytext.read(SOURCE)


def test_code_cells_are_short(notebook):
    for cell in notebook.cells:
        if cell.cell_type == "code":
            lines = [line for line in cell.source.splitlines() if line.strip()]
            assert len(lines) <= 10, f"a code cell of {len(lines)} lines:\n{cell.source}"


def test_glue_keys_are_fixed_and_provided(notebook):
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    used = set(re.findall(r"\{glue:\w+\}`(\w+)", text))
    assert used and used <= set(PAGE_KEYS), sorted(used - set(PAGE_KEYS))
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert not re.search(r"glue\(\s*f[\"']", code), "a glue key built at run time"


def test_figures_have_numbered_captions_and_alt_text(notebook):
    figures = [c for c in notebook.cells if c.cell_type == "code" and "plot_" in c.source]
    assert len(figures) == 3
    names = set()
    for cell in figures:
        meta = cell.metadata.get("mystnb", {})
        assert meta["figure"]["caption"] and meta["figure"]["name"].startswith("fig-live-")
        assert len(meta["image"]["alt"]) > 40 and meta["image"]["width"] == "100%"
        names.add(meta["figure"]["name"])
    assert len(names) == 3


def test_no_noise_in_the_source(notebook):
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert "print(" not in code and "abspath" not in code  # the page shows tables and figures, not paths
    text = json.dumps([c.source for c in notebook.cells])
    for claim in ("word-length baseline", "the model's maximum length", "Like Brain-Score and the paper"):
        assert claim not in text, claim  # corrected (issue 10)

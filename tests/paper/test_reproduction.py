"""Published against recomputed (brainalign.paper.reproduction): only fresh paper-protocol rows of paper models."""

from __future__ import annotations

import pytest

from brainalign.paper import load_paper_scores
from brainalign.paper.reproduction import TOLERANCE, compare_with_published, summary, synthetic_fresh_scores


def test_nothing_fresh_is_said_plainly():
    comparison = compare_with_published(load_paper_scores())  # published rows only: nothing recomputed
    assert comparison.empty
    assert "No fresh paper-protocol scores" in summary(comparison)


def test_synthetic_scores_are_compared_per_model_and_benchmark():
    fresh = synthetic_fresh_scores(["flan-t5-small", "llama-7b"], noise=0.0)
    fresh.loc[(fresh["model"] == "llama-7b") & (fresh["benchmark"] == "Blank2014"), "score"] += 0.01
    comparison = compare_with_published(fresh).set_index(["model", "benchmark"])
    assert len(comparison) == 8
    assert comparison.loc[("flan-t5-small", "Futrell2018"), "published"] == pytest.approx(0.054)
    assert comparison.loc[("flan-t5-small", "Futrell2018"), "table"] == "Table 9"
    assert comparison.loc[("llama-7b", "Blank2014"), "difference"] == pytest.approx(0.01)
    assert not comparison.loc[("llama-7b", "Blank2014"), "within_tolerance"]
    assert comparison["within_tolerance"].sum() == 7
    assert "synthetic" in summary(comparison.reset_index(), ["flan-t5-small", "llama-7b"])
    assert TOLERANCE == 0.0015


def test_other_protocols_and_models_are_ignored():
    fresh = synthetic_fresh_scores(["t5-base"])
    other = fresh.copy()
    other["protocol"] = "brainalign"
    assert compare_with_published(other).empty  # the default protocol measures another quantity
    stranger = fresh.copy()
    stranger["model"] = "my-model"
    assert compare_with_published(stranger).empty

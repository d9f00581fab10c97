"""Results store: atomic per-task files, one-call reading, agreement with load_scores, merging with a base table."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from brainalign.results import BenchmarkResult
from brainalign.results_store import (TaskKey, is_done, iter_errors, merge_with_paper, read_record, read_results,
                                      result_path, write_error, write_result)
from brainalign.scores import SCORE_COLUMNS, load_scores


def _rows(model: str, bench: str, scores: dict[str, float], ceiling: float = 0.5) -> pd.DataFrame:
    return BenchmarkResult.from_layer_scores(bench, model, scores, ceiling,
                                             provenance={"model_revision": "sha256:abc"}).to_scores()


def test_keys_are_distinct_and_files_safe(tmp_path):
    keys = [TaskKey("a/b", "X"), TaskKey("a_b", "X"), TaskKey("a/b", "X", revision="r1"),
            TaskKey("a/b", "X", untrained=True), TaskKey("/some/dir/my model", "X"), TaskKey("a/b", "Y")]
    stems = [k.stem for k in keys]
    assert len(set(stems)) == len(stems)
    for stem in stems:
        assert "/" not in stem and " " not in stem and not stem.startswith(".")
    assert TaskKey("/some/dir/my model", "X").stem.startswith("my_model--X-")
    assert TaskKey("a/b", "X", "r1", True).model_label == "a/b@r1+untrained"


def test_write_read_roundtrip_and_append_only(tmp_path):
    key = TaskKey("m1", "BenchA")
    assert not is_done(tmp_path, "m1", "BenchA")
    path = write_result(tmp_path, key, _rows("m1", "BenchA", {"l0": 0.1, "l1": 0.3}), record={"elapsed_s": 1.5})
    assert path == result_path(tmp_path, "m1", "BenchA") and is_done(tmp_path, "m1", "BenchA")
    assert not is_done(tmp_path, "m1", "BenchA", untrained=True)
    rec = read_record(tmp_path, key)
    assert rec["status"] == "done" and rec["best_layer"] == "l1" and rec["rows"] == 2 and rec["elapsed_s"] == 1.5
    with pytest.raises(FileExistsError, match="append-only"):
        write_result(tmp_path, key, _rows("m1", "BenchA", {"l0": 0.2}))
    write_result(tmp_path, key, _rows("m1", "BenchA", {"l0": 0.2}), overwrite=True)
    assert read_results(tmp_path)["score"].tolist() == [0.2]
    # no temporary files are left behind
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_read_results_is_one_table_and_agrees_with_load_scores(tmp_path):
    write_result(tmp_path, TaskKey("m1", "BenchA"), _rows("m1", "BenchA", {"l0": 0.1, "l1": 0.3}))
    write_result(tmp_path, TaskKey("m2", "BenchA"), _rows("m2", "BenchA", {"l0": 0.4, "l1": 0.2, "l2": 0.0}))
    # a stray partial file from a killed writer is ignored by both readers
    (tmp_path / ".tmp-m3--BenchA-xxxx.csv").write_text("model,benchmark,score\nm3,BenchA,0.9\n")
    (tmp_path / ".tmp-m3--BenchA-yyyy.csv.part").write_text("model,benchm")
    write_error(tmp_path, TaskKey("m3", "BenchA"), "RuntimeError: boom", "Traceback ...")
    df = read_results(tmp_path)
    assert list(df.columns) == SCORE_COLUMNS
    assert len(df) == 5 and set(df["model"]) == {"m1", "m2"}
    pd.testing.assert_frame_equal(df.sort_values(["model", "layer"]).reset_index(drop=True),
                                  load_scores(tmp_path).sort_values(["model", "layer"]).reset_index(drop=True))
    best = df[df["is_best_layer"]].set_index("model")
    assert best.loc["m1", "layer"] == "l1" and best.loc["m2", "normalized"] == pytest.approx(0.8)
    errors = list(iter_errors(tmp_path))
    assert len(errors) == 1 and errors[0]["task"]["model"] == "m3" and errors[0]["status"] == "error"


def test_success_clears_error_record(tmp_path):
    key = TaskKey("m1", "BenchA")
    write_error(tmp_path, key, "OSError: disk")
    assert read_record(tmp_path, key)["status"] == "error"
    write_result(tmp_path, key, _rows("m1", "BenchA", {"l0": 0.1}))
    assert read_record(tmp_path, key)["status"] == "done" and not list(iter_errors(tmp_path))


def test_empty_directory_reads_as_empty_table(tmp_path):
    assert read_results(tmp_path / "absent").empty
    assert list(read_results(tmp_path).columns) == SCORE_COLUMNS


def test_merge_keeps_base_and_flags_fresh(tmp_path):
    base = pd.concat([_rows("m1", "BenchA", {"l0": 0.1}), _rows("old", "BenchA", {"l0": 0.2})], ignore_index=True)
    base["source"] = "paper"
    base["mmlu"] = [0.3, 0.4]
    write_result(tmp_path, TaskKey("m1", "BenchA"), _rows("m1", "BenchA", {"l0": 0.25, "l1": 0.35}))
    write_result(tmp_path, TaskKey("new", "BenchA"), _rows("new", "BenchA", {"l0": 0.05}))
    merged = merge_with_paper(tmp_path, base=base)
    by = merged.groupby("model")["source"].agg(set).to_dict()
    assert by == {"m1": {"brainalign"}, "old": {"paper"}, "new": {"brainalign"}}
    assert merged.loc[merged["model"] == "m1", "score"].max() == pytest.approx(0.35)
    assert (merged.loc[merged["model"] == "m1", "mmlu"] == 0.3).all()  # properties filled from the base table
    with pytest.raises(ValueError, match="no scores"):
        merge_with_paper(tmp_path / "empty", base=base)


def test_record_is_json(tmp_path):
    path = write_result(tmp_path, TaskKey("m1", "BenchA"), _rows("m1", "BenchA", {"l0": 0.1}))
    rec = json.loads(path.with_suffix(".json").read_text())
    assert rec["task"] == {"model": "m1", "benchmark": "BenchA", "revision": "", "untrained": False}

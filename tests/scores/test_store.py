"""Results store: atomic per-task files, one-call reading, agreement with load_scores, merging with a base table."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from brainalign.scores.result import BenchmarkResult
from brainalign.book.report import merged_scores
from brainalign.scores import SCORE_COLUMNS, load_scores
from brainalign.scores.store import (MemoryStore, ModelRequest, TaskKey, is_done, iter_errors, read_record,
                                     read_results, result_path, write_error, write_result)


def K(model: str, bench: str, revision: str = "", untrained: bool = False) -> TaskKey:
    return ModelRequest(model, revision, untrained).key(bench)


def _rows(model: str, bench: str, scores: dict[str, float], ceiling: float = 0.5) -> pd.DataFrame:
    return BenchmarkResult.from_layer_scores(bench, model, scores, ceiling,
                                             provenance={"model_revision": "sha256:abc"}).to_scores()


def test_keys_are_distinct_and_files_safe(tmp_path):
    keys = [K("a/b", "X"), K("a_b", "X"), K("a/b", "X", revision="r1"),
            K("a/b", "X", untrained=True), K("/some/dir/my model", "X"), K("a/b", "Y")]
    stems = [k.stem for k in keys]
    assert len(set(stems)) == len(stems)
    for stem in stems:
        assert "/" not in stem and " " not in stem and not stem.startswith(".")
    assert K("/some/dir/my model", "X").stem.startswith("my_model--X-")
    assert K("a/b", "X", "r1", True).model_label == "a/b@r1+untrained"


def test_write_read_roundtrip_and_append_only(tmp_path):
    key = K("m1", "BenchA")
    assert not is_done(tmp_path, key)
    path = write_result(tmp_path, key, _rows("m1", "BenchA", {"l0": 0.1, "l1": 0.3}), record={"elapsed_s": 1.5})
    assert path == result_path(tmp_path, key) and is_done(tmp_path, key)
    assert not is_done(tmp_path, K("m1", "BenchA", untrained=True))
    rec = read_record(tmp_path, key)
    assert rec["status"] == "done" and rec["best_layer"] == "l1" and rec["rows"] == 2 and rec["elapsed_s"] == 1.5
    with pytest.raises(FileExistsError, match="append-only"):
        write_result(tmp_path, key, _rows("m1", "BenchA", {"l0": 0.2}))
    write_result(tmp_path, key, _rows("m1", "BenchA", {"l0": 0.2}), overwrite=True)
    assert read_results(tmp_path)["score"].tolist() == [0.2]
    # no temporary files are left behind
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_read_results_is_one_table_and_agrees_with_load_scores(tmp_path):
    write_result(tmp_path, K("m1", "BenchA"), _rows("m1", "BenchA", {"l0": 0.1, "l1": 0.3}))
    write_result(tmp_path, K("m2", "BenchA"), _rows("m2", "BenchA", {"l0": 0.4, "l1": 0.2, "l2": 0.0}))
    # a stray partial file from a killed writer is ignored by both readers
    (tmp_path / ".tmp-m3--BenchA-xxxx.csv").write_text("model,benchmark,score\nm3,BenchA,0.9\n")
    (tmp_path / ".tmp-m3--BenchA-yyyy.csv.part").write_text("model,benchm")
    write_error(tmp_path, K("m3", "BenchA"), "RuntimeError: boom", "Traceback ...")
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
    key = K("m1", "BenchA")
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
    write_result(tmp_path, K("m1", "BenchA"), _rows("m1", "BenchA", {"l0": 0.25, "l1": 0.35}))
    write_result(tmp_path, K("new", "BenchA"), _rows("new", "BenchA", {"l0": 0.05}))
    merged = merged_scores(tmp_path, base=base)
    by = merged.groupby("model")["source"].agg(set).to_dict()
    assert by == {"m1": {"brainalign"}, "old": {"paper"}, "new": {"brainalign"}}
    assert merged.loc[merged["model"] == "m1", "score"].max() == pytest.approx(0.35)
    assert (merged.loc[merged["model"] == "m1", "mmlu"] == 0.3).all()  # properties filled from the base table
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no scores"):
        merged_scores(tmp_path / "empty", base=base)


def test_record_is_json(tmp_path):
    path = write_result(tmp_path, K("m1", "BenchA"), _rows("m1", "BenchA", {"l0": 0.1}))
    rec = json.loads(path.with_suffix(".json").read_text())
    assert rec["task"] == {"model": "m1", "benchmark": "BenchA", "revision": "", "untrained": False}


def test_seed_is_part_of_the_identity_only_when_set():
    assert K("m", "X", untrained=True).stem == ModelRequest("m", untrained=True, seed=0).key("X").stem
    seeded = ModelRequest("m", untrained=True, seed=3)
    assert seeded.key("X").stem != K("m", "X", untrained=True).stem and seeded.label == "m+untrained-seed3"


def test_memory_store_keeps_results():
    store = MemoryStore()
    key = K("m1", "BenchA")
    res = BenchmarkResult.from_layer_scores("BenchA", "m1", {"l0": 0.1, "l1": 0.3}, 0.5)
    assert not store.is_done(key)
    store.put_error(key, "boom", "tb")
    store.put(key, res, res.to_scores(), overwrite=False, record={"elapsed_s": 1})
    assert store.is_done(key) and store.results[key] is res and key not in store.errors
    assert store.summary(key)["best_layer"] == "l1"
    with pytest.raises(FileExistsError):
        store.put(key, res, res.to_scores(), overwrite=False, record={})


# ------------------------------------------------------------------------------ integrity (issue 13: D2, D9, D10)
def _bench_rows(model: str = "m1", bench: str = "BenchA") -> pd.DataFrame:
    return _rows(model, bench, {"embedding": 0.2372, "layer.0": 0.1, "layer.1": 0.2426})


def test_truncated_result_is_not_done_and_readers_name_it(tmp_path):
    # D2: a CSV cut after its first rows parses, but it is not the result that was written
    key = K("m1", "BenchA")
    path = write_result(tmp_path, key, _bench_rows())
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:2]))  # header + the embedding row: the true best layer is gone
    assert not is_done(tmp_path, key)
    with pytest.raises(ValueError, match=rf"{path.name}.*sha256"):
        read_results(tmp_path)
    with pytest.raises(ValueError, match=path.name):
        load_scores(tmp_path)


@pytest.mark.parametrize("damage", [b"\x00\xff garbage \x89PNG", b"", b"model,benchmark,score\n"])
def test_garbage_or_empty_result_is_not_done_and_named(tmp_path, damage):
    key = K("m1", "BenchA")
    path = write_result(tmp_path, key, _bench_rows())
    path.write_bytes(damage)
    assert not is_done(tmp_path, key)
    with pytest.raises(ValueError, match=path.name):  # never pandas' ParserError/EmptyDataError without a file name
        read_results(tmp_path)


def test_result_without_record_is_checked_by_content(tmp_path):
    # D9: killed between the scores file and its record: the file is complete, so it is done, and the record comes back
    from brainalign.scores.store import DirectoryStore, record_path

    key = K("m1", "BenchA")
    write_result(tmp_path, key, _bench_rows())
    record_path(tmp_path, key).unlink()
    assert is_done(tmp_path, key)
    assert DirectoryStore(tmp_path).prepare(key, overwrite=False) == (True, "")
    assert read_record(tmp_path, key)["rows"] == 3 and read_record(tmp_path, key)["repaired"]
    # ... but without a record, a file cut at a line end is caught by its content (rows vs n_layers)
    path = result_path(tmp_path, key)
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:3]))
    record_path(tmp_path, key).unlink()
    assert not is_done(tmp_path, key)


def test_damaged_result_is_moved_aside_never_deleted(tmp_path):
    from brainalign.scores.store import DAMAGED_DIR, DirectoryStore

    key = K("m1", "BenchA")
    path = write_result(tmp_path, key, _bench_rows())
    path.write_text(path.read_text()[:-20])
    done, note = DirectoryStore(tmp_path).prepare(key, overwrite=False)
    assert not done and "moved to" in note and path.name in note
    moved = list((tmp_path / DAMAGED_DIR).glob(f"*/{path.name}"))
    assert len(moved) == 1 and (moved[0].parent / "reason.txt").read_text().startswith(path.name)
    assert not path.exists() and read_results(tmp_path).empty


def test_readers_take_only_the_stores_files(tmp_path):
    # D10: a backup copy in a sub-folder and a stray notes.csv are not part of the results
    path = write_result(tmp_path, K("m1", "BenchA"), _bench_rows())
    (tmp_path / "backup").mkdir()
    import shutil

    shutil.copy2(path, tmp_path / "backup" / path.name)
    (tmp_path / "notes.csv").write_text("model,benchmark,score,is_best_layer\nx,y,1,maybe\n")
    assert len(read_results(tmp_path)) == 3 and len(load_scores(tmp_path)) == 3


def test_two_files_with_one_name_are_named_in_the_error(tmp_path):
    # D1/D10: directories written before names were unique: the message names both files
    a = write_result(tmp_path, K("/exp1/final", "BenchA"), _bench_rows("final"))
    b = write_result(tmp_path, K("/exp2/final", "BenchA"), _bench_rows("final"))
    with pytest.raises(ValueError, match=rf"{a.name}.*{b.name}|{b.name}.*{a.name}"):
        read_results(tmp_path)


def test_error_records_of_done_tasks_are_not_errors(tmp_path):
    # D5: a failure recorded by one run for a task another run finished is not reported as an error
    key = K("m1", "BenchA")
    write_result(tmp_path, key, _bench_rows())
    write_error(tmp_path, key, "FileExistsError: already done")
    assert list(iter_errors(tmp_path)) == []


def test_files_get_the_umask_mode(tmp_path):
    # D11: a group-shared results directory (umask 002) gets group-readable and -writable files
    import os

    old = os.umask(0o002)
    try:
        path = write_result(tmp_path, K("m1", "BenchA"), _bench_rows())
        err = write_error(tmp_path, K("m2", "BenchA"), "boom")
    finally:
        os.umask(old)
    for p in (path, path.with_suffix(".json"), err):
        assert p.stat().st_mode & 0o777 == 0o664, p


# --------------------------------------------------------------------------------------------- claims (D5)
def test_a_claim_excludes_others_until_released(tmp_path):
    from brainalign.scores.store import DirectoryStore

    store = DirectoryStore(tmp_path)
    key = K("m1", "BenchA")
    mine = store.claim(key)
    assert mine is not None and store.claim(key) is None  # a second run (here: the same live pid) must wait
    assert "pid" in store.claimed_by(key) and not store.claim_is_stale(key)
    store.release(mine)
    assert store.claim(key) is not None


def test_claims_of_dead_or_silent_owners_are_stale(tmp_path):
    import json as _json
    import os
    import subprocess
    import sys

    from brainalign.scores.store import DirectoryStore, claim_path

    store = DirectoryStore(tmp_path, claim_timeout=60)
    key = K("m1", "BenchA")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    path = claim_path(tmp_path, key)
    path.parent.mkdir(parents=True)
    path.write_text(_json.dumps({"host": __import__("socket").gethostname(), "pid": int(dead.stdout), "start": "1",
                                 "token": "t"}))
    assert store.claim_is_stale(key) and store.claim(key) is not None  # killed on this host: taken over at once
    path.write_text(_json.dumps({"host": "elsewhere", "pid": 1, "token": "t2"}))
    assert not store.claim_is_stale(key) and store.claim(key) is None  # another host, recent heartbeat: live
    old = path.stat().st_mtime - 120
    os.utime(path, (old, old))
    assert store.claim_is_stale(key) and store.claim(key) is not None  # no heartbeat for 2 minutes: stale


def test_results_of_earlier_versions_stay_done(tmp_path):
    # a directory written before records held hashes: its files are checked by content, not recomputed
    import json as _json

    for request, name in ((ModelRequest("gpt2-small"), "gpt2-small"),
                          (ModelRequest("gpt2-small", untrained=True), "gpt2-small-untrained")):
        key = request.key("BenchA")
        assert request.name == name
        path = result_path(tmp_path, key)
        _bench_rows(name).to_csv(path, index=False)
        path.with_suffix(".json").write_text(_json.dumps({"status": "done", "task": key.as_dict(), "rows": 3}))
        assert is_done(tmp_path, key), name


def test_a_file_damaged_with_its_record_gone_is_still_caught(tmp_path):
    # found by the fault injection: one flipped character in model_revision, and the record deleted in another
    # cycle; the file's own last line (its sha256) still tells
    from brainalign.scores.store import record_path

    key = K("m1", "BenchA")
    path = write_result(tmp_path, key, _bench_rows())
    data = path.read_bytes()
    pos = data.index(b"sha256:abc") + 8
    path.write_bytes(data[:pos] + b")" + data[pos + 1:])
    record_path(tmp_path, key).unlink()
    assert not is_done(tmp_path, key)
    with pytest.raises(ValueError, match=rf"{path.name}.*does not match the sha256"):
        read_results(tmp_path)
    # the scores file stays a plain CSV for readers that skip comment lines
    path = write_result(tmp_path, K("m2", "BenchA"), _bench_rows("m2"))
    assert len(pd.read_csv(path, comment="#")) == 3

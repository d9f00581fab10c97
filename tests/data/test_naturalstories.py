"""The Natural Stories loader: the Futrell2018 target table, its sources and checksums."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from brainalign.data import naturalstories as ns
from brainalign.data.fetch import ChecksumError, DataNotFoundError


def test_targets_table(shared_data):
    t = ns.load_targets(data_home=shared_data)
    assert len(t) == 10256 and t["sentence_id"].nunique() == 481
    assert int(t["scored"].sum()) == 9775
    assert t.groupby("story_id").size().tolist() == [1073, 990, 1040, 1085, 1013, 1099, 999, 980, 1038, 939]
    assert t.attrs["sha1"] == ns.TARGETS_SHA1


def test_github_files_rebuild_the_targets(shared_data):
    """Building from all_stories.tok + the 2016 wordinfo (sentence segmentation included) gives the same table."""
    local = ns.load_targets(data_home=shared_data, source="targets")
    built = ns.load_targets(data_home=shared_data, source="github")
    for col in ns.TARGET_COLUMNS:
        if col in ("word", "word_core"):
            assert (local[col].astype(str).values == built[col].astype(str).values).all(), col
        else:
            np.testing.assert_allclose(local[col].to_numpy(float), built[col].to_numpy(float), err_msg=col)


def _corrupt_targets(home, shared_data):
    (home / "naturalstories").mkdir()
    dst = home / "naturalstories" / ns.TARGETS_FILE
    shutil.copy(shared_data / "naturalstories" / ns.TARGETS_FILE, dst)
    dst.chmod(0o644)
    with open(dst, "ab") as f:
        f.write(b"x")
    return dst


def test_corrupt_file_raises_checksum_error(tmp_path, shared_data):
    _corrupt_targets(tmp_path, shared_data)
    with pytest.raises(ChecksumError, match="sha1"):
        ns.load_targets(data_home=tmp_path, source="targets")


def test_missing_data_offline(tmp_path):
    with pytest.raises(DataNotFoundError, match="futrell2018_brainscore_targets.tsv"):
        ns.load_targets(data_home=tmp_path)


def test_corrupt_file_without_url_gets_advice_that_works(tmp_path, shared_data):
    # issue 13, D12: "delete it to download it again" was wrong for a file with no URL (and deleting it made the
    # loader switch source silently); the advice now says so, and which source would be used instead
    dst = _corrupt_targets(tmp_path, shared_data)
    with pytest.raises(ChecksumError) as exc:
        ns.load_targets(data_home=tmp_path)
    message = str(exc.value)
    assert str(dst) in message and "no public URL" in message and "download it again" not in message.split("URL")[0]
    assert "assembly or github" in message

"""The lab's real-data steps. The data step is the one Colab and a laptop run: the Natural Stories files from the
corpus' GitHub repository with their checksums. Offline it is tested through the same code path against a local
server that serves the mirror's files at the repository's paths."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from urllib.parse import urlsplit

import numpy as np
import pytest

from brainalign.book.lab import realdata
from brainalign.data import naturalstories as ns
from brainalign.data.fetch import ChecksumError
from brainalign.models import tiny_model


def test_load_reading_times_reads_the_mirror_and_matches_the_benchmark_table(shared_data):
    words = realdata.load_reading_times()
    reference = ns.load_targets(data_home=shared_data, source="targets")
    assert len(words) == ns.N_WORDS and words.attrs["sha1"] == ns.WORDINFO_2016_SHA1
    np.testing.assert_allclose(words["mean_rt_2016"], reference["mean_rt_2016"])
    assert (words["scored"].values == reference["scored"].values).all()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def github_mirror(tmp_path, shared_data, monkeypatch):
    """A local server holding the mirror's files at the paths of their GitHub URLs; the loader's URLs point to it."""
    served = tmp_path / "served"
    for url, name in ((ns.STORIES_URL, ns.STORIES_FILE), (ns.WORDINFO_2016_URL, ns.WORDINFO_2016_FILE)):
        target = served / urlsplit(url).path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / "naturalstories" / name, target)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for attr in ("STORIES_URL", "WORDINFO_2016_URL"):
        monkeypatch.setattr(ns, attr, base + urlsplit(getattr(ns, attr)).path)
    monkeypatch.delenv("BRAINALIGN_OFFLINE", raising=False)
    yield served
    server.shutdown()
    server.server_close()


def test_the_data_step_downloads_and_verifies_the_corpus_files(github_mirror, tmp_path, shared_data):
    home = tmp_path / "fresh-home"
    words = realdata.load_reading_times(data_home=home)
    assert sorted(p.name for p in (home / "naturalstories").iterdir()) == [ns.STORIES_FILE, ns.WORDINFO_2016_FILE]
    reference = ns.load_targets(data_home=shared_data, source="targets")
    np.testing.assert_allclose(words["mean_rt_2016"], reference["mean_rt_2016"])
    assert (words["word"].values == reference["word"].values).all()
    again = realdata.load_reading_times(data_home=home)          # now from the data home, verified again
    assert again.equals(words)


def test_a_tampered_download_is_refused_and_not_kept(github_mirror, tmp_path):
    served = github_mirror / urlsplit(ns.WORDINFO_2016_URL).path.lstrip("/")
    served.write_bytes(served.read_bytes().replace(b"\t3", b"\t4", 1))
    home = tmp_path / "fresh-home"
    with pytest.raises(ChecksumError):
        realdata.load_reading_times(data_home=home)
    assert not (home / "naturalstories" / ns.WORDINFO_2016_FILE).exists()


def test_story_words():
    import pandas as pd

    words = pd.DataFrame({"story_id": [1, 1, 2], "word": ["a", "b", "c"]})
    assert realdata.story_words(words, 2)["word"].tolist() == ["c"]
    assert realdata.story_words(words, 2).index.tolist() == [0]
    with pytest.raises(ValueError, match="story must be one of"):
        realdata.story_words(words, 3)


def test_story_layers_keeps_every_kth_layer_and_the_scored_words():
    import pandas as pd

    model = tiny_model("llama", seed=0)
    words = pd.DataFrame({"word": "The cat sat on the mat . It was happy .".split(),
                          "scored": [0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1], "mean_rt_2016": np.arange(11.0) + 300})
    layers = realdata.story_layers(model, words, every=2)
    names = list(model.layer_names)
    assert list(layers.features) == [names[k] for k in sorted(set(range(0, len(names), 2)) | {len(names) - 1})]
    assert all(a.shape == (9, layers.features[names[0]].shape[1]) and a.dtype == np.float64
               for a in layers.features.values())
    assert layers.reading_times.tolist() == [301, 302, 303, 304, 305, 306, 308, 309, 310]
    assert layers.depth[names[0]] == 0.0 and layers.depth[names[-1]] == 1.0
    with pytest.raises(ValueError):
        realdata.story_layers(model, words, every=0)


def test_futrell2018_ceiling_is_the_benchmarks():
    from brainalign.benchmarks import benchmark_class

    assert realdata.futrell2018_ceiling() == benchmark_class("Futrell2018").published_ceiling

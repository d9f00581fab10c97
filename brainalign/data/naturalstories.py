"""Natural Stories self-paced reading times (Futrell et al. 2018/2021): the Futrell2018 target table.

:func:`load_targets` returns one row per word of the 10 stories (10,256 rows, story order) in the layout of Brain-Score's
``Futrell2018`` presentations, with the per-word mean reading time that Brain-Score uses as its target. The table is
taken from the first source available, each verified by its sha1 (:func:`brainalign.data.fetch.fetch_file`):

1. ``<data home>/naturalstories/futrell2018_brainscore_targets.tsv``, a derived file of a local mirror such as
   ``../shared/data`` (not downloadable; see data-sources.md);
2. Brain-Score's packaged assembly ``assy_Futrell2018.nc`` (10,256 words x 180 subjects; the current S3 URL, then the
   legacy one): the table is built from it (mean, SD and count over subjects);
3. the Natural Stories GitHub files, pinned to commit URLs: ``all_stories.tok`` (texts) and the 2016 release of
   ``processed_wordinfo.tsv`` (per-word means; stored as ``processed_wordinfo_2016.tsv``); sentences are segmented as in
   Brain-Score's ``data/futrell2018/data_packaging.py``.

Columns: ``stimulus_id`` (1..10256), ``story_id``, ``word_id`` (position in the story), ``word`` (as displayed, with
punctuation), ``word_core`` (letters and digits only), ``sentence_id`` (1..481 across stories),
``word_within_sentence_id`` (1-based), ``n_subj_2016``, ``mean_rt_2016``, ``sd_rt_2016`` (ms; the Brain-Score target is
``mean_rt_2016``), and ``scored`` (1 unless the word starts a sentence: Brain-Score drops sentence-initial words).
The table's ``attrs`` record ``source`` and ``sha1`` of the file it came from.

Per-subject reading times (for recomputing the split-half ceiling) come only from the assembly:
:func:`load_subject_rts`.

Files for reading-time regressions (``Futrell2018-ppp``), each pinned to a commit of languageMIT/naturalstories and
verified by its checksum:

- :func:`load_unigram_counts`: Google Books unigram counts of every word (``freqs/freqs-1.tsv``);
- :func:`load_gpt3_logprobs`: GPT-3 (davinci) per-token log-probabilities of the stories (``probs/all_stories_gpt3.csv``),
  a strong-model reference point;
- :func:`load_processed_rts`: per-subject self-paced reading times (``processed_RTs.tsv``, the 2025 realignment;
  not in the offline mirror, downloaded with its git blob id when the network allows).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .._docs import fill_doc
from .fetch import GIT_BLOB, ChecksumError, DataNotFoundError, fetch_file

DATASET = "naturalstories"
TARGETS_FILE = "futrell2018_brainscore_targets.tsv"
TARGETS_SHA1 = "50468f480fabd0e4aa13bfc17f4804232f9669f7"
ASSEMBLY_FILE = "assy_Futrell2018.nc"
ASSEMBLY_SHA1 = "381ccc8038fbdb31235b5f3e1d350f359b5e287f"
ASSEMBLY_URLS = (
    "https://brainscore-storage.s3.amazonaws.com/brainscore-language/assy_Futrell2018.nc",
    "https://brainscore-language.s3.amazonaws.com/assy_Futrell2018.nc?versionId=MpR.gIXN8UrUnqwQyj.kCrh4VWrBvsGf",
)
_GITHUB = "https://raw.githubusercontent.com/languageMIT/naturalstories"
STORIES_FILE = "all_stories.tok"
STORIES_SHA1 = "082deaf6e7c615ebf1215ffb895b274377fc6076"
STORIES_URL = f"{_GITHUB}/4700daad696e942f5aba23c957a7423d0de66612/naturalstories_RTS/all_stories.tok"
WORDINFO_2016_FILE = "processed_wordinfo_2016.tsv"
WORDINFO_2016_SHA1 = "7f62c1f7a0f9bce24be57d9356fad739b7eb8223"
WORDINFO_2016_URL = f"{_GITHUB}/d5cbe5aa3758d551d0c51ca8fc44bde973f0836f/naturalstories_RTS/processed_wordinfo.tsv"

FREQS_FILE = "freqs/freqs-1.tsv"
FREQS_SHA1 = "fd6be53dfc7297dfeae16ea06e8f2791a8b868d8"
FREQS_URL = f"{_GITHUB}/4700daad696e942f5aba23c957a7423d0de66612/freqs/freqs-1.tsv"
GPT3_FILE = "probs/all_stories_gpt3.csv"
GPT3_SHA1 = "ecb3c6e08153fbe0fe3ef48431386b14443abd86"
GPT3_URL = f"{_GITHUB}/4700daad696e942f5aba23c957a7423d0de66612/probs/all_stories_gpt3.csv"
#: Per-subject reading times at the 2025-05-13 realignment (commit 4700daa). Only the git blob id is published (the
#: file is not in the offline mirror), so the download is checked against it (:data:`brainalign.data.fetch.GIT_BLOB`).
PROCESSED_RTS_FILE = "processed_RTs.tsv"
PROCESSED_RTS_BLOB = "1424db97ff998e86090ad3d05e680043b96fff9b"
PROCESSED_RTS_URL = f"{_GITHUB}/4700daad696e942f5aba23c957a7423d0de66612/naturalstories_RTS/processed_RTs.tsv"
#: Columns of :func:`load_processed_rts`.
SUBJECT_RT_COLUMNS = ["subject", "story_id", "word_id", "word", "rt", "correct"]

N_WORDS = 10_256
N_SENTENCES = 481
STORY_NAMES = {1: "Boar", 2: "Aqua", 3: "MatchstickSeller", 4: "KingOfBirds", 5: "Elvis", 6: "MrSticky",
               7: "HighSchool", 8: "Roswell", 9: "Tulips", 10: "Tourette"}
#: Brain-Score's sentence ends (data_packaging.py): these endings, unless the next word is lowercase or it is "Mr.".
_SENTENCE_ENDS = (".", "?", "!", ".'", "?'", "!'", ";'")
TARGET_COLUMNS = ["stimulus_id", "story_id", "word_id", "word", "word_core", "sentence_id", "word_within_sentence_id",
                  "n_subj_2016", "mean_rt_2016", "sd_rt_2016", "scored"]


def _read_tsv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", quoting=3, keep_default_na=False, na_values=[""])


@fill_doc
def load_targets(*, data_home: str | os.PathLike | None = None, source: str = "auto",
                 progress: bool = True) -> pd.DataFrame:
    """The Futrell2018 word table (see the module docstring), 10,256 rows in story order.

    Parameters
    ----------
    %(data_home)s
    source : {"auto", "targets", "assembly", "github"}
        Force one source; ``"auto"`` tries them in the order of the module docstring.
    %(progress)s

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TARGET_COLUMNS` (plus any extra columns of the source); ``attrs["source"]``,
        ``attrs["sha1"]`` (of the file the target comes from).

    Raises
    ------
    DataNotFoundError
        No source is present and none can be downloaded (offline, or every URL failed).
    ChecksumError
        A file has the wrong sha1.
    """
    sources = {"targets": _from_targets_file, "assembly": _from_assembly, "github": _from_github}
    if source != "auto":
        if source not in sources:
            raise ValueError(f"unknown source {source!r}; choose auto, {', '.join(sources)}")
        return _check(sources[source](data_home, progress))
    errors = []
    for name, loader in sources.items():
        try:
            return _check(loader(data_home, progress))
        except DataNotFoundError as exc:
            errors.append(f"{name}: {exc}")
        except ChecksumError as exc:  # never fall back silently past a damaged file: the next source differs
            names = list(sources)
            later = names[names.index(name) + 1:]
            if not later:
                raise
            raise ChecksumError(f"{exc} (Deleting it instead makes load_targets use the next source, "
                                f"{' or '.join(later)}, whose table may differ slightly.)") from exc
    raise DataNotFoundError("no source of the Futrell2018 reading times is available:\n  " + "\n  ".join(errors))


def _check(df: pd.DataFrame) -> pd.DataFrame:
    if len(df) != N_WORDS:
        raise ValueError(f"the Futrell2018 table has {len(df)} words, expected {N_WORDS}")
    missing = [c for c in TARGET_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"the Futrell2018 table lacks columns {missing}")
    return df.reset_index(drop=True)


def _from_targets_file(data_home: Any, progress: bool) -> pd.DataFrame:
    path = fetch_file(DATASET, TARGETS_FILE, known_hash=f"sha1:{TARGETS_SHA1}", data_home=data_home,
                      progress=progress)
    df = _read_tsv(path)
    df.attrs.update(source=str(path), sha1=TARGETS_SHA1)
    return df


def _from_assembly(data_home: Any, progress: bool) -> pd.DataFrame:
    rts = load_subject_rts(data_home=data_home, progress=progress)
    values = rts.values.astype(float)
    n = np.isfinite(values).sum(1)
    pres = {k: rts[k].values for k in ("stimulus_id", "story_id", "word_id", "word", "sentence_id",
                                       "word_within_sentence_id") if k in rts.coords}
    df = pd.DataFrame(pres)
    df["word"] = df["word"].astype(str)
    df["word_core"] = rts["word_core"].values.astype(str) if "word_core" in rts.coords else df["word"].map(word_core)
    df["n_subj_2016"] = n
    df["mean_rt_2016"] = np.nanmean(values, axis=1)
    df["sd_rt_2016"] = np.nanstd(values, axis=1, ddof=1)
    df["scored"] = (df["word_within_sentence_id"] != 1).astype(int)
    df = df.sort_values("stimulus_id").reset_index(drop=True)[TARGET_COLUMNS]
    df.attrs.update(source=rts.attrs["path"], sha1=ASSEMBLY_SHA1)
    return df


def _from_github(data_home: Any, progress: bool) -> pd.DataFrame:
    stories = fetch_file(DATASET, STORIES_FILE, urls=[STORIES_URL], known_hash=f"sha1:{STORIES_SHA1}",
                         data_home=data_home, progress=progress)
    info = fetch_file(DATASET, WORDINFO_2016_FILE, urls=[WORDINFO_2016_URL], known_hash=f"sha1:{WORDINFO_2016_SHA1}",
                      data_home=data_home, progress=progress)
    df = build_targets(_read_tsv(stories), _read_tsv(info))
    df.attrs.update(source=f"{stories} + {info}", sha1=WORDINFO_2016_SHA1)
    return df


def word_core(word: str) -> str:
    """The word without punctuation (letters and digits only), as Brain-Score's ``word_core``."""
    return re.sub(r"[^0-9A-Za-z]", "", word)


def segment_sentences(words: pd.DataFrame) -> pd.DataFrame:
    """Add ``sentence_id`` (running over stories) and ``word_within_sentence_id`` as Brain-Score does.

    Parameters
    ----------
    words : DataFrame
        Columns ``story_id``, ``word_id``, ``word``, sorted by story then position.
    """
    sentence, within = np.zeros(len(words), dtype=int), np.zeros(len(words), dtype=int)
    sid, pos = 1, 0
    ws, stories = words["word"].tolist(), words["story_id"].to_numpy()
    for i, w in enumerate(ws):
        pos += 1
        sentence[i], within[i] = sid, pos
        last_of_story = i + 1 == len(ws) or stories[i + 1] != stories[i]
        nxt = ws[i + 1] if not last_of_story else ""
        ends = w.endswith(_SENTENCE_ENDS) and w != "Mr." and not nxt.islower()
        if ends or last_of_story:
            sid, pos = sid + 1, 0
    out = words.copy()
    out["sentence_id"], out["word_within_sentence_id"] = sentence, within
    return out


def build_targets(stories: pd.DataFrame, wordinfo: pd.DataFrame) -> pd.DataFrame:
    """The target table from ``all_stories.tok`` and a ``processed_wordinfo.tsv`` (2016 release).

    Parameters
    ----------
    stories : DataFrame
        ``all_stories.tok``: columns ``word``, ``zone``, ``item``.
    wordinfo : DataFrame
        Columns ``item``, ``zone``, ``nItem``, ``meanItemRT``, ``sdItemRT`` (rows in any order).

    Returns
    -------
    DataFrame
        :data:`TARGET_COLUMNS`, story order.
    """
    df = stories.rename(columns={"item": "story_id", "zone": "word_id"})
    df = df.sort_values(["story_id", "word_id"]).reset_index(drop=True)
    df["word"] = df["word"].astype(str)
    info = wordinfo.rename(columns={"item": "story_id", "zone": "word_id", "nItem": "n_subj_2016",
                                    "meanItemRT": "mean_rt_2016", "sdItemRT": "sd_rt_2016"})
    df = df.merge(info[["story_id", "word_id", "n_subj_2016", "mean_rt_2016", "sd_rt_2016"]],
                  on=["story_id", "word_id"], how="left", validate="one_to_one")
    df["stimulus_id"] = np.arange(1, len(df) + 1)
    df["word_core"] = df["word"].map(word_core)
    df = segment_sentences(df)
    df["scored"] = (df["word_within_sentence_id"] != 1).astype(int)
    return df[TARGET_COLUMNS]


@fill_doc
def load_subject_rts(*, data_home: str | os.PathLike | None = None, progress: bool = True) -> xr.DataArray:
    """Per-subject reading times, Brain-Score's ``assy_Futrell2018.nc`` (downloaded with its sha1 if needed).

    Parameters
    ----------
    %(data_home)s
    %(progress)s

    Returns
    -------
    xarray.DataArray
        Shape [10256 presentations, 180 subjects], ms, NaN where a subject did not read the story; presentation
        coords ``stimulus_id``, ``story_id``, ``word_id``, ``word``, ``sentence_id``, ``word_within_sentence_id``;
        subject coord ``subject_id``. ``attrs["path"]`` is the local file.

    Raises
    ------
    DataNotFoundError
        Not in the data home and not downloadable (offline mode or no network).
    """
    path = fetch_file(DATASET, ASSEMBLY_FILE, urls=ASSEMBLY_URLS, known_hash=f"sha1:{ASSEMBLY_SHA1}",
                      data_home=data_home, progress=progress)
    da = xr.open_dataarray(path).load()
    if da.dims[0] != "presentation":
        da = da.transpose("presentation", ...)
    da.attrs["path"] = str(path)
    return da


@fill_doc
def load_unigram_counts(*, data_home: str | os.PathLike | None = None, progress: bool = True) -> pd.DataFrame:
    """Google Books unigram count of every word of the stories (the Natural Stories ``freqs/freqs-1.tsv``).

    The count is that of the word stripped of surrounding punctuation (the ``<story>.<position>.word`` token code of
    ``words.tsv``), summed over the years 1990 to the present (``freqs/README.md`` of the corpus).

    Parameters
    ----------
    %(data_source)s

    Returns
    -------
    pandas.DataFrame of counts
        One row per word with a count: ``story_id``, ``word_id``, ``token`` (the word as counted), ``count`` (int;
        0 for words the n-gram corpus does not contain). 10 of the 10,256 words (punctuation-only tokens and a few
        hyphenated compounds) have no ``word`` code and no row. ``attrs``: ``source``, ``sha1``.
    """
    path = fetch_file(DATASET, FREQS_FILE, urls=[FREQS_URL], known_hash=f"sha1:{FREQS_SHA1}", data_home=data_home,
                      progress=progress)
    raw = pd.read_csv(path, sep="\t", header=None, quoting=3, keep_default_na=False,
                      names=["code", "order", "token", "count", "context_count"], dtype={"count": "int64"},
                      usecols=["code", "token", "count"])
    parts = raw["code"].str.split(".", expand=True)
    words = raw[parts[2] == "word"]
    parts = parts[parts[2] == "word"]
    out = pd.DataFrame({"story_id": parts[0].astype(int).to_numpy(), "word_id": parts[1].astype(int).to_numpy(),
                        "token": words["token"].astype(str).to_numpy(), "count": words["count"].to_numpy()})
    out.attrs.update(source=str(path), sha1=FREQS_SHA1)
    return out


@fill_doc
def load_gpt3_logprobs(*, data_home: str | os.PathLike | None = None, progress: bool = True) -> pd.DataFrame:
    """GPT-3 (davinci, 2020-05-03) log-probabilities of every token of the stories (``probs/all_stories_gpt3.csv``).

    Each story was scored as one text (the words joined by single spaces), so ``offset`` is the token's character
    offset in that text, whitespace included.

    Parameters
    ----------
    %(data_source)s

    Returns
    -------
    pandas.DataFrame of tokens
        ``story_id`` (1-10), ``token`` (GPT-3's token, leading space included), ``offset`` (int), ``logprob``
        (natural log; NaN for the first token of each story, which has no context). ``attrs``: ``source``,
        ``sha1``, ``model``.
    """
    path = fetch_file(DATASET, GPT3_FILE, urls=[GPT3_URL], known_hash=f"sha1:{GPT3_SHA1}", data_home=data_home,
                      progress=progress)
    raw = pd.read_csv(path, keep_default_na=False, na_values={"logprob": [""]}, dtype={"token": str})
    out = pd.DataFrame({"story_id": raw["story"].astype(int) + 1, "token": raw["token"].astype(str),
                        "offset": raw["offset"].astype(int), "logprob": raw["logprob"].astype(float)})
    out.attrs.update(source=str(path), sha1=GPT3_SHA1, model=str(raw["model"].iloc[0]))
    return out


@fill_doc
def load_processed_rts(*, data_home: str | os.PathLike | None = None, progress: bool = True) -> pd.DataFrame:
    """Per-subject self-paced reading times, the corpus's ``processed_RTs.tsv`` (2025-05-13 realignment).

    The corpus's ``process_RTs.R`` kept RTs between 100 and 3000 ms from subjects who answered more than 4 of the 6
    comprehension questions of the story correctly. This file is not in the offline mirror; it is downloaded from the
    pinned commit and checked against its git blob id. Unlike the per-word means of :func:`load_targets` (2016
    release), it includes the 2025 correction of a one-position misalignment between words and RTs.

    Parameters
    ----------
    %(data_source)s

    Returns
    -------
    pandas.DataFrame of readings
        :data:`SUBJECT_RT_COLUMNS`: ``subject`` (WorkerId), ``story_id``, ``word_id`` (zone), ``word``, ``rt`` (ms),
        ``correct`` (comprehension answers correct); one row per subject and word read. ``attrs``: ``source``,
        ``checksum``.

    Raises
    ------
    DataNotFoundError
        Not in the data home and not downloadable (offline mode or no network).
    """
    path = fetch_file(DATASET, PROCESSED_RTS_FILE, urls=[PROCESSED_RTS_URL],
                      known_hash=f"{GIT_BLOB}:{PROCESSED_RTS_BLOB}", data_home=data_home, progress=progress)
    return subject_rts_table(_read_tsv(path), source=str(path), checksum=f"{GIT_BLOB}:{PROCESSED_RTS_BLOB}")


def subject_rts_table(raw: pd.DataFrame, *, source: str = "", checksum: str = "") -> pd.DataFrame:
    """:data:`SUBJECT_RT_COLUMNS` from a table in the layout of ``processed_RTs.tsv`` (``WorkerId``, ``item``,
    ``zone``, ``word``, ``RT``, ``correct``)."""
    missing = [c for c in ("WorkerId", "item", "zone", "word", "RT") if c not in raw.columns]
    if missing:
        raise ValueError(f"not a processed_RTs.tsv table: columns {missing} are missing")
    out = pd.DataFrame({"subject": raw["WorkerId"].astype(str), "story_id": raw["item"].astype(int),
                        "word_id": raw["zone"].astype(int), "word": raw["word"].astype(str),
                        "rt": raw["RT"].astype(float),
                        "correct": raw["correct"].astype(float) if "correct" in raw else np.nan})
    out.attrs.update(source=source, checksum=checksum)
    return out


def data_sha1(df: pd.DataFrame) -> str:
    """sha1 of the source file of a table from :func:`load_targets` (for provenance)."""
    return str(df.attrs.get("sha1", ""))


__all__ = ["SUBJECT_RT_COLUMNS", "TARGET_COLUMNS", "build_targets", "data_sha1", "load_gpt3_logprobs",
           "load_processed_rts", "load_subject_rts", "load_targets", "load_unigram_counts", "segment_sentences",
           "subject_rts_table", "word_core"]

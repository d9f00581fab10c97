"""Wehbe et al. 2014 "Harry Potter" fMRI (8 subjects reading chapter 9, RSVP, 4 runs, TR = 2 s), CMU release.

Official source: http://www.cs.cmu.edu/afs/cs/project/theo-73/www/plosone/ , files ``files/subject_{1..8}.mat``
(MATLAB v5). No checksums are published, so downloads are not verified against a published hash; the sha1 of every
file read is recorded (``WehbeSubject.sha1``) and ends up in the scores' provenance. Each file holds

- ``data`` [n_TRs, n_voxels]: BOLD (realigned, slice-time corrected, MNI-normalized; not detrended);
- ``time`` [n_TRs, 2]: TR onset (s) and run (1-4);
- ``words`` [1, 5176] struct: ``text`` (word as displayed), ``start`` (onset, s), ``length`` (0.5 s);
- ``meta`` struct: ``subject``, ``nTRs``, ``nvoxels``, ``dimx/y/z``, ``colToCoord`` [n_voxels, 3], ``coordToCol``,
  ``colToROInum`` [n_voxels] (AAL atlas; 0 = not labelled), ``coordToROInum``, ``ROInumToName`` (1 × 117 cell; name
  of ROI i at position i-1, the last entry is the unlabelled one), ``voxel_size``, ``matrix``.

The text is © J.K. Rowling, distributed by CMU for research use: it stays in the data home, never in the project.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.io import loadmat

from .fetch import fetch_file, file_hash

BASE_URL = "http://www.cs.cmu.edu/afs/cs/project/theo-73/www/plosone/files/"
SUBJECTS = tuple(range(1, 9))
TR_SECONDS = 2.0

#: AAL regions of the fronto-temporal language network (IFG pars opercularis / triangularis / orbitalis, superior and
#: middle temporal gyri and poles, angular gyrus), both hemispheres. The paper used the Toneva & Wehbe language-ROI
#: mask (``HP_subj_roi_inds.npy``, not in the CMU release); this AAL approximation is what the CMU files allow.
LANGUAGE_ROIS = tuple(f"{name}_{h}" for name in (
    "Frontal_Inf_Oper", "Frontal_Inf_Tri", "Frontal_Inf_Orb", "Temporal_Sup", "Temporal_Mid", "Temporal_Pole_Sup",
    "Temporal_Pole_Mid", "Angular") for h in ("L", "R"))


@dataclass
class WehbeSubject:
    """One subject of the CMU release.

    Attributes
    ----------
    subject : int
    data : ndarray, shape [n_TRs, n_voxels]
    tr_times : ndarray, shape [n_TRs]
        TR onsets, s.
    runs : ndarray of int, shape [n_TRs]
    words : ndarray of str, shape [n_words]
    word_onsets : ndarray, shape [n_words]
    roi_names : ndarray of str, shape [n_voxels]
        AAL name of every voxel ("" when unlabelled).
    coords : ndarray of int, shape [n_voxels, 3]
    sha1 : str
        Hash of the file read.
    """

    subject: int
    data: np.ndarray
    tr_times: np.ndarray
    runs: np.ndarray
    words: np.ndarray
    word_onsets: np.ndarray
    roi_names: np.ndarray
    coords: np.ndarray
    sha1: str = ""

    def language_mask(self, rois: tuple[str, ...] = LANGUAGE_ROIS) -> np.ndarray:
        """Boolean [n_voxels]: voxels in the given AAL regions."""
        return np.isin(self.roi_names, rois)


def _scalar(x):
    """Unwrap MATLAB's nested 1x1 cells/arrays: a Python scalar/str for one element, else the array."""
    x = np.asarray(x)
    while x.dtype == object and x.size == 1:
        x = np.asarray(x.item())
    if x.size == 1:
        return x.reshape(-1)[0].item() if hasattr(x.reshape(-1)[0], "item") else x.reshape(-1)[0]
    return x


def read_subject_mat(path: str | os.PathLike) -> WehbeSubject:
    """Parse one CMU ``subject_N.mat`` file.

    Raises
    ------
    ValueError
        The file lacks the documented variables or they have inconsistent shapes.
    """
    try:
        mat = loadmat(path, squeeze_me=False)
    except Exception as exc:
        raise ValueError(f"{path} is not a readable MATLAB file ({exc})") from exc
    missing = [k for k in ("data", "time", "words", "meta") if k not in mat]
    if missing:
        raise ValueError(f"{path} lacks {missing}; expected the CMU Harry Potter format (data, time, words, meta)")
    data = np.asarray(mat["data"], dtype=np.float64)
    time = np.asarray(mat["time"], dtype=np.float64)
    words = mat["words"].flatten()
    meta = mat["meta"][0, 0] if mat["meta"].shape else mat["meta"]
    text = np.array([str(_scalar(w["text"])) for w in words])
    onsets = np.array([float(_scalar(w["start"])) for w in words])
    names = np.array([str(_scalar(n)) for n in np.asarray(meta["ROInumToName"]).squeeze().flatten()], dtype=object)
    names = names.squeeze()
    nums = np.asarray(_scalar(meta["colToROInum"])).astype(int).flatten()
    # ROI number i (1-based) is names[i - 1]; 0 means "not labelled"
    roi = np.array([names[i - 1] if 0 < i <= len(names) else "" for i in nums])
    coords = np.asarray(_scalar(meta["colToCoord"])).astype(int).reshape(-1, 3)
    subject = int(_scalar(meta["subject"]))
    if time.ndim != 2 or time.shape[1] != 2 or time.shape[0] != data.shape[0]:
        raise ValueError(f"{path}: time has shape {time.shape}, expected ({data.shape[0]}, 2)")
    if len(roi) != data.shape[1]:
        raise ValueError(f"{path}: colToROInum has {len(roi)} voxels but data has {data.shape[1]}")
    return WehbeSubject(subject=subject, data=data, tr_times=time[:, 0], runs=time[:, 1].astype(int), words=text,
                        word_onsets=onsets, roi_names=roi, coords=coords, sha1=file_hash(path))


def fetch_subject(subject: int, *, data_home: str | os.PathLike | None = None, progress: bool = True) -> Path:
    """Local path of ``subject_<n>.mat`` in ``<data_home>/wehbe2014/`` (downloaded from CMU if missing)."""
    if subject not in SUBJECTS:
        raise ValueError(f"subject must be one of {SUBJECTS}, got {subject!r}")
    name = f"subject_{subject}.mat"
    return fetch_file("wehbe2014", name, urls=[BASE_URL + name], known_hash=None, data_home=data_home,
                      progress=progress)


def load_wehbe2014(subjects: tuple[int, ...] = SUBJECTS, *,
                   data_home: str | os.PathLike | None = None) -> list[WehbeSubject]:
    """Read the given subjects (fetching missing files).

    Raises
    ------
    ValueError
        Subjects saw different word sequences (the files are from different releases).
    """
    out = [read_subject_mat(fetch_subject(s, data_home=data_home)) for s in subjects]
    for s in out[1:]:
        if len(s.words) != len(out[0].words) or (s.words != out[0].words).any():
            raise ValueError(f"subject {s.subject} saw a different word sequence than subject {out[0].subject}")
    return out

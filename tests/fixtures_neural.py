"""Format-faithful miniature neural data for tests (no network): Brain-Score-style NetCDF assemblies and CMU-style
Wehbe .mat files, written into a temporary data home, plus LM-like synthetic activations."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import xarray as xr

from brainalign.data import assemblies
from brainalign.data.assemblies import write_assembly
from brainalign.data.fetch import file_hash


def lm_like(n: int, p: int, v: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Ill-conditioned activations like a GPT-2 residual stream (power-law spectrum, mean offsets, 3 outlier dims x30;
    singular values spread over ~2-3 decades, as in performance.md) and noisy linear responses with offsets."""
    rng = np.random.default_rng(seed)
    spectrum = np.arange(1, p + 1) ** -0.5
    X = rng.normal(size=(n, p)) * spectrum + rng.normal(size=p) * 5
    X[:, :3] *= 30
    Y = X[:, :8] @ rng.normal(size=(8, v)) / 10 + rng.normal(size=(n, v)) + rng.normal(size=v) * 10
    return X, Y


def _latent_data(n: int, v: int, rng: np.random.Generator, k: int = 4, noise: float = 0.05) -> np.ndarray:
    return rng.normal(size=(n, k)) @ rng.normal(size=(k, v)) + noise * rng.normal(size=(n, v))


def pereira_assembly(seed: int = 0, voxels: int = 12, passages: tuple[int, int] = (6, 5),
                     per_passage: tuple[int, int] = (4, 3)) -> xr.DataArray:
    """Pereira2018.language in miniature: 2 experiments (384sentences: 6 passages x 4; 243sentences: 5 x 3 by
    default), 4 subjects (one in both experiments), NaN where a subject did not take part; Brain-Score's coords, ids
    ``<experiment>.<number>`` stored in numeric order."""
    rng = np.random.default_rng(seed)
    rows = []
    for exp, n_pass, per in [("384sentences", passages[0], per_passage[0]), ("243sentences", passages[1],
                                                                              per_passage[1])]:
        num = 0
        for p in range(n_pass):
            cat = ["animal", "music", "tool"][p % 3]
            for s in range(per):
                num += 1
                text = f"The {cat} sentence {s} of passage {p} in {exp}."
                rows.append({"experiment": exp, "stimulus_num": num, "sentence": text, "stimulus": text,
                             "passage_index": p + 1, "passage_label": f"{cat}_{p:02d}", "passage_category": cat,
                             "stimulus_id": f"{exp}.{num}", "story": f"{exp}.{cat}"})
    n = len(rows)
    subjects = {"018": ("243sentences", "384sentences"), "199": ("384sentences",), "215": ("384sentences",),
                "288": ("243sentences",)}
    exps = np.array([r["experiment"] for r in rows])
    blocks, neuroids = [], []
    for subj, took in subjects.items():
        block = np.full((n, voxels), np.nan)
        for exp in took:
            m = exps == exp
            block[m] = _latent_data(int(m.sum()), voxels, rng)
        blocks.append(block)
        for vnum in range(voxels):
            neuroids.append({"subject": subj, "voxel_num": vnum, "atlas": "language", "filter_strategy": "",
                             "atlas_selection": "from90to100prcnt", "atlas_selection_lower": 90, "roi": "LH_AntTemp",
                             "indices_in_3d": vnum * 7, "col_to_coord_1": vnum, "col_to_coord_2": 2, "col_to_coord_3": 3,
                             "neuroid_id": f"{subj}.{vnum}"})
    coords = {k: ("presentation", [r[k] for r in rows]) for k in rows[0]}
    coords.update({k: ("neuroid", [r[k] for r in neuroids]) for k in neuroids[0]})
    return xr.DataArray(np.concatenate(blocks, axis=1), dims=("presentation", "neuroid"), coords=coords)


BLANK_STORIES = ("Aqua", "Boar", "Elvis")


def blank_assembly(seed: int = 0, trs_per_story: int = 25, n_subjects: int = 3, n_frois: int = 4) -> xr.DataArray:
    """Blank2014.fROI in miniature: TR fragments of 3 stories x (subjects x fROIs) neuroids, Brain-Score's coords."""
    rng = np.random.default_rng(seed)
    rows = []
    for story in BLANK_STORIES:
        for t in range(trs_per_story):
            sent, part = t // 3 + 1, t % 3 + 1
            rows.append({"stimulus_id": f"{story}.{sent}.{part}", "story": story, "stimulus": f"{story} words {t}",
                         "sentence_number_in_story": sent, "part_number_in_sentence": part,
                         "meta_sentence": f"{story} sentence {sent}"})
    areas = ["01_LH_PostTemp", "02_LH_AntTemp", "03_LH_IFG", "04_LH_IFGorb", "05_LH_MFG", "06_LH_AngG"][:n_frois]
    subjects = ["061", "085", "088", "090", "098"][:n_subjects]
    neuroids = [{"subject_id": s, "fROI_area": a, "neuroid_id": f"{s}.{a}"} for s in subjects for a in areas]
    values = _latent_data(len(rows), len(neuroids), rng, k=3, noise=0.3)
    coords = {k: ("presentation", [r[k] for r in rows]) for k in rows[0]}
    coords.update({k: ("neuroid", [r[k] for r in neuroids]) for k in neuroids[0]})
    return xr.DataArray(values, dims=("presentation", "neuroid"), coords=coords)


def install_assembly(monkeypatch, data_home: Path, identifier: str, da: xr.DataArray) -> Path:
    """Write ``da`` where the loader looks for ``identifier`` and register its sha1 as the published one."""
    spec = assemblies.ASSEMBLIES[identifier]
    path = write_assembly(da, Path(data_home) / spec.dataset / spec.filename)
    patched = dataclasses.replace(spec, sha1=file_hash(path))
    monkeypatch.setitem(assemblies.ASSEMBLIES, identifier, patched)
    return path


def home_with(monkeypatch, data_home: Path, identifier: str, da: xr.DataArray) -> tuple[Path, xr.DataArray]:
    """A data home holding ``da`` as the assembly ``identifier``: ``(data_home, da)``."""
    install_assembly(monkeypatch, data_home, identifier, da)
    return data_home, da


def activations_from(values: np.ndarray, item_ids, layers=("layer.0",)) -> xr.DataArray:
    """Fake extraction output, dims (layer, item, unit), from [n_layers?, n_items, n_units] values."""
    values = np.asarray(values, dtype=np.float32)
    if values.ndim == 2:
        values = values[None]
    return xr.DataArray(values, dims=("layer", "item", "unit"),
                        coords={"layer": list(layers), "item": list(item_ids), "unit": np.arange(values.shape[2])},
                        attrs={"model_id": "fake", "model_revision": "0"})


# ---------------------------------------------------------------- Wehbe2014 (CMU .mat files)
AAL_NAMES = ["Precentral_L", "Precentral_R", "Frontal_Inf_Tri_L", "Temporal_Sup_L", "Temporal_Mid_R",
             "Occipital_Sup_L"] + [f"Region_{i}" for i in range(7, 117)] + ["Not_labelled"]


def wehbe_fixture(n_runs: int = 4, trs_per_run: int = 40, words_from: int = 3, words_to: int = 36,
                  n_lang: int = 6, n_other: int = 3, n_latent: int = 6, seed: int = 0):
    """Word timings, latent word embeddings and per-subject data following the pipeline's generative model."""
    from brainalign.benchmarks.wehbe2014 import tr_features, word_tr_index

    rng = np.random.default_rng(seed)
    tr_times = np.arange(n_runs * trs_per_run) * 2.0
    runs = np.repeat(np.arange(1, n_runs + 1), trs_per_run)
    onsets = []
    for r in range(n_runs):
        for t in range(words_from, words_to):
            onsets += [tr_times[r * trs_per_run + t] + 0.5 * k for k in range(4)]
    onsets = np.array(onsets)
    words = np.array([f"word{i}{',' if i % 7 == 0 else ''}" for i in range(len(onsets))])
    emb = rng.normal(size=(len(words), n_latent))
    trf = tr_features(emb, word_tr_index(onsets, tr_times), runs, 4)
    return {"tr_times": tr_times, "runs": runs, "onsets": onsets, "words": words, "embedding": emb, "trf": trf,
            "n_lang": n_lang, "n_other": n_other}


def write_wehbe_subject(path: Path, fx: dict, subject: int, seed: int = 0) -> Path:
    """A CMU-format ``subject_N.mat`` (data, time, words struct array, meta struct with AAL ROI info)."""
    from scipy.io import savemat

    rng = np.random.default_rng(seed + subject)
    n_tr = len(fx["runs"])
    lang = fx["trf"] @ rng.normal(size=(fx["trf"].shape[1], fx["n_lang"])) + 0.5 * rng.normal(size=(n_tr, fx["n_lang"]))
    other = rng.normal(size=(n_tr, fx["n_other"]))
    data = np.concatenate([lang, other], axis=1) + 100.0
    roi_num = np.array([3, 4, 5, 3, 4, 5][: fx["n_lang"]] + [1, 6, 0][: fx["n_other"]])  # 1-based AAL numbers
    words = np.zeros((1, len(fx["words"])), dtype=[("text", "O"), ("start", "O"), ("length", "O")])
    for i, (w, t) in enumerate(zip(fx["words"], fx["onsets"])):
        words[0, i] = (w, np.array([[t]]), np.array([[0.5]]))
    names = np.empty((1, len(AAL_NAMES)), dtype=object)
    names[0, :] = AAL_NAMES
    n_vox = data.shape[1]
    meta = {"subject": subject, "nTRs": n_tr, "nvoxels": n_vox, "dimx": 51, "dimy": 61, "dimz": 23,
            "colToCoord": np.stack([np.arange(n_vox), np.ones(n_vox), np.ones(n_vox)], 1).astype(float),
            "coordToCol": np.zeros((2, 2, 2)), "colToROInum": roi_num.reshape(-1, 1).astype(float),
            "coordToROInum": np.zeros((2, 2, 2)), "ROInumToName": names, "voxel_size": np.array([[3.0, 3.0, 3.0]]),
            "matrix": np.eye(4)}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    savemat(path, {"data": data, "time": np.stack([fx["tr_times"], fx["runs"]], 1).astype(float), "words": words,
                   "meta": meta})
    return path

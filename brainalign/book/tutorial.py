"""Helpers for the course tutorial (``notebooks/06_tutorial.py``): a simulated fMRI experiment and exercise checks.

The simulation has a **known ground truth**: stimuli have latent features, simulated "voxels" respond to those features
through known weights plus subject noise, and a simulated "language model" has layers whose activations carry the
latent features with a strength that peaks at a known layer. Students can therefore check that the method (encoding
model, cross-validation, Pearson r, noise ceiling, layer profile) recovers what was put in, before they use it on real
human reading times.

The ``check_*`` functions are what students call after an exercise. Each one recomputes the expected answer from the
inputs (nothing is hard-coded), raises :class:`AssertionError` with a hint when the answer is wrong, and returns
``True`` (after printing a short confirmation) when it is right.

>>> from brainalign.book.tutorial import simulate_fmri, spearman_brown
>>> sim = simulate_fmri(seed=0)
>>> sim.responses.shape          # [n_subjects, n_stimuli, n_voxels]
(10, 200, 50)
>>> round(spearman_brown(0.5), 3)
0.667
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from ..encoding.correlation import pearson_r
from ..encoding.split_half import spearman_brown, split_half_consistency

__all__ = [
    "SimulatedFMRI",
    "simulate_fmri",
    "pearson_r",
    "spearman_brown",
    "split_half_consistency",
    "reliability_from_sd",
    "check_pearson_r",
    "check_split",
    "check_no_leakage",
    "check_spearman_brown",
    "check_normalized",
    "check_best_layer",
    "check_surprisal_bits",
    "check_word_surprisal",
    "check_reading_time_r",
    "check_reliability",
]


# ----------------------------------------------------------------------------------------------------------------------
# Simulation
# ----------------------------------------------------------------------------------------------------------------------
@dataclass
class SimulatedFMRI:
    """A simulated fMRI experiment with a known stimulus -> voxel mapping.

    Attributes
    ----------
    features : ndarray, shape [n_stimuli, n_features]
        Latent features of each stimulus (what the "brain" responds to).
    weights : ndarray, shape [n_features, n_voxels]
        The true linear mapping from latent features to voxel responses.
    signal : ndarray, shape [n_stimuli, n_voxels]
        Noise-free voxel responses, ``features @ weights``.
    responses : ndarray, shape [n_subjects, n_stimuli, n_voxels]
        Measured responses: the signal plus independent Gaussian noise per subject.
    layers : dict of str -> ndarray, shape [n_stimuli, n_units]
        Activations of a simulated language model, one array per layer, in depth order.
    layer_strength : dict of str -> float
        How strongly each layer carries the latent features (0 = pure noise, 1 = a rotation of the features).
    best_layer : str
        The layer with the largest ``layer_strength``: the ground-truth peak of the layer profile.
    noise_sd : float
        Standard deviation of the subject noise.
    """

    features: np.ndarray
    weights: np.ndarray
    signal: np.ndarray
    responses: np.ndarray
    layers: dict[str, np.ndarray] = field(repr=False)
    layer_strength: dict[str, float]
    best_layer: str
    noise_sd: float

    @property
    def mean_response(self) -> np.ndarray:
        """Responses averaged over subjects, shape [n_stimuli, n_voxels] (the "average human")."""
        return self.responses.mean(axis=0)

    @property
    def n_stimuli(self) -> int:
        """Number of stimuli."""
        return int(self.features.shape[0])


def simulate_fmri(n_stimuli: int = 200, n_features: int = 10, n_voxels: int = 50, n_subjects: int = 10,
                  n_layers: int = 8, n_units: int = 32, peak_layer: int = 5, noise_sd: float = 3.0,
                  seed: int = 0) -> SimulatedFMRI:
    """Simulate an fMRI experiment and a layered "language model" with a known best layer.

    Voxel ``v`` of subject ``s`` responds to stimulus ``i`` as ``features[i] @ weights[:, v] + noise``, with the noise
    drawn independently per subject. Layer ``k`` of the simulated model has activations
    ``a_k * features @ R_k + sqrt(1 - a_k**2) * E_k`` where ``R_k`` is a random projection (``[n_features,
    n_units]``), ``E_k`` is noise of the same power, and ``a_k`` is a bump centred on ``peak_layer``; so the layer
    profile of an encoding model should peak at ``layer.{peak_layer}``.

    Parameters
    ----------
    n_stimuli, n_features, n_voxels, n_subjects : int
        Sizes of the experiment.
    n_layers, n_units : int
        Depth and width of the simulated model.
    peak_layer : int
        0-based index of the layer that carries the latent features best.
    noise_sd : float
        Subject noise; the signal has unit variance per voxel, so larger values mean a lower noise ceiling.
    seed : int
        Seed of the random generator (the simulation is deterministic given the seed).

    Returns
    -------
    SimulatedFMRI
    """
    if not 0 <= peak_layer < n_layers:
        raise ValueError(f"peak_layer must be in [0, {n_layers - 1}], got {peak_layer}")
    for name, value in {"n_stimuli": n_stimuli, "n_features": n_features, "n_voxels": n_voxels,
                        "n_subjects": n_subjects, "n_layers": n_layers, "n_units": n_units}.items():
        if value < 1:
            raise ValueError(f"{name} must be positive, got {value}")
    if n_subjects < 2:
        raise ValueError("need at least 2 subjects for a split-half noise ceiling")
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((n_stimuli, n_features))
    weights = rng.standard_normal((n_features, n_voxels)) / np.sqrt(n_features)   # unit-variance signal
    signal = features @ weights
    responses = signal[None] + noise_sd * rng.standard_normal((n_subjects, n_stimuli, n_voxels))
    layers: dict[str, np.ndarray] = {}
    strength: dict[str, float] = {}
    for k in range(n_layers):
        a = float(np.exp(-0.5 * ((k - peak_layer) / 1.0) ** 2)) * 0.9
        proj = rng.standard_normal((n_features, n_units)) / np.sqrt(n_features)
        noise = rng.standard_normal((n_stimuli, n_units))
        layers[f"layer.{k}"] = a * features @ proj + np.sqrt(1 - a ** 2) * noise
        strength[f"layer.{k}"] = a
    best = max(strength, key=strength.get)
    return SimulatedFMRI(features=features, weights=weights, signal=signal, responses=responses, layers=layers,
                         layer_strength=strength, best_layer=best, noise_sd=float(noise_sd))


# ----------------------------------------------------------------------------------------------------------------------
# Reference implementations of what the exercises ask for (pearson_r, spearman_brown and split_half_consistency are
# the package's own, from brainalign.encoding)
# ----------------------------------------------------------------------------------------------------------------------
def reliability_from_sd(mean: np.ndarray, sd: np.ndarray, n: np.ndarray) -> float:
    """Reliability of per-item means estimated from per-item spread: ``1 - mean(sd**2 / n) / var(mean)``.

    The variance of an item's mean over ``n`` subjects has a noise part ``sd**2 / n`` (the squared standard error);
    the rest of the variance of the means across items is signal. The ratio signal / total is the reliability, the
    quantity a Spearman–Brown-corrected split-half correlation estimates. It assumes independent noise across
    subjects (ignoring, e.g., that some subjects read every word more slowly), so it is an approximation.

    Parameters
    ----------
    mean, sd, n : ndarray, shape [n_items]
        Per-item mean, standard deviation over subjects, and number of subjects.

    Returns
    -------
    float
    """
    mean, sd, n = (np.asarray(a, dtype=float) for a in (mean, sd, n))
    if not mean.shape == sd.shape == n.shape or mean.ndim != 1:
        raise ValueError(f"mean, sd and n must be 1-D of the same length, got {mean.shape}, {sd.shape}, {n.shape}")
    ok = np.isfinite(mean) & np.isfinite(sd) & (n > 0)
    return float(1 - np.mean(sd[ok] ** 2 / n[ok]) / np.var(mean[ok], ddof=1))


# ----------------------------------------------------------------------------------------------------------------------
# Exercise checks
# ----------------------------------------------------------------------------------------------------------------------
def _ok(message: str) -> bool:
    print(f"Correct: {message}")
    return True


def check_pearson_r(func: Callable[[np.ndarray, np.ndarray], float], n_trials: int = 5, seed: int = 0) -> bool:
    """Check a student's Pearson correlation ``func(x, y) -> float`` on random 1-D data against scipy."""
    rng = np.random.default_rng(seed)
    for trial in range(n_trials):
        n = int(rng.integers(5, 100))
        x = rng.standard_normal(n) * rng.uniform(0.1, 10) + rng.uniform(-5, 5)
        y = 0.5 * x + rng.standard_normal(n) * rng.uniform(0.1, 3)
        expected = stats.pearsonr(x, y).statistic
        got = float(func(x, y))
        assert np.isclose(got, expected, atol=1e-6), (
            f"trial {trial}: your r = {got:.6f}, expected {expected:.6f}. Did you centre both vectors and divide by "
            f"the product of their norms?")
    got = float(func(np.arange(10.0), 3 * np.arange(10.0) + 7))
    assert np.isclose(got, 1.0), f"r of a line with positive slope should be 1, got {got}"
    got = float(func(np.arange(10.0), -np.arange(10.0)))
    assert np.isclose(got, -1.0), f"r of a line with negative slope should be -1, got {got}"
    return _ok("your Pearson r matches scipy.stats.pearsonr")


def check_split(train: Sequence[int] | np.ndarray, test: Sequence[int] | np.ndarray, n_stimuli: int,
                train_size: float = 0.9) -> bool:
    """Check a train/test split of ``n_stimuli`` items: disjoint, complete, about ``train_size`` in train."""
    train = np.asarray(train).ravel()
    test = np.asarray(test).ravel()
    overlap = np.intersect1d(train, test)
    assert overlap.size == 0, f"{overlap.size} stimuli are in both train and test (e.g. {overlap[:5]}): that is leakage"
    covered = np.union1d(train, test)
    assert covered.size == n_stimuli and covered.min() == 0 and covered.max() == n_stimuli - 1, (
        f"train + test should hold every index 0..{n_stimuli - 1} exactly once; they hold {covered.size} distinct ones")
    assert train.size + test.size == n_stimuli, "an index appears twice within train or within test"
    expected = int(round(train_size * n_stimuli))
    assert abs(train.size - expected) <= 1, f"train has {train.size} stimuli; with train_size={train_size} expect ~{expected}"
    return _ok(f"{train.size} train / {test.size} test stimuli, no overlap")


def check_no_leakage(in_sample_r: float, held_out_r: float) -> bool:
    """Check the leakage demonstration: the in-sample r of random features must exceed their held-out r clearly."""
    assert np.isfinite(in_sample_r) and np.isfinite(held_out_r), "both scores must be finite numbers"
    assert in_sample_r > held_out_r + 0.2, (
        f"in-sample r = {in_sample_r:.3f}, held-out r = {held_out_r:.3f}: with random features the in-sample score "
        f"should be much higher. Did you evaluate the first model on the same stimuli it was fitted on?")
    assert abs(held_out_r) < 0.2, (
        f"held-out r = {held_out_r:.3f} for random features; it should be near 0. Are train and test disjoint?")
    return _ok(f"random features reach r = {in_sample_r:.2f} on their own training data but {held_out_r:.2f} on "
               "held-out stimuli")


def check_spearman_brown(func: Callable[[float], float]) -> bool:
    """Check a student's split-half correction ``func(r) -> r_full`` (Spearman–Brown with factor 2)."""
    for r in (0.0, 0.2, 0.5, 0.8, 0.95):
        expected = spearman_brown(r)
        got = float(func(r))
        assert np.isclose(got, expected), f"func({r}) = {got:.4f}, expected {expected:.4f} (= 2r / (1 + r))"
    return _ok("your Spearman–Brown correction matches 2r / (1 + r)")


def check_normalized(value: float, raw: float, ceiling: float) -> bool:
    """Check a ceiling-normalized score: ``raw / ceiling`` (Brain-Score clips it to [0, 1]; both are accepted)."""
    expected = raw / ceiling
    assert np.isclose(value, expected) or np.isclose(value, min(max(expected, 0.0), 1.0)), (
        f"got {value:.4f}; the normalized score is raw / ceiling = {raw:.4f} / {ceiling:.4f} = {expected:.4f}")
    return _ok(f"normalized score {value:.3f} = {raw:.3f} / {ceiling:.3f}")


def check_best_layer(layer: str, sim: SimulatedFMRI) -> bool:
    """Check the layer a student picked as best against the simulation's ground truth."""
    assert layer in sim.layers, f"{layer!r} is not a layer of the simulation; layers: {list(sim.layers)}"
    assert layer == sim.best_layer, (
        f"you picked {layer!r}; the simulation put the features most strongly into {sim.best_layer!r}. Did you take "
        f"the layer with the highest *cross-validated* score?")
    return _ok(f"{layer} is the ground-truth best layer (feature strength {sim.layer_strength[layer]:.2f})")


def check_surprisal_bits(func: Callable[[np.ndarray], np.ndarray]) -> bool:
    """Check a student's ``func(probabilities) -> surprisal in bits`` (``-log2 p``)."""
    p = np.array([1.0, 0.5, 0.25, 0.1, 1e-3])
    expected = -np.log2(p)
    got = np.asarray(func(p), dtype=float)
    assert got.shape == p.shape, f"expected one surprisal per probability, shape {p.shape}; got {got.shape}"
    assert np.allclose(got, expected), (
        f"got {np.round(got, 3)}, expected {np.round(expected, 3)}. Surprisal in bits is -log2(p): "
        "a probability of 1/2 is 1 bit.")
    return _ok("surprisal = -log2 p (bits)")


def check_word_surprisal(func: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> bool:
    """Check ``func(token_surprisal, word_index) -> word_surprisal``: sum the subword tokens of each word.

    ``token_surprisal`` is shape [n_tokens]; ``word_index`` (shape [n_tokens]) gives the 0-based word of each token,
    non-decreasing; the result has shape [n_words].
    """
    rng = np.random.default_rng(1)
    word_index = np.sort(rng.integers(0, 6, size=15))
    word_index = np.searchsorted(np.unique(word_index), word_index)   # words 0..n-1, none empty
    tokens = rng.uniform(0, 12, size=word_index.size)
    expected = np.bincount(word_index, weights=tokens)
    got = np.asarray(func(tokens, word_index), dtype=float)
    assert got.shape == expected.shape, f"expected {expected.size} word surprisals, got shape {got.shape}"
    assert np.allclose(got, expected), (
        "a word's surprisal is the SUM of its tokens' surprisals (the log-probability of the whole word is the sum of "
        f"the tokens' log-probabilities); expected {np.round(expected, 2)}, got {np.round(got, 2)}")
    return _ok("word surprisal = sum of its subword tokens' surprisals")


def check_reading_time_r(value: float, surprisal: np.ndarray, reading_times: np.ndarray, scored: np.ndarray) -> bool:
    """Check the surprisal-reading-time correlation over the scored words (non-sentence-initial, finite values)."""
    surprisal = np.asarray(surprisal, dtype=float)
    reading_times = np.asarray(reading_times, dtype=float)
    mask = np.asarray(scored, dtype=bool) & np.isfinite(surprisal) & np.isfinite(reading_times)
    expected = float(stats.pearsonr(surprisal[mask], reading_times[mask]).statistic)
    if np.isclose(value, abs(expected)) or np.isclose(value, expected):
        return _ok(f"r = {value:.3f} over {mask.sum()} words")
    everything = np.isfinite(surprisal) & np.isfinite(reading_times)
    r_all = float(stats.pearsonr(surprisal[everything], reading_times[everything]).statistic)
    hint = " You seem to have kept the sentence-initial words; use the `scored` mask." if np.isclose(value, r_all) else ""
    raise AssertionError(f"got r = {value:.4f}, expected {expected:.4f} over the {mask.sum()} scored words.{hint}")


def check_reliability(value: float, mean: np.ndarray, sd: np.ndarray, n: np.ndarray) -> bool:
    """Check a reliability estimated from per-item means, SDs and subject counts (:func:`reliability_from_sd`)."""
    expected = reliability_from_sd(mean, sd, n)
    if np.isclose(value, expected, atol=2e-3):
        return _ok(f"reliability = {value:.3f}")
    wrong_se = float(1 - np.nanmean(np.asarray(sd, float) ** 2) / np.nanvar(np.asarray(mean, float), ddof=1))
    hint = (" The noise variance of a mean over n subjects is sd**2 / n, not sd**2."
            if np.isclose(value, wrong_se, atol=2e-3) else "")
    raise AssertionError(f"got {value:.4f}, expected {expected:.4f} = 1 - mean(sd^2 / n) / var(mean).{hint}")

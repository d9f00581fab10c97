"""A simulated fMRI experiment with a known ground truth, for the tutorial's first sections.

Stimuli have latent features; simulated "voxels" respond to those features through known weights plus subject
noise; a simulated "language model" has layers whose activations carry the latent features with a strength that peaks
at a known layer. Students can therefore check that the method (encoding model, cross-validation, Pearson r, noise
ceiling, layer profile) recovers what was put in, before they use it on real human reading times.

>>> sim = simulate_fmri(seed=0)
>>> sim.responses.shape          # [n_subjects, n_stimuli, n_voxels]
(10, 200, 50)
>>> sim.best_layer
'layer.5'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["SimulatedFMRI", "reliability_from_sd", "simulate_fmri"]


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

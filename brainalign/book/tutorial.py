"""Everything the course tutorial (``notebooks/06_tutorial.py``) calls, under one name: ``from brainalign.book import
tutorial as T``.

- the simulation with a known ground truth (:mod:`brainalign.book.lab.simulation`): :func:`simulate_fmri`;
- the real-data steps (:mod:`brainalign.book.lab.realdata`): :func:`setup_lab`, :func:`load_reading_times`, :func:`futrell2018_ceiling`,
  :func:`story_words`, :func:`story_layers`;
- the exercise checks (:mod:`brainalign.book.lab.checks`), each returning a :class:`Feedback` that reads "Passed",
  "Not yet" (the exercise still holds its ``...`` placeholder) or "Try again" with a hint;
- the package's own reference implementations the lab compares with: :func:`pearson_r`, :func:`spearman_brown`,
  :func:`split_half_consistency` (from :mod:`brainalign.encoding`).

>>> from brainalign.book.tutorial import simulate_fmri, spearman_brown
>>> sim = simulate_fmri(seed=0)
>>> sim.responses.shape          # [n_subjects, n_stimuli, n_voxels]
(10, 200, 50)
>>> round(spearman_brown(0.5), 3)
0.667
"""

from __future__ import annotations

import warnings

# tqdm.auto warns once, when first imported in a kernel without ipywidgets, that it falls back to text bars. The lab
# runs without ipywidgets (and without progress bars by default), so the warning would only clutter the first cell;
# the filter must be set before the imports below load tqdm.
warnings.filterwarnings("ignore", message="IProgress not found")

from ..encoding.correlation import pearson_r  # noqa: E402
from ..encoding.split_half import spearman_brown, split_half_consistency  # noqa: E402
from .lab.checks import (RIDGE_ALPHAS, UNIT_SWEEP, check_best_layer, check_ceiling_prediction,  # noqa: E402
                         check_held_out, check_length_baseline, check_normalized, check_pearson_r,
                         check_reading_time_r, check_reliability, check_ridge, check_spearman_brown, check_split,
                         check_surprisal_bits, check_unit_sweep, check_word_surprisal)
from .lab.feedback import Feedback  # noqa: E402
from .lab.realdata import (StoryLayers, futrell2018_ceiling, load_reading_times, setup_lab, story_layers,  # noqa: E402
                           story_words)
from .lab.simulation import SimulatedFMRI, reliability_from_sd, simulate_fmri  # noqa: E402

__all__ = [
    "RIDGE_ALPHAS", "UNIT_SWEEP", "Feedback", "SimulatedFMRI", "StoryLayers",
    "check_best_layer", "check_ceiling_prediction", "check_held_out", "check_length_baseline", "check_normalized",
    "check_pearson_r", "check_reading_time_r", "check_reliability", "check_ridge", "check_spearman_brown",
    "check_split", "check_surprisal_bits", "check_unit_sweep", "check_word_surprisal",
    "futrell2018_ceiling", "load_reading_times", "pearson_r", "reliability_from_sd", "setup_lab", "simulate_fmri",
    "spearman_brown", "split_half_consistency", "story_layers", "story_words",
]

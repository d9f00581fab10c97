"""WordLength-probe: which layer of a language model encodes how long a word is?

A worked example of a new benchmark in one file (book page *Extending brainalign*).
Put it in ``brainalign/benchmarks/`` (a contribution) or in a folder named by
``BRAINALIGN_BENCHMARK_PATH`` (your own): ``brainalign benchmarks`` lists it,
``brainalign score MODEL -b WordLength-probe`` scores it, sweeps run it.
"""

from __future__ import annotations

import numpy as np

from brainalign.benchmarks import register_benchmark
from brainalign.benchmarks.base import Benchmark, Ceiling, Stimuli
from brainalign.data.naturalstories import load_targets
from brainalign.encoding.grouped_ridge import cross_validated_ridge


@register_benchmark
class WordLengthProbe(Benchmark):
    """Cross-validated ridge from each layer's word activations to word length."""

    name = "WordLength-probe"
    description = "layer-wise: ridge of word length (letters) on each layer's words"
    label = "Word length from activations (r)"
    datasets = ("naturalstories",)
    published_ceiling = Ceiling(1.0, "word length is exact: no measurement noise")

    def __init__(self, *, data_home=None, extraction_kwargs=None):
        super().__init__(extraction_kwargs=extraction_kwargs)
        words = load_targets(data_home=data_home)
        self.words = words.sort_values(["story_id", "word_id"])

    @property
    def stimuli(self) -> Stimuli:
        """The ten stories, one passage each; the items are their words."""
        by_story = self.words.groupby("story_id", sort=True)
        stories = [g["word"].astype(str).tolist() for _, g in by_story]
        return Stimuli(stories, self.words["stimulus_id"].tolist())

    def score_activations(self, acts, model_name):
        """r of held-out predictions (leave one story out), per layer."""
        ids = self.words["stimulus_id"].to_numpy()
        X = acts.sel(item=ids).transpose("layer", "item", "unit").values
        y = self.words["word_core"].astype(str).str.len().to_numpy(np.float64)
        stories = self.words["story_id"].to_numpy()
        layers = [str(layer) for layer in acts["layer"].values]
        scores = {layer: cross_validated_ridge(X[k], y, stories).r
                  for k, layer in enumerate(layers)}
        return self.result(model_name, scores)

"""WordLength-probe: which layer of a language model encodes how long a word is?

A worked example of a new benchmark in one file (book page *Extending brainalign*). Put the file in
``brainalign/benchmarks/`` (a contribution) or in a folder named by ``BRAINALIGN_BENCHMARK_PATH`` (your own), and
``brainalign benchmarks`` lists it, ``brainalign score MODEL -b WordLength-probe`` scores it, sweeps run it.
"""

from __future__ import annotations

import numpy as np

from brainalign.benchmarks import register_benchmark
from brainalign.benchmarks.base import Benchmark, Ceiling, Stimuli
from brainalign.data.naturalstories import load_targets
from brainalign.encoding.grouped_ridge import cross_validated_ridge


@register_benchmark
class WordLengthProbe(Benchmark):
    """Cross-validated ridge from each layer's word activations to the word's length in letters."""

    name = "WordLength-probe"
    description = "layer-wise: cross-validated ridge of word length (letters) on each layer's word activations"
    label = "Word length from activations (r)"
    datasets = ("naturalstories",)
    published_ceiling = Ceiling(1.0, "word length is known exactly: there is no measurement noise")

    def __init__(self, *, data_home=None, extraction_kwargs=None):
        super().__init__(extraction_kwargs=extraction_kwargs)
        self.words = load_targets(data_home=data_home).sort_values(["story_id", "word_id"])

    @property
    def stimuli(self) -> Stimuli:
        """The ten stories, one passage each; the items are the words (ids = ``stimulus_id``)."""
        stories = [g["word"].astype(str).tolist() for _, g in self.words.groupby("story_id", sort=True)]
        return Stimuli(stories, self.words["stimulus_id"].tolist())

    def score_activations(self, acts, model_name):
        """r of held-out predictions, leave one story out, per layer."""
        X = acts.sel(item=self.words["stimulus_id"].to_numpy()).transpose("layer", "item", "unit").values
        y = self.words["word_core"].astype(str).str.len().to_numpy(dtype=np.float64)
        groups = self.words["story_id"].to_numpy()
        scores = {str(layer): cross_validated_ridge(X[k], y, groups).r for k, layer in enumerate(acts["layer"].values)}
        return self.result(model_name, scores)

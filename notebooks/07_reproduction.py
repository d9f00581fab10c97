# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---


# %% [markdown]
# # Reproducing Tables 5 and 9
#
# ## Overview
#
# The chapters before this one recompute the paper's *analyses* from its published scores. This page is about the
# scores themselves: it puts the paper's Table 5 (brain alignment) and Table 9 (behavioral alignment) next to scores
# that brainalign recomputed for the same models, in the **paper protocol**, the authors' code read literally
# ({ref}`methods-protocols`). For every model and benchmark it shows the published value, the recomputed one, their
# difference, and whether that difference is within the tolerance of a reproduction (0.0015: half a unit of the
# printed third decimal, plus the row-order dependence of float32 least squares).
#
# The recomputation needs GPUs: 25 models of up to 33 billion parameters, in float32 as the authors ran them.
# `brainalign reproduce --estimate` prints the cost of each model; `brainalign reproduce --out DIR` runs them (on one
# or many GPUs through Dask, resumably), and this page shows the results when it is given that directory.
#
# ## Prerequisites
#
# | Concept | Importance | Where |
# |---|---|---|
# | The two protocols | necessary | {ref}`methods-protocols`, {ref}`protocols` |
# | Brain and behavioral alignment | helpful | {doc}`../methods` |
#
# Time to read: 5 minutes. Time to run: a few seconds (the scoring itself: hours of GPU time).
#
# ## Parameters
#
# `scores`: a results directory of `brainalign reproduce` (or any scores table); `None` (the default) when no
# recomputation is at hand. `synthetic`: fill in stand-in scores (the published values plus noise) for these models,
# only to check this page; they are labelled as such and are never evidence.

# %% tags=["parameters"]
scores = None
synthetic = []

# %%
from IPython.display import Markdown

from brainalign.book.notebook import glue
from brainalign.paper.reproduction import compare_with_published, fresh_scores, summary
from brainalign.run.reproduce import cost_estimate

# %% [markdown]
# ## What a reproduction costs

# %% tags=["hide-input"]
cost = cost_estimate()
glue("r_gpu_hours", float(cost["gpu_hours"].sum()), display=False)
glue("r_n_models", len(cost), display=False)
glue("r_too_big", ", ".join(cost.loc[~cost["fits_one_gpu"], "model"]) or "none", display=False)
shown = cost.assign(params=cost["params"] / 1e9).rename(columns={"params": "params (billions)"})
shown[["model", "params (billions)", "weights_gib", "fits_one_gpu", "pflop", "gpu_hours"]].set_index("model").round(2)

# %% [markdown]
# The {glue:text}`r_n_models` models cost about {glue:text}`r_gpu_hours:.0f` GPU-hours at a sustained 10 float32
# TFLOP/s, an order of magnitude from token counts and parameter counts (the assumptions are in
# `brainalign/run/reproduce.py`). Models whose float32 weights do not fit on one 80 GB GPU: {glue:text}`r_too_big`;
# brainalign does not shard a model over GPUs, so they need a larger GPU (or bf16 weights, which is not the paper
# protocol).
#
# ## Published against recomputed

# %% tags=["hide-input"]
comparison = compare_with_published(fresh_scores(scores, synthetic))
glue("r_n_fresh", int(comparison["model"].nunique()), display=False)
glue("r_n_within", int(comparison["within_tolerance"].sum()), display=False)
glue("r_n_rows", len(comparison), display=False)
Markdown(summary(comparison, synthetic))

# %%
comparison.set_index(["table", "model", "benchmark"]).round(4)

# %% [markdown]
# `recomputed` is the score of the layer that represents the model in the paper protocol (`layer`: the layer its
# Brain-Score plugin commits, where there is one); `best_of_layers` is the best score over all its layers, which the
# paper's text describes (D1 on the *Discrepancies* page). Wehbe2014's settings are not all published (D6): its
# difference says how far brainalign's reading of that pipeline is from the authors' numbers, not whether the code is
# the same.

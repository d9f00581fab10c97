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
# # Brain alignment grows with model size
#
# ## Overview
#
# Larger models are better aligned to the brain. Over the 17 instruction-tuned T5 and LLaMA models, the paper reports
# r = 0.95 between average brain alignment and log10(number of parameters) (Fig 2C; App. I: p = 9.43e-09), and
# r = 0.92 over all 25 models, vanilla ones included (Fig 7A; p = 7.19e-11). This page recomputes both correlations
# with bootstrap confidence intervals, and the per-dataset correlations of the insets.
#
# ## Prerequisites
#
# | Concept | Importance | Where |
# |---|---|---|
# | Brain alignment | necessary | {doc}`../methods` |
# | {doc}`01_instruction_tuning` | helpful | previous chapter |
#
# Time to read: 5 minutes. Time to run: a few seconds.
#
# ## Parameters
#
# `scores`: `"paper"` (published tables) or a path to a scores file with your own models.

# %% tags=["parameters"]
scores = "paper"
seed = 0

# %%
import matplotlib.pyplot as plt

from brainalign import figures, stats
from brainalign.book.notebook import glue
from brainalign.book.notebook import open_scores
from brainalign.paper import published_value

table, wide = open_scores(scores)

# %% [markdown]
# ## Fig 2C and Fig 7A: size against brain alignment
#
# Left: the instruction-tuned models (Fig 2C); right: vanilla and instruction-tuned models together (Fig 7A). The
# grey band is the 95% confidence band of the regression line; the box gives the recomputed r, its p-value and a
# bootstrap 95% CI (models resampled), then the published values. The inset shows the correlation on each dataset
# (n.s.: p > 0.05; \*: p < 0.05; \*\*: p < 0.005; \*\*\*: p < 0.0005).

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
figures.plot_correlation(wide, "log_params", ax=axes[0], seed=seed, title="Fig 2C: instruction-tuned models",
                         published=(published_value("brain_vs_size"), published_value("brain_vs_size", "p")))
figures.plot_correlation(wide, "log_params", ax=axes[1], seed=seed, instruction_tuned=None,
                         title="Fig 7A: all models (vanilla + instruction-tuned)",
                         published=(published_value("brain_vs_size_all"), published_value("brain_vs_size_all", "p")))
plt.show()

# %% tags=["hide-input"]
size_it = stats.correlate(wide, "log_params", seed=seed)
size_all = stats.correlate(wide, "log_params", seed=seed, instruction_tuned=None)
for key, res in [("it", size_it), ("all", size_all)]:
    glue(f"r_{key}", res["r"], display=False)
    glue(f"p_{key}", res["p"], display=False)
    glue(f"n_{key}", int(res["n"]), display=False)
    glue(f"lo_{key}", res["ci_low"], display=False)
    glue(f"hi_{key}", res["ci_high"], display=False)
glue("pub_r_it", published_value("brain_vs_size"), display=False)
glue("pub_r_all", published_value("brain_vs_size_all"), display=False)

# %% [markdown]
# Over the {glue:text}`n_it` instruction-tuned models, **r = {glue:text}`r_it:.2f`** (p = {glue:text}`p_it:.2e`,
# bootstrap 95% CI {glue:text}`lo_it:.2f` to {glue:text}`hi_it:.2f`; paper: r = {glue:text}`pub_r_it:.2f`). Over
# all {glue:text}`n_all` models, **r = {glue:text}`r_all:.2f`** (p = {glue:text}`p_all:.2e`, CI
# {glue:text}`lo_all:.2f` to {glue:text}`hi_all:.2f`; paper: r = {glue:text}`pub_r_all:.2f`).
#
# ## Per-dataset correlations (the insets)
#
# The size effect is carried by Pereira2018 and Wehbe2014; Blank2014 (5 participants) shows none. The paper's size
# axis ticks read 9.0-11.5 although log10 of 77M-33B parameters spans 7.9-10.5 (D4); r does not depend on that
# offset.

# %% tags=["hide-input"]
insets = stats.correlation_table(wide, "log_params", seed=seed)
insets_all = stats.correlation_table(wide, "log_params", seed=seed, instruction_tuned=None)
insets["models"] = "instruction-tuned"
insets_all["models"] = "all"
per_dataset = insets.merge(insets_all, on="y", suffixes=("", "_all"))
glue("r_pereira", insets.set_index("y").loc["Pereira2018", "r"], display=False)
glue("r_blank", insets.set_index("y").loc["Blank2014", "r"], display=False)
per_dataset[["y", "r", "p", "ci_low", "ci_high", "n", "r_all", "p_all", "n_all"]].round(4)

# %% [markdown]
# ## Same size, different alignment
#
# Model size is not the whole story: at each size, instruction-tuned models sit above or below their vanilla
# partner (previous chapter). The table lists average brain alignment by size for the main models.

# %%
main = stats.select_models(wide, instruction_tuned=None)
main.assign(params_billion=main["params"] / 1e9)[["family", "instruction_tuned", "params_billion", "Average"]] \
    .sort_values(["params_billion", "instruction_tuned"]).round(3)

# %% [markdown]
# ## Summary
#
# - Brain alignment tracks model size: r = {glue:text}`r_it:.2f` over instruction-tuned models and
#   r = {glue:text}`r_all:.2f` over all models.
# - Per dataset, Pereira2018 correlates strongly (r = {glue:text}`r_pereira:.2f`), Blank2014 barely
#   (r = {glue:text}`r_blank:.2f`).
#
# ## What next
#
# - {doc}`03_world_knowledge`: world knowledge (MMLU, BBH) predicts brain alignment as well as size does.

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
# # Model size and brain alignment
#
# ## Overview
#
# Are larger models better aligned to the brain? Over the 17 instruction-tuned T5 and LLaMA models,
# {cite:t}`aw2024instruction` report r = 0.95 between average brain alignment and log10(number of parameters)
# (Fig 2C; App. I: p = 9.4 × 10⁻⁹), and r = 0.92 over all 25 models, vanilla ones included (Fig 7A;
# p = 7.2 × 10⁻¹¹). This page recomputes both correlations with bootstrap confidence intervals, and the per-dataset
# correlations that the paper draws as insets.
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
# `scores`: `"paper"` (published tables) or a path to a scores file with your own models; `seed` seeds the bootstrap.

# %% tags=["parameters"]
scores = "paper"
seed = 0

# %%
from brainalign.book.notebook import glue, glue_correlation, glue_text, open_scores  # first: a page free of warnings
import matplotlib.pyplot as plt
from brainalign import figures, stats
from brainalign.book import phrases
from brainalign.book.tables import reader_table
from brainalign.paper import BRAIN_BENCHMARKS, published_value

table, wide = open_scores(scores)

# %% [markdown]
# ## Fig 2C and Fig 7A: size against brain alignment
#
# In each figure the grey band is the 95% confidence band of the regression line and the box gives the recomputed r,
# its p-value, a bootstrap 95% CI (models resampled) and the published values. The bars under the scatter are the
# correlations on each dataset, which the paper draws as an inset (n.s.: p > 0.05; \*: p < 0.05; \*\*: p < 0.005;
# \*\*\*: p < 0.0005).

# %% mystnb={"figure": {"caption": "Model size against average brain alignment for the instruction-tuned models (the paper's Fig 2C), with the correlation on each dataset below.", "name": "fig-02-size-tuned"}, "image": {"alt": "Scatter plot of average brain alignment against log10 of the number of parameters for the instruction-tuned T5 and LLaMA models, with a regression line and its confidence band; below it, bars of the Pearson r on Pereira2018, Blank2014 and Wehbe2014."}}
figures.correlation_figure(wide, "log_params", seed=seed, title="Instruction-tuned models (paper Fig 2C)",
                           published=(published_value("brain_vs_size"), published_value("brain_vs_size", "p")))
plt.show()

# %% mystnb={"figure": {"caption": "Model size against average brain alignment for all models, vanilla and instruction-tuned (the paper's Fig 7A), with the correlation on each dataset below.", "name": "fig-02-size-all"}, "image": {"alt": "Scatter plot of average brain alignment against log10 of the number of parameters for all vanilla and instruction-tuned T5 and LLaMA models, with a regression line; below it, bars of the Pearson r on each of the three brain datasets."}}
figures.correlation_figure(wide, "log_params", seed=seed, instruction_tuned=None, title="All models (paper Fig 7A)",
                           published=(published_value("brain_vs_size_all"), published_value("brain_vs_size_all", "p")))
plt.show()

# %% tags=["remove-cell"]
glue_correlation("it", stats.correlate(wide, "log_params", seed=seed))
glue_correlation("all", stats.correlate(wide, "log_params", seed=seed, instruction_tuned=None))
glue("pub_r_it", published_value("brain_vs_size"))
glue("pub_r_all", published_value("brain_vs_size_all"))

# %% [markdown]
# Over the {glue:text}`n_it` instruction-tuned models, **r = {glue:text}`r_it:.2f`** ({glue:md}`p_it_text`,
# bootstrap 95% CI {glue:text}`lo_it:.2f` to {glue:text}`hi_it:.2f`; paper: r = {glue:text}`pub_r_it:.2f`). Over
# all {glue:text}`n_all` models, **r = {glue:text}`r_all:.2f`** ({glue:md}`p_all_text`, CI
# {glue:text}`lo_all:.2f` to {glue:text}`hi_all:.2f`; paper: r = {glue:text}`pub_r_all:.2f`).
#
# ## Per-dataset correlations
#
# {glue:md}`size_by_dataset` The paper's size axis ticks read 9.0-11.5 although log10 of 77M-33B parameters spans
# 7.9-10.5 (D4); r does not depend on that offset.

# %%
insets = stats.correlation_table(wide, "log_params", seed=seed)
insets_all = stats.correlation_table(wide, "log_params", seed=seed, instruction_tuned=None)
per_dataset = insets.merge(insets_all, on="y", suffixes=("", "_all"))
reader_table(per_dataset[["y", "r", "p", "ci_low", "ci_high", "n", "r_all", "p_all", "n_all"]],
             columns={"y": "dataset", "ci_low": "CI low", "ci_high": "CI high", "r_all": "r (all)",
                      "p_all": "p (all)", "n_all": "n (all)"})

# %% tags=["remove-cell"]
by_dataset = insets[insets["y"].isin(BRAIN_BENCHMARKS)]
glue_text("size_by_dataset", phrases.correlation_split(by_dataset, what="among the instruction-tuned models, the size "
                                                                        "effect"))
glue("r_pereira", insets.set_index("y").loc["Pereira2018", "r"])
glue("r_blank", insets.set_index("y").loc["Blank2014", "r"])

# %% [markdown]
# ## Same size, different alignment
#
# Model size is not the whole story: at each size, instruction-tuned models sit above or below their vanilla
# partner (previous chapter). The table lists average brain alignment by size for the main models.

# %%
main = stats.select_models(wide, instruction_tuned=None)
by_size = main.assign(params_billion=main["params"] / 1e9).reset_index(names="model")
by_size = by_size[["model", "family", "instruction_tuned", "params_billion", "Average"]]
reader_table(by_size.sort_values(["params_billion", "instruction_tuned"]),
             columns={"params_billion": "parameters (billions)", "instruction_tuned": "instruction-tuned"})

# %% [markdown]
# ## Summary
#
# - Brain alignment tracks model size: r = {glue:text}`r_it:.2f` over instruction-tuned models and
#   r = {glue:text}`r_all:.2f` over all models.
# - {glue:md}`size_by_dataset`
#
# ## What next
#
# - {doc}`03_world_knowledge`: world knowledge (MMLU, BBH) and next-word prediction.
#
# ## References
#
# ```{bibliography}
# :filter: docname in docnames
# ```

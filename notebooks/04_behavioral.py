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
# # Behavioral alignment does not follow
#
# ## Overview
#
# Behavioral alignment is the correlation between a model's per-word surprisal and human reading times on the
# Natural Stories corpus (Futrell2018). The paper finds that instruction-tuning does not generally raise it
# (Fig 3A), and that it does not correlate with MMLU (p = 0.76), model size (p = 0.31) or NWP loss (T5: p = 0.54;
# LLaMA: p = 0.21) (Fig 3B-E, Fig 9). This page recomputes all of these from Table 9.
#
# ## Prerequisites
#
# | Concept | Importance | Where |
# |---|---|---|
# | Behavioral alignment (surprisal vs reading times) | necessary | {doc}`../methods` |
# | {doc}`01_instruction_tuning` | helpful | for the pair design |
#
# Time to read: 5 minutes. Time to run: a few seconds.
#
# ## Parameters
#
# `scores`: `"paper"` (published tables) or a path to a scores file with `Futrell2018` rows.

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
# ## Fig 3A: vanilla against instruction-tuned

# %%
deltas = stats.pair_deltas(table, ["Futrell2018"])
tests = stats.paired_tests(deltas, seed=seed).set_index("benchmark").loc["Futrell2018"]
glue("b_n_pairs", int(tests["n_pairs"]), display=False)
glue("b_n_down", int(tests["n_no_increase"]), display=False)
glue("b_mean_pct", tests["mean_pct"], display=False)
glue("b_p_t", tests["p_ttest"], display=False)
glue("b_p_w", tests["p_wilcoxon"], display=False)
fig, ax = plt.subplots(figsize=(5.6, 5), layout="constrained")
figures.plot_instruction_scatter(table, "Futrell2018", ax=ax, title="Fig 3A: behavioral alignment")
plt.show()

# %% [markdown]
# In {glue:text}`b_n_down` of {glue:text}`b_n_pairs` pairs instruction-tuning leaves behavioral alignment unchanged
# or lowers it ("for half of the LLMs tested", says the paper); the mean per-pair change is
# {glue:text}`b_mean_pct:+.1f`% (paired t-test p = {glue:text}`b_p_t:.3f`, Wilcoxon p = {glue:text}`b_p_w:.3f`).
#
# ## Fig 3B-E (Fig 9): no correlation with MMLU, size or NWP loss

# %%
panels = [
    ("mmlu", {}, "behavior_vs_mmlu", "B: MMLU"),
    ("log_params", {}, "behavior_vs_size", "C: model size"),
    ("nwp_loss", {"families": ["T5"]}, "behavior_vs_nwp_t5", "D: NWP loss, T5"),
    ("nwp_loss", {"families": ["LLaMA"]}, "behavior_vs_nwp_llama", "E: NWP loss, LLaMA"),
]
fig, axes = plt.subplots(1, 4, figsize=(18, 4.6), layout="constrained")
results = {}
for ax, (x, selection, key, title) in zip(axes, panels):
    figures.plot_correlation(wide, x, "Futrell2018", ax=ax, seed=seed, inset=False, invert_x=x == "nwp_loss",
                             title=f"Fig 3{title}", published=(None, published_value(key, "p")), **selection)
    results[key] = stats.correlate(wide, x, "Futrell2018", seed=seed, **selection)
    glue(f"{key}_r", results[key]["r"], display=False)
    glue(f"{key}_p", results[key]["p"], display=False)
    glue(f"{key}_pub", published_value(key, "p"), display=False)
plt.show()

# %% [markdown]
# | Property | recomputed r | recomputed p | paper p |
# |---|---|---|---|
# | MMLU | {glue:text}`behavior_vs_mmlu_r:.3f` | {glue:text}`behavior_vs_mmlu_p:.2f` | {glue:text}`behavior_vs_mmlu_pub:.2f` |
# | log10(# parameters) | {glue:text}`behavior_vs_size_r:.3f` | {glue:text}`behavior_vs_size_p:.2f` | {glue:text}`behavior_vs_size_pub:.2f` |
# | NWP loss, T5 | {glue:text}`behavior_vs_nwp_t5_r:.3f` | {glue:text}`behavior_vs_nwp_t5_p:.2f` | {glue:text}`behavior_vs_nwp_t5_pub:.2f` |
# | NWP loss, LLaMA | {glue:text}`behavior_vs_nwp_llama_r:.3f` | {glue:text}`behavior_vs_nwp_llama_p:.2f` | {glue:text}`behavior_vs_nwp_llama_pub:.2f` |

# %%
import pandas as pd

pd.DataFrame(results).T[["r", "p", "ci_low", "ci_high", "n"]].round(3)

# %% [markdown]
# ## Summary
#
# - Instruction-tuning does not raise behavioral alignment: {glue:text}`b_n_down` of {glue:text}`b_n_pairs` pairs
#   show no gain, mean change {glue:text}`b_mean_pct:+.1f`%.
# - Behavioral alignment is uncorrelated with MMLU (p = {glue:text}`behavior_vs_mmlu_p:.2f`), size
#   (p = {glue:text}`behavior_vs_size_p:.2f`) and NWP loss (T5 p = {glue:text}`behavior_vs_nwp_t5_p:.2f`, LLaMA
#   p = {glue:text}`behavior_vs_nwp_llama_p:.2f`), matching the paper's p-values.
#
# ## What next
#
# - {doc}`../methods`: how surprisal is compared with reading times, and the ceilings.
# - {doc}`05_live_chapter` computes this metric live on real reading times, beside the measure reading-time research
#   uses (the psychometric predictive power of surprisal, ΔLL over a baseline), and shows what |r| rewards.
# - Score your own model on Futrell2018 with `brainalign score` and rerun this page with `-p scores <file>`.

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
# # Behavioral alignment and instruction-tuning
#
# ## Overview
#
# Behavioral alignment is the correlation between a model's per-word surprisal and human reading times on the
# Natural Stories corpus {cite:p}`futrell2018natural` (the Futrell2018 benchmark). {cite:t}`aw2024instruction` find
# that instruction-tuning does not generally raise it (Fig 3A), and that it does not correlate with MMLU (p = 0.76),
# model size (p = 0.31) or NWP loss (T5: p = 0.54; LLaMA: p = 0.21) (Fig 3B-E, Fig 9). This page recomputes all of
# these from the paper's Table 9.
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
# `scores`: `"paper"` (published tables) or a path to a scores file with `Futrell2018` rows; `seed` seeds the
# bootstrap.

# %% tags=["parameters"]
scores = "paper"
seed = 0

# %%
from brainalign.book.notebook import glue, glue_many, glue_text, open_scores  # first: a page free of warnings
import matplotlib.pyplot as plt
from brainalign import figures, stats
from brainalign.book import phrases
from brainalign.book.tables import reader_table
from brainalign.paper import published_value

table, wide = open_scores(scores)

# %% [markdown]
# ## Fig 3A: vanilla against instruction-tuned

# %% mystnb={"figure": {"caption": "Behavioral alignment (Futrell2018) of each instruction-tuned model against its vanilla base model (the paper's Fig 3A). Points below the dashed identity line are pairs where instruction-tuning lowered it.", "name": "fig-04-pairs"}, "image": {"alt": "Scatter plot with one point per model pair: the vanilla model's behavioral alignment on the x axis, the instruction-tuned model's on the y axis, T5 pairs as circles and LLaMA pairs as squares, around a dashed identity line."}}
figures.plot_instruction_scatter(table, "Futrell2018", title="Behavioral alignment (paper Fig 3A)")
plt.show()

# %% tags=["remove-cell"]
tests = stats.paired_tests(stats.pair_deltas(table, ["Futrell2018"]), seed=seed).set_index("benchmark")
row = tests.loc["Futrell2018"]
glue_many({"b_n_pairs": int(row["n_pairs"]), "b_n_down": int(row["n_no_increase"]), "b_mean_pct": row["mean_pct"],
           "b_p_t": row["p_ttest"], "b_p_w": row["p_wilcoxon"]})
glue_text("b_change", phrases.behavior_change(row))

# %% [markdown]
# In {glue:text}`b_n_down` of {glue:text}`b_n_pairs` pairs instruction-tuning leaves behavioral alignment unchanged
# or lowers it ("for half of the LLMs tested", says the paper); the mean per-pair change is
# {glue:text}`b_mean_pct:+.1f`%. {glue:md}`b_change`
#
# ## Fig 3B-E (Fig 9): MMLU, size and NWP loss
#
# Each panel correlates behavioral alignment with one model property over the instruction-tuned models (the NWP
# losses within one family, since T5 and LLaMA losses are not comparable). The loss axes run from low to high loss
# (the paper's run from high to low).

# %% tags=["hide-input"]
panels = {"MMLU": {"x": "mmlu", "title": "Fig 3B: MMLU", "key": "behavior_vs_mmlu"},
          "size": {"x": "log_params", "title": "Fig 3C: model size", "key": "behavior_vs_size"},
          "NWP loss, T5": {"x": "nwp_loss", "title": "Fig 3D: NWP loss, T5", "selection": {"families": ["T5"]},
                           "key": "behavior_vs_nwp_t5"},
          "NWP loss, LLaMA": {"x": "nwp_loss", "title": "Fig 3E: NWP loss, LLaMA", "selection": {"families": ["LLaMA"]},
                              "key": "behavior_vs_nwp_llama"}}
for panel in panels.values():
    panel["published"] = (None, published_value(panel["key"], "p"))
results = {label: stats.correlate(wide, p["x"], "Futrell2018", seed=seed, **p.get("selection", {}))
           for label, p in panels.items()}

# %% tags=["remove-cell"]
published = {label: p["published"][1] for label, p in panels.items()}
glue_many({f"{p['key']}_{stat}": results[label][stat] for label, p in panels.items() for stat in ("r", "p")})
glue_many({f"{p['key']}_pub": published[label] for label, p in panels.items()})
glue_text("b_properties", phrases.correlation_summary(results, "Behavioral alignment"))
glue_text("b_p_agree", phrases.pvalues_agree({k: float(v["p"]) for k, v in results.items()}, published))

# %% mystnb={"figure": {"caption": "Behavioral alignment against MMLU (top, the paper's Fig 3B) and against model size (bottom, Fig 3C), over the instruction-tuned models; each box gives the recomputed r, p, bootstrap CI and n, and the paper's p.", "name": "fig-04-mmlu-size"}, "image": {"alt": "Two stacked scatter plots of behavioral alignment on Futrell2018: against MMLU overall score, and against log10 of the number of parameters, for the instruction-tuned T5 and LLaMA models, each with a regression line."}}
figures.correlation_column(wide, [panels["MMLU"], panels["size"]], "Futrell2018", seed=seed)
plt.show()

# %% mystnb={"figure": {"caption": "Behavioral alignment against NWP loss within the T5 models (top, the paper's Fig 3D) and within the LLaMA models (bottom, Fig 3E). An interval printed as undefined means too few models: with five, many bootstrap resamples repeat one model and leave r undefined.", "name": "fig-04-nwp"}, "image": {"alt": "Two stacked scatter plots of behavioral alignment on Futrell2018 against WikiText-2 next-word-prediction loss, for the twelve T5 models and for the five LLaMA models, each with a regression line."}}
figures.correlation_column(wide, [panels["NWP loss, T5"], panels["NWP loss, LLaMA"]], "Futrell2018", seed=seed)
plt.show()

# %% [markdown]
# | Property | recomputed r | recomputed p | paper p |
# |---|---|---|---|
# | MMLU | {glue:text}`behavior_vs_mmlu_r:.3f` | {glue:text}`behavior_vs_mmlu_p:.2f` | {glue:text}`behavior_vs_mmlu_pub:.2f` |
# | log10(# parameters) | {glue:text}`behavior_vs_size_r:.3f` | {glue:text}`behavior_vs_size_p:.2f` | {glue:text}`behavior_vs_size_pub:.2f` |
# | NWP loss, T5 | {glue:text}`behavior_vs_nwp_t5_r:.3f` | {glue:text}`behavior_vs_nwp_t5_p:.2f` | {glue:text}`behavior_vs_nwp_t5_pub:.2f` |
# | NWP loss, LLaMA | {glue:text}`behavior_vs_nwp_llama_r:.3f` | {glue:text}`behavior_vs_nwp_llama_p:.2f` | {glue:text}`behavior_vs_nwp_llama_pub:.2f` |
#
# {glue:md}`b_p_agree` With bootstrap confidence intervals:

# %%
import pandas as pd

summary = pd.DataFrame(results).T[["r", "p", "ci_low", "ci_high", "n"]].reset_index(names="property")
reader_table(summary, columns={"ci_low": "CI low", "ci_high": "CI high"})

# %% [markdown]
# ## Summary
#
# - {glue:md}`b_change`
# - {glue:md}`b_properties` {glue:md}`b_p_agree`
#
# ## What next
#
# - {doc}`../methods`: how surprisal is compared with reading times, and the ceilings.
# - {doc}`05_live_chapter` computes this metric live on real reading times, beside the measure reading-time research
#   uses (the psychometric predictive power of surprisal, ΔLL over a baseline), and shows what |r| rewards.
# - Score your own model on Futrell2018 with `brainalign score` and rerun this page with `-p scores <file>`.
#
# ## References
#
# ```{bibliography}
# :filter: docname in docnames
# ```

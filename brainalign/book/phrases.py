"""Sentences whose wording depends on the statistics: a page's conclusions, chosen by the numbers it computed.

A chapter glues these sentences into its text (``glue(name, Markdown(sentence))``, shown with ``{glue:md}``), so a
rerun on other scores never prints a stale claim: "Blank2014 shows no significant correlation" appears only while its
p-value is above the threshold, and the sentence changes when it is not. Every function takes the tidy results of
:mod:`brainalign.stats` and returns one Markdown sentence (or a few); significance is two-sided at ``alpha = 0.05``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .. import stats
from ..figures.numbers import format_interval, p_equals, p_phrase

ALPHA = 0.05

__all__ = ["ALPHA", "and_join", "describe_r", "correlation_split", "significance_by_dataset", "overall_test",
           "readings_verdict", "top_models", "family_signs", "pvalues_agree", "behavior_change", "family_contrast",
           "correlation_summary", "fdr_reproduced", "fdr_exceptions", "p_phrase"]


def and_join(items: Sequence[str], word: str = "and") -> str:
    """``["a"]`` -> ``"a"``, ``["a", "b"]`` -> ``"a and b"``, ``["a", "b", "c"]`` -> ``"a, b and c"`` (or ``word``)."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def signed(x: float, digits: int = 2) -> str:
    """``+0.54`` / ``−0.54`` (a typographic minus)."""
    return f"{x:+.{digits}f}".replace("-", "−")


def describe_r(res: Mapping, digits: int = 2) -> str:
    """``"r = 0.91, p < 0.001"`` from a :func:`brainalign.stats.correlate` result."""
    r = float(res["r"])
    return f"r = {r:.{digits}f}".replace("-", "−") + f", {p_equals(float(res['p']))}"


def correlation_split(table: pd.DataFrame, *, what: str = "the correlation", alpha: float = ALPHA) -> str:
    """Which rows of a :func:`brainalign.stats.correlation_table` correlate significantly, and which do not.

    Returns
    -------
    str
        e.g. "The correlation is carried by Pereira2018 (r = 0.91, p < 0.001) and Wehbe2014 (...); Blank2014 shows no
        significant correlation (r = 0.19, p = 0.460)."
    """
    sig = [f"{row['y']} ({describe_r(row)})" for _, row in table.iterrows() if row["p"] < alpha]
    not_sig = [f"{row['y']} ({describe_r(row)})" for _, row in table.iterrows() if not row["p"] < alpha]
    if sig and not_sig:
        verb = "shows" if len(not_sig) == 1 else "show"
        return (f"{what[0].upper() + what[1:]} is carried by {and_join(sig)}; {and_join(not_sig)} {verb} no "
                f"significant correlation (p ≥ {alpha}).")
    if sig:
        return f"{what[0].upper() + what[1:]} is significant on every dataset: {and_join(sig)}."
    return f"No dataset shows a significant correlation: {and_join(not_sig)}."


def significance_by_dataset(tests: pd.DataFrame, datasets: Sequence[str], *, alpha: float = ALPHA) -> str:
    """Whether the instruction-tuning increase is significant on each dataset alone (paired t-test and Wilcoxon).

    Parameters
    ----------
    tests : pandas.DataFrame
        :func:`brainalign.stats.paired_tests` output (one row per benchmark).
    datasets : sequence of str
        The datasets the paper says the increase holds on.
    """
    rows = tests.set_index("benchmark").loc[list(datasets)]
    ok = rows[(rows["p_ttest"] < alpha) & (rows["p_wilcoxon"] < alpha) & (rows["mean_delta"] > 0)]
    fail = rows.drop(ok.index)
    ok_text = and_join([f"{name} (t-test {p_equals(row['p_ttest'])})" for name, row in ok.iterrows()])
    if fail.empty:
        return f"The increase is significant on each dataset alone: {ok_text}, as the paper says."
    fail_text = and_join([
        f"{name} alone (t-test {p_equals(row['p_ttest'])}, Wilcoxon {p_equals(row['p_wilcoxon'])}, 95% CI of the mean gain "
        f"{format_interval(row['delta_ci_low'], row['delta_ci_high'], 4, n=int(row['n_pairs']))})"
        for name, row in fail.iterrows()])
    lead = f"The increase is significant on {ok_text}, but not" if ok_text else "The increase is not significant"
    count = {2: "two", 3: "three", 4: "four"}.get(len(rows), str(len(rows)))
    return f"{lead} on {fail_text}, although the paper says that it holds across all {count} datasets."


def overall_test(row: Mapping, *, what: str = "The increase", alpha: float = ALPHA) -> str:
    """``"The increase is significant under a paired t-test (p = 0.003) and a Wilcoxon test (p = 0.005)."`` or the
    negation, from one :func:`brainalign.stats.paired_tests` row."""
    t_ok, w_ok = row["p_ttest"] < alpha, row["p_wilcoxon"] < alpha
    tests = f"a paired t-test ({p_equals(row['p_ttest'])}) and a Wilcoxon signed-rank test ({p_equals(row['p_wilcoxon'])})"
    direction = "increase" if row["mean_delta"] > 0 else "decrease"
    if t_ok and w_ok:
        return f"{what} is significant under {tests}: a mean {direction} of {abs(row['mean_delta']):.4f} in Pearson r."
    if t_ok or w_ok:
        return f"{what} is significant under only one of {tests}."
    return f"{what} is not significant under {tests}."


def readings_verdict(published: float, intervals: Mapping[str, tuple[float, float]],
                     figure_values: Sequence[float], *, digits: int = 1) -> str:
    """Which readings of a published mean change the rounding of the published scores allows (discrepancy D2).

    Parameters
    ----------
    published : float
        The printed value (``6.2`` %), itself rounded to ``digits`` decimals.
    intervals : mapping
        Reading name -> (low, high) range of that reading that the rounding of the published table allows.
    figure_values : sequence of float
        The per-dataset values printed in the figure whose mean is reading A.
    """
    half = 0.5 * 10 ** -digits
    fits = [name for name, (lo, hi) in intervals.items() if lo - half <= published <= hi + half]
    ranges = "; ".join(f"{name}: {lo:.2f}–{hi:.2f}%" for name, (lo, hi) in intervals.items())
    mean_fig = float(np.mean(figure_values))
    arithmetic = (f"The paper's own per-dataset values ({', '.join(f'{v:.1f}' for v in figure_values)}) average to "
                  f"{mean_fig:.{digits}f}%")
    if len(fits) == len(intervals):
        verdict = (f"Both readings are consistent with the printed {published:.{digits}f}% once the rounding of the "
                   f"published scores is allowed for ({ranges}), so the tables cannot decide between them.")
        if round(mean_fig, digits) == round(published, digits):
            verdict += f" {arithmetic}, which suggests reading A: suggestive, not decisive."
        return verdict
    if fits:
        return (f"Only reading {and_join(fits)} is consistent with the printed {published:.{digits}f}% within the "
                f"rounding of the published scores ({ranges}).")
    return (f"Neither reading reaches the printed {published:.{digits}f}% within the rounding of the published scores "
            f"({ranges}).")


def top_models(wide: pd.DataFrame, column: str, *, k: int = 2, digits: int = 3) -> str:
    """The ``k`` models with the highest ``column``, and which family is highest on average.

    Parameters
    ----------
    wide : pandas.DataFrame
        Rows = models (index = names) with ``column`` and ``family``.
    """
    sub = wide[wide[column].notna()].sort_values(column, ascending=False)
    top = sub.head(k)
    families = sub.groupby("family")[column].mean().sort_values(ascending=False)
    names = and_join([f"{name} ({value:.{digits}f}, {fam})" for name, value, fam in
                      zip(top.index, top[column], top["family"])])
    text = f"The highest values belong to {names}"
    if len(families) > 1:
        best = families.index[0]
        others = ", ".join(f"{v:.{digits}f} for {f}" for f, v in families.iloc[1:].items())
        only = "only " if top["family"].iloc[0] != best else "also "
        text += f"; {best} is {only}the highest family on average ({families.iloc[0]:.{digits}f} against {others})"
    return text + "."


def family_signs(results: Mapping[str, Mapping], *, alpha: float = ALPHA) -> str:
    """The sign of a correlation within each family, with r, p and n (e.g. the NWP loss of Table 7, D3).

    Parameters
    ----------
    results : mapping
        Family name -> :func:`brainalign.stats.correlate` result.
    """
    signs = {fam: np.sign(float(res["r"])) for fam, res in results.items()}
    parts = [f"{fam} {describe_r(res)}, n = {int(res['n'])}" for fam, res in results.items()]
    significant = [fam for fam, res in results.items() if float(res["p"]) < alpha]
    note = ("" if len(significant) == len(results) else
            f" ({'none' if not significant else 'only ' + and_join(significant)} significant at p < {alpha})")
    if len(set(signs.values())) == 1:
        word = "negative" if next(iter(signs.values())) < 0 else "positive"
        return f"Within each family the correlation is {word}: {'; '.join(parts)}{note}."
    return f"The sign differs between families: {'; '.join(parts)}{note}."


def pvalues_agree(recomputed: Mapping[str, float], published: Mapping[str, float], *, digits: int = 2) -> str:
    """Whether recomputed p-values equal the printed ones at the printed precision.

    Parameters
    ----------
    recomputed, published : mapping
        Label -> p-value (same labels).
    """
    differ = [label for label in published if round(recomputed[label], digits) != round(published[label], digits)]
    if not differ:
        return f"The recomputed p-values equal the paper's to {digits} decimals."
    details = and_join([f"{label} ({recomputed[label]:.{digits}f} against {published[label]:.{digits}f})"
                        for label in differ])
    return f"The recomputed p-values differ from the paper's for {details}."


def behavior_change(row: Mapping, *, alpha: float = ALPHA) -> str:
    """What instruction-tuning does to behavioral alignment, from a :func:`brainalign.stats.paired_tests` row."""
    if row["p_ttest"] < alpha and row["p_wilcoxon"] < alpha:
        word = "raises" if row["mean_delta"] > 0 else "lowers"
        return (f"Instruction-tuning {word} behavioral alignment significantly (t-test {p_equals(row['p_ttest'])}, "
                f"Wilcoxon {p_equals(row['p_wilcoxon'])}).")
    return (f"Instruction-tuning does not change behavioral alignment significantly (t-test {p_equals(row['p_ttest'])}, "
            f"Wilcoxon {p_equals(row['p_wilcoxon'])}; {int(row['n_no_increase'])} of {int(row['n_pairs'])} pairs "
            f"show no gain).")


def family_contrast(wide: pd.DataFrame, columns: Mapping[str, str], *, digits: int = 2) -> str:
    """Which family has the higher mean of each column (e.g. NWP loss and brain alignment, D3).

    Parameters
    ----------
    wide : pandas.DataFrame
        Rows = models with ``family`` and the columns.
    columns : mapping
        Column -> words for it ("NWP loss").

    Returns
    -------
    str
        e.g. "LLaMA models have both the higher mean NWP loss (3.96 against 2.10 for T5) and the higher mean brain
        alignment (0.23 against 0.19), so pooling the families mixes a between-family difference into r."
    """
    parts, leaders = [], []
    for column, words in columns.items():
        means = wide[wide[column].notna()].groupby("family")[column].mean().sort_values(ascending=False)
        leaders.append(means.index[0])
        others = ", ".join(f"{v:.{digits}f} for {f}" for f, v in means.iloc[1:].items())
        parts.append(f"the higher mean {words} ({means.iloc[0]:.{digits}f} against {others})")
    if len(set(leaders)) == 1:
        return (f"{leaders[0]} models have both {and_join(parts)}, so pooling the families mixes a difference "
                f"between families into r.")
    return "; ".join(f"{fam} models have {part}" for fam, part in zip(leaders, parts)) + "."


def correlation_summary(results: Mapping[str, Mapping], subject: str, *, alpha: float = ALPHA) -> str:
    """``"<subject> is not significantly correlated with MMLU (r = 0.08, p = 0.76) or size (...)."`` and, for the
    significant ones, ``"it is correlated with ..."``.

    Parameters
    ----------
    results : mapping
        Label -> :func:`brainalign.stats.correlate` result.
    subject : str
        What is correlated ("Behavioral alignment").
    """
    sig = [f"{label} ({describe_r(res)})" for label, res in results.items() if float(res["p"]) < alpha]
    not_sig = [f"{label} ({describe_r(res)})" for label, res in results.items() if not float(res["p"]) < alpha]
    parts = []
    if not_sig:
        parts.append(f"{subject} is not significantly correlated with {and_join(not_sig, 'or')}")
    if sig:
        parts.append(("it is" if parts else f"{subject} is") + f" significantly correlated with {and_join(sig)}")
    return "; ".join(parts) + "."


def fdr_reproduced(table: pd.DataFrame) -> pd.Series:
    """Which printed adjusted p-values of Table 2 the recomputed ones reproduce at the printed precision.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`brainalign.stats.recompute_fdr` output with the printed ``p_adjusted`` and its ``p_adjusted_bound``
        (``"<"``: printed as an upper bound; ``"="``: printed to two decimals).

    Returns
    -------
    pandas.Series of bool
    """
    below = (table["p_adjusted_bound"] == "<") & (table["p_bh"] < table["p_adjusted"])
    equal = (table["p_adjusted_bound"] == "=") & (table["p_bh"].round(2) == table["p_adjusted"])
    return below | equal


def fdr_exceptions(table: pd.DataFrame, reproduced: pd.Series, *, n: int = 17, half_unit: float = 0.0005) -> str:
    """The Table 2 rows whose printed adjusted p-value is not reproduced, with the range that the rounding of their
    printed r (three decimals) allows.

    Parameters
    ----------
    table, reproduced
        As for :func:`fdr_reproduced`.
    n : int
        Models behind each correlation.
    half_unit : float
        Half the printed precision of r.
    """
    parts = []
    for idx in table.index[~reproduced.to_numpy()]:
        row = table.loc[idx]
        ends = []
        for delta in (-half_unit, half_unit):
            moved = table.copy()
            moved.loc[idx, "r"] = row["r"] + delta
            ends.append(float(stats.recompute_fdr(moved, n=n).loc[idx, "p_bh"]))
        lo, hi = min(ends), max(ends)
        within = lo - 0.005 <= row["p_adjusted"] <= hi + 0.005
        parts.append(f"{row['benchmark']} {row['category']} (recomputed {row['p_bh']:.3f}, printed "
                     f"{row['p_adjusted']:.2f}; its printed r = {row['r']:.3f} allows {lo:.3f} to {hi:.3f}, "
                     + ("so the difference is rounding)" if within else "more than rounding explains)"))
    if not parts:
        return "Every printed adjusted p-value is reproduced."
    return ("The exception" + ("s are " if len(parts) > 1 else " is ") + and_join(parts) + ".")

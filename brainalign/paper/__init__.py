"""The published tables of Aw et al. (2024) as data, and the scores table built from them.

The CSV files in ``brainalign/paper/data/`` are transcriptions of the paper's tables (arXiv:2312.00575v2), each with
a citation header in ``#`` comment lines:

=================================  ===================================================================================
``table5_brain_alignment``         Table 5: raw brain alignment (Pearson r) of 33 models on Pereira2018, Blank2014,
                                   Wehbe2014 and their average
``table6_ceilings``                Table 6: noise ceilings of the three brain datasets
``table7_model_properties``        Table 7: WikiText-2 NWP loss, MMLU and BBH overall (instruction-tuned models)
``table9_futrell2018``             Table 9: behavioral alignment (Futrell2018)
``table10_futrell_ceiling``        Table 10: Futrell2018 noise ceiling
``table2_category_correlations``   Table 2: correlations of brain alignment with MMLU/BBH categories (FDR p)
``published_statistics``           headline statistics as printed in the text and figure panels
=================================  ===================================================================================

:func:`load_paper_scores` turns Tables 5, 6, 7, 9 and 10 into the tidy scores format of :mod:`brainalign.scores`;
importing this package registers it as the scores source ``"paper"`` (``brainalign.load_scores("paper")``).
The paper's grouping of benchmarks is in :mod:`brainalign.paper.conventions`.

The ceilings in Tables 6 and 10 are printed rounded (0.359, 0.210, 0.104, 0.858); the published rows are normalized
by these printed values, as the paper's figures are. Fresh scores are normalized by the values each benchmark
declares (``Benchmark.ceiling``: Brain-Score's unrounded 0.35378928 / 0.36343748, 0.21026591, and 0.104 and 0.858
where nothing more precise is published); ``tests/paper/test_tables.py`` checks that those round to the printed ones.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

from ..models.catalog import model_catalog
from ..scores.sources import register_source
from ..scores.table import normalize, validate_scores
from .conventions import BEHAVIOR_BENCHMARKS, BRAIN_BENCHMARKS, PAPER_BENCHMARKS
from .provenance import provenance_note

__all__ = ["BEHAVIOR_BENCHMARKS", "BRAIN_BENCHMARKS", "CITATION", "PAPER_BENCHMARKS", "TABLES", "load_paper_scores",
           "load_table", "provenance_note", "published_value"]

#: Short name -> CSV file of each shipped table.
TABLES = {
    "table2": "table2_category_correlations.csv",
    "table5": "table5_brain_alignment.csv",
    "table6": "table6_ceilings.csv",
    "table7": "table7_model_properties.csv",
    "table9": "table9_futrell2018.csv",
    "table10": "table10_futrell_ceiling.csv",
    "published": "published_statistics.csv",
}
_ALIASES = {v.removesuffix(".csv"): k for k, v in TABLES.items()}

CITATION = ("Aw, K. L., Montariol, S., AlKhamissi, B., Schrimpf, M., & Bosselut, A. (2024). Instruction-tuning "
            "Aligns LLMs to the Human Brain. Conference on Language Modeling (COLM). arXiv:2312.00575")


@lru_cache(maxsize=None)
def _read(filename: str) -> pd.DataFrame:
    with resources.files(__package__).joinpath("data", filename).open() as f:
        return pd.read_csv(f, comment="#")


def load_table(name: str) -> pd.DataFrame:
    """One published table as printed in the paper.

    Parameters
    ----------
    name : str
        ``"table2"``, ``"table5"``, ``"table6"``, ``"table7"``, ``"table9"``, ``"table10"`` or ``"published"`` (the
        file stem, e.g. ``"table5_brain_alignment"``, works too).

    Returns
    -------
    pandas.DataFrame
        A copy of the table (one row per printed row, columns as in the CSV header).
    """
    key = _ALIASES.get(name, name)
    if key not in TABLES:
        raise KeyError(f"unknown paper table {name!r}; choose from {sorted(TABLES)}")
    return _read(TABLES[key]).copy()


def published_value(key: str, statistic: str = "r") -> float:
    """A statistic as printed in the paper (``published_statistics.csv``).

    Parameters
    ----------
    key : str
        Row key, e.g. ``"brain_vs_size"``, ``"improvement_Pereira2018"``, ``"behavior_vs_mmlu"``.
    statistic : {"r", "p", "pct"}
        Which statistic of that analysis.
    """
    table = load_table("published")
    hit = table[(table["key"] == key) & (table["statistic"] == statistic)]
    if hit.empty:
        options = sorted(set(zip(table["key"], table["statistic"])))
        raise KeyError(f"no published {statistic!r} for {key!r}; available: {options}")
    return float(hit["value"].iloc[0])


def load_paper_scores() -> pd.DataFrame:
    """The paper's per-model scores in the scores format.

    One row per (model, benchmark) for the 33 models of Table 5 (25 main + 8 GPT-2) on Pereira2018, Blank2014,
    Wehbe2014 (Table 5, ceilings from Table 6) and Futrell2018 (Table 9, ceiling from Table 10): 132 rows. ``score``
    is the published raw Pearson r; ``normalized`` is score / ceiling clipped to [0, 1]. Identity columns come from
    the model catalog (:func:`brainalign.models.catalog.model_catalog`), model properties ``mmlu``, ``bbh``, ``nwp_loss``
    from Table 7 (NaN for vanilla models, for which the paper publishes none). ``source`` is ``"paper"``.

    Returns
    -------
    pandas.DataFrame
        A validated scores table (:func:`brainalign.scores.table.validate_scores`).
    """
    brain = load_table("table5").melt(id_vars="model", value_vars=list(BRAIN_BENCHMARKS), var_name="benchmark",
                                      value_name="score")
    behavior = load_table("table9").melt(id_vars="model", value_vars=list(BEHAVIOR_BENCHMARKS),
                                         var_name="benchmark", value_name="score")
    ceilings = pd.concat([load_table("table6"), load_table("table10")]).set_index("benchmark")["ceiling"]
    rows = pd.concat([brain, behavior], ignore_index=True)
    rows["ceiling"] = rows["benchmark"].map(ceilings)
    pairs = [normalize(float(s), float(c)) for s, c in zip(rows["score"], rows["ceiling"])]
    rows["normalized"] = [p[0] for p in pairs]
    rows["normalized_unclipped"] = [p[1] for p in pairs]

    catalog = model_catalog()
    unknown = sorted(set(rows["model"]) - set(catalog.index))
    if unknown:
        raise ValueError(f"paper tables name models missing from the catalog: {unknown}")
    for col in ("family", "pair", "instruction_tuned", "params"):
        rows[col] = rows["model"].map(catalog[col])
    rows["model_id"] = rows["model"].map(catalog["hf_id"])
    props = load_table("table7").set_index("model")
    for col in ("mmlu", "bbh", "nwp_loss"):
        rows[col] = rows["model"].map(props[col])
    rows["source"] = "paper"
    rows["is_best_layer"] = True
    order = {m: i for i, m in enumerate(load_table("table5")["model"])}
    bench_order = {b: i for i, b in enumerate((*BRAIN_BENCHMARKS, *BEHAVIOR_BENCHMARKS))}
    rows = rows.sort_values(["model", "benchmark"], key=lambda s: s.map(order if s.name == "model" else bench_order))
    return validate_scores(rows.reset_index(drop=True))


register_source("paper", load_paper_scores)

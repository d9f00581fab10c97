"""What the landing page says the reproduction found, computed from the chapters of this build.

- :data:`CLAIMS` lists the paper's headline claims, each with the glue keys under which a chapter stores the printed
  value and the recomputed one. :func:`results_rows` reads those glued values back from the executed notebooks
  (:func:`brainalign.book.glued.glued_values`) and decides the match: ✓ (equal at the paper's printed precision, or
  the same verdict for a qualitative claim), ≈ (different, but within the range that the rounding of the published
  scores allows, which the chapter computes), ✗ (neither; the discrepancy that explains it is named).
- :func:`measured_sentence` says in one sentence what this build re-measured and what it only recomputed.
- :func:`chapter_figure` finds a named figure (``mystnb.figure.name``) in an executed notebook, for a page that shows
  a chapter's figure (the landing page's teaser).

Nothing here is typed from the paper: the printed values are glued by the chapters from
``brainalign/paper/data/published_statistics.csv``, the recomputed ones by the same chapters from the scores.
"""

from __future__ import annotations

import ast
import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..figures.output import SCALE, read_png_record
from .glued import glued_values

__all__ = ["Claim", "CLAIMS", "ResultRow", "results_rows", "measured_sentence", "ChapterFigure", "chapter_figure",
           "png_display_width"]

MATCH, ROUNDING, MISMATCH, MISSING = "✓", "≈ within rounding", "✗", "not built"


@dataclass(frozen=True)
class Claim:
    """One claim of the paper and where its two numbers are glued.

    Attributes
    ----------
    text : str
        The claim in words (Markdown).
    chapter : str
        Notebook name that glues the values.
    paper, recomputed : str
        Glue keys of the printed and the recomputed value.
    kind : str
        ``"value"``: the numbers are compared at the printed precision; ``"significant"`` / ``"not_significant"``:
        the claim is a verdict on a p-value (the paper's value is shown, the match is the verdict at ``alpha``).
    digits : int
        Printed precision (decimals).
    unit : str
        Appended to both values (``"%"``).
    signed : bool
        Print the sign (``+0.54``).
    rounding : (str, str), optional
        Glue keys of the range of the recomputed value that the rounding of the published scores allows.
    discrepancy : str, optional
        The discrepancy (``"D3"``) that explains a mismatch.
    """

    text: str
    chapter: str
    paper: str
    recomputed: str
    kind: str = "value"
    digits: int = 2
    unit: str = ""
    signed: bool = False
    rounding: tuple[str, str] | None = None
    discrepancy: str | None = None
    alpha: float = 0.05


_C1, _C2, _C3, _C4 = "01_instruction_tuning", "02_model_size", "03_world_knowledge", "04_behavioral"

#: The paper's headline claims, in the order of the chapters.
CLAIMS: tuple[Claim, ...] = (
    Claim("Instruction-tuning raises average brain alignment (mean % change, reading A)", _C1, "pub_avg",
          "reading_a", digits=1, unit="%", rounding=("reading_a_low", "reading_a_high"), discrepancy="D2"),
    Claim("… on Pereira2018", _C1, "pub_pct_Pereira2018", "pct_Pereira2018", digits=1, unit="%",
          rounding=("pct_Pereira2018_low", "pct_Pereira2018_high"), discrepancy="D2"),
    Claim("… on Blank2014", _C1, "pub_pct_Blank2014", "pct_Blank2014", digits=1, unit="%",
          rounding=("pct_Blank2014_low", "pct_Blank2014_high"), discrepancy="D2"),
    Claim("… on Wehbe2014", _C1, "pub_pct_Wehbe2014", "pct_Wehbe2014", digits=1, unit="%",
          rounding=("pct_Wehbe2014_low", "pct_Wehbe2014_high"), discrepancy="D2"),
    Claim("The increase of average brain alignment is significant (paired t-test p; the paper names no test)", _C1,
          "p_t_avg", "p_t_avg", kind="significant", digits=3, discrepancy="D8"),
    Claim("Brain alignment correlates with model size, instruction-tuned models (r)", _C2, "pub_r_it", "r_it"),
    Claim("… all models, vanilla included (r)", _C2, "pub_r_all", "r_all"),
    Claim("Brain alignment correlates with world knowledge, MMLU (r)", _C3, "pub_r_mmlu", "r_mmlu"),
    Claim("BBH world knowledge survives the FDR correction (adjusted p)", _C3, "pub_p_wk", "p_wk",
          kind="significant", digits=5),
    Claim("Brain alignment correlates with NWP loss (r)", _C3, "pub_r_nwp", "r_nwp", signed=True, discrepancy="D3"),
    Claim("Instruction-tuning does not raise behavioral alignment (paired t-test p)", _C4, "b_p_t", "b_p_t",
          kind="not_significant", digits=3),
    Claim("Behavioral alignment is unrelated to MMLU (p)", _C4, "behavior_vs_mmlu_pub", "behavior_vs_mmlu_p"),
    Claim("… to model size (p)", _C4, "behavior_vs_size_pub", "behavior_vs_size_p"),
    Claim("… to NWP loss within T5 (p)", _C4, "behavior_vs_nwp_t5_pub", "behavior_vs_nwp_t5_p"),
    Claim("… to NWP loss within LLaMA (p)", _C4, "behavior_vs_nwp_llama_pub", "behavior_vs_nwp_llama_p"),
)


@dataclass(frozen=True)
class ResultRow:
    """One row of the landing page's results table."""

    claim: Claim
    paper: str
    recomputed: str
    match: str
    discrepancy: str | None


def _number(value: float, claim: Claim) -> str:
    text = f"{value:+.{claim.digits}f}" if claim.signed else f"{value:.{claim.digits}f}"
    return text.replace("-", "−") + claim.unit


def _p_text(value: float, digits: int) -> str:
    return f"< {10 ** -digits:.{digits}f}" if value < 10 ** -digits else f"{value:.{digits}f}"


def _row(claim: Claim, glued: dict[str, object] | None) -> ResultRow:
    if glued is None or claim.paper not in glued or claim.recomputed not in glued:
        return ResultRow(claim, "–", "–", MISSING, None)
    paper, value = float(glued[claim.paper]), float(glued[claim.recomputed])
    if claim.kind == "value":
        same = round(value, claim.digits) == round(paper, claim.digits)
        within = False
        if not same and claim.rounding and all(k in glued for k in claim.rounding):
            low, high = (float(glued[k]) for k in claim.rounding)
            half = 0.5 * 10 ** -claim.digits
            within = low - half <= paper <= high + half
        match = MATCH if same else ROUNDING if within else MISMATCH
        return ResultRow(claim, _number(paper, claim), _number(value, claim), match,
                         None if same else claim.discrepancy)
    significant = value < claim.alpha
    holds = significant if claim.kind == "significant" else not significant
    claimed = "significant" if claim.kind == "significant" else "not significant"
    if claim.paper != claim.recomputed:  # the paper printed a p-value (or a bound) for it
        claimed = f"p < {paper:g}" if claim.kind == "significant" else f"p = {paper:g}"
    verdict = "significant" if significant else "not significant"
    return ResultRow(claim, claimed, f"p = {_p_text(value, claim.digits)}, {verdict}", MATCH if holds else MISMATCH,
                     None if holds else claim.discrepancy)


def _glued(path: Path) -> dict[str, object] | None:
    if not path.exists():
        return None
    out: dict[str, object] = {}
    for key, text in glued_values(path).items():
        try:
            out[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError):  # Markdown sentences and other reprs are not numbers
            continue
    return out


def results_rows(generated: str | os.PathLike, claims: tuple[Claim, ...] = CLAIMS) -> list[ResultRow]:
    """The results table of the landing page, from the executed notebooks in ``generated``.

    Parameters
    ----------
    generated : path-like
        Folder of the executed notebooks (``book/generated``).
    claims : tuple of Claim

    Returns
    -------
    list of ResultRow
        One per claim; a claim whose chapter was not built (or glued no value) has match ``"not built"``.
    """
    cache: dict[str, dict[str, object] | None] = {}
    rows = []
    for claim in claims:
        if claim.chapter not in cache:
            cache[claim.chapter] = _glued(Path(generated) / f"{claim.chapter}.ipynb")
        rows.append(_row(claim, cache[claim.chapter]))
    return rows


def _parameters(path: Path) -> dict:
    return json.loads(path.read_text()).get("metadata", {}).get("papermill", {}).get("parameters", {})


def measured_sentence(generated: str | os.PathLike, chapters: tuple[str, ...] = (_C1, _C2, _C3, _C4),
                      live: str = "05_live_chapter") -> str:
    """One plain sentence (Markdown) on what this build re-measured and what it only recomputed.

    It reads each chapter's glued ``data_computed_models`` / ``data_computed_benchmarks`` (how many models of its
    scores table brainalign computed, and on which benchmarks) and whether the live chapter was executed.
    """
    generated = Path(generated)
    fresh: dict[str, tuple[int, str]] = {}
    for name in chapters:
        values = _glued(generated / f"{name}.ipynb") or {}
        fresh[name] = (int(values.get("data_computed_models", 0) or 0), str(values.get("data_computed_benchmarks", "")))
    live_built = (generated / f"{live}.ipynb").exists()
    live_text = (", and only the live chapter measures new scores (behavioral alignment of small language models "
                 "on Natural Stories reading times, computed on a CPU during the build)" if live_built else "")
    with_fresh = {name: (n, benches) for name, (n, benches) in fresh.items() if n}
    if not with_fresh:
        return ("No fMRI score is re-measured in this build: the paper chapters recompute every statistic and figure "
                "from the per-model scores the paper published" + live_text + ".")
    brain = any(b in benches for _, benches in with_fresh.values() for b in ("Pereira2018", "Blank2014", "Wehbe2014"))
    listed = "; ".join(f"chapter {name[:2]}: {n} model{'s' if n != 1 else ''} on {benches}"
                       for name, (n, benches) in with_fresh.items())
    return ((f"This build re-measured fMRI scores for some models ({listed})" if brain else
             f"No fMRI score is re-measured in this build, but some chapters include other scores computed by "
             f"brainalign ({listed})") + "; every other number is recomputed from the per-model scores the paper "
            "published" + live_text + ".")


@dataclass(frozen=True)
class ChapterFigure:
    """A named figure of an executed notebook."""

    png: bytes
    caption: str
    alt: str


def chapter_figure(notebook: str | os.PathLike, name: str) -> ChapterFigure:
    """The figure of the cell whose ``mystnb.figure.name`` is ``name``.

    Raises
    ------
    KeyError
        No cell of the notebook has that figure name, or it has no PNG output.
    """
    nb = json.loads(Path(notebook).read_text())
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("mystnb", {})
        if meta.get("figure", {}).get("name") != name:
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                png = data["image/png"]
                return ChapterFigure(base64.b64decode("".join(png) if isinstance(png, list) else png),
                                     meta["figure"].get("caption", ""), meta.get("image", {}).get("alt", ""))
        raise KeyError(f"{notebook}: figure {name!r} has no PNG output")
    raise KeyError(f"{notebook}: no figure named {name!r}")


def png_display_width(png: bytes) -> int:
    """The width, in CSS px, a book figure is designed to be shown at (its pixels / :data:`~brainalign.figures.output.SCALE`)."""
    return int(round(read_png_record(png)["width"] / SCALE))

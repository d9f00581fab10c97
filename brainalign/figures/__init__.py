"""Figures of the paper, drawn from a scores table with seaborn/matplotlib.

Every function takes a scores table (:mod:`brainalign.scores`) and draws on a given matplotlib ``Axes`` (or a new
figure). Rows computed by brainalign (``source != "paper"``) get a black outline and a legend entry, so that fresh
results stand out from the published ones. Call :func:`set_style` once per notebook.

=====================================  ============================================================================
:func:`plot_instruction_scatter`       Fig 1B (brain) and Fig 3A (behavior): vanilla vs instruction-tuned
:func:`plot_dataset_change`            Fig 1C: per-dataset % change with bootstrap CIs and the published values
:func:`plot_correlation`               Fig 2A-C, 6, 7A, 3B-E and 9: a model property vs alignment, with r, p and CI
:func:`plot_dataset_correlations`      the per-dataset correlations of the paper's Fig 2 insets, as bars
:func:`correlation_figure`             a one-column figure: the correlation panel, the per-dataset bars under it
:func:`correlation_column`             several correlation panels stacked in one column
:func:`plot_category_correlations`     Table 2 as a bar chart (published r, recomputed FDR p)
=====================================  ============================================================================

Figures are designed for the book's text column (:data:`~.style.FIGURE_WIDTH` inches, text of at least
:data:`~.style.MIN_FONT` points); in a notebook kernel :func:`set_style` also makes every figure a sharp PNG that carries
its legibility record (:mod:`.output`). How numbers are written is in :mod:`.numbers`.
"""

from .correlation import (correlation_column, correlation_figure, plot_category_correlations, plot_correlation,
                          plot_dataset_correlations)
from .instruction import plot_dataset_change, plot_instruction_scatter
from .style import FAMILY_STYLE, FIGURE_WIDTH, MIN_FONT, axis_label, set_style

__all__ = ["set_style", "FAMILY_STYLE", "FIGURE_WIDTH", "MIN_FONT", "axis_label", "plot_instruction_scatter",
           "plot_dataset_change", "plot_correlation", "plot_dataset_correlations", "correlation_figure", "correlation_column",
           "plot_category_correlations"]

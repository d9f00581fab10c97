"""Figures of the paper, drawn from a scores table with seaborn/matplotlib.

Every function takes a scores table (:mod:`brainalign.scores`) and draws on a given matplotlib ``Axes`` (or a new
figure). Rows computed by brainalign (``source != "paper"``) get a black outline and a legend entry, so that fresh
results stand out from the published ones. Call :func:`set_style` once per notebook.

=====================================  ============================================================================
:func:`plot_instruction_scatter`       Fig 1B (brain) and Fig 3A (behavior): vanilla vs instruction-tuned
:func:`plot_dataset_change`            Fig 1C: per-dataset % change with bootstrap CIs and the published values
:func:`plot_correlation`               Fig 2A-C, 6, 7A, 3B-E and 9: a model property vs alignment, with r and p and
                                       an inset of per-dataset correlations
:func:`plot_category_correlations`     Table 2 as a bar chart (published r, recomputed FDR p)
=====================================  ============================================================================
"""

from .correlation import plot_category_correlations, plot_correlation
from .instruction import plot_dataset_change, plot_instruction_scatter
from .style import FAMILY_STYLE, axis_label, set_style

__all__ = ["set_style", "FAMILY_STYLE", "axis_label", "plot_instruction_scatter", "plot_dataset_change",
           "plot_correlation", "plot_category_correlations"]

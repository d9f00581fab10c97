"""The paper's conventions: which benchmarks it groups into brain and behavioral alignment.

Aw et al. (2024) average three fMRI benchmarks into "brain alignment" (Table 5's Average column) and report one
behavioral benchmark (Futrell2018, Table 9). ``brainalign sweep --benchmark all`` scores these four.
"""

#: Benchmarks of brain alignment, averaged into the paper's "brain alignment".
BRAIN_BENCHMARKS = ("Pereira2018", "Blank2014", "Wehbe2014")
#: The paper's benchmark of behavioral alignment.
BEHAVIOR_BENCHMARKS = ("Futrell2018",)
#: All four, in the paper's order.
PAPER_BENCHMARKS = (*BRAIN_BENCHMARKS, *BEHAVIOR_BENCHMARKS)

"""The course lab built on the tutorial (``notebooks/06_tutorial.py``): what its cells call, and how it is handed out.

- :mod:`~.simulation`: a simulated fMRI experiment with a known ground truth;
- :mod:`~.realdata`: the real-data steps (Natural Stories reading times, a real model's layers), page set-up;
- :mod:`~.feedback`, :mod:`~.checks`: the exercise checks and the feedback they print ("Passed", "Not yet", "Try
  again");
- :mod:`~.editions`: the student and teacher editions of the notebook (solutions removed, placeholders kept);
- :mod:`~.install`: the lab's pinned install list (stdlib only, so that it runs before anything is installed).

The notebook imports all of it through :mod:`brainalign.book.tutorial`; the pre-lab check is
:mod:`brainalign.book.prelab`.
"""

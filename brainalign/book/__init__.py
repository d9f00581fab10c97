"""Book tooling, for a checkout of the book's source (``_toc.yml``, ``book/``, ``notebooks/``); not the library API.

- :mod:`brainalign.book.build`: execute the notebooks with papermill and render the HTML book (``python -m
  brainalign.book``, what ``make book`` runs);
- :mod:`brainalign.book.report`: ``brainalign report``, the book recomputed on fresh scores;
- :mod:`brainalign.book.notebook`: what the notebooks share (page set-up, the scores of a page, ``glue``);
- :mod:`brainalign.book.tutorial`: the tutorial's simulation and exercise checks;
- :mod:`brainalign.book.checkout`: where the book source is, and its data rule.

Nothing is imported here, so a notebook importing :mod:`brainalign.book.notebook` does not load papermill.
"""

"""Loaders of the human datasets (checksummed downloads into the data home; see :mod:`brainalign.datahome`)."""

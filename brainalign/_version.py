"""Version of brainalign (kept in one place; also recorded in every score row's provenance)."""

__version__ = "0.1.0"

"""Human data in: the four datasets of the paper, downloaded with checksums into the data home (:mod:`brainalign.paths`).

This stage never imports torch. Public names:

- :func:`fetch_file`, :class:`DataNotFoundError`, :class:`ChecksumError` -- checksummed retrieval;
- :func:`load_assembly`, :func:`open_assembly`, :func:`write_assembly` -- Brain-Score NetCDF assemblies;
- :func:`load_targets`, :func:`load_subject_rts` -- Natural Stories reading times (Futrell2018);
- :func:`load_pereira2018`, :func:`load_blank2014`, :func:`load_wehbe2014` -- the fMRI datasets.
"""

from .assemblies import ASSEMBLIES, load_assembly, open_assembly, write_assembly
from .blank2014 import load_blank2014
from .fetch import ChecksumError, DataNotFoundError, fetch_file, file_hash
from .naturalstories import load_subject_rts, load_targets
from .pereira2018 import load_pereira2018
from .wehbe2014 import load_wehbe2014

__all__ = ["ASSEMBLIES", "ChecksumError", "DataNotFoundError", "fetch_file", "file_hash", "load_assembly",
           "load_blank2014", "load_pereira2018", "load_subject_rts", "load_targets", "load_wehbe2014",
           "open_assembly", "write_assembly"]

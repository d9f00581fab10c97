"""Brain-Score data assemblies: download (sha1-checked, new URL then legacy URL) and open as xarray.

Brain-Score packages neural data as NetCDF4/HDF5 files written by brain-score/core ``brainio/packaging.py``:
the assembly's multi-level indexes are reset to plain coordinates, the array is stored as the data variable ``"data"``
(zlib level 9). :func:`open_assembly` reads such a file with xarray and, like BrainIO's ``DataAssembly``
constructor, can gather the plain coordinates of each dimension back into one multi-index per dimension
(:func:`gather_indexes`). Reading uses the netCDF4 engine (pinned), or h5netcdf when netCDF4 is missing.
:func:`write_assembly` writes the same layout (used by the test fixtures and by anyone
re-packaging data).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from .._docs import fill_doc
from .fetch import fetch_file


def _engine() -> str:
    """netCDF4 when installed (pinned), else h5netcdf (which needs h5py or pyfive)."""
    try:
        import netCDF4  # noqa: F401 - only probing which engine is installed

        return "netcdf4"
    except ImportError:  # pragma: no cover
        return "h5netcdf"


NEW_BUCKET = "https://brainscore-storage.s3.amazonaws.com/brainscore-language/"
LEGACY_BUCKET = "https://brainscore-language.s3.amazonaws.com/"


@dataclass(frozen=True)
class AssemblySpec:
    """Where one Brain-Score file lives and its published sha1.

    Attributes
    ----------
    identifier : str
        Brain-Score identifier (``"Pereira2018.language"``).
    dataset : str
        Sub-folder of the data home.
    filename : str
        File name (S3 key).
    sha1 : str
        Published sha1 of the file's bytes.
    version_id : str
        S3 VersionId in the legacy (versioned) bucket.
    """

    identifier: str
    dataset: str
    filename: str
    sha1: str
    version_id: str

    @property
    def urls(self) -> list[str]:
        """New bucket first, then the legacy bucket with its VersionId."""
        return [NEW_BUCKET + self.filename, f"{LEGACY_BUCKET}{self.filename}?versionId={self.version_id}"]


ASSEMBLIES: dict[str, AssemblySpec] = {spec.identifier: spec for spec in [
    AssemblySpec("Pereira2018.language", "pereira2018", "assy_Pereira2018_language.nc",
                 "f8434b4022f5b2c862f0ff2854d5b3f5f2a7fb96", "fq0gh.P7ThLu6DWUulho5W_F.YTEhDqJ"),
    AssemblySpec("Pereira2018.auditory", "pereira2018", "assy_Pereira2018_auditory.nc",
                 "08e576bd3b8caf64850bb879abf07ae228ff1f5f", ".lCMuSrGBlsEgLtZDOApLlr3h2szCmoC"),
    AssemblySpec("Blank2014.fROI", "blank2014", "assy_Blank2014_fROI.nc",
                 "af1e868821b897cb1684e4c8dcd33977121ef552", "qM.uLV8ltOHM297r2SaGteYMX4Vy.oHB"),
]}


@fill_doc
def fetch_assembly(identifier: str, *, data_home: str | os.PathLike | None = None, progress: bool = True) -> Path:
    """Local path of a Brain-Score assembly file, downloading and sha1-checking it if needed.

    Parameters
    ----------
    identifier : str
        A key of :data:`ASSEMBLIES`.
    %(data_home)s
    %(progress)s

    Raises
    ------
    KeyError
        Unknown identifier.
    brainalign.data.fetch.ChecksumError, brainalign.data.fetch.DataNotFoundError
        See :func:`brainalign.data.fetch.fetch_file`.
    """
    if identifier not in ASSEMBLIES:
        raise KeyError(f"unknown assembly {identifier!r}; known: {', '.join(ASSEMBLIES)}")
    spec = ASSEMBLIES[identifier]
    return fetch_file(spec.dataset, spec.filename, urls=spec.urls, known_hash=f"sha1:{spec.sha1}",
                      data_home=data_home, progress=progress)


def open_assembly(path: str | os.PathLike, *, multi_index: bool = False) -> xr.DataArray:
    """Read a Brain-Score NetCDF assembly into memory.

    Parameters
    ----------
    path : path-like
        The ``.nc`` file.
    multi_index : bool
        Gather each dimension's coordinates into a multi-index, as BrainIO does (default: plain coordinates, which
        are easier to select on).

    Returns
    -------
    xarray.DataArray
        Dims as stored (``("presentation", "neuroid")`` for neural assemblies).
    """
    try:
        da = xr.open_dataarray(path, engine=_engine()).load()
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is not a readable Brain-Score NetCDF assembly ({exc})") from exc
    da.close()
    for name in list(da.coords):  # h5netcdf returns bytes for some string coords written by netCDF4
        values = da.coords[name].values
        if values.dtype.kind == "S" or (values.dtype == object and len(values) and isinstance(values.flat[0], bytes)):
            da = da.assign_coords({name: (da.coords[name].dims, np.char.decode(values.astype("S"), "utf-8"))})
    return gather_indexes(da) if multi_index else da


def gather_indexes(da: xr.DataArray) -> xr.DataArray:
    """BrainIO's ``gather_indexes``: every non-index coordinate along a dimension joins that dimension's multi-index.

    Parameters
    ----------
    da : xarray.DataArray

    Returns
    -------
    xarray.DataArray
    """
    indexes = {}
    for dim in da.dims:
        names = [name for name, c in da.coords.items() if c.dims == (dim,) and name != dim]
        if names:
            indexes[dim] = names
    return da.set_index(indexes) if indexes else da


def write_assembly(da: xr.DataArray, path: str | os.PathLike) -> Path:
    """Write an assembly the way brain-score/core ``write_netcdf`` does (reset indexes, ``"data"`` variable, zlib 9).

    Parameters
    ----------
    da : xarray.DataArray
        Assembly, e.g. dims ``("presentation", "neuroid")``.
    path : path-like
        Destination ``.nc`` file.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = da.reset_index([d for d in da.dims if d in da.indexes]) if da.indexes else da
    ds = plain.to_dataset(name="data")
    ds.to_netcdf(path, engine=_engine(), encoding={"data": {"zlib": True, "complevel": 9}})
    return path


@fill_doc
def load_assembly(identifier: str, *, data_home: str | os.PathLike | None = None,
                  multi_index: bool = False) -> xr.DataArray:
    """Fetch (if needed) and open a Brain-Score assembly by identifier.

    Parameters
    ----------
    identifier : str
        ``"Pereira2018.language"``, ``"Pereira2018.auditory"`` or ``"Blank2014.fROI"``.
    %(data_home)s
    multi_index : bool
        See :func:`open_assembly`.

    Returns
    -------
    xarray.DataArray
        With ``attrs["identifier"]`` and ``attrs["sha1"]`` set.
    """
    path = fetch_assembly(identifier, data_home=data_home)
    da = open_assembly(path, multi_index=multi_index)
    da.attrs.update(identifier=identifier, sha1=ASSEMBLIES[identifier].sha1)
    return da

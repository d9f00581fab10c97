"""pyproject.toml and environment.yml pin the same versions; the pinned NetCDF engines both work."""

import tomllib
from pathlib import Path

import numpy as np
import xarray as xr
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    pins = {}
    for req in reqs:
        name, _, version = req.partition("==")
        assert version, f"{req!r} in pyproject.toml is not pinned with =="
        pins[name.lower()] = version
    return pins


def _environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return {n.lower(): v for n, _, v in (r.partition("==") for r in pip if "==" in r)}


def test_environment_mirrors_pyproject():
    assert _pyproject_pins() == _environment_pins()
    assert _pyproject_pins()["torch"] == "2.13.0"


def test_netcdf_engines_read_each_other(tmp_path):
    da = xr.DataArray(np.arange(6.0).reshape(2, 3), dims=("presentation", "neuroid"),
                      coords={"stimulus_id": ("presentation", ["a", "b"])}, name="data")
    da.to_netcdf(tmp_path / "x.nc", engine="netcdf4")
    back = xr.open_dataarray(tmp_path / "x.nc", engine="h5netcdf").load()
    np.testing.assert_array_equal(back.values, da.values)
    assert list(back["stimulus_id"].values) == ["a", "b"]

"""Downloads of assemblies from a loopback HTTP server: checksum mismatch and truncation are errors, never cached."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import threading

import pytest

from brainalign.data import assemblies
from brainalign.data.fetch import ChecksumError, file_hash
from fixtures_neural import blank_assembly


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def _spec(monkeypatch, base, sha1, bad_first=False):
    spec = assemblies.ASSEMBLIES["Blank2014.fROI"]
    urls = [base + "missing/" + spec.filename, base + spec.filename] if bad_first else [base + spec.filename]

    class Spec(type(spec)):
        @property
        def urls(self):
            return urls

    patched = Spec(**{**dataclasses.asdict(spec), "sha1": sha1})
    monkeypatch.setitem(assemblies.ASSEMBLIES, "Blank2014.fROI", patched)
    return patched


@pytest.fixture
def online(monkeypatch):
    monkeypatch.setenv("BRAINALIGN_OFFLINE", "0")


def test_download_falls_back_to_second_url_and_verifies(server, tmp_path, monkeypatch, online):
    root, base = server
    from brainalign.data.assemblies import write_assembly

    src = write_assembly(blank_assembly(), root / "assy_Blank2014_fROI.nc")
    _spec(monkeypatch, base, file_hash(src), bad_first=True)
    home = tmp_path / "home"
    da = assemblies.load_assembly("Blank2014.fROI", data_home=home)
    assert da.sizes["neuroid"] == 12
    assert (home / "blank2014" / "assy_Blank2014_fROI.nc").exists()


def test_checksum_mismatch_is_clear_and_not_cached(server, tmp_path, monkeypatch, online):
    root, base = server
    from brainalign.data.assemblies import write_assembly

    write_assembly(blank_assembly(), root / "assy_Blank2014_fROI.nc")
    _spec(monkeypatch, base, "0" * 40)
    home = tmp_path / "home"
    with pytest.raises(ChecksumError, match="checksum"):
        assemblies.load_assembly("Blank2014.fROI", data_home=home)
    assert not (home / "blank2014" / "assy_Blank2014_fROI.nc").exists()


def test_truncated_download_is_rejected(server, tmp_path, monkeypatch, online):
    root, base = server
    from brainalign.data.assemblies import write_assembly

    good = write_assembly(blank_assembly(), tmp_path / "good.nc")
    payload = good.read_bytes()
    (root / "assy_Blank2014_fROI.nc").write_bytes(payload[: len(payload) // 2])
    _spec(monkeypatch, base, file_hash(good))
    home = tmp_path / "home"
    with pytest.raises(ChecksumError):
        assemblies.load_assembly("Blank2014.fROI", data_home=home)
    assert not list((home / "blank2014").glob("*.nc")) if (home / "blank2014").exists() else True


def test_corrupt_local_file_is_reported(tmp_path, monkeypatch):
    spec = assemblies.ASSEMBLIES["Blank2014.fROI"]
    path = tmp_path / spec.dataset / spec.filename
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a netcdf")
    with pytest.raises(ChecksumError, match="delete it"):
        assemblies.load_assembly("Blank2014.fROI", data_home=tmp_path)


def test_published_urls_new_then_legacy():
    spec = assemblies.ASSEMBLIES["Pereira2018.language"]
    assert spec.urls[0] == "https://brainscore-storage.s3.amazonaws.com/brainscore-language/assy_Pereira2018_language.nc"
    assert spec.urls[1].startswith("https://brainscore-language.s3.amazonaws.com/assy_Pereira2018_language.nc?versionId=")
    assert spec.sha1 == "f8434b4022f5b2c862f0ff2854d5b3f5f2a7fb96"

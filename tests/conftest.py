"""Test-wide settings: no network, one torch thread, human data from ../shared/data.

The tests mirror the package (``tests/<stage>/test_<module>.py``); helpers shared by several stages
(``fixtures_neural.py``) sit at the top and are importable from every test module.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the shared helpers (fixtures_neural)

os.environ.setdefault("BRAINALIGN_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# activations computed by tests go to a throw-away folder, never into the user's cache
os.environ.setdefault("BRAINALIGN_ACTIVATION_CACHE", tempfile.mkdtemp(prefix="brainalign-test-activations-"))
from brainalign.book.checkout import use_shared_data  # noqa: E402 - after the environment is set

use_shared_data(ROOT)

try:  # two cores: parallel BLAS/OpenMP in tests slows everything down ~10x
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    pass

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX
        return True
    host = address[0] if isinstance(address, tuple) else address
    return host in {"localhost", "::1", "0.0.0.0"} or str(host).startswith("127.")


def _guarded(real):
    def connect(self, address):
        if not _is_local(address):
            raise RuntimeError(f"tests must not use the network (tried to connect to {address!r})")
        return real(self, address)

    return connect


@pytest.fixture(autouse=True)
def _block_network(monkeypatch):
    """Only loopback connections (dask LocalCluster, the book's local HTTP server) are allowed."""
    monkeypatch.setattr(socket.socket, "connect", _guarded(_real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded(_real_connect_ex))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The offline mirror of the human data (skips when it is absent, e.g. outside this project's machines)."""
    path = Path(os.environ.get("BRAINALIGN_DATA", SHARED_DATA))
    if not (path / "naturalstories").exists():
        pytest.skip(f"no Natural Stories mirror at {path}")
    return path

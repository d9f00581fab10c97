"""brainalign.paths: one lookup order per folder (argument > environment variable > user cache)."""

from __future__ import annotations

import os
from pathlib import Path

from brainalign import paths


def test_lookup_order(tmp_path, monkeypatch):
    for env in (paths.ENV_DATA_HOME, paths.ENV_ACTIVATION_CACHE, paths.ENV_MODEL_CACHE):
        monkeypatch.delenv(env, raising=False)
    user = paths.user_cache_dir()
    assert paths.get_data_home() == user
    assert paths.activation_cache_dir() == user / "activations"
    assert paths.model_cache_dir() == user / "models"
    monkeypatch.setenv(paths.ENV_DATA_HOME, str(tmp_path / "env"))
    monkeypatch.setenv(paths.ENV_ACTIVATION_CACHE, str(tmp_path / "acts"))
    monkeypatch.setenv(paths.ENV_MODEL_CACHE, str(tmp_path / "models"))
    assert paths.get_data_home() == tmp_path / "env"
    assert paths.activation_cache_dir() == tmp_path / "acts" and paths.model_cache_dir() == tmp_path / "models"
    assert paths.get_data_home(tmp_path / "arg") == tmp_path / "arg"  # an argument wins
    assert paths.get_data_home("~/x") == Path.home() / "x"


def test_offline_flag_and_plugin_dirs(tmp_path, monkeypatch):
    for value, expected in [("1", True), ("yes", True), ("TRUE", True), ("0", False), ("", False)]:
        monkeypatch.setenv(paths.ENV_OFFLINE, value)
        assert paths.offline() is expected
    monkeypatch.setenv(paths.ENV_BENCHMARK_PATH, os.pathsep.join([str(tmp_path / "a"), "", str(tmp_path / "b")]))
    assert paths.benchmark_plugin_dirs() == [tmp_path / "a", tmp_path / "b"]  # empty entries are ignored

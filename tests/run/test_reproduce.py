"""brainalign reproduce (cost estimate, paper protocol) and one protocol per results directory."""

from __future__ import annotations

import json

import pytest

from brainalign.cli import main
from brainalign.run.reproduce import cost_estimate, paper_models
from brainalign.run.sweep import ProtocolMismatchError, claim_protocol


def test_paper_models_are_the_25_and_the_gpt2_controls():
    names = paper_models()
    assert len(names) == 33 and "stable-vicuna-13b" in names and "gpt2-xl-alpaca" in names


def test_cost_estimate_scales_with_size_and_flags_what_does_not_fit():
    table = cost_estimate().set_index("model")
    assert table.loc["llama-33b", "weights_gib"] == pytest.approx(33e9 * 4 / 2**30, abs=0.1)
    assert not table.loc["llama-33b", "fits_one_gpu"] and table.loc["llama-13b", "fits_one_gpu"]
    assert table.loc["t5-xxl", "gpu_hours"] > table.loc["t5-xl", "gpu_hours"] > table.loc["t5-small", "gpu_hours"]
    # Blank2014's trailing-space fragments: every TR is its own forward, for every family
    assert table.loc["gpt2-small", "tokens_Blank2014"] > 10 * table.loc["gpt2-small", "tokens_Pereira2018"]


def test_reproduce_estimate_cli(capsys):
    assert main(["reproduce", "--estimate", "--json", "--models", "t5-small", "llama-7b"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["model"] for r in lines] == ["t5-small", "llama-7b"] and all("gpu_hours" in r for r in lines)
    assert main(["reproduce", "--estimate", "--models", "no-such-model"]) == 2


def test_reproduce_runs_its_tasks(tmp_path, monkeypatch, capsys):
    # reproduce has no --dtype option: the shared run path used to fail on args.dtype before any task ran
    from brainalign.models.tiny import save_tiny_model

    folder = save_tiny_model(tmp_path / "tiny", "gpt2", seed=0)
    monkeypatch.setenv("BRAINALIGN_DATA", str(tmp_path / "no-data"))
    monkeypatch.setenv("BRAINALIGN_OFFLINE", "1")
    code = main(["reproduce", "--models", str(folder), "-b", "Futrell2018", "--device", "cpu", "--json",
                 "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert "AttributeError" not in captured.err
    (line,) = [json.loads(x) for x in captured.out.splitlines()]
    assert code == 1 and line["status"] == "error" and "Futrell2018" in line["error"]
    assert (tmp_path / "out" / "_protocol").read_text().strip() == "paper"


def test_one_protocol_per_results_directory(tmp_path, capsys):
    assert claim_protocol(tmp_path, "paper") == "paper"
    assert (tmp_path / "_protocol").read_text().strip() == "paper"
    assert claim_protocol(tmp_path, "paper") == "paper"
    with pytest.raises(ProtocolMismatchError, match="holds results of the 'paper' protocol"):
        claim_protocol(tmp_path, "brainalign")
    code = main(["score", "gpt2-small", "-b", "Futrell2018", "--out", str(tmp_path)])  # default protocol
    assert code == 2 and "--protocol paper" in capsys.readouterr().err

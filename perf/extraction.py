"""Activation extraction: one forward per passage against per-item cumulative feeding (Brain-Score's semantics).

Brain-Score's Hugging Face wrapper presents a passage item by item, each item with all earlier items of its passage as
context, and reads the last token: one forward per item over a growing prefix. For a causal model the same numbers come
from one forward over the whole passage, gathering each item's last token (brainalign's default). This script measures
both in the same process, on identical data, and prints:

* token-forwards (tokens pushed through the model) of each mode and their ratio;
* wall time (median of ``--reps`` runs) and the ratio to one-pass;
* the max absolute activation difference between the modes (all layers, all items).

Modes: ``one-pass`` (brainalign: passages batched, sorted by length), ``per-item batched`` (every prefix its own
sequence, batched and sorted by length: the best a per-item loop can do), and ``per-item, batch 1`` (one forward per
item, as Brain-Score's ``digest_text`` loop).

Data: Pereira-shaped synthetic text, 96 passages x 4 sentences of 6-18 words drawn from a fixed vocabulary.
Model: a random-init causal LM built from a config (no download): by default a small LLaMA (4 blocks, hidden 256) with
brainalign's tiny byte-level tokenizer; ``--gpt2-small`` uses GPT-2-small's configuration (124M parameters,
performance.md's setup; much slower).

Run:  python perf/extraction.py [--passages 96] [--sentences 4] [--reps 3] [--threads 1] [--gpt2-small]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from _timing import timed

VOCAB = ("the a an old young river forest stranger village heron boar walked looked said answered remembered "
         "quickly slowly every morning evening under over near beside story word reader brain model language "
         "predicts surprising simple long short bright dark water hill field road house window door light "
         "children people scientist writer notebook camera question answer memory kind of wealth and but "
         "because when while after before is was were had has will could might").split()


def synthetic_passages(n_passages: int = 96, n_sentences: int = 4, seed: int = 0) -> list[list[str]]:
    """Passages of sentences of 6-18 random words, capitalised and ending with a period."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_passages):
        sents = []
        for _ in range(n_sentences):
            words = list(rng.choice(VOCAB, size=int(rng.integers(6, 19))))
            sents.append(" ".join(words).capitalize() + ".")
        out.append(sents)
    return out


def build_model(gpt2_small: bool):
    from brainalign.models.language_model import build_language_model
    from brainalign.models.tiny import tiny_tokenizer

    tok = tiny_tokenizer("gpt2" if gpt2_small else "llama")
    torch.manual_seed(0)
    if gpt2_small:
        from transformers import GPT2Config, GPT2LMHeadModel

        net = GPT2LMHeadModel(GPT2Config(vocab_size=len(tok), bos_token_id=tok.bos_token_id,
                                         eos_token_id=tok.eos_token_id))
        name = "random GPT-2-small config"
    else:
        from transformers import LlamaConfig, LlamaForCausalLM

        net = LlamaForCausalLM(LlamaConfig(vocab_size=len(tok), hidden_size=256, intermediate_size=688,
                                           num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=4,
                                           max_position_embeddings=4096, bos_token_id=tok.bos_token_id,
                                           eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id))
        name = "random LLaMA (4 blocks, hidden 256)"
    return build_language_model(net.float().eval(), tok, name=name, model_id=name, revision="random-seed0",
                                untrained=True, info={})



def main() -> None:
    from brainalign.activations import extract as extraction
    from brainalign.activations import extract_activations

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--passages", type=int, default=96)
    ap.add_argument("--sentences", type=int, default=4)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--gpt2-small", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    passages = synthetic_passages(args.passages, args.sentences)
    model = build_model(args.gpt2_small)
    n_items = sum(map(len, passages))
    tok_one = sum(len(s.ids) for s in extraction._causal_sequences(model, passages, None))
    tok_per = sum(len(s.ids) for s in extraction._per_item_sequences(model, passages))

    def run(**kw):
        return extract_activations(model, passages, cache=False, progress=False, **kw)

    run(batch_size=args.batch_size)  # warm-up
    t_one, *_, a_one = timed(lambda: run(batch_size=args.batch_size), args.reps)
    t_per, *_, a_per = timed(lambda: run(batch_size=args.batch_size, per_item=True), args.reps)
    t_b1, *_, a_b1 = timed(lambda: run(batch_size=1, per_item=True), max(1, args.reps // 2))
    diff = float(np.abs(a_one.values - a_per.values).max())
    diff1 = float(np.abs(a_one.values - a_b1.values).max())
    print(f"model: {model.name}, {model.info['n_params'] / 1e6:.1f}M parameters, {len(model.layer_names)} layers; "
          f"torch threads: {args.threads}")
    print(f"stimuli: {len(passages)} passages x {args.sentences} sentences = {n_items} items (synthetic)")
    print(f"{'mode':<22}{'token-forwards':>16}{'x one-pass':>12}{'wall s':>10}{'x one-pass':>12}{'max |diff|':>13}")
    rows = [("one-pass (brainalign)", tok_one, t_one, 0.0), ("per-item, batched", tok_per, t_per, diff),
            ("per-item, batch 1", tok_per, t_b1, diff1)]
    for name, toks, t, d in rows:
        print(f"{name:<22}{toks:>16,}{toks / tok_one:>12.2f}{t:>10.2f}{t / t_one:>12.2f}{d:>13.2e}")


if __name__ == "__main__":
    main()

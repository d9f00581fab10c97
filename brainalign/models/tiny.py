"""Tiny random-init language models with offline tokenizers, for tests and examples.

:func:`tiny_model` builds a 2-block model of a real architecture (LLaMA, GPT-2 or T5 v1.1) with hidden size 32 and a
tokenizer trained in memory (a second or less) on a fixed English text with the ``tokenizers`` library, so nothing is
downloaded. The tokenizers mimic the three conventions found in the paper's models:

- ``"gpt2"``: byte-level BPE, the space attached to the *next* token (``"Ġword"``), no special tokens added;
- ``"llama"``: byte-level BPE like LLaMA-3/SmolLM2, with a ``<s>`` (BOS) token prepended;
- ``"t5"``: SentencePiece-style unigram with the ``"▁"`` word-start marker and ``</s>`` appended (T5 v1.1).

Every tokenizer handles arbitrary text: byte-level BPE covers every byte, and the unigram model's alphabet covers
printable ASCII (other characters become ``<unk>``). :func:`save_tiny_model` writes a directory that
:func:`brainalign.models.load_model` loads like any local model (used by CLI tests).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..backend import resolve_device
from .language_model import LanguageModel, build_language_model

ARCHS = ("llama", "gpt2", "t5")

#: Training text of the tiny tokenizers (original prose; any fixed English text would do).
_CORPUS = """
The old boar lived at the edge of the forest, where the river turned south and the fields began. Every morning he
walked down to the water, drank, and looked at the hills. "Nobody remembers me," he said to the heron, "but I remember
everybody." The heron, who was patient and a little vain, answered that memory is a kind of wealth. Children from the
village sometimes came to watch him; they threw apples, laughed, and ran away when he grunted. In the spring of that
year a stranger arrived: a tall man with a grey coat, a notebook and a camera. He asked questions about the boar, wrote
down the answers, and stayed for three weeks. Was he a hunter? A scientist? A writer looking for a story? Nobody knew.
When he left, the village was quieter than before, and the boar walked down to the river as he always had. Reading a
story word by word, people slow down on surprising words and speed up on predictable ones; that is the idea behind
surprisal. Language models assign a probability to each next word, and brains, it seems, do something similar.
It's 1,234 miles (about 1,986 km) away -- isn't it? Yes: 50% of 10 is 5; don't worry & keep going!
"""
_ASCII = "".join(chr(c) for c in range(32, 127))
_VOCAB_SIZE = {"llama": 600, "gpt2": 600, "t5": 400}
MAX_POSITIONS = 4096
T5_MAX_LENGTH = 512  # as the real T5 tokenizers (relative positions: no hard limit in the network)


def _corpus_lines() -> list[str]:
    lines = [line for line in _CORPUS.strip().splitlines() if line]
    return lines + [_ASCII, " ".join(_ASCII)]


def tiny_tokenizer(arch: str = "llama") -> Any:
    """A fast tokenizer for a tiny model (see the module docstring for the conventions).

    Parameters
    ----------
    arch : {"llama", "gpt2", "t5"}

    Returns
    -------
    transformers.PreTrainedTokenizerFast
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    _check_arch(arch)
    if arch == "t5":
        tok = Tokenizer(models.Unigram())
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
        tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
        trainer = trainers.UnigramTrainer(vocab_size=_VOCAB_SIZE[arch], special_tokens=["<pad>", "</s>", "<unk>"],
                                          unk_token="<unk>", initial_alphabet=list(_ASCII), shrinking_factor=0.75,
                                          show_progress=False)
        tok.train_from_iterator(_corpus_lines(), trainer=trainer)
        eos = tok.token_to_id("</s>")
        tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>",
                                                           special_tokens=[("</s>", eos)])
        fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
                                       model_max_length=T5_MAX_LENGTH)
        return fast
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>"] if arch == "gpt2" else ["<s>", "</s>", "<pad>"]
    trainer = trainers.BpeTrainer(vocab_size=_VOCAB_SIZE[arch], special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(_corpus_lines(), trainer=trainer)
    if arch == "gpt2":
        tok.post_processor = processors.ByteLevel(trim_offsets=True)
        return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                       unk_token="<|endoftext|>", model_max_length=MAX_POSITIONS)
    bos = tok.token_to_id("<s>")
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos)]),
    ])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                   model_max_length=MAX_POSITIONS)


def tiny_config(arch: str, tokenizer: Any) -> Any:
    """A 2-block configuration of ``arch`` sized for ``tokenizer`` (hidden size 32, 4 heads)."""
    _check_arch(arch)
    vocab = len(tokenizer)
    if arch == "llama":
        from transformers import LlamaConfig

        return LlamaConfig(vocab_size=vocab, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=MAX_POSITIONS,
                           bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                           pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=False)
    if arch == "gpt2":
        from transformers import GPT2Config

        return GPT2Config(vocab_size=vocab, n_positions=MAX_POSITIONS, n_embd=32, n_layer=2, n_head=4,
                          bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    from transformers import T5Config

    return T5Config(vocab_size=vocab, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2, num_heads=4,
                    feed_forward_proj="gated-gelu", tie_word_embeddings=False, pad_token_id=tokenizer.pad_token_id,
                    eos_token_id=tokenizer.eos_token_id, decoder_start_token_id=tokenizer.pad_token_id)


def _random_network(config: Any, seed: int) -> Any:
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    cls = AutoModelForSeq2SeqLM if getattr(config, "is_encoder_decoder", False) else AutoModelForCausalLM
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = cls.from_config(config)
    return net.float().eval()


def tiny_model(arch: str = "llama", seed: int = 0, *, device: Any = "cpu") -> LanguageModel:
    """A tiny random-init language model with an offline tokenizer.

    Parameters
    ----------
    arch : {"llama", "gpt2", "t5"}
        Architecture (2 blocks; T5 = 2 encoder + 2 decoder blocks).
    seed : int
        Seed of the random weights (the same seed gives the same weights).
    device : str or torch.device
        Where to put it (the CPU by default).

    Returns
    -------
    LanguageModel
        ``name = "tiny-<arch>"``, ``revision = "tiny-seed<seed>"``, ``max_length = 4096`` (a whole Natural Stories story fits; 512 for T5, as real T5 tokenizers).
    """
    tok = tiny_tokenizer(arch)
    net = _random_network(tiny_config(arch, tok), seed).to(resolve_device(device))
    return build_language_model(net, tok, name=f"tiny-{arch}", model_id=f"tiny-{arch}", revision=f"tiny-seed{seed}",
                                untrained=True, info={"family": f"tiny-{arch}", "pair": f"tiny-{arch}",
                                                      "instruction_tuned": False})


def save_tiny_model(path: str | os.PathLike, arch: str = "llama", seed: int = 0) -> Path:
    """Write a tiny random-init model and its tokenizer to ``path`` (``save_pretrained`` layout).

    Parameters
    ----------
    path : path-like
        Target directory (created).
    arch : {"llama", "gpt2", "t5"}
    seed : int

    Returns
    -------
    pathlib.Path
        The directory, loadable with :func:`brainalign.models.load_model`.
    """
    _check_arch(arch)
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    tok = tiny_tokenizer(arch)
    net = _random_network(tiny_config(arch, tok), seed)
    net.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def _check_arch(arch: str) -> None:
    if arch not in ARCHS:
        raise ValueError(f"unknown tiny architecture {arch!r}; choose one of {', '.join(ARCHS)}")

"""The language-model head on final hidden states, shared by the surprisal methods."""

from __future__ import annotations

from typing import Any


def lm_logits(net: Any, hidden: Any) -> Any:
    """The LM head on final hidden states ([n, H] -> [n, V]), with the final logit soft-capping some models use."""
    import torch

    logits = net.get_output_embeddings()(hidden)
    cap = getattr(getattr(net.config, "get_text_config", lambda: net.config)(), "final_logit_softcapping", None)
    if cap:
        logits = cap * torch.tanh(logits / cap)
    return logits


def log_probs(logits: Any) -> Any:
    """``log_softmax`` over the vocabulary in the logits' precision, at least float32 ([..., V] -> [..., V]).

    Half-precision logits are upcast; float64 logits stay float64, as the reference's ``cross_entropy`` keeps them (a
    float32 log-softmax over a 49k vocabulary moves a surprisal by up to 3.5e-5 bits).
    """
    import torch

    return torch.log_softmax(logits.to(torch.promote_types(logits.dtype, torch.float32)), dim=-1)

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

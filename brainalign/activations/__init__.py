"""Model -> numbers per stimulus: tokens aligned to words, every layer's states, per-word surprisal, and their cache.

- :func:`extract_activations`: hidden states of every layer at the last token of each item, the context growing
  within each passage (Brain-Score's presentation), cached on disk (:class:`ActivationCache`);
- :func:`word_surprisal`: per-word surprisal in bits, summed over subword tokens (Futrell2018's model side);
- :func:`corpus_readout`: surprisal and every layer's states of a corpus read as one text, from **one** forward
  shared by the benchmarks of a :func:`readout_session`, both cached;
- :func:`encode_items`: tokenization with an exact token -> item alignment (character offsets).

torch is imported only when a model runs, so importing this stage is cheap.
"""

from .cache import STORAGES, ActivationCache, cache_key, stimulus_hash
from .extract import READOUT, StimulusError, extract_activations, validate_passages
from .readout import READOUT_VERSION, CorpusReadout, ReadoutRequest, corpus_readout, readout_session
from .surprisal import DEFAULT_MAX_CONTEXT, T5_METHODS, word_surprisal
from .tokens import encode_items

__all__ = ["DEFAULT_MAX_CONTEXT", "READOUT", "READOUT_VERSION", "STORAGES", "T5_METHODS", "ActivationCache",
           "CorpusReadout", "ReadoutRequest", "StimulusError", "cache_key", "corpus_readout", "encode_items",
           "extract_activations", "readout_session", "stimulus_hash", "validate_passages", "word_surprisal"]

"""Model -> numbers per stimulus: tokens aligned to words, every layer's states, per-word surprisal, and their cache.

- :func:`extract_activations`: hidden states of every layer at the last token of each item, the context growing
  within each passage (Brain-Score's presentation), cached on disk (:class:`ActivationCache`);
- :func:`word_surprisal`: per-word surprisal in bits, summed over subword tokens (Futrell2018's model side);
- :func:`corpus_readout`: surprisal and every layer's states of a corpus read as one text, from **one** forward
  shared by the benchmarks of a :func:`readout_session`, both cached;
- :func:`encode_items`: tokenization with an exact token -> item alignment (character offsets);
- :mod:`brainalign.activations.literal`: the paper protocol's contexts, truncation and reading-time accounting, read
  literally from the authors' ``HuggingfaceSubject``.

torch is imported only when a model runs, so importing this stage is cheap.
"""

from .cache import STORAGES, ActivationCache, cache_key, stimulus_hash
from .extract import CONTEXTS, READOUT, StimulusError, extract_activations, readout_layer_names, validate_passages
from .literal import paper_word_surprisal, prepare_context
from .readout import READOUT_VERSION, CorpusReadout, ReadoutRequest, corpus_readout, readout_session
from .surprisal import DEFAULT_MAX_CONTEXT, SURPRISAL_CONTEXTS, T5_METHODS, word_surprisal
from .tokens import encode_items

__all__ = ["CONTEXTS", "DEFAULT_MAX_CONTEXT", "READOUT", "READOUT_VERSION", "STORAGES", "SURPRISAL_CONTEXTS",
           "T5_METHODS", "ActivationCache", "CorpusReadout", "ReadoutRequest", "StimulusError", "cache_key",
           "corpus_readout", "encode_items", "extract_activations", "paper_word_surprisal", "prepare_context",
           "readout_layer_names", "readout_session", "stimulus_hash", "validate_passages", "word_surprisal"]

"""corpus: medical knowledge sources -> reviewed, multilingual training data for language models."""

__version__ = "0.1.0"

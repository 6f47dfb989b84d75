"""Field extraction: LLM providers, the local offline extractor, validation and grounding."""

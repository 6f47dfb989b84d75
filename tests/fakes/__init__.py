"""Fakes of the outside world (LLM APIs) for tests and benchmarks."""

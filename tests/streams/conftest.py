"""Fixtures for the stream-stage tests: the fake LLM server and settings pointed at it."""

from tests.fakes.fixtures import fake, fake_server, make_settings  # noqa: F401

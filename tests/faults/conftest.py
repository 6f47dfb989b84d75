"""Fault tests: a private Redis or broker where a test stops one (see each module)."""

from __future__ import annotations

from tests.fakes.fixtures import fake_server  # noqa: F401

"""The worker's process pool survives a child that dies mid-document."""

from __future__ import annotations

import os

import pytest

from config.errors import Unavailable
from streams.context import StageContext


def die() -> None:
    os._exit(3)  # as the kernel's OOM killer, or a crash in a native library, would end it


async def _no_send(*_args) -> None:
    raise AssertionError("nothing is published here")


async def test_a_dead_pool_child_is_replaced_and_its_work_retried_as_transient(settings):
    ctx = StageContext.from_settings(settings, send=_no_send)
    try:
        assert await ctx.in_pool(os.getpid) != os.getpid()
        broken = ctx.pool
        with pytest.raises(Unavailable) as err:
            await ctx.in_pool(die)
        assert err.value.transient and "pool process died" in err.value.message
        assert ctx.pool is not broken
        assert await ctx.in_pool(pow, 2, 10) == 1024  # the next document is served
    finally:
        await ctx.close()

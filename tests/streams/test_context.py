"""The worker's process pool: warmed at start, and it survives a child that dies mid-document."""

from __future__ import annotations

import asyncio
import os

import pytest

from config.errors import Unavailable
from streams.context import StageContext


def die() -> None:
    os._exit(3)  # as the kernel's OOM killer, or a crash in a native library, would end it


def ocr_loaded() -> bool:
    from streams import ocr_engine

    return bool(ocr_engine._engines)


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


@pytest.mark.parametrize("ocr", [True, False])
async def test_warm_starts_every_pool_process_with_the_ocr_models_loaded(settings, ocr):
    settings = settings.model_copy(update={"preprocess_workers": 2, "ocr_enabled": ocr})
    ctx = StageContext.from_settings(settings, send=_no_send)
    try:
        await ctx.warm()
        assert len(ctx.pool._processes) == 2  # type: ignore[attr-defined]  # both started
        loaded = await asyncio.gather(*(ctx.in_pool(ocr_loaded) for _ in range(6)))
        assert loaded == [ocr] * 6  # whichever process runs it; none loads what OCR-off skips
    finally:
        await ctx.close()

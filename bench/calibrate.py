"""What L really is: the fake LLM's response time to the exact request the pipeline sends.

The fake sleeps L, then parses the request and fills an answer; that work (more for a page
image than for a line of text) is the LLM's time, not ours. For each kind of document the
provider builds its request once (captured, not sent twice), then a bare aiohttp client replays
it a few times; the median is that kind's L. aiohttp because it is the leanest client here:
whatever the replaying client spends is counted in L, so taken off our overhead.
"""

from __future__ import annotations

import asyncio
import time
from statistics import median

import aiohttp
import httpx

from bench import docs as docmix
from config.schemas import BUILTIN
from config.settings import Settings
from streams.extraction.providers.groq import GroqProvider
from streams.preprocess import RenderOptions, prepare


async def _capture(fake_url: str, doc: docmix.Doc) -> httpx.Request:
    seen: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        await request.aread()
        seen.append(request)

    settings = Settings(_env_file=None, groq_api_key="fake-groq-key-for-bench",  # type: ignore[call-arg]
                        groq_base_url=fake_url, provider_max_retries=0)
    async with httpx.AsyncClient(event_hooks={"request": [hook]}) as http:
        provider = GroqProvider(settings, http_client=http)
        pages, images, _ = prepare(doc.data, doc.content_type, RenderOptions())
        await provider.extract(pages, BUILTIN["invoice"], images)
    return seen[0]


async def _replay(request: httpx.Request, n: int) -> float:
    headers = {k: v for k, v in request.headers.items()
               if k.lower() not in ("content-length", "host")}
    times = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        for _ in range(n + 1):
            started = time.perf_counter()
            async with session.post(str(request.url), data=request.content,
                                    headers=headers) as response:
                response.raise_for_status()  # an error answer is no measure of L
                await response.read()
            times.append((time.perf_counter() - started) * 1000)
    return median(times[1:])  # the first one opens the connection


async def _measure(fake_url: str, n: int) -> dict[str, float]:
    out = {}
    for i, kind in enumerate(docmix.KINDS):
        request = await _capture(fake_url, docmix.make(kind, 900_000 + i))
        out[kind] = round(await _replay(request, n), 1)
    return out


def llm_latency(fake_url: str, n: int = 10) -> dict[str, float]:
    """Milliseconds per document kind; compare with the fake's configured L."""
    return asyncio.run(_measure(fake_url, n))

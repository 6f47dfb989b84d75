"""`doc-extractor dlq list|replay`: inspect and re-run dead letters."""

from __future__ import annotations

import asyncio
from datetime import datetime

import click

from config.settings import get_settings


@click.group()
def dlq() -> None:
    """Dead-letter topics: see why messages failed, replay them."""


@dlq.command("list")
def dlq_list() -> None:
    """Dead letters grouped by stage and reason."""
    from streams.dlq import read_all, summarize

    letters = asyncio.run(read_all(get_settings()))
    if not letters:
        click.echo("no dead letters")
        return
    click.echo(f"{'stage':<12} {'reason':<32} {'count':>6}")
    for (stage, reason), count in summarize(letters).most_common():
        click.echo(f"{stage:<12} {reason:<32} {count:>6}")
    click.echo(f"total: {len(letters)}")


@dlq.command("replay")
@click.option("--reason", default=None, help="only this error code")
@click.option("--since", default=None, help="only letters that first failed at or after "
              "this ISO time, e.g. 2026-11-29T10:00:00+00:00")
def dlq_replay(reason: str | None, since: str | None) -> None:
    """Re-publish dead letters to their original topic (each at most once)."""
    from config.redis_pool import connect
    from streams.dlq import read_all, replay

    settings = get_settings()
    cutoff = datetime.fromisoformat(since) if since else None

    async def run() -> int:
        letters = [d for d in await read_all(settings)
                   if (reason is None or d.reason == reason)
                   and (cutoff is None or (d.failed_at and d.failed_at >= cutoff))]
        redis = connect(settings)
        try:
            return await replay(settings, letters, redis)
        finally:
            await redis.aclose()

    click.echo(f"replayed {asyncio.run(run())} dead letter(s)")

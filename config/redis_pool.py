"""How every process opens Redis: a bounded pool that makes a burst wait for a connection.

redis-py's default pool raises `MaxConnectionsError` once 100 connections are in use. An upload
holds up to two at once (its rate-limit check overlaps the body read), so a burst of 100
uploads got a 503 from a healthy Redis (seen in `make bench`: 1 of 500). With a blocking pool
the 101st caller waits for the next free connection, which a round trip frees within a
millisecond; only a pool exhausted for POOL_WAIT_S is an outage (503, `store_unavailable`).
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis

from config.settings import Settings

POOL_WAIT_S = 5.0


def connect(settings: Settings, **options: Any) -> Redis:
    """A client of REDIS_URL with at most REDIS_MAX_CONNECTIONS connections; closes its pool."""
    pool = BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=settings.redis_max_connections,
        timeout=POOL_WAIT_S, **options)
    return Redis.from_pool(pool)

"""The Faust app: one agent per stage of the pipeline catalogue. Built from settings."""

from __future__ import annotations

import gc
import importlib
import tempfile
from pathlib import Path

import faust
from prometheus_client import start_http_server

from config.settings import Settings
from stores import Stores
from stores.metrics import Metrics
from streams.context import StageContext
from topics.catalogue import PIPELINE


def create_app(settings: Settings, *, metrics: Metrics | None = None,
               stores: Stores | None = None) -> faust.App:
    app = faust.App(
        f"{settings.topic_prefix}{settings.worker_group}",
        broker=[f"kafka://{h}" for h in settings.kafka_bootstrap_servers.split(",")],
        key_serializer="raw",
        value_serializer="raw",
        producer_acks=-1,  # a stage's output is durable before its input offset commits
        consumer_auto_offset_reset="earliest",  # never skip what was sent before we joined
        topic_allow_declare=False,  # topics come from the catalogue (`topics create`)
        topic_disable_leader=True,
        web_enabled=False,
        datadir=str(Path(tempfile.gettempdir()) / "doc-extractor-faust"),  # no tables kept
        stream_buffer_maxsize=256,  # messages are small references; keep prefetch modest
        broker_commit_every=100,
        broker_commit_interval=1.0,
    )

    topics: dict[str, faust.TopicT] = {}

    async def send(topic: str, key, value, headers) -> None:
        if topic not in topics:
            topics[topic] = app.topic(topic, key_type=bytes, value_type=bytes)
        fut = await topics[topic].send(key=key, value=value, headers=headers)
        await fut  # wait for the broker's ack (acks=all) before the input is acked

    ctx = StageContext.from_settings(settings, send=send, metrics=metrics, stores=stores)
    for stage in PIPELINE:
        importlib.import_module(f"streams.agents.{stage.name}").register(app, ctx)

    @app.timer(interval=10.0)
    async def consumer_lag() -> None:
        """Messages between what this worker has read and each partition's end."""
        consumer = app.consumer
        read = getattr(consumer, "_read_offset", {})
        for tp in consumer.assignment():
            end = consumer.highwater(tp)
            last = read.get(tp)
            if end is not None:
                position = 0 if last is None else last + 1
                ctx.metrics.consumer_lag.labels(tp.topic, str(tp.partition)).set(
                    max(end - position, 0))

    @app.task
    async def serve_metrics() -> None:
        if settings.worker_metrics_port:
            start_http_server(settings.worker_metrics_port, settings.worker_metrics_host,
                              registry=ctx.metrics.registry)

    @app.task
    async def warm_pool() -> None:
        await ctx.warm()

    @app.task
    async def freeze_startup_heap() -> None:
        gc.freeze()  # as the API does: startup's objects are never garbage, stop re-scanning them

    @app.on_before_shutdown.connect  # type: ignore[arg-type]
    async def close_clients(_sender, **_kwargs) -> None:
        # Runs after the consumer stopped (and committed what was acked): on SIGTERM,
        # unfinished messages stay uncommitted and are redelivered, never lost.
        await ctx.close()

    return app

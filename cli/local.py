"""In-process commands: `extract` one file, `eval` a folder with ground truth."""

from __future__ import annotations

from pathlib import Path

import click

from config.schemas import BUILTIN, SchemaDef
from config.settings import Settings
from streams.inprocess import extract_file
from streams.metrics import Metrics


def load_schema(name_or_path: str) -> SchemaDef:
    """A built-in schema by name, or a schema JSON file."""
    if name_or_path in BUILTIN:
        return BUILTIN[name_or_path]
    path = Path(name_or_path)
    if path.is_file():
        return SchemaDef.model_validate_json(path.read_bytes())
    raise click.BadParameter(f"{name_or_path!r} is not a built-in schema or a schema file",
                             param_hint="--schema")


def _chain(settings: Settings):
    from streams.extraction.providers.chain import ProviderChain

    return ProviderChain(settings, Metrics())


async def extract_one(path: Path, schema_name: str, settings: Settings) -> dict:
    schema = load_schema(schema_name)
    extraction = await extract_file(path, schema, settings, _chain(settings))
    return {"file": path.name, "schema": schema.name, **extraction.model_dump(mode="json")}


async def evaluate(directory: Path, schema_name: str | None, settings: Settings) -> str:
    """Score every document in `directory` that has ground truth; returns the report."""
    import asyncio

    from streams.evaluation import format_report, run_eval

    chain = _chain(settings)

    def extract(path: Path, schema: str):
        future = asyncio.run_coroutine_threadsafe(
            extract_file(path, load_schema(schema), settings, chain), loop)
        return future.result()

    loop = asyncio.get_running_loop()
    report = await asyncio.to_thread(run_eval, directory, extract, schema_name)
    return format_report(report)

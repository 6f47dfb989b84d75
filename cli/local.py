"""In-process commands: `extract` one file, `eval` a folder with ground truth."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import click

from config.schemas import BUILTIN, SchemaDef
from config.settings import Settings
from stores.metrics import Metrics
from streams.inprocess import extract_file
from topics.models import Result, Review, Status, utcnow


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
    """The contract's result JSON for one file extracted in this process."""
    if schema_name == "auto":
        return await split_one(path, settings)
    schema = load_schema(schema_name)
    started = time.perf_counter()
    chain = _chain(settings)
    try:
        extraction = await extract_file(path, schema, settings, chain)
    finally:
        await chain.aclose()
    result = Result(
        id=uuid.uuid4().hex, schema=schema.name, status=Status.completed,
        data=extraction.data, confidence=extraction.confidence,
        citations=extraction.citations, provider=extraction.provider, model=extraction.model,
        checks=extraction.checks, review=extraction.review,
        timings_ms={"total": round((time.perf_counter() - started) * 1000, 1)},
        completed_at=utcnow(),
    )
    return {**result.public(), "file": path.name, "field_errors": extraction.errors}


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
    if schema_name:
        load_schema(schema_name)  # a bad name fails before any document is read
    try:
        report = await asyncio.to_thread(run_eval, directory, extract, schema_name,
                                         threshold=settings.review_confidence_threshold)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    finally:
        await chain.aclose()
    return format_report(report)


async def split_one(path: Path, settings: Settings) -> dict:
    """`schema=auto` in this process: the parent's result with its children's beside it."""
    from streams.split import child_id, needs_review
    from streams.split_eval import split_file
    from topics.models import Classification

    chain = _chain(settings)
    try:
        split, method = await split_file(path, settings, chain)
    finally:
        await chain.aclose()
    parent = uuid.uuid4().hex
    children = []
    for part, ex in split:
        how = Classification(confidence=part.confidence,
                             boundary_confidence=part.boundary_confidence, method=method)
        child = Result(id=child_id(parent, part.first, part.last), schema=part.schema,
                       status=Status.completed, parent_id=parent,
                       page_range=(part.first, part.last), completed_at=utcnow(),
                       data=ex.data if ex else {}, confidence=ex.confidence if ex else {},
                       citations=ex.citations if ex else {}, checks=ex.checks if ex else [],
                       review=needs_review(ex.review if ex else Review(), how,
                                           settings.review_confidence_threshold),
                       pages=len(part.pages), classification=how)
        children.append(child.public())
    result = Result(id=parent, schema="auto", status=Status.completed, completed_at=utcnow(),
                    children=[c["id"] for c in children])
    return {**result.public(), "file": path.name, "children_results": children}


async def evaluate_split(directory: Path, settings: Settings) -> str:
    """`eval DIR --schema auto`: split accuracy, type accuracy and field accuracy per child."""
    from streams.split_eval import format_split_report, run_split_eval

    chain = _chain(settings)
    try:
        report = await run_split_eval(directory, settings, chain)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    finally:
        await chain.aclose()
    return format_split_report(report)

"""`doc-extractor`: run the API or a worker, manage topics, submit and fetch documents."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import httpx

from config.settings import get_settings


def _echo_json(obj) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False))


@click.group()
def main() -> None:
    """Event-streaming document extractor."""
    from config.logging import configure_logging

    configure_logging(get_settings())


@main.command()
@click.option("--host", default=None, help="bind address (default API_HOST, 127.0.0.1)")
@click.option("--port", type=int, default=None, help="port (default API_PORT, 8000)")
@click.option("--workers", type=int, default=1, help="uvicorn worker processes")
def api(host: str | None, port: int | None, workers: int) -> None:
    """Serve the HTTP API."""
    import uvicorn

    settings = get_settings()
    uvicorn.run("ingest_api.main:build", host=host or settings.api_host,
                port=port or settings.api_port, workers=workers, factory=True,
                access_log=False, log_level=settings.log_level.lower())


@main.command()
def worker() -> None:
    """Run the pipeline's agents (preprocess, extract, store) in this process."""
    import faust
    import mode.loop

    from streams.app import create_app
    from topics.admin import create_topics

    settings = get_settings()
    asyncio.run(create_topics(settings))
    # uvloop (as `faust -L uvloop` would): every document makes a dozen network round trips, and
    # each costs less on uvloop than on the default loop.
    mode.loop.use("uvloop")
    app = create_app(settings)
    faust.Worker(app, loglevel=settings.log_level.lower(), quiet=True,
                 override_logging=False).execute_from_commandline()


@main.group()
def topics() -> None:
    """Manage the Kafka topics of the catalogue."""


@topics.command("create")
def topics_create() -> None:
    """Create every topic and DLQ of the catalogue (safe to run again)."""
    from topics.admin import create_topics

    created = asyncio.run(create_topics(get_settings()))
    click.echo(f"created {len(created)} topic(s)" + (f": {', '.join(created)}" if created else ""))


@contextmanager
def _client(url: str, api_key: str | None) -> Iterator[httpx.Client]:
    """An HTTP client for the API; a refused or dropped connection is one line, not a traceback."""
    headers = {"X-API-Key": api_key} if api_key else {}
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            yield client
    except httpx.TransportError as exc:
        reason = str(exc) or type(exc).__name__
        raise click.ClickException(f"cannot reach the API at {url}: {reason}") from None


def _check(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:  # not our API, or a proxy's error page
        raise click.ClickException(f"HTTP {response.status_code} from {response.url}") from None
    if response.status_code >= 400:
        err = body.get("error", {})
        raise click.ClickException(f"{err.get('code')}: {err.get('message')}")
    return body


url_option = click.option("--url", default="http://127.0.0.1:8000", show_default=True)
key_option = click.option("--api-key", envvar="DOC_EXTRACTOR_API_KEY", default=None)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--schema", default="invoice", show_default=True)
@click.option("--glob", "pattern", default=None,
              help="files to take from folders, e.g. '*.pdf' (default: PDF, JPEG, PNG)")
@click.option("--wait", is_flag=True, help="wait for each result and write it as a JSON line")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="with --wait: write DIR/results.jsonl instead of stdout")
@click.option("--batch-size", default=10, show_default=True,
              type=click.IntRange(1, 100), help="files per batch (at most RATE_LIMIT_BURST)")
@click.option("--timeout", default=600.0, show_default=True, help="seconds to wait, with --wait")
@url_option
@key_option
def submit(paths, schema, pattern, wait, out_dir, batch_size, timeout, url, api_key) -> None:
    """Upload files and folders as batches; one progress view; results as JSON Lines."""
    from rich.console import Console

    from cli.submit import collect, output, run

    files = collect(paths, pattern)
    if not files:
        raise click.ClickException("no files to submit")
    out = output(out_dir if wait else None)
    try:
        with _client(url, api_key) as client:
            run(client, files, schema=schema, wait=wait, timeout=timeout,
                batch_size=batch_size, out=out, console=Console(stderr=True))
    finally:
        if out is not sys.stdout:
            out.close()


@main.command()
@click.argument("doc_id")
@url_option
@key_option
def result(doc_id, url, api_key) -> None:
    """Print a document's current state or result."""
    with _client(url, api_key) as client:
        _echo_json(_check(client.get(f"/v1/documents/{doc_id}")))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--schema", default="invoice", show_default=True)
def extract(file, schema) -> None:
    """Extract FILE in this process (no Kafka, no API) and print the result JSON."""
    from cli.local import extract_one

    _echo_json(asyncio.run(extract_one(Path(file), schema, get_settings())))


@main.command("eval")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--schema", default=None,
              help="schema of the files to score (default: the one each .gt.json names)")
def eval_(directory, schema) -> None:
    """Score extraction against DIR's <file>.gt.json ground truth (with --schema auto: the
    split too, on ground truth that lists each part's page range and schema)."""
    from cli.local import evaluate, evaluate_split

    run = evaluate_split(Path(directory), get_settings()) if schema == "auto" else evaluate(
        Path(directory), schema, get_settings())
    report = asyncio.run(run)
    click.echo(report)


from cli.dlq import dlq  # noqa: E402  (a command group in its own module)

main.add_command(dlq)

if __name__ == "__main__":
    sys.exit(main())
